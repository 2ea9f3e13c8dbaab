using System.Globalization;

namespace LeeMl.Sweep.Learning.Data;

/// <summary>
/// The real datasets by name, read from a data folder (--data-dir or LEEML_DATA) laid out like
/// shared/data: pokemon.csv, adult/adult.data.gz + adult/adult.test.gz, sklearn/breast_cancer.csv,
/// sklearn/digits.csv.gz. The project ships none of these files.
/// </summary>
public static class NamedDatasets
{
    public static readonly IReadOnlyList<string> Names = ["pokemon", "adult", "breast-cancer", "digits"];

    /// <summary>The lecture's 7 Pokémon features (Total is the sum of the other six).</summary>
    public static readonly IReadOnlyList<string> PokemonStats = ["Total", "HP", "Attack", "Defense", "Sp. Atk", "Sp. Def", "Speed"];

    private static readonly string[] AdultColumns =
    [
        "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation", "relationship",
        "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country", "income",
    ];

    public static string Directory(string? dataDir)
    {
        var dir = dataDir ?? Environment.GetEnvironmentVariable("LEEML_DATA");
        if (string.IsNullOrWhiteSpace(dir))
            throw new DataException("no data folder: give --data-dir DIR or set LEEML_DATA (a folder laid out like shared/data)");
        return dir;
    }

    /// <summary>
    /// Loads a named dataset's training and test parts. Pokémon and Adult come with their own
    /// split; breast-cancer and digits are split 80/20, stratified and seeded.
    /// </summary>
    public static DataSplit Load(string name, string directory, IReadOnlyList<string>? features = null, ulong splitSeed = 0)
    {
        return name switch
        {
            "pokemon" => Pokemon(Expect(directory, "pokemon.csv", name), features),
            "adult" => Adult(Expect(directory, "adult/adult.data.gz", name), Expect(directory, "adult/adult.test.gz", name), features),
            "breast-cancer" => SklearnSplit(Expect(directory, "sklearn/breast_cancer.csv", name), features, splitSeed),
            "digits" => SklearnSplit(Expect(directory, "sklearn/digits.csv.gz", name), features, splitSeed),
            _ => throw new DataException($"unknown dataset '{name}'; known: {string.Join(", ", Names)}, or a CSV file path"),
        };
    }

    private static string Expect(string directory, string relative, string name)
    {
        var path = Path.Combine(directory, relative);
        if (File.Exists(path)) return path;
        var source = name switch
        {
            "pokemon" => "Kaggle 'Pokemon with stats' (kaggle.com/abcsds/pokemon), saved as pokemon.csv",
            "adult" => "UCI Adult (archive.ics.uci.edu/dataset/2/adult): adult.data and adult.test, gzip-compressed",
            _ => "scikit-learn's bundled data (sklearn/datasets/data/ in any scikit-learn install)",
        };
        throw new DataException($"dataset '{name}' expects the file {path}; download it from {source}");
    }

    public static DataSplit Pokemon(string path, IReadOnlyList<string>? features = null)
    {
        var table = Table.ReadWithHeader(path);
        int type = table.Column("Type 1"), number = table.Column("#");
        var lecture = table.Where(r => r.Fields[type] is "Water" or "Normal");
        int Number(CsvRow r) => int.TryParse(r.Fields[number], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n : throw DataException.At(path, r.Line, "#", $"'{r.Fields[number]}' is not a Pokédex number");
        var train = lecture.Where(r => Number(r) < 400);
        var test = lecture.Where(r => Number(r) >= 400);
        var encoder = TableEncoder.Fit(train, "Type 1", features ?? PokemonStats, classOrder: ["Normal", "Water"]);
        return new DataSplit(encoder.Encode(train), null, encoder.Encode(test));
    }

    public static DataSplit Adult(string trainPath, string testPath, IReadOnlyList<string>? features = null)
    {
        var train = new Table(trainPath, AdultColumns, CsvFile.Read(trainPath, trimFields: true));
        // adult.test: a banner line first, and labels end with '.'.
        var testRows = CsvFile.Read(testPath, trimFields: true, skipLines: 1)
            .Select(r => r with { Fields = [.. r.Fields[..^1], r.Fields[^1].TrimEnd('.')] }).ToArray();
        var test = new Table(testPath, AdultColumns, testRows);
        var encoder = TableEncoder.Fit(train, "income", features ?? AdultColumns[..^1]);
        return new DataSplit(encoder.Encode(train), null, encoder.Encode(test));
    }

    /// <summary>
    /// scikit-learn's CSV format: an optional first line "n,d,class names…", then rows of d
    /// features and the integer label last.
    /// </summary>
    public static Dataset Sklearn(string path)
    {
        // The optional header "n,d,names…" has fewer fields than the data rows; peek before the strict read.
        var firstTwo = CsvFile.Peek(path, 2);
        var header = (string[]?)null;
        if (firstTwo.Count == 2 && firstTwo[0].Length != firstTwo[1].Length
            && int.TryParse(firstTwo[0][0], out _) && int.TryParse(firstTwo[0][1], out var d) && firstTwo[1].Length == d + 1)
            header = firstTwo[0][2..];
        var body = CsvFile.Read(path, skipLines: header is null ? 0 : 1);
        var width = body[0].Fields.Length;
        var names = Enumerable.Range(0, width).Select(j => j == width - 1 ? "label" : $"x{j}").ToArray();
        var table = new Table(path, names, body);
        var labels = body.Select(r => r.Fields[^1]).Distinct().OrderBy(l => int.TryParse(l, out var v) ? v : int.MaxValue).ThenBy(l => l, StringComparer.Ordinal).ToArray();
        var encoder = TableEncoder.Fit(table, "label", names[..^1], standardize: false, classOrder: labels);
        var data = encoder.Encode(table);
        return header is { Length: > 0 } && header.Length == data.Classes
            ? new Dataset(data.X, data.Y, data.Features, data.FeatureNames, header)
            : data;
    }

    /// <summary>A scikit-learn-format file split 80/20 stratified, standardised with training statistics.</summary>
    public static DataSplit SklearnSplit(string path, IReadOnlyList<string>? features, ulong seed)
    {
        var all = Sklearn(path);
        if (features is { Count: > 0 })
            all = all.SelectFeatures([.. features.Select(f => all.FeatureNames.ToList().IndexOf(f) is var i and >= 0 ? i : throw new DataException($"{path}: unknown column '{f}'; columns: x0..x{all.Features - 1}"))]);
        var (train, test) = Splits.Stratified(all, 0.2, seed);
        var standardizer = Standardizer.Fit(train);
        return new DataSplit(standardizer.Apply(train), null, standardizer.Apply(test));
    }
}
