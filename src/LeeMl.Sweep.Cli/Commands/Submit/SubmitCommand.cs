using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Cli.Commands.Submit;

/// <summary><c>submit</c>: launches a sweep job on a running cluster.</summary>
public sealed class SubmitCommand : ICommand
{
    public string Name => "submit";

    public string Summary => "launch a sweep job on a running cluster; with --wait follow it and fetch its results";

    public string Help => """
        Usage: leeml-sweep submit SPEC --cluster H:P [--wait] [--out DIR] [--client-host H] [--timeout S] [--tls-cert FILE --tls-ca FILE [--tls-password PW]]

          SPEC             the sweep spec (YAML or JSON); validated here before it is sent
          --cluster H:P    any node of the cluster
          --wait           follow the job with a progress line until it ends, then fetch its files
          --out DIR        with --wait: where to write results.jsonl and telemetry.jsonl (default: runs/JOB)
          --client-host H  the address of this machine that the cluster can reach (default 127.0.0.1)
          --timeout S      seconds to wait for each answer from the cluster (default 15)
          --tls-cert, --tls-ca, --tls-password: as for node (docs/tls.md)
        Prints the job id. Exit codes: 0 accepted (or done with --wait), 1 the cluster did not answer or
        the job did not finish, 2 bad spec.
        """;

    public int Run(ArgReader args, TextWriter stdout, TextWriter stderr)
    {
        string? outDir = null;
        var wait = false;
        var (cluster, positional) = ClusterArgs.Parse(args, (a, r) =>
        {
            switch (a)
            {
                case "--wait": wait = true; return true;
                case "--out": outDir = r.Value(a); return true;
                default: return false;
            }
        });
        if (positional.Count == 0) throw new UsageException("give the SPEC file to submit");
        if (positional.Count > 1) throw new UsageException($"one spec at a time ('{positional[1]}')");
        var file = positional[0];
        if (cluster.Cluster is null) throw new UsageException("--cluster H:P is required");
        var spec = SpecParser.ParseFile(file);   // a bad spec never reaches the cluster
        return cluster.Call(stderr, async client =>
        {
            var reply = await client.Ask<ISweepMessage>(new SubmitJob(spec.SpecText, Path.GetFileName(file), null), JobWatcher.AskTimeout);
            if (reply is JobRejected r) throw new UsageException(r.Error);
            var job = (JobAccepted)reply;
            stdout.WriteLine(job.JobId);
            if (!wait) return ExitCodes.Ok;
            stderr.WriteLine($"{job.Trials} trials; results on the coordinator in {job.OutputDirectory}");
            var final = await JobWatcher.Follow(client, job.JobId, stderr);
            var dir = outDir ?? Path.Combine("runs", job.JobId);
            await JobWatcher.Download(client, job.JobId, dir);
            File.WriteAllText(Path.Combine(dir, "spec.yaml"), spec.SpecText);
            Report.ReportCommand.Write(dir, null);   // the same report files as on the coordinator, rendered here
            stderr.WriteLine(Report.ReportFiles.Describe(dir));
            stderr.WriteLine($"results: {Path.Combine(dir, "results.jsonl")}");
            return final.State == "done" ? ExitCodes.Ok : ExitCodes.Failed;
        });
    }
}
