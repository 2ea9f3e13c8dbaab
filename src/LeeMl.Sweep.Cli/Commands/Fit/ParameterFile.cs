using System.Globalization;
using LeeMl.Sweep.Cli.CommandLine;

namespace LeeMl.Sweep.Cli.Commands.Fit;

/// <summary>Trained parameters as text: one round-trip number per line, so fine-tuning starts from exactly them.</summary>
public static class ParameterFile
{
    public static void Save(string path, IEnumerable<double> parameters) =>
        File.WriteAllLines(path, parameters.Select(p => p.ToString("R", CultureInfo.InvariantCulture)));

    public static double[] Load(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--init-params: file {path} not found");
        var lines = File.ReadAllLines(path);
        var values = new double[lines.Length];
        for (var i = 0; i < lines.Length; i++)
            if (!double.TryParse(lines[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new UsageException($"{path}:{i + 1}: '{lines[i]}' is not a finite number");
        return values;
    }
}
