using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Programs;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Running;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Optim.Hyper;

namespace LeeMl.Sweep.Experiments.Trials;

/// <summary>The user's program as a trial kind (a spec with <c>program:</c>).</summary>
public sealed class ProgramTrialKind : ITrialKind
{
    public const string KindName = "program";

    public string Name => KindName;

    public ITrial Start(SweepSpec sweep, TrialSpec trial, DataLoader data, TrialHost host) => ProgramTrial.Start(sweep, trial, data, host);
}

/// <summary>
/// One run of the user's program, driven like any trial: its reported steps are read as it prints
/// them; at a rung the whole process group is suspended until early stopping decides, and resumed
/// or stopped. The curve holds the steps the worker took, never one past where it stopped the
/// trial, so a program that is deterministic for its seed gives the same result line anywhere.
/// Outcomes: completed (the objective reported, exit 0), diverged (the objective not finite),
/// failed (a non-zero exit, no objective, a timeout, a bad file), stopped (at a rung); a program
/// killed by a signal the worker did not send is a fault of the node, retried elsewhere.
/// </summary>
public sealed class ProgramTrial : ITrial
{
    private readonly SweepSpec _sweep;
    private readonly ProgramSpec _program;
    private readonly TrialSpec _trial;
    private readonly string _folder;
    private readonly LogTail _log = new();
    private readonly StepAssembler _assembler;
    private readonly List<IReadOnlyDictionary<string, double>> _arrived = [];   // read, not yet taken; guarded by itself
    private readonly List<EpochResult> _curve = [];
    private readonly Stopwatch _running = new();
    private ProgramProcess? _process;
    private TrialResult? _final;
    private bool _paused;

    private ProgramTrial(SweepSpec sweep, TrialSpec trial, string folder)
    {
        (_sweep, _program, _trial, _folder) = (sweep, sweep.Program!, trial, folder);
        _assembler = new StepAssembler(_program.Objective.Metric);
    }

    /// <summary>The trial's output so far (its newest part, bounded).</summary>
    public LogTail Output => _log;

