using LeeMl.Sweep.Experiments.Jobs;
namespace LeeMl.Sweep.Store;

/// <summary>
/// What <c>--db</c> names: an SQLite file (the embedded default) or a PostgreSQL database as
/// <c>postgresql://user@host:port/database</c>. The password never appears in the address (it would
/// show in process lists and logs): it comes apart (LEEML_DB_PASSWORD) or from a pgpass file.
/// </summary>
public abstract record StoreAddress
{
    /// <summary>How the address is shown in messages and logs: never with a password.</summary>
    public abstract string Description { get; }

    public sealed record Sqlite(string Path) : StoreAddress
    {
        public override string Description => $"sqlite:{System.IO.Path.GetFullPath(Path)}";
    }

    public sealed record Postgres(string User, string Host, int Port, string Database, string? SslMode) : StoreAddress
    {
        public override string Description => $"postgresql://{User}@{Host}:{Port}/{Database}";
    }

    public static StoreAddress Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new StoreException("--db is empty: give an SQLite file or postgresql://user@host:port/database");
        if (!text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            if (text.Contains("://", StringComparison.Ordinal)) throw new StoreException($"--db {text}: unknown kind of database; give an SQLite file or postgresql://user@host:port/database");
            return new Sqlite(text);
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            throw new StoreException($"--db {text}: not a postgresql://user@host:port/database address");
        var userInfo = Uri.UnescapeDataString(uri.UserInfo);
        if (userInfo.Contains(':'))
            throw new StoreException("--db: put no password in the address (it would show in process lists); set LEEML_DB_PASSWORD or use a pgpass file");
        if (userInfo.Length == 0) throw new StoreException($"--db {text}: name the user, as in postgresql://user@host:port/database");
        var database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length == 0 || database.Contains('/')) throw new StoreException($"--db {text}: name one database, as in postgresql://user@host:port/database");
        string? sslMode = null;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (kv[0] == "sslmode" && kv.Length == 2) sslMode = Uri.UnescapeDataString(kv[1]);
            else throw new StoreException($"--db: unknown option '{kv[0]}' in the address; known: sslmode");
        }
        return new Postgres(userInfo, uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port, database, sslMode);
    }
}
