namespace LeeMl.Sweep.Learning.Data;

/// <summary>Data that cannot be used; the message names the file and, where there is one, line and column.</summary>
/// <param name="overLimit">The file breaks one of <see cref="DataLimits"/>: the same on every machine, so the job's error, not a node's fault.</param>
public sealed class DataException(string message, bool overLimit = false) : Exception(message)
{
    public bool OverLimit { get; } = overLimit;

    public static DataException At(string file, int line, string? column, string problem) =>
        new(column is null ? $"{file}:{line}: {problem}" : $"{file}:{line}: column '{column}': {problem}");
}