    public static ProgramTrial Start(SweepSpec sweep, TrialSpec trial, DataLoader data, TrialHost host)
    {
        var programs = host.Programs ?? throw new InvalidOperationException("this worker does not run programs (start it with --allow-programs)");
        var program = sweep.Program ?? throw new InvalidOperationException("the spec has no program");
        Directory.CreateDirectory(programs.ScratchRoot);
        // Another user must pass through the root to its trial's folder, but not list the others'.
        if (programs.RunAs is not null && !OperatingSystem.IsWindows())
            File.SetUnixFileMode(programs.ScratchRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var folder = Path.Combine(Path.GetFullPath(programs.ScratchRoot), $"{sweep.Name}-{trial.Index}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6))}");
        Directory.CreateDirectory(folder);
        var t = new ProgramTrial(sweep, trial, folder);
        try
        {
            foreach (var path in data.ShippedPaths.Where(p => ProgramFiles.Lists(program, p)))
            {
                var target = Path.Combine(folder, path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using var source = data.OpenShipped(path);
                using var copy = File.Create(target);
                source.CopyTo(copy);
            }
            var parameters = trial.Model;
            var json = CommandMacros.Json(parameters);
            var paramsFile = Path.Combine(folder, CommandMacros.ParamsFile);
            File.WriteAllText(paramsFile, json);
            if (host.Gpus.Count < program.Gpus) throw new InvalidOperationException($"the trial needs {program.Gpus} GPUs and was given {host.Gpus.Count}");
            var env = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                ["HOME"] = folder,
                ["TMPDIR"] = folder,
                ["LANG"] = "C.UTF-8",
                ["PYTHONUNBUFFERED"] = "1",   // Python's own buffer, which stdbuf does not reach: steps are seen as printed
                ["LEEML_TRIAL_KEY"] = trial.Key,
                ["LEEML_TRIAL_SEED"] = trial.Seed.ToString(CultureInfo.InvariantCulture),
                ["LEEML_TRIAL_PARAMS"] = json,
                ["LEEML_TRIAL_DIR"] = folder,
                ["CUDA_VISIBLE_DEVICES"] = string.Join(',', host.Gpus.Take(program.Gpus).Select(g => g.ToString(CultureInfo.InvariantCulture))),
            };
            foreach (var (k, v) in program.Env) env[k] = v;
            if (programs.RunAs is not null) Ownership.Give(folder, programs.RunAs);
            t._running.Start();
            t._process = ProgramProcess.Start(CommandMacros.Expand(program.Command, parameters, paramsFile), env, folder, programs, t.OnLine);
            return t;
        }
        catch (Learning.Data.DataException e) when (e.OverLimit)
        {
            t.Dispose();
            t._final = t.Failed(e.Message);
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    private void OnLine(string line)
    {
        _log.Add(line);
        lock (_arrived)
        {
            if (_assembler.Feed(line, _arrived)) Monitor.PulseAll(_arrived);
        }
    }

    public int Step => _curve.Count;

    public bool IsOver => _final is not null || _curve.Count >= _sweep.Epochs;

    public EpochResult? LastStep => _curve.Count > 0 ? _curve[^1] : null;

    public void RunUntil(int step, Action<EpochResult>? onStep, CancellationToken cancel)
    {
        if (IsOver) return;
        var process = _process!;
        if (_paused)
        {
            process.Resume();
            _paused = false;
            _running.Start();
        }
        var timeout = TimeSpan.FromSeconds(_program.TimeoutSeconds);
        while (_curve.Count < step && _final is null)
        {
            if (cancel.IsCancellationRequested)
            {
                process.Stop(Grace);
                cancel.ThrowIfCancellationRequested();
            }
            if (_running.Elapsed > timeout)
            {
                process.Stop(Grace);
                _final = Failed($"timed out after {_program.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s (program.timeout)");
                break;
            }
            IReadOnlyDictionary<string, double>? next = null;
            var ended = false;
            lock (_arrived)
            {
                if (_arrived.Count == 0 && !(ended = process.HasExited && process.WaitForOutput(TimeSpan.Zero)))
                    Monitor.Wait(_arrived, 100);
                if (_arrived.Count > 0)
                {
                    next = _arrived[0];
                    _arrived.RemoveAt(0);
                }
                else if (ended)
                    _assembler.Flush(_arrived);   // the gathered pairs of the last step
            }
            if (next is not null) Take(next, onStep);
            else if (ended && NothingLeft()) _final = Ended(process);
            if (_curve.Count >= _sweep.Epochs) break;
        }
        if (_final is null && _curve.Count < _sweep.Epochs && !process.HasExited)
        {
            // Waits at a rung: the group stops using the machine until the decision.
            process.Pause();
            _paused = true;
            _running.Stop();
        }
    }

    private bool NothingLeft()
    {
        lock (_arrived) return _arrived.Count == 0;
    }

    private TimeSpan Grace => TimeSpan.FromSeconds(_program.StopGraceSeconds);

    private void Take(IReadOnlyDictionary<string, double> metrics, Action<EpochResult>? onStep)
    {
        var n = _curve.Count + 1;
        double M(string name) => metrics.TryGetValue(name, out var v) ? v : double.NaN;
        var step = metrics.TryGetValue("step", out var s) && double.IsFinite(s) && s == Math.Floor(s) && s is >= 0 and < long.MaxValue ? (long)s : n;
        var epoch = new EpochResult(n, step, M("lr"), M("train_loss"), M("train_accuracy"), M("validation_loss"), M("validation_accuracy"), M("gradient_norm"))
        {
            Metrics = metrics.ToImmutableSortedDictionary(StringComparer.Ordinal),
        };
        _curve.Add(epoch);
        onStep?.Invoke(epoch);
        if (metrics.TryGetValue(_program.Objective.Metric, out var objective) && !double.IsFinite(objective))
        {
            // Like a built-in trial whose loss is NaN: it diverged here, and runs no further.
            _process!.Stop(Grace);
            _final = Make(TrialOutcome.Diverged, null) with { DivergedEpoch = n };
        }
    }

    /// <summary>How the program ended on its own.</summary>
    private TrialResult Ended(ProgramProcess process)
    {
        process.WaitForExit(TimeSpan.FromSeconds(5));
        var code = process.ExitCode;
        if (code > 128 && code < 160 && !process.StoppedByWorker)
            throw new IOException($"the program was killed by signal {code - 128} that the worker did not send (out of memory? the machine stopping?); last output: {_log.Last(5)}");
        if (code != 0) return Failed($"the program exited with code {code}; its last output:\n{_log.Last(20)}");
        if (!_curve.Any(e => e.Metrics!.ContainsKey(_program.Objective.Metric)))
            return Failed($"the program exited 0 without reporting its objective '{_program.Objective.Metric}' (print a line such as: {MetricLine.Marker} {{\"{_program.Objective.Metric}\": 0.9}})");
        return Make(TrialOutcome.Completed, null);
    }

    public TrialResult Result(int? stoppedAtRung = null)
    {
        if (_final is not null) return _final;
        if (stoppedAtRung is not null)
        {
            _process?.Stop(Grace);
            return Make(TrialOutcome.Stopped, null) with { StoppedRung = stoppedAtRung };
        }
        if (_curve.Count >= _sweep.Epochs && _process is { } p)
        {
            // Every step reported: the program may finish on its own within the grace period.
            if (_paused) p.Resume();
            if (!p.WaitForExit(Grace)) p.Stop(TimeSpan.Zero);
            else if (p.ExitCode != 0 && !p.StoppedByWorker) return _final = Failed($"the program exited with code {p.ExitCode} after its last step; its last output:\n{_log.Last(20)}");
            return _final = Make(TrialOutcome.Completed, null);
        }
        return _final = Failed("the trial ended before its program finished");
    }

    private TrialResult Failed(string error) => Base(TrialOutcome.Failed) with { Error = error };

    private TrialResult Base(TrialOutcome outcome) =>
        TrialResult.FailedWith(_trial, "") with { Outcome = outcome, Error = null, Params = ParamsOf(_trial.Model) };

    public static ImmutableSortedDictionary<string, string> ParamsOf(ComponentSpec parameters) =>
        parameters.Params.ToImmutableSortedDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);

    private TrialResult Make(TrialOutcome outcome, string? error)
    {
        var final = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var e in _curve)
            foreach (var (k, v) in e.Metrics!) final[k] = v;
        double F(string name) => final.TryGetValue(name, out var v) ? v : double.NaN;
        var objective = _program.Objective;
        int? best = null;
        var bestValue = double.NaN;
        foreach (var e in _curve)
            if (e.Metrics!.TryGetValue(objective.Metric, out var v) && double.IsFinite(v) && (best is null || (objective.Maximize ? v > bestValue : v < bestValue)))
                (best, bestValue) = (e.Epoch, v);
        return Base(outcome) with
        {
            Error = error,
            TrainAccuracy = F("train_accuracy"), ValidationAccuracy = F("validation_accuracy"), TestAccuracy = F("test_accuracy"),
            TrainLoss = F("train_loss"), ValidationLoss = F("validation_loss"), BestEpoch = best, Epochs = [.. _curve],
            Objective = final.TryGetValue(objective.Metric, out var o) && double.IsFinite(o) ? o : null,
            Metrics = final.ToImmutableSortedDictionary(StringComparer.Ordinal),
        };
    }

    public void Dispose()
    {
        if (_process is { } p)
        {
            if (!p.HasExited || ProgramProcess.Escaped(p.Cookie).Count > 0) p.Stop(Grace);
            p.Dispose();
            _process = null;
        }
        if (!_program.KeepScratch)
        {
            try { Directory.Delete(_folder, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
