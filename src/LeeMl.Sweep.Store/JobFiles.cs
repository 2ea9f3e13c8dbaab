using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Experiments.Files;
using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Store;

/// <summary>
/// A job's files from the store: results.jsonl (key order, streamed from a cursor), telemetry.jsonl
/// and spec.yaml — what its reports are rendered from. Any node that reaches the store can write them.
/// </summary>
public static class JobFiles
{
    /// <summary>results.jsonl, telemetry.jsonl and spec.yaml, each written whole or not at all; <paramref name="each"/> sees every result and telemetry line as it is written.</summary>
    public static async Task WriteData(IResultStore store, StoredJob job, string dir, CancellationToken cancel = default, Action<string, string>? each = null)
    {
        Directory.CreateDirectory(dir);
        // Both files whole or not at all; results.jsonl first, then its telemetry beside it.
        await AtomicFile.WriteAsync(Path.Combine(dir, "telemetry.jsonl"), t =>
            AtomicFile.WriteAsync(Path.Combine(dir, "results.jsonl"), async w =>
            {
                await foreach (var (result, telemetry) in Lines(store, job.Id, cancel))
                {
                    await w.WriteAsync(result);
                    await w.WriteAsync('\n');
                    await t.WriteAsync(telemetry);
                    await t.WriteAsync('\n');
                    each?.Invoke(result, telemetry);
                }
            }));
        AtomicFile.WriteText(Path.Combine(dir, "spec.yaml"), job.SpecText);
    }

    /// <summary>Each stored result's results.jsonl line and telemetry.jsonl line, in key order, streamed.</summary>
    public static async IAsyncEnumerable<(string Result, string Telemetry)> Lines(IResultStore store, string jobId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        var faults = new Dictionary<long, List<NodeFault>>();
        await foreach (var f in store.Faults(jobId, cancel))
        {
            if (!faults.TryGetValue(f.Index, out var list)) faults[f.Index] = list = [];
            list.Add(new NodeFault(f.Attempt, f.Node, f.Error));
        }
        await foreach (var r in store.Results(jobId, withCurves: true, cancel: cancel))
            yield return (r.Line, ResultJson.Telemetry(new TrialTelemetry(r.Key, r.Node, Math.Round(r.Seconds, 4), r.Attempt, faults.GetValueOrDefault(r.Index) ?? [])));
    }
}
