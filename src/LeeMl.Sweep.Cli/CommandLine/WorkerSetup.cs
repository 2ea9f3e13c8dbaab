using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LeeMl.Sweep.Cluster.Hosting;
using LeeMl.Sweep.Cluster.Workers;
using LeeMl.Sweep.Experiments.Programs;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>The options that say what a worker lets program trials do, and the worker they make (node and run alike).</summary>
public sealed class WorkerSetup
{
    public Option<bool> AllowPrograms { get; } = Options.Flag("--allow-programs", "workers: run program trials (a spec's program: the user's own command, see docs/programs.md)");
    public Option<string?> Gpus { get; } = new("--gpus") { Description = "workers: the GPUs given to program trials, one trial per device at a time, e.g. 0,1 [default: those nvidia-smi lists; none without it]", HelpName = "IDS" };
    public Option<string?> RunAs { get; } = new("--run-as") { Description = "workers: the user program trials run as (the worker must run as root) [default: the worker's own user]", HelpName = "USER" };
    public Option<string?> ScratchDir { get; } = new("--scratch-dir") { Description = "workers: where each program trial gets its folder, removed after it [default: the temporary folder's leeml-trials]", HelpName = "DIR" };
    public Option<string?> ProgramMemory { get; } = new("--program-memory") { Description = "workers: the most memory (data segment) a program trial may take, e.g. 8G [default: no limit]", HelpName = "SIZE" };
    public Option<int> ProgramFiles { get; } = Options.WholeNumber("--program-files", "workers: the open files a program trial may have", 4096, min: 16);
    public Option<int> ProgramProcesses { get; } = Options.WholeNumber("--program-processes", "workers: the processes (of its user) a program trial may have", 4096, min: 1);

    public IEnumerable<Option> All => [AllowPrograms, Gpus, RunAs, ScratchDir, ProgramMemory, ProgramFiles, ProgramProcesses];

    /// <summary>Bindings of these options to the settings.</summary>
    public IEnumerable<(Option, string)> Bindings =>
    [
        (AllowPrograms, nameof(NodeSettings.AllowPrograms)), (Gpus, nameof(NodeSettings.Gpus)), (RunAs, nameof(NodeSettings.RunAs)), (ScratchDir, nameof(NodeSettings.ScratchDir)),
        (ProgramMemory, nameof(NodeSettings.ProgramMemory)), (ProgramFiles, nameof(NodeSettings.ProgramFiles)), (ProgramProcesses, nameof(NodeSettings.ProgramProcesses)),
    ];

    /// <summary>What the settings let programs do (null: they are not allowed), checked: bad input is a usage error.</summary>
    public static ProgramHost? ProgramHostOf(NodeSettings s)
    {
        if (!s.AllowPrograms)
        {
            if (s.RunAs is not null || s.Gpus is not null) throw new UsageException("--run-as and --gpus are for workers that run programs: add --allow-programs");
            return null;
        }
        if (ProgramProcess.MissingTools() is { Count: > 0 } missing) throw new UsageException($"--allow-programs needs {string.Join(", ", missing)} (Debian's util-linux and coreutils)");
        if (s.RunAs is { } user)
        {
            if (Environment.UserName != "root") throw new UsageException($"--run-as {user}: the worker must run as root to start programs as another user");
            if (!File.ReadLines("/etc/passwd").Any(l => l.StartsWith(user + ":", StringComparison.Ordinal))) throw new UsageException($"--run-as {user}: no such user");
        }
        long? memory;
        try
        {
            memory = s.ProgramMemory is { } m ? Cluster.Hosting.Sizes.Parse(m, "--program-memory") : null;
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        return new ProgramHost(s.ScratchDir ?? ProgramHost.DefaultScratchRoot, s.RunAs, new ProgramLimits(s.ProgramFiles, s.ProgramProcesses, memory));
    }

    /// <summary>The GPUs of --gpus ("0,1"; "none"), or those nvidia-smi lists.</summary>
    public static IReadOnlyList<int> GpusOf(NodeSettings s)
    {
        if (!s.AllowPrograms) return [];
        if (s.Gpus is { } text)
        {
            if (text is "none" or "") return [];
            var ids = new List<int>();
            foreach (var part in text.Split(','))
                if (int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id < 4096 && !ids.Contains(id)) ids.Add(id);
                else throw new UsageException($"--gpus '{Experiments.Text.Printable.Escape(text)}': a list of distinct device numbers, e.g. 0,1 (or none)");
            return ids;
        }
        return Detected();
    }

    private static IReadOnlyList<int> Detected()
    {
        try
        {
            using var smi = Process.Start(new ProcessStartInfo("nvidia-smi", ["--query-gpu=index", "--format=csv,noheader"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (smi is null) return [];
            var text = smi.StandardOutput.ReadToEnd();
            smi.WaitForExit(5000);
            return smi.ExitCode != 0 ? [] : [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => int.TryParse(l, out var i) ? i : -1).Where(i => i >= 0)];
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return [];   // no nvidia-smi: no GPU this worker knows of
        }
    }

    /// <summary>The worker's options for these settings.</summary>
    public static WorkerOptions Worker(NodeSettings s, string cacheDir) => new("", s.Slots, s.DataDir)
    {
        Cache = new(cacheDir, s.CacheBytes),
        Programs = ProgramHostOf(s),
        Gpus = GpusOf(s),
    };
}
