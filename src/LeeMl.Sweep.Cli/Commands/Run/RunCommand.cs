using LeeMl.Sweep.Cli.Network;
using LeeMl.Sweep.Cluster.Protocol;
using System.CommandLine;
using System.Globalization;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cli.Commands.Jobs;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Service;
using LeeMl.Sweep.Cluster.Workers;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Reporting;
using LeeMl.Sweep.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LeeMl.Sweep.Cli.Commands.Run;

/// <summary>
/// <c>run</c>: the embedded default — the same job entity, dispatcher and worker actors as on a
/// cluster, on a one-node cluster in this process, with an SQLite store in the output folder.
/// No server to install.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var spec = Options.Positional<string?>("SPEC", $"the sweep spec, YAML or JSON [default: the built-in lecture grid, deploy/sweeps/{DefaultSpec.FileName}]", ArgumentArity.ZeroOrOne);
        var output = new Option<string?>("--out") { Description = "output folder; gets results.jsonl, telemetry.jsonl, the reports and sweep.db [default: runs/NAME-TIMESTAMP]", HelpName = "DIR" };
        var slots = Options.Slots();
        var dataDir = Options.DataDir();
        var http = new Option<int?>("--http")
        {
            Description = "also serve the dashboard and HTTP API on this port while the job runs [default: none]",
            HelpName = "PORT",
            CustomParser = r =>
            {
                var text = r.Tokens[0].Value;
                if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535) return p;
                r.AddError($"--http '{text}' is not a port (1-65535)");
                return null;
            },
        };
        var httpHost = new Option<string>("--http-host") { Description = "the address --http listens on (loopback only: run serves without TLS)", HelpName = "H", DefaultValueFactory = _ => NodeSettings.Defaults.HttpHost };
        var keepServing = Options.Flag("--keep-serving", "with --http: keep serving after the job has ended, until Ctrl+C");
        var logLevel = SettingsBinder.LogLevelOption();
        var config = SettingsBinder.ConfigOption();
        var programs = new WorkerSetup();
        var command = new Command("run", "run a sweep in this process (default: the built-in lecture grid) and write its results and reports; a spec with a program runs it on this machine")
        {
            spec, output, slots, dataDir, http, httpHost, keepServing, logLevel, config,
        };
        foreach (var o in programs.All.Skip(1)) command.Options.Add(o);   // run starts the programs of the spec it is given: no --allow-programs
        command.SetAction(parse =>
        {
            var settings = SettingsBinder.Bind(parse, config,
                [(slots, nameof(NodeSettings.Slots)), (dataDir, nameof(NodeSettings.DataDir)), (http, nameof(NodeSettings.Http)),
                 (httpHost, nameof(NodeSettings.HttpHost)), (logLevel, nameof(NodeSettings.LogLevel)), .. programs.Bindings.Skip(1)]);
            if (settings.Slots < 1) throw new UsageException($"--slots = '{settings.Slots}' must be a whole number >= 1");
            if (parse.GetValue(keepServing) && settings.Http is null) throw new UsageException("--keep-serving needs --http PORT");
            if (settings.Http is { } port) Node.NodeCommand.Port(port.ToString(CultureInfo.InvariantCulture), "--http");   // also when it came from --config
            // run has no certificates: its dashboard is for this machine. Other machines watch a node that serves HTTPS.
            if (settings.Http is not null && !Cluster.Security.Exposure.IsLoopback(settings.HttpHost))
                throw new UsageException($"--http-host {Experiments.Text.Printable.Escape(settings.HttpHost)} is not a loopback address, and run serves without TLS: anyone who reaches it could read every result and cancel the job; " +
                    "watch from this machine (the default, 127.0.0.1), or run a cluster node with TLS (node --http-host H --tls-cert ... --tls-ca ..., see docs/tls.md)");
            if (settings.Http is { } free && PortCheck.Problem(settings.HttpHost, free) is { } inUse) throw new UsageException($"--http {free}: {inUse}");
            return Run(parse.GetValue(spec), parse.GetValue(output), settings, parse.GetValue(keepServing), parse.InvocationConfiguration.Output);
        });
        return command;
    }

    private static int Run(string? file, string? outDir, NodeSettings settings, bool keepServing, TextWriter stdout)
    {
        var specText = file is null ? DefaultSpec.Text : SpecParser.ReadFile(file);
        var spec = SpecParser.Parse(specText, file ?? $"(built-in) {DefaultSpec.FileName}");
        var data = SpecData.Check(spec, settings.DataDir, file);   // bad data fails here, before anything is written
        settings.AllowPrograms = spec.Program is not null;
        _ = (WorkerSetup.ProgramHostOf(settings), WorkerSetup.GpusOf(settings));   // and bad program options
        outDir ??= Path.Combine("runs", $"{spec.Name}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
        if (File.Exists(outDir)) throw new UsageException($"--out {outDir} is a file; give a new folder");
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new UsageException($"--out {outDir} is not empty; give a new folder");
        var madeFolder = !Directory.Exists(outDir);
        Directory.CreateDirectory(outDir);
        var full = Path.GetFullPath(outDir);
        WarmUp(spec);
        var submitted = false;
        try
        {
            return RunAsync(spec, specText, file ?? DefaultSpec.FileName, data, full, settings, keepServing, stdout, () => submitted = true).GetAwaiter().GetResult();
        }
        catch (Exception) when (!submitted)
        {
            // Refused before it had a job (a warm start of an unknown job, ...): the folder was empty
            // and holds only the empty store, so it is left as it was, ready for the same command again.
            RemoveOutput(full, madeFolder);
            throw;
        }
    }

    private static void RemoveOutput(string outDir, bool madeFolder)
    {
        try
        {
            if (madeFolder)
            {
                Directory.Delete(outDir, recursive: true);
                return;
            }
            foreach (var entry in new DirectoryInfo(outDir).EnumerateFileSystemInfos())
                if (entry is DirectoryInfo d) d.Delete(recursive: true);
                else entry.Delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // What could not be removed stays; the error that ended the run is what matters.
        }
    }

    /// <summary>
    /// Start-up (store, actor system, one-node cluster) keeps one core busy and leaves the other
    /// idle: meanwhile that one compiles the training loops and loads what the report draws with,
    /// which the job would otherwise wait for in its first trials and its report.
    /// </summary>
    private static void WarmUp(SweepSpec spec)
    {
        var trains = spec.Program is null && spec.Function is null;
        new Thread(() =>
        {
            try
            {
                if (trains) Learning.Compilation.HotLoops.Compile(typeof(Learning.Models.NeuralNet).Assembly, typeof(Optim.Updater).Assembly);
                Reporting.Rendering.Plots.WarmUp();
            }
            catch (Exception)
            {
                // Only a head start: whatever failed here is done, or reported, when the job needs it.
            }
        }) { IsBackground = true, Name = "warm-up" }.Start();
    }

    private static async Task<int> RunAsync(SweepSpec spec, string specText, string specFile, SpecData data,
        string outDir, NodeSettings settings, bool keepServing, TextWriter stdout, Action onSubmitted)
    {
        settings.Roles = [NodeRoles.Coordinator, NodeRoles.Worker];
        settings.Host = "127.0.0.1";
        settings.Port = 0;
        settings.SeedNodes = [];
        settings.Db = Path.Combine(outDir, "sweep.db");
        settings.MaxCurvePoints = long.MaxValue;   // run stores on this machine: the spec's own max_curve_points is the bound
        await using var store = await SweepStores.Open(settings.Db);
        var runtime = new NodeRuntime(settings, store, embedded: true, Server.Reports.FolderRenderer.Instance) { JobFolder = _ => outDir };
        var http = settings.Http is { } port ? new HttpEndpoint(settings.HttpHost, port, Server.Security.LocalSecrets.Create(settings.HttpHost, port)) : null;
        var worker = WorkerSetup.Worker(settings, settings.CacheDir ?? Path.Combine(outDir, ".data"));
        using var host = NodeHost.Build(runtime, worker, null, http, l => ConsoleLogging.Configure(l, settings.LogLevel));
        await host.StartAsync();
        try
        {
            await runtime.Ready;
            var api = host.Services.GetRequiredService<JobService>();
            await data.Ship(api);   // the worker reads the same bytes by hash, as on a cluster
            var reply = await api.Submit(new SubmitRequest(specText, specFile, data.Files));
            if (reply.Error is not null) throw new UsageException(reply.Error);
            onSubmitted();
            var jobId = reply.Id!;
            stdout.WriteLine($"sweep '{spec.Name}': {reply.Trials} trials on {settings.Slots} slots; job {jobId}" + (http is null ? "" : $"; dashboard on http://{http.Host}:{http.Port}/login?token={http.Secret} (clients run by this user read the secret from {Server.Security.LocalSecrets.FileOf(http.Host, http.Port)})"));
            var final = await JobWatcher.Follow(api, jobId, stdout, poll: TimeSpan.FromMilliseconds(50));
            stdout.WriteLine(ReportFolder.Describe(outDir));
            stdout.WriteLine($"results: {Path.Combine(outDir, "results.jsonl")}");
            stdout.WriteLine($"telemetry: {Path.Combine(outDir, "telemetry.jsonl")}; database: {settings.Db}");
            if (keepServing)
            {
                stdout.WriteLine("the job has ended; serving until Ctrl+C");
                await host.WaitForShutdownAsync();
            }
            return final.State == JobState.Done ? ExitCodes.Ok : ExitCodes.Failed;
        }
        finally
        {
            await host.StopAsync();
            if (http?.Secret is { } secret) Server.Security.LocalSecrets.Remove(http.Host, http.Port, secret);
        }
    }
}
