using LeeMl.Sweep.Experiments.Data;

namespace LeeMl.Sweep.Experiments.Programs;

/// <summary>
/// The files a program needs, as its spec lists them (a file or a folder, relative to the spec's
/// folder): found on the submitting machine, shipped by SHA-256 like data, and laid out at the same
/// relative paths in each trial's folder on the worker. A path can name nothing outside its folder.
/// </summary>
public static class ProgramFiles
{
    /// <summary>The most files a program may ship (a folder counts each file in it).</summary>
    public const int MaxFiles = 100;

    /// <summary>Why a listed path cannot be shipped, or null.</summary>
    public static string? Problem(string path)
    {
        if (path.Length is 0 or > 512) return "a program file's path is 1 to 512 characters";
        if (Path.IsPathRooted(path) || path.StartsWith('~')) return $"'{Text.Printable.Escape(path)}' is not relative to the spec's folder (files are laid out in each trial's folder at the path written)";
        var parts = path.TrimEnd('/').Split('/');
        if (parts.Any(p => p is "" or "." or "..") || path.Contains('\\') || path.Any(char.IsControl))
            return $"'{Text.Printable.Escape(path)}' must be a plain relative path without '.', '..' or empty parts";
        if (parts[0].StartsWith(".leeml", StringComparison.Ordinal)) return $"'{Text.Printable.Escape(path)}': names starting with .leeml are the worker's";
        return null;
    }

    /// <summary>
    /// Every file the spec's program lists, on this machine: a folder becomes the files under it
    /// (paths written with '/'); symbolic links are refused (they could point anywhere).
    /// </summary>
    public static IReadOnlyList<string> Expand(ProgramSpec program, string? specFolder)
    {
        var files = new List<string>();
        foreach (var listed in program.Files)
        {
            var written = listed.TrimEnd('/');
            var path = SpecFiles.Resolve(written, specFolder);
            if (Directory.Exists(path))
            {
                if (new DirectoryInfo(path).LinkTarget is not null) throw new Learning.Data.DataException($"{written}: a symbolic link; list the folder it points to");
                foreach (var file in Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Order(StringComparer.Ordinal))
                {
                    var relative = Path.GetRelativePath(path, file).Replace(Path.DirectorySeparatorChar, '/');
                    if (new FileInfo(file).LinkTarget is not null) throw new Learning.Data.DataException($"{written}/{relative}: a symbolic link (the files shipped are regular files)");
                    files.Add($"{written}/{relative}");
                }
            }
            else if (File.Exists(path))
            {
                if (new FileInfo(path).LinkTarget is not null) throw new Learning.Data.DataException($"{written}: a symbolic link (the files shipped are regular files)");
                files.Add(written);
            }
            else throw new Learning.Data.DataException($"{written}: not found (a program file; a relative path is read from the spec's folder{(specFolder is null ? "" : $", {specFolder}")})");
            if (files.Count > MaxFiles) throw new Learning.Data.DataException($"the program lists more than {MaxFiles} files; ship an archive and unpack it in the program");
        }
        return files;
    }

    /// <summary>Whether a shipped path belongs to the program (a listed file, or a file under a listed folder).</summary>
    public static bool Lists(ProgramSpec program, string shipped) =>
        Problem(shipped) is null && program.Files.Any(f => shipped == f.TrimEnd('/') || shipped.StartsWith(f.TrimEnd('/') + "/", StringComparison.Ordinal));
}
