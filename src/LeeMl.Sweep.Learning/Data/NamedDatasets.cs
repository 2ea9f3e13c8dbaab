using System.Globalization;

namespace LeeMl.Sweep.Learning.Data;

/// <summary>
/// The real datasets by name: the copies built into the program (Data/Builtin, with their origin
/// and licence), or another folder laid out the same way.
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

    /// <summary>
    /// Loads a named dataset's training and test parts from <paramref name="folder"/> (the built-in
    /// copies unless a data folder is given). Pokémon and Adult come with their own split;
    /// breast-cancer and digits are split 80/20, stratified and seeded.
    /// </summary>
    public static DataSplit Load(string name, DataFolder folder, IReadOnlyList<string>? features = null, ulong splitSeed = 0)
    {
        return name switch
        {
            "pokemon" => Pokemon(folder.File("pokemon.csv", name), features),
            "adult" => Adult(folder.File("adult/adult.data.gz", name), folder.File("adult/adult.test.gz", name), features),
            "breast-cancer" => SklearnSplit(folder.File("sklearn/breast_cancer.csv", name), features, splitSeed),
            "digits" => SklearnSplit(folder.File("sklearn/digits.csv.gz", name), features, splitSeed),
            _ => throw new DataException($"unknown dataset '{name}'; known: {string.Join(", ", Names)}, or a CSV file path"),
        };
    }

    public static DataSplit Pokemon(DataFile file, IReadOnlyList<string>? features = null)
    {
        var path = file.Name;
        var table = Table.ReadWithHeader(file);
        int type = table.Column("Type 1"), number = table.Column("#");
        var lecture = table.Where(r => r.Fields[type] is "Water" or "Normal");
        int Number(CsvRow r) => int.TryParse(r.Fields[number], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n : throw DataException.At(path, r.Line, "#", $"'{r.Fields[number]}' is not a Pokédex number");
        var train = lecture.Where(r => Number(r) < 400);
        var test = lecture.Where(r => Number(r) >= 400);
        var encoder = TableEncoder.Fit(train, "Type 1", features ?? PokemonStats, classOrder: ["Normal", "Water"]);
        return new DataSplit(encoder.Encode(train), null, encoder.Encode(test));
    }

    public static DataSplit Adult(DataFile trainFile, DataFile testFile, IReadOnlyList<string>? features = null)
    {
        var train = new Table(trainFile.Name, AdultColumns, CsvFile.Read(trainFile, trimFields: true));
        // adult.test: a banner line first, and labels end with '.'.
        var testRows = CsvFile.Read(testFile, trimFields: true, skipLines: 1)
            .Select(r => r with { Fields = [.. r.Fields[..^1], r.Fields[^1].TrimEnd('.')] }).ToArray();
        var test = new Table(testFile.Name, AdultColumns, testRows);
        var encoder = TableEncoder.Fit(train, "income", features ?? AdultColumns[..^1]);
        return new DataSplit(encoder.Encode(train), null, encoder.Encode(test));
    }

    /// <summary>
    /// scikit-learn's CSV format: an optional first line "n,d,class names…", then rows of d
    /// features and the integer label last.
    /// </summary>
    public static Dataset Sklearn(DataFile file)
    {
        var path = file.Name;
        // The optional header "n,d,names…" has fewer fields than the data rows; peek before the strict read.
        var firstTwo = CsvFile.Peek(file, 2);
        var header = (string[]?)null;
        if (firstTwo.Count == 2 && firstTwo[0].Length != firstTwo[1].Length
            && int.TryParse(firstTwo[0][0], out _) && int.TryParse(firstTwo[0][1], out var d) && firstTwo[1].Length == d + 1)
            header = firstTwo[0][2..];
        var body = CsvFile.Read(file, skipLines: header is null ? 0 : 1);
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
    public static DataSplit SklearnSplit(DataFile file, IReadOnlyList<string>? features, ulong seed)
    {
        var path = file.Name;
        var all = Sklearn(file);
        if (features is { Count: > 0 })
            all = all.SelectFeatures([.. features.Select(f => all.FeatureNames.ToList().IndexOf(f) is var i and >= 0 ? i : throw new DataException($"{path}: unknown column '{f}'; columns: x0..x{all.Features - 1}"))]);
        var (train, test) = Splits.Stratified(all, 0.2, seed);
        var standardizer = Standardizer.Fit(train);
        return new DataSplit(standardizer.Apply(train), null, standardizer.Apply(test));
    }
}
