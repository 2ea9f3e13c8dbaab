using LeeMl.Sweep.Experiments.Jobs;
using System.Data.Common;
using LeeMl.Sweep.Experiments.Results;
using Npgsql;
using NpgsqlTypes;

namespace LeeMl.Sweep.Store;

/// <summary>
/// The shared store for clusters whose coordinators run on different machines: a PostgreSQL
/// database through Npgsql's connection pool. A group commit inserts its rows with one statement
/// per table (arrays unnested), so a batch costs one round trip per table, not one per row.
/// </summary>
public sealed class PostgresSweepStore : SqlSweepStore
{
    private readonly NpgsqlDataSource _source;

    private PostgresSweepStore(NpgsqlDataSource source) => _source = source;

    public static async Task<ISweepStore> Open(StoreAddress.Postgres address, string? password, CancellationToken cancel)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = address.Host, Port = address.Port, Username = address.User, Database = address.Database,
            Pooling = true, MaxPoolSize = 32, Timeout = 10, ApplicationName = "leeml-sweep",
        };
        if (password is { Length: > 0 }) builder.Password = password;
        else if (PassFile() is { } passfile) builder.Passfile = passfile;
        if (address.SslMode is { } ssl)
            builder.SslMode = Enum.TryParse<SslMode>(ssl, ignoreCase: true, out var mode) ? mode : throw new StoreException($"--db: sslmode '{ssl}' is not one of {string.Join(", ", Enum.GetNames<SslMode>())}");
        var store = new PostgresSweepStore(new NpgsqlDataSourceBuilder(builder.ConnectionString).Build());
        try
        {
            await store.EnsureSchema(address.Description, cancel);
            return store;
        }
        catch (Exception e) when (e is NpgsqlException or PostgresException or TimeoutException)
        {
            await store.DisposeAsync();
            throw new StoreException($"cannot use the database {address.Description}: {e.Message}", e);
        }
    }

    /// <summary>PGPASSFILE, else ~/.pgpass, as libpq looks for it.</summary>
    private static string? PassFile()
    {
        var path = Environment.GetEnvironmentVariable("PGPASSFILE") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pgpass");
        return File.Exists(path) ? path : null;
    }

    protected override string LockRow => " FOR UPDATE";

    protected override string BytesType => "BYTEA";

    protected override async Task LockSchema(DbConnection c, DbTransaction t) =>
        await Exec(c, t, "SELECT pg_advisory_xact_lock(740074)", CancellationToken.None);

    protected override async ValueTask<DbConnection> Connect(CancellationToken cancel) => await _source.OpenConnectionAsync(cancel);

    protected override async Task<T> Write<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancel)
    {
        await using var c = await _source.OpenConnectionAsync(cancel);
        await using var t = await c.BeginTransactionAsync(cancel);
        var result = await work(c, t);
        await t.CommitAsync(cancel);
        return result;
    }

    protected override async Task<List<long>> InsertResults(DbConnection c, DbTransaction t, string jobId, IReadOnlyList<ResultWrite> results, CancellationToken cancel)
    {
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO results (job_id, trial_index, key, outcome, validation_accuracy, error, summary, node, seconds, attempt)
            SELECT @job, * FROM unnest(@index, @key, @outcome, @validation, @error, @summary, @node, @seconds, @attempt)
            ON CONFLICT DO NOTHING RETURNING trial_index
            """, (NpgsqlConnection)c, (NpgsqlTransaction)t);
        cmd.Parameters.AddWithValue("job", jobId);
        cmd.Parameters.AddWithValue("index", NpgsqlDbType.Array | NpgsqlDbType.Bigint, results.Select(r => r.Index).ToArray());
        cmd.Parameters.AddWithValue("key", NpgsqlDbType.Array | NpgsqlDbType.Text, results.Select(r => r.Result.Key).ToArray());
        cmd.Parameters.AddWithValue("outcome", NpgsqlDbType.Array | NpgsqlDbType.Text, results.Select(r => r.Result.Outcome.Name()).ToArray());
        cmd.Parameters.AddWithValue("validation", NpgsqlDbType.Array | NpgsqlDbType.Double,
            results.Select(r => double.IsFinite(r.Result.ValidationAccuracy) ? (double?)r.Result.ValidationAccuracy : null).ToArray());
        cmd.Parameters.AddWithValue("error", NpgsqlDbType.Array | NpgsqlDbType.Text, results.Select(r => r.Result.Error).ToArray());
        cmd.Parameters.AddWithValue("summary", NpgsqlDbType.Array | NpgsqlDbType.Text, results.Select(r => r.Summary).ToArray());
        cmd.Parameters.AddWithValue("node", NpgsqlDbType.Array | NpgsqlDbType.Text, results.Select(r => r.Node).ToArray());
        cmd.Parameters.AddWithValue("seconds", NpgsqlDbType.Array | NpgsqlDbType.Double, results.Select(r => r.Seconds).ToArray());
        cmd.Parameters.AddWithValue("attempt", NpgsqlDbType.Array | NpgsqlDbType.Integer, results.Select(r => r.Attempt).ToArray());
        var inserted = new List<long>(results.Count);
        await using var reader = await cmd.ExecuteReaderAsync(cancel);
        while (await reader.ReadAsync(cancel)) inserted.Add(reader.GetInt64(0));
        return inserted;
    }

    protected override async Task InsertChunks(DbConnection c, DbTransaction t, string jobId, IReadOnlyList<(long Index, int Chunk, string Epochs)> chunks, CancellationToken cancel)
    {
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO curves (job_id, trial_index, chunk, epochs)
            SELECT @job, * FROM unnest(@index, @chunk, @epochs) ON CONFLICT DO NOTHING
            """, (NpgsqlConnection)c, (NpgsqlTransaction)t);
        cmd.Parameters.AddWithValue("job", jobId);
        cmd.Parameters.AddWithValue("index", NpgsqlDbType.Array | NpgsqlDbType.Bigint, chunks.Select(x => x.Index).ToArray());
        cmd.Parameters.AddWithValue("chunk", NpgsqlDbType.Array | NpgsqlDbType.Integer, chunks.Select(x => x.Chunk).ToArray());
        cmd.Parameters.AddWithValue("epochs", NpgsqlDbType.Array | NpgsqlDbType.Text, chunks.Select(x => x.Epochs).ToArray());
        await cmd.ExecuteNonQueryAsync(cancel);
    }

    public override async ValueTask DisposeAsync() => await _source.DisposeAsync();
}
