using System.Globalization;
using System.Text;
using LeeMl.Sweep.Reporting.Analysis;

namespace LeeMl.Sweep.Reporting.Rendering;

/// <summary>results.csv (one row per trial) and factors.csv (the factor table); curves.csv is written by <see cref="ResultPass"/>.</summary>
public static class CsvExport
{
    private static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Field(string s) => Learning.Data.CsvFile.Field(s);

    public static string Results(IEnumerable<ResultRecord> results)
    {
        var sb = new StringBuilder("key,model,optimizer,schedule,warmup,noise,seed,outcome,train_accuracy,validation_accuracy,test_accuracy,gap,train_loss,validation_loss,best_epoch,diverged_epoch,seconds,node,error\n");
        foreach (var r in results.OrderBy(r => r.Key, StringComparer.Ordinal))
            sb.Append(CultureInfo.InvariantCulture, $"{Field(r.Key)},{Field(r.Model)},{Field(r.Optimizer)},{Field(r.Schedule)},{Field(r.Warmup)},{Field(r.Noise)},{r.Seed},{Experiments.Results.TrialOutcomes.Name(r.Outcome)},")
              .Append(CultureInfo.InvariantCulture, $"{F(r.TrainAccuracy)},{F(r.ValidationAccuracy)},{F(r.TestAccuracy)},{F(r.Gap)},{F(r.TrainLoss)},{F(r.ValidationLoss)},{r.BestEpoch},{r.DivergedEpoch},{F(r.Seconds)},{Field(r.Node)},{Field(r.Error ?? "")}\n");
        return sb.ToString();
    }

    public static string Factors(IEnumerable<FactorEffect> effects)
    {
        var sb = new StringBuilder("factor,reference,level,pairs,train_difference,train_low,train_high,validation_difference,validation_low,validation_high\n");
        foreach (var e in effects)
            sb.Append(CultureInfo.InvariantCulture, $"{e.Factor},{Field(e.Reference)},{Field(e.Level)},{e.TrainDifference.N},{F(e.TrainDifference.Mean)},{F(e.TrainDifference.Low)},{F(e.TrainDifference.High)},")
              .Append(CultureInfo.InvariantCulture, $"{F(e.ValidationDifference.Mean)},{F(e.ValidationDifference.Low)},{F(e.ValidationDifference.High)}\n");
        return sb.ToString();
    }
}
