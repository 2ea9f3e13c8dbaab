namespace LeeMl.Sweep.Learning.Data;

/// <summary>
/// A data file to read, wherever its bytes are: on disk, compiled into the program, or in memory
/// (shipped with a job). <see cref="Name"/> is what error messages call it.
/// </summary>
public sealed record DataFile(string Name, Func<Stream> Open)
{
    public static DataFile FromPath(string path) => new(path, () =>
    {
        RegularLength(path);
        return File.OpenRead(path);
    });

    /// <summary>
    /// The length of a file that holds data: one that exists and has bytes. A device, a pipe or a
    /// kernel file (/dev/zero, a FIFO, /proc/...) reports no length, and reading it could block or
    /// never end, so it is refused before it is opened.
    /// </summary>
    public static long RegularLength(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new DataException(Directory.Exists(path) ? $"{path}: a folder, not a data file" : $"{path}: file not found");
        if (info.Length == 0) throw new DataException($"{path}: the file is empty, or not a regular file (a device, a pipe)");
        return info.Length;
    }

    public static DataFile FromBytes(string name, ReadOnlyMemory<byte> bytes) => new(name, () => new MemoryStream(bytes.ToArray(), writable: false));

    public override string ToString() => Name;
}
