using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>
/// A test that runs one job twice — in one process (<c>run</c>, the reference) and on a cluster of
/// coordinators sharing a real PostgreSQL server — with something done to the cluster meanwhile.
/// </summary>
public abstract class PostgresScenario : IDisposable
{
    internal ClusterFixture F { get; } = new();

    private PostgresServer? _postgres;

    internal PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("no server started yet: call NewStore first");

    public void Dispose()
    {
        F.Dispose();
        _postgres?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The spec written into the folder, and <c>run</c> of it with two slots started: its
    /// results.jsonl is the reference, waited for only when compared. It runs beside the cluster,
    /// whose scenario waits on processes far more than it computes.
    /// </summary>
    internal (string Spec, Reference Reference) RunInOneProcess(string text, string name)
    {
        var spec = F.WriteSpec(text, name + ".yaml");
        var outDir = Path.Combine(F.Dir, "run-" + name);
        return (spec, new Reference(F.Start("run", spec, "--out", outDir, "--slots", "2"), Path.Combine(outDir, "results.jsonl")));
    }

    /// <summary>An in-process run of the scenario's spec: its results once it has finished.</summary>
    internal sealed record Reference(CliProcess Run, string ResultsFile)
    {
        public string Results()
        {
            Assert.True(Run.WaitForExit(TimeSpan.FromMinutes(4)) && Run.ExitCode == 0, Run.Output);
            return ResultsFile;
        }
    }

    /// <summary>A PostgreSQL server started for the test and a new database on it, its address for --db.</summary>
    internal string NewStore()
    {
        _postgres ??= new PostgresServer();
        F.Environment["LEEML_DB_PASSWORD"] = PostgresServer.Password;
        return _postgres.NewDatabase();
    }

    /// <summary><c>submit --wait</c> of <paramref name="spec"/> to these coordinators, once the job runs.</summary>
    internal async Task<(CliProcess Submit, string Results)> SubmitRunning(string spec, int[] http, string name)
    {
        var outDir = Path.Combine(F.Dir, name);
        var submit = F.Start("submit", spec, "--cluster", string.Join(",", http.Select(p => $"127.0.0.1:{p}")), "--wait", "--out", outDir);
        await submit.WaitFor(o => o.Contains("running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the job running");
        return (submit, Path.Combine(outDir, "results.jsonl"));
    }

    /// <summary>The job ended well: every trial completed, and the bytes are those of <c>run</c>.</summary>
    internal static void SameAsRun(CliProcess submit, string results, Reference reference)
    {
        Assert.True(submit.WaitForExit(TimeSpan.FromMinutes(5)), "the job did not finish:\n" + submit.Output);
        Assert.True(submit.ExitCode == 0, submit.Output);
        Assert.All(File.ReadAllLines(results), l => Assert.Equal("completed", System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("outcome").GetString()));
        Assert.Equal(ClusterFixture.Sha256(reference.Results()), ClusterFixture.Sha256(results));
    }
}
