using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Experiments.Files;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Experiments.Text;
using LeeMl.Sweep.Reporting;
using LeeMl.Sweep.Reporting.Comparison;

namespace LeeMl.Sweep.Cli.Commands.Compare;

/// <summary><c>compare</c>: one report of several jobs side by side, from folders of finished jobs or from the cluster (read-only).</summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var jobsArg = Options.Positional<string[]>("JOBS", "two or more jobs: folders of jobs (as run, fetch or submit --wait wrote them), or job ids on the cluster", ArgumentArity.OneOrMore);
        var output = new Option<string>("--out") { Description = "where to write compare.md and compare.html (and the jobs fetched from the cluster)", HelpName = "DIR", DefaultValueFactory = _ => "compare" };
        var cluster = new ClusterOptionSet(required: false);
        var command = new Command("compare", "one report of several jobs side by side: each job's best cell and the lecture's question, and the cells they have in common") { jobsArg, output };
        cluster.AddTo(command);
        command.SetAction(parse =>
        {
            var jobs = parse.GetValue(jobsArg)!;
            var dir = parse.GetValue(output)!;
            var stdout = parse.InvocationConfiguration.Output;
            if (jobs.Length < 2) throw new UsageException("compare needs two jobs or more");
            if (jobs.Distinct(StringComparer.Ordinal).Count() != jobs.Length) throw new UsageException("a job is listed twice");
            static bool IsFolder(string job) => File.Exists(Path.Combine(job, "results.jsonl"));
            foreach (var job in jobs.Where(j => !IsFolder(j) && !JobIds.IsValid(j)))
                throw new UsageException($"'{Printable.Escape(job)}' is neither a folder with a results.jsonl nor a job id");
            var folders = jobs.ToDictionary(j => j, j => IsFolder(j) ? j : Path.Combine(dir, "jobs", j), StringComparer.Ordinal);
            int Write()
            {
                var comparison = JobComparison.Of([.. jobs.Select(j => (j, ReportFolder.Read(folders[j])))]);
                Directory.CreateDirectory(dir);
                AtomicFile.WriteText(Path.Combine(dir, "compare.md"), comparison.Markdown());
                AtomicFile.WriteText(Path.Combine(dir, "compare.html"), comparison.Html());
                stdout.WriteLine($"{comparison.Common.Count} cells in common; comparison: {Path.Combine(dir, "compare.html")} (also compare.md)");
                return ExitCodes.Ok;
            }
            var remote = jobs.Where(j => !IsFolder(j)).ToList();
            if (remote.Count == 0) return Write();
            if (parse.GetValue(cluster.Cluster) is null or { Length: 0 })
                throw new UsageException($"'{Printable.Escape(remote[0])}' is a job id (no folder of that name holds a results.jsonl): give the cluster with --cluster H:P");
            return cluster.Call(parse, async client =>
            {
                foreach (var job in remote)
                {
                    if (await client.Job(job) is null) throw new UsageException($"unknown job '{Printable.Escape(job)}'");
                    await client.WriteJobData(job, folders[job]);
                }
                return Write();
            });
        });
        return command;
    }
}
