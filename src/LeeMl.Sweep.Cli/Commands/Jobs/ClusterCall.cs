using Akka.Actor;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cluster.Hosting;

namespace LeeMl.Sweep.Cli.Commands.Jobs;

/// <summary>Connects a client to a cluster for one command, turning "no answer" into a clear message and exit code 1.</summary>
public static class ClusterCall
{
    public static int Run(string cluster, string clientHost, TlsOptions? tls, TextWriter stderr, Func<SweepClient, Task<int>> call)
    {
        var client = SweepClient.Connect(cluster, clientHost, tls);
        try
        {
            return call(client).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or TaskCanceledException)
        {
            stderr.WriteLine($"leeml-sweep: no answer from a cluster node at {cluster} within {JobWatcher.AskTimeout.TotalSeconds:F0} s (is a node running there?)");
            return ExitCodes.Failed;
        }
        finally
        {
            client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
