namespace LeeMl.Sweep.Experiments.Files;

/// <summary>
/// Writes a file whole or not at all: into a temporary file beside it, then renamed over it, so a
/// reader (a browser, a user, another node) never sees half a file.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<string> writeTo)
    {
        var (full, temp) = Temp(path);
        try
        {
            writeTo(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static void WriteText(string path, string text) => Write(path, temp => File.WriteAllText(temp, text));

    public static void WriteBytes(string path, byte[] bytes) => Write(path, temp => File.WriteAllBytes(temp, bytes));

    /// <summary>Streams into the file through a writer (large files are never one string in memory).</summary>
    public static async Task WriteAsync(string path, Func<TextWriter, Task> write)
    {
        var (full, temp) = Temp(path);
        try
        {
            await using (var w = new StreamWriter(temp, append: false, new System.Text.UTF8Encoding(false), 1 << 16)) await write(w);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static (string Full, string Temp) Temp(string path)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"the folder of '{path}' does not exist");
        return (full, Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.{Guid.NewGuid():N}.tmp"));
    }
}
