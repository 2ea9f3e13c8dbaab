namespace LeeMl.Sweep.Learning.Data;

/// <summary>Data that cannot be used; the message names the file and, where there is one, line and column.</summary>
public sealed class DataException(string message) : Exception(message)
{
    public static DataException At(string file, int line, string? column, string problem) =>
        new(column is null ? $"{file}:{line}: {problem}" : $"{file}:{line}: column '{column}': {problem}");
}
