namespace LeeMl.Sweep.Learning.Data;

/// <summary>
/// Where the named datasets are read from: the copies built into the program (the default), or a
/// folder laid out the same way (<c>--data-dir</c> / <c>LEEML_DATA</c>): pokemon.csv,
/// adult/adult.data.gz, adult/adult.test.gz, sklearn/breast_cancer.csv, sklearn/digits.csv.gz.
/// </summary>
public abstract class DataFolder
{
    public abstract DataFile File(string relativePath, string dataset);

    public static readonly DataFolder Builtin = new BuiltinFolder();

    /// <summary>The folder given, or the built-in copies when none is.</summary>
    public static DataFolder Of(string? directory) => string.IsNullOrWhiteSpace(directory) ? Builtin : new DiskFolder(directory);

    private sealed class BuiltinFolder : DataFolder
    {
        public override DataFile File(string relativePath, string dataset)
        {
            var resource = "builtin/" + relativePath;
            return new DataFile($"(built-in) {relativePath}", () =>
                typeof(DataFolder).Assembly.GetManifestResourceStream(resource)
                ?? throw new DataException($"the built-in dataset '{dataset}' is missing from this build ({resource})"));
        }
    }

    private sealed class DiskFolder(string directory) : DataFolder
    {
        public override DataFile File(string relativePath, string dataset)
        {
            var path = Path.Combine(directory, relativePath);
            if (System.IO.File.Exists(path)) return DataFile.FromPath(path);
            throw new DataException($"dataset '{dataset}' expects the file {path} (the data folder is laid out like the built-in one; leave out --data-dir and LEEML_DATA to use the built-in copy)");
        }
    }
}
