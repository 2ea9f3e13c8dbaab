using LeeMl.Sweep.Experiments.Jobs;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace LeeMl.Sweep.Store;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Writes go one at a time through a single
/// lock (SQLite has one writer), reads run beside them. synchronous = NORMAL: a commit survives
/// the process being killed; a power cut may lose the last commits, whose trials then run again
/// (results are idempotent by key).
/// </summary>
public sealed class SqliteSweepStore : SqlSweepStore
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writer = new(1, 1);

    private SqliteSweepStore(string connectionString) => _connectionString = connectionString;

    public static async Task<ISweepStore> Open(StoreAddress.Sqlite address, CancellationToken cancel)
    {
        var full = Path.GetFullPath(address.Path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var cs = new SqliteConnectionStringBuilder { DataSource = full, Pooling = true, DefaultTimeout = 30, Mode = SqliteOpenMode.ReadWriteCreate }.ToString();
            var store = new SqliteSweepStore(cs);
            await using (var c = await store.Connect(cancel))
            await using (var cmd = Command(c, null, "PRAGMA journal_mode = WAL"))
                await cmd.ExecuteNonQueryAsync(cancel);
            await store.EnsureSchema(address.Description, cancel);
            return store;
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"cannot open the database {address.Description}: {e.Message}", e);
        }
    }

    protected override string LockRow => "";

    protected override string BytesType => "BLOB";

    protected override Task LockSchema(DbConnection c, DbTransaction t) => Task.CompletedTask;   // BEGIN IMMEDIATE holds the file's write lock

    protected override async ValueTask<DbConnection> Connect(CancellationToken cancel)
    {
        var c = new SqliteConnection(_connectionString);
        await c.OpenAsync(cancel);
        await using var cmd = Command(c, null, "PRAGMA synchronous = NORMAL");
        await cmd.ExecuteNonQueryAsync(cancel);
        return c;
    }

    protected override async Task<T> Write<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancel)
    {
        await _writer.WaitAsync(cancel);
        try
        {
            await using var c = await Connect(cancel);
            await using var t = ((SqliteConnection)c).BeginTransaction(deferred: false);
            var result = await work(c, t);
            await t.CommitAsync(cancel);
            return result;
        }
        finally
        {
            _writer.Release();
        }
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        _writer.Dispose();
        return ValueTask.CompletedTask;
    }
}
