using System.Globalization;
using System.Text;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting.Rendering;

/// <summary>results.csv (one row per trial) and factors.csv (the factor table); curves.csv is written by <see cref="ResultPass"/>, which also writes results.csv's rows as it reads the trials.</summary>
public static class CsvExport
{
    private static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Field(string s) => Learning.Data.CsvFile.Field(s);

    /// <summary>results.csv's first line; <see cref="ResultPass"/> writes a row per trial as it reads them, so a large job never exists as one text.</summary>
    public static void ResultsHeader(TextWriter w) =>
        w.Write("key,model,optimizer,schedule,warmup,noise,seed,outcome,train_accuracy,validation_accuracy,test_accuracy,gap,train_loss,validation_loss,best_epoch,diverged_epoch,seconds,node,error,switched_step,objective,metrics\n");

    /// <summary>A trial's row of results.csv: axis values "-" for none, its time and node from its telemetry where there is one.</summary>
    public static void ResultRow(TextWriter w, TrialResult r, TrialTelemetry? t)
    {
        w.Write(string.Create(CultureInfo.InvariantCulture, $"{Field(r.Key)},{Field(r.Model)},{Field(r.Optimizer ?? "-")},{Field(r.Schedule ?? "-")},{Field(r.Warmup ?? "-")},{Field(r.Noise ?? "-")},{r.Seed},{TrialOutcomes.Name(r.Outcome)},"));
        w.Write(string.Create(CultureInfo.InvariantCulture, $"{F(r.TrainAccuracy)},{F(r.ValidationAccuracy)},{F(r.TestAccuracy)},{F(r.TrainAccuracy - r.ValidationAccuracy)},{F(r.TrainLoss)},{F(r.ValidationLoss)},{r.BestEpoch},{r.DivergedEpoch},{F(t?.Seconds ?? double.NaN)},{Field(t?.Node ?? "-")},{Field(r.Error ?? "")},{r.SwitchedStep},{F(r.Objective ?? double.NaN)},{Field(Metrics(r))}\n"));
    }

    /// <summary>A program trial's final metrics as name=value pairs (empty for the built-in trials, whose metrics have their own columns).</summary>
    private static string Metrics(TrialResult r) =>
        r.Metrics is { } m ? string.Join(' ', m.Select(kv => $"{kv.Key}={F(kv.Value)}")) : "";

    public static string Factors(IEnumerable<FactorEffect> effects)
    {
        var sb = new StringBuilder("factor,reference,level,pairs,train_difference,train_low,train_high,validation_difference,validation_low,validation_high\n");
        foreach (var e in effects)
            sb.Append(CultureInfo.InvariantCulture, $"{e.Factor},{Field(e.Reference)},{Field(e.Level)},{e.TrainDifference.N},{F(e.TrainDifference.Mean)},{F(e.TrainDifference.Low)},{F(e.TrainDifference.High)},")
              .Append(CultureInfo.InvariantCulture, $"{F(e.ValidationDifference.Mean)},{F(e.ValidationDifference.Low)},{F(e.ValidationDifference.High)}\n");
        return sb.ToString();
    }
}
