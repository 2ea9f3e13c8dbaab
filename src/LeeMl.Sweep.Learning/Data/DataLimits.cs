using System.Globalization;

namespace LeeMl.Sweep.Learning.Data;

/// <summary>
/// What a data file may decode to, checked as it is read and before anything is allocated for it:
/// the same on the machine that submits and on every worker, so a file over a limit is refused at
/// submit with one line, and a job sent past that check fails instead of retrying elsewhere.
/// </summary>
public static class DataLimits
{
    /// <summary>Text of one file, after gzip.</summary>
    public const long MaxTextBytes = 512L << 20;

    /// <summary>How many times its compressed size a gzip file may unpack to, once it has unpacked <see cref="RatioFrom"/> bytes.</summary>
    public const int MaxRatio = 100;

    public const long RatioFrom = 4L << 20;

    /// <summary>Characters of one line: what one row's text (and its fields) may take before the file's other limits are reached.</summary>
    public const int MaxLineChars = 1 << 20;

    /// <summary>Fields of one file (rows × columns): what its text becomes in memory.</summary>
    public const long MaxCells = 4_000_000;

    /// <summary>Distinct values of one categorical column (each becomes a one-hot feature).</summary>
    public const int MaxCategories = 1_000;

    /// <summary>Rows × encoded width of a table: the numbers a model trains on (as for synthetic data).</summary>
    public const long MaxEncodedValues = 20_000_000;

    internal static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
