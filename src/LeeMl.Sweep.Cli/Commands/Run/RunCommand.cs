using System.CommandLine;
using System.Globalization;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;

namespace LeeMl.Sweep.Cli.Commands.Run;

/// <summary>
/// <c>run</c>: the embedded default — the same coordinator and worker actors on a one-node cluster
/// in this process, with the database file in the output folder. No server to install.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var spec = Options.Positional<string?>("SPEC", $"the sweep spec, YAML or JSON [default: the built-in lecture grid, deploy/sweeps/{DefaultSpec.FileName}]", ArgumentArity.ZeroOrOne);
        var output = new Option<string?>("--out") { Description = "output folder; gets results.jsonl, telemetry.jsonl, the reports and sweep.db [default: runs/NAME-TIMESTAMP]", HelpName = "DIR" };
        var slots = Options.Slots();
        var dataDir = Options.DataDir();
        var command = new Command("run", "run a sweep in this process (default: the built-in lecture grid) and write its results and reports")
        {
            spec, output, slots, dataDir,
        };
        command.SetAction(parse => Run(parse.GetValue(spec), parse.GetValue(output), parse.GetValue(slots), parse.GetValue(dataDir), parse.InvocationConfiguration.Output));
        return command;
    }

    /// <summary>
    /// Runs the sweep on a one-node cluster inside this process: the same coordinator and worker
    /// actors as on a real cluster, the same embedded database, the same results.
    /// </summary>
    private static int Run(string? file, string? outDir, int slots, string? dataDir, TextWriter stdout)
    {
        dataDir ??= Environment.GetEnvironmentVariable("LEEML_DATA");
        var specText = file is null ? DefaultSpec.Text : File.Exists(file) ? File.ReadAllText(file) : throw new UsageException($"{file}: spec file not found");
        var spec = SpecParser.Parse(specText, file ?? $"(built-in) {DefaultSpec.FileName}");
        new DataLoader(dataDir).Source(spec.Data);   // bad data fails here, before anything is written
        outDir ??= Path.Combine("runs", $"{spec.Name}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new UsageException($"--out {outDir} is not empty; give a new folder");
        Directory.CreateDirectory(outDir);
        var full = Path.GetFullPath(outDir);

        return RunAsync(spec, specText, file ?? DefaultSpec.FileName, full, slots, dataDir, stdout).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(SweepSpec spec, string specText, string specFile, string outDir, int slots, string? dataDir, TextWriter stdout)
    {
        var options = new NodeOptions(["coordinator", "worker"], "127.0.0.1", 0, [], slots, Path.Combine(outDir, "sweep.db"),
            dataDir, LogLevel: "ERROR", Embedded: true);
        await using var node = SweepNode.Start(options);
        var client = SweepClient.Local(node);
        var accepted = await client.Ask<ISweepMessage>(new SubmitJob(specText, specFile, outDir), TimeSpan.FromSeconds(60));
        if (accepted is JobRejected rejected) throw new UsageException(rejected.Error);
        var job = (JobAccepted)accepted;
        stdout.WriteLine($"sweep '{spec.Name}': {job.Trials} trials on {slots} slots; job {job.JobId}");
        var final = await JobWatcher.Follow(client, job.JobId, stdout);
        stdout.WriteLine(Report.ReportFiles.Describe(outDir));
        stdout.WriteLine($"results: {Path.Combine(outDir, "results.jsonl")}");
        stdout.WriteLine($"telemetry: {Path.Combine(outDir, "telemetry.jsonl")}; database: {options.DatabasePath}");
        return final.State == "done" ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
