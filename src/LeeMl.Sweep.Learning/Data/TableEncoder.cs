using System.Globalization;

namespace LeeMl.Sweep.Learning.Data;

/// <summary>A parsed CSV table: where it came from, its column names, its rows.</summary>
public sealed record Table(string Path, IReadOnlyList<string> Header, IReadOnlyList<CsvRow> Rows)
{
    /// <summary>Reads a CSV file whose first row is the header.</summary>
    public static Table ReadWithHeader(DataFile file, bool trimFields = false)
    {
        var path = file.Name;
        var rows = CsvFile.Read(file, trimFields);
        if (rows.Count < 2 || rows[0].Fields.All(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            throw DataException.At(path, rows[0].Line, null, "no header row (the first row must name the columns)");
        return new Table(path, rows[0].Fields, rows.Skip(1).ToArray());
    }

    public Table Where(Func<CsvRow, bool> keep) => this with { Rows = Rows.Where(keep).ToArray() };

    public int Column(string name) => Header.ToList().IndexOf(name) is var i and >= 0
        ? i
        : throw new DataException($"{Path}: unknown column '{name}'; columns: {string.Join(", ", Header)}");
}

/// <summary>
/// Turns tables into <see cref="Dataset"/>s with what it learned from the training table only:
/// which columns are numeric, the categories of the others (one-hot; a category unseen in
/// training encodes as all zeros), the class names, and mean and standard deviation for
/// standardising numeric columns. A bad cell is an error naming file, line and column.
/// </summary>
public sealed class TableEncoder
{
    private sealed record Column(string Name, int Index, bool Numeric, string[] Categories, double Mean, double Std);

    private readonly Column[] _columns;
    private readonly int _label;
    private readonly string[] _classes;
    private readonly string[] _featureNames;

    private TableEncoder(Column[] columns, int label, string[] classes)
    {
        _columns = columns;
        _label = label;
        _classes = classes;
        _featureNames = [.. columns.SelectMany(c => c.Numeric ? [c.Name] : c.Categories.Select(k => $"{c.Name}={k}"))];
    }

    public IReadOnlyList<string> ClassNames => _classes;

    public static TableEncoder Fit(Table train, string label, IReadOnlyList<string>? features = null, bool standardize = true,
        IReadOnlyList<string>? classOrder = null)
    {
        var labelIndex = train.Column(label);
        var names = features ?? train.Header.Where(h => h != label).ToArray();
        if (names.Count == 0) throw new DataException($"{train.Path}: no feature columns");
        if (names.Contains(label)) throw new DataException($"{train.Path}: the label column '{label}' cannot also be a feature");
        var classes = classOrder?.ToArray() ?? train.Rows.Select(r => r.Fields[labelIndex]).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length < 2)
            throw new DataException($"{train.Path}: column '{label}' has a single class ('{classes.FirstOrDefault()}'); a classifier needs two or more");
        var columns = names.Select(name =>
        {
            var index = train.Column(name);
            var parsed = train.Rows.Count(r => double.TryParse(r.Fields[index], NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            if (parsed * 2 > train.Rows.Count)
            {
                var values = train.Rows.Select(r => Number(train.Path, r, index, name)).ToArray();
                var mean = values.Average();
                var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
                return standardize ? new Column(name, index, true, [], mean, std > 0 ? std : 1) : new Column(name, index, true, [], 0, 1);
            }
            var distinct = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in train.Rows)
                if (distinct.Add(r.Fields[index]) && distinct.Count > DataLimits.MaxCategories)
                    throw new DataException($"{train.Path}: column '{name}' has more than {DataLimits.N(DataLimits.MaxCategories)} distinct values, the limit for a categorical column " +
                        "(each becomes a feature; leave it out with features: [...])", overLimit: true);
            var categories = distinct.Order(StringComparer.Ordinal).ToArray();
            return new Column(name, index, false, categories, 0, 1);
        }).ToArray();
        return new TableEncoder(columns, labelIndex, classes);
    }

    private static double Number(string path, CsvRow row, int index, string name)
    {
        var text = row.Fields[index];
        if (text.Length == 0) throw DataException.At(path, row.Line, name, "empty cell in a numeric column");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw DataException.At(path, row.Line, name, $"non-numeric cell '{text}' in a numeric column");
        if (!double.IsFinite(v)) throw DataException.At(path, row.Line, name, $"'{text}' is not a finite number (NaN or Inf)");
        return v;
    }

    public Dataset Encode(Table table)
    {
        var width = _featureNames.Length;
        if ((long)table.Rows.Count * width > DataLimits.MaxEncodedValues)
            throw new DataException($"{table.Path}: {DataLimits.N(table.Rows.Count)} rows × {DataLimits.N(width)} encoded features is over the limit of {DataLimits.N(DataLimits.MaxEncodedValues)} values", overLimit: true);
        var x = new double[table.Rows.Count * width];
        var y = new int[table.Rows.Count];
        var labelName = table.Header[_label];
        for (var r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            var label = row.Fields[_label];
            y[r] = Array.IndexOf(_classes, label);
            if (y[r] < 0)
                throw DataException.At(table.Path, row.Line, labelName, $"label '{label}' is not one of the training classes: {string.Join(", ", _classes)}");
            var offset = r * width;
            foreach (var c in _columns)
            {
                if (c.Numeric)
                {
                    x[offset++] = (Number(table.Path, row, c.Index, c.Name) - c.Mean) / c.Std;
                    continue;
                }
                var k = Array.BinarySearch(c.Categories, row.Fields[c.Index], StringComparer.Ordinal);
                if (k >= 0) x[offset + k] = 1;
                offset += c.Categories.Length;
            }
        }
        return new Dataset(x, y, width, _featureNames, _classes);
    }
}
