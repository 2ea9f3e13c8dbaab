using Xunit.Abstractions;
using Xunit.Sdk;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>Where a test stands in a scenario whose tests share one cluster and run in order (<see cref="StepOrderer"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute(int number) : Attribute
{
    public int Number { get; } = number;
}

/// <summary>Runs a class's tests by their <see cref="StepAttribute"/>: each still passes or fails on its own.</summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string Name = "LeeMl.Sweep.Cluster.Tests.StepOrderer";
    public const string Assembly = "LeeMl.Sweep.Cluster.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName).FirstOrDefault()?.GetConstructorArguments().Cast<int>().First() ?? int.MaxValue);
}

/// <summary>
/// The classes whose bars are times (a trial elsewhere within so many seconds of a worker's death)
/// run last: by then the test projects that run beside this one have finished, and the machine's
/// two cores are the cluster's. The others keep xunit's order.
/// </summary>
public sealed class TimedLastOrderer : ITestCollectionOrderer
{
    public const string Name = "LeeMl.Sweep.Cluster.Tests.TimedLastOrderer";

    private static readonly string[] Timed = [nameof(FailureTests)];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => Timed.Any(t => c.DisplayName.EndsWith("." + t, StringComparison.Ordinal)) ? 1 : 0);
}

/// <summary>A scenario's cluster, started once for the tests of one class; its processes are killed and its folder removed at the end.</summary>
public abstract class ScenarioCluster : IAsyncLifetime
{
    internal ClusterFixture F { get; } = new();

    public abstract Task InitializeAsync();

    public virtual Task DisposeAsync()
    {
        F.Dispose();
        return Task.CompletedTask;
    }
}
