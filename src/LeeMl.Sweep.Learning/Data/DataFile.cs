namespace LeeMl.Sweep.Learning.Data;

/// <summary>
/// A data file to read, wherever its bytes are: on disk, compiled into the program, or in memory
/// (shipped with a job). <see cref="Name"/> is what error messages call it.
/// </summary>
public sealed record DataFile(string Name, Func<Stream> Open)
{
    public static DataFile FromPath(string path) => new(path, () =>
        File.Exists(path) ? File.OpenRead(path) : throw new DataException($"{path}: file not found"));

    public static DataFile FromBytes(string name, ReadOnlyMemory<byte> bytes) => new(name, () => new MemoryStream(bytes.ToArray(), writable: false));

    public override string ToString() => Name;
}
