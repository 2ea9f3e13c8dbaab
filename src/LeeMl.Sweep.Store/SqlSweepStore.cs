using LeeMl.Sweep.Experiments.Jobs;
using System.Data.Common;
using System.Runtime.CompilerServices;
using LeeMl.Sweep.Experiments.Results;

namespace LeeMl.Sweep.Store;

/// <summary>
/// The SQL both stores share (standard SQL with ON CONFLICT DO NOTHING and RETURNING, which SQLite
/// and PostgreSQL both speak); the subclasses supply connections, write transactions, row locks,
/// bulk inserts and column types.
/// </summary>
public abstract class SqlSweepStore : ISweepStore
{
    public StoreIdentity Identity { get; private set; } = new("00000000", "");

    /// <summary>An open connection from the pool.</summary>
    protected abstract ValueTask<DbConnection> Connect(CancellationToken cancel);

    /// <summary>Runs <paramref name="work"/> in one write transaction and commits it.</summary>
    protected abstract Task<T> Write<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancel);

    /// <summary>" FOR UPDATE" where the database locks rows that way; empty where the transaction already holds the write lock.</summary>
    protected abstract string LockRow { get; }

    /// <summary>The column type of raw bytes.</summary>
    protected abstract string BytesType { get; }

    /// <summary>Serialises schema creation between processes starting at once.</summary>
    protected abstract Task LockSchema(DbConnection c, DbTransaction t);

    public abstract ValueTask DisposeAsync();

    // ---- schema ----------------------------------------------------------------------------

    /// <summary>The schema versions in order; each is applied once, in a transaction, and never changed.</summary>
    private string[] Migrations => [
        $"""
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, data TEXT NOT NULL, state TEXT NOT NULL,
            trials BIGINT NOT NULL, done BIGINT NOT NULL DEFAULT 0, failed BIGINT NOT NULL DEFAULT 0,
            diverged BIGINT NOT NULL DEFAULT 0, stopped BIGINT NOT NULL DEFAULT 0, best_validation DOUBLE PRECISION NULL,
            created BIGINT NOT NULL, started BIGINT NULL, finished BIGINT NULL,
            owner_epoch BIGINT NOT NULL DEFAULT 0, owner_node TEXT NULL);
        CREATE INDEX jobs_by_created ON jobs (created);
        CREATE TABLE results (
            job_id TEXT NOT NULL, trial_index BIGINT NOT NULL, key TEXT NOT NULL, outcome TEXT NOT NULL,
            validation_accuracy DOUBLE PRECISION NULL, error TEXT NULL, summary TEXT NOT NULL,
            node TEXT NOT NULL, seconds DOUBLE PRECISION NOT NULL, attempt INTEGER NOT NULL,
            PRIMARY KEY (job_id, trial_index));
        CREATE UNIQUE INDEX results_by_key ON results (job_id, key);
        CREATE TABLE curves (
            job_id TEXT NOT NULL, trial_index BIGINT NOT NULL, chunk INTEGER NOT NULL, epochs TEXT NOT NULL,
            PRIMARY KEY (job_id, trial_index, chunk));
        CREATE TABLE faults (
            job_id TEXT NOT NULL, trial_index BIGINT NOT NULL, attempt INTEGER NOT NULL, node TEXT NOT NULL, error TEXT NOT NULL,
            PRIMARY KEY (job_id, trial_index, attempt));
        CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, chunks INTEGER NOT NULL);
        CREATE TABLE blob_chunks (sha256 TEXT NOT NULL, chunk INTEGER NOT NULL, data {BytesType} NOT NULL, PRIMARY KEY (sha256, chunk));
        """,
        """
        CREATE TABLE revoked_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, expires BIGINT NOT NULL, revoked BIGINT NOT NULL);
        """,
        """
        CREATE TABLE trial_logs (
            job_id TEXT NOT NULL, trial_index BIGINT NOT NULL, key TEXT NOT NULL, attempt INTEGER NOT NULL, total BIGINT NOT NULL, text TEXT NOT NULL,
            PRIMARY KEY (job_id, trial_index));
        CREATE INDEX trial_logs_by_key ON trial_logs (job_id, key);
        """,
        """
        CREATE TABLE job_events (job_id TEXT NOT NULL, at BIGINT NOT NULL, text TEXT NOT NULL);
        CREATE INDEX job_events_by_job ON job_events (job_id, at);
        """,
    ];

    public static int SchemaVersion => 4;

    /// <summary>Creates the schema, or migrates it to this program's version; refuses a newer one.</summary>
    protected async Task EnsureSchema(string description, CancellationToken cancel)
    {
        var id = await Write(async (c, t) =>
        {
            await LockSchema(c, t);
            await Exec(c, t, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", cancel);
            var version = Convert.ToInt32(await Scalar(c, t, "SELECT value FROM meta WHERE key = 'schema_version'", cancel) ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            if (version > Migrations.Length)
                throw new StoreException($"{description} has schema version {version}, newer than this program's {Migrations.Length}: upgrade leeml-sweep on this node");
            for (var v = version; v < Migrations.Length; v++)
                foreach (var statement in Migrations[v].Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    await Exec(c, t, statement, cancel);
            await Exec(c, t, "INSERT INTO meta (key, value) VALUES ('schema_version', @v) ON CONFLICT (key) DO UPDATE SET value = @v", cancel,
                ("v", Migrations.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await Exec(c, t, "INSERT INTO meta (key, value) VALUES ('store_id', @id) ON CONFLICT (key) DO NOTHING", cancel, ("id", Guid.NewGuid().ToString("N")));
            return (string)(await Scalar(c, t, "SELECT value FROM meta WHERE key = 'store_id'", cancel))!;
        }, cancel);
        Identity = new StoreIdentity(id, description);
    }

    // ---- jobs ------------------------------------------------------------------------------

    private const string JobColumns = "id, name, spec, data, state, trials, done, failed, diverged, stopped, best_validation, created, started, finished, owner_epoch, owner_node";

    public Task CreateJob(NewJob job, CancellationToken cancel = default) => Write(async (c, t) =>
    {
        await Exec(c, t, "INSERT INTO jobs (id, name, spec, data, state, trials, created) VALUES (@id, @name, @spec, @data, @state, @trials, @created)", cancel,
            ("id", job.Id), ("name", job.Name), ("spec", job.SpecText), ("data", job.DataManifest), ("state", JobState.Queued.Name()),
            ("trials", job.Trials), ("created", Now()));
        var counts = JobCounts.None;
        foreach (var batch in job.TakenOver.Chunk(TakeOverBatch))
        {
            var inserted = (await InsertResults(c, t, job.Id, batch, cancel)).ToHashSet();
            var chunks = new List<(long Index, int Chunk, string Epochs)>();
            foreach (var r in batch.Where(r => inserted.Contains(r.Index)))
            {
                for (var i = 0; i < (r.Chunks?.Count ?? 0); i++) chunks.Add((r.Index, i, r.Chunks![i]));
                counts = counts.Add(r.Result.Outcome, r.Result.ValidationAccuracy);
            }
            if (chunks.Count > 0) await InsertChunks(c, t, job.Id, chunks, cancel);
        }
        if (counts.Done > 0) await SetCounts(c, t, job.Id, counts, cancel);
        return 0;
    }, cancel);

    /// <summary>How many taken-over results one insert writes.</summary>
    private const int TakeOverBatch = 2000;

    public async Task<StoredJob?> GetJob(string id, CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, $"SELECT {JobColumns} FROM jobs WHERE id = @id", ("id", id));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        return await r.ReadAsync(cancel) ? ReadJob(r) : null;
    }

    public async Task<IReadOnlyList<StoredJob>> ListJobs(int limit, int offset = 0, CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, $"SELECT {JobColumns} FROM jobs ORDER BY created DESC, id DESC LIMIT @limit OFFSET @offset", ("limit", (long)limit), ("offset", (long)offset));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        var jobs = new List<StoredJob>();
        while (await r.ReadAsync(cancel)) jobs.Add(ReadJob(r));
        return jobs;
    }

    public async Task<IReadOnlyDictionary<JobState, int>> CountJobs(CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, "SELECT state, COUNT(*) FROM jobs GROUP BY state");
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        var counts = new Dictionary<JobState, int>();
        while (await r.ReadAsync(cancel)) counts[JobStates.Parse(r.GetString(0))] = (int)r.GetInt64(1);
        return counts;
    }

    public async Task<IReadOnlyList<string>> OpenJobIds(CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, "SELECT id FROM jobs WHERE state IN ('queued', 'running', 'reporting', 'paused') ORDER BY created, id");
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        var ids = new List<string>();
        while (await r.ReadAsync(cancel)) ids.Add(r.GetString(0));
        return ids;
    }

    public Task<JobClaim?> ClaimJob(string id, string node, CancellationToken cancel = default) => Write<JobClaim?>(async (c, t) =>
    {
        await using (var cmd = Command(c, t, """
            UPDATE jobs SET owner_epoch = owner_epoch + 1, owner_node = @node,
                state = CASE WHEN state = 'queued' THEN 'running' ELSE state END,
                started = COALESCE(started, @now)
            WHERE id = @id
            """, ("node", node), ("now", Now()), ("id", id)))
            if (await cmd.ExecuteNonQueryAsync(cancel) == 0) return null;
        await using var read = Command(c, t, $"SELECT {JobColumns} FROM jobs WHERE id = @id", ("id", id));
        await using var r = await read.ExecuteReaderAsync(cancel);
        await r.ReadAsync(cancel);
        var job = ReadJob(r);
        return new JobClaim(job.OwnerEpoch, job);
    }, cancel);

    /// <summary>Checks the fence inside the transaction: the row is locked, so no other incarnation can move it meanwhile.</summary>
    private async Task<(bool Owned, JobCounts Counts)> Fence(DbConnection c, DbTransaction t, string jobId, long epoch, CancellationToken cancel)
    {
        await using var cmd = Command(c, t, $"SELECT owner_epoch, done, failed, diverged, stopped, best_validation FROM jobs WHERE id = @id{LockRow}", ("id", jobId));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        if (!await r.ReadAsync(cancel)) return (false, JobCounts.None);
        var counts = new JobCounts(Long(r, 1), Long(r, 2), Long(r, 3), Long(r, 4), r.IsDBNull(5) ? double.NaN : r.GetDouble(5));
        return (Long(r, 0) == epoch, counts);
    }

    private Task SetCounts(DbConnection c, DbTransaction t, string jobId, JobCounts counts, CancellationToken cancel) =>
        Exec(c, t, "UPDATE jobs SET done = @done, failed = @failed, diverged = @diverged, stopped = @stopped, best_validation = @best WHERE id = @id", cancel,
            ("done", counts.Done), ("failed", counts.Failed), ("diverged", counts.Diverged), ("stopped", counts.Stopped),
            ("best", double.IsFinite(counts.BestValidation) ? counts.BestValidation : DBNull.Value), ("id", jobId));

    public Task<CommitOutcome> Commit(string jobId, long epoch, IReadOnlyList<ResultWrite> results, IReadOnlyList<FaultWrite> faults, CancellationToken cancel = default) =>
        Write(async (c, t) =>
        {
            var (owned, counts) = await Fence(c, t, jobId, epoch, cancel);
            if (!owned) return new CommitOutcome(true, [], counts);
            if (faults.Count > 0) await InsertFaults(c, t, jobId, faults, cancel);
            if (results.Count == 0) return new CommitOutcome(false, [], counts);
            var inserted = await InsertResults(c, t, jobId, results, cancel);
            var chunks = new List<(long Index, int Chunk, string Epochs)>();
            var isNew = inserted.ToHashSet();
            foreach (var r in results.Where(r => isNew.Contains(r.Index) && r.Chunks is not null))
                for (var i = 0; i < r.Chunks!.Count; i++) chunks.Add((r.Index, i, r.Chunks[i]));
            if (chunks.Count > 0) await InsertChunks(c, t, jobId, chunks, cancel);
            foreach (var r in results.Where(r => isNew.Contains(r.Index)))
                counts = counts.Add(r.Result.Outcome, r.Result.ValidationAccuracy);
            if (isNew.Count > 0)
                await SetCounts(c, t, jobId, counts, cancel);
            return new CommitOutcome(false, inserted, counts);
        }, cancel);

    public Task StoreChunk(string jobId, long index, int chunk, string epochs, CancellationToken cancel = default) =>
        Write(async (c, t) =>
        {
            await InsertChunks(c, t, jobId, [(index, chunk, epochs)], cancel);
            return 0;
        }, cancel);

    public Task<bool> SetState(string jobId, long epoch, JobState state, CancellationToken cancel = default) => Write(async (c, t) =>
    {
        var (owned, _) = await Fence(c, t, jobId, epoch, cancel);
        if (!owned) return false;
        await Exec(c, t, "UPDATE jobs SET state = @state, finished = @finished WHERE id = @id", cancel,
            ("state", state.Name()), ("finished", state.IsOver() ? Now() : DBNull.Value), ("id", jobId));
        return true;
    }, cancel);

    // ---- a job's life after submit ---------------------------------------------------------

    /// <summary>The tables whose rows name a trial by its index.</summary>
    private static readonly string[] TrialTables = ["results", "curves", "faults", "trial_logs"];

    public Task<bool> ExtendJob(string jobId, long epoch, string specText, long trials, Func<long, long> newIndexOf, string note, CancellationToken cancel = default) =>
        Write(async (c, t) =>
        {
            var (owned, _) = await Fence(c, t, jobId, epoch, cancel);
            if (!owned) return false;
            foreach (var table in TrialTables)
            {
                var moves = new List<(long From, long To)>();
                await using (var cmd = Command(c, t, $"SELECT DISTINCT trial_index FROM {table} WHERE job_id = @job", ("job", jobId)))
                await using (var r = await cmd.ExecuteReaderAsync(cancel))
                    while (await r.ReadAsync(cancel))
                        if (Long(r, 0) is var from && newIndexOf(from) is var to && to != from) moves.Add((from, to));
                if (moves.Count == 0) continue;
                // Through negative indexes, so that no move meets a row not yet moved.
                await using (var move = Command(c, t, $"UPDATE {table} SET trial_index = @to WHERE job_id = @job AND trial_index = @from", ("job", jobId), ("to", 0L), ("from", 0L)))
                    foreach (var (from, to) in moves)
                    {
                        Set(move, "from", from);
                        Set(move, "to", -1 - to);
                        await move.ExecuteNonQueryAsync(cancel);
                    }
                await Exec(c, t, $"UPDATE {table} SET trial_index = -1 - trial_index WHERE job_id = @job AND trial_index < 0", cancel, ("job", jobId));
            }
            await Exec(c, t, "UPDATE jobs SET spec = @spec, trials = @trials, state = CASE WHEN state = 'paused' THEN 'paused' ELSE 'running' END, finished = NULL WHERE id = @id", cancel,
                ("spec", specText), ("trials", trials), ("id", jobId));
            await InsertEvent(c, t, jobId, note, cancel);
            return true;
        }, cancel);

    public Task<long?> RetryFailed(string jobId, long epoch, string note, CancellationToken cancel = default) =>
        Write<long?>(async (c, t) =>
        {
            var (owned, _) = await Fence(c, t, jobId, epoch, cancel);
            if (!owned) return null;
            var failed = new List<(long Index, int Attempt, string Node, string Error)>();
            await using (var cmd = Command(c, t, "SELECT trial_index, attempt, node, error FROM results WHERE job_id = @job AND outcome = 'failed' ORDER BY trial_index", ("job", jobId)))
            await using (var r = await cmd.ExecuteReaderAsync(cancel))
                while (await r.ReadAsync(cancel)) failed.Add((Long(r, 0), (int)Long(r, 1), r.GetString(2), r.IsDBNull(3) ? "(no message)" : r.GetString(3)));
            if (failed.Count == 0) return 0;
            // The failed attempt stays in the trial's telemetry as a fault, followed by a mark of the retry (from which attempts count again).
            var last = new Dictionary<long, int>();
            await using (var cmd = Command(c, t, "SELECT trial_index, MAX(attempt) FROM faults WHERE job_id = @job GROUP BY trial_index", ("job", jobId)))
            await using (var r = await cmd.ExecuteReaderAsync(cancel))
                while (await r.ReadAsync(cancel)) last[Long(r, 0)] = (int)Long(r, 1);
            var faults = new List<FaultWrite>();
            foreach (var f in failed)
            {
                var attempt = last.GetValueOrDefault(f.Index);
                if (attempt < f.Attempt) faults.Add(new FaultWrite(f.Index, attempt = f.Attempt, f.Node, $"failed: {f.Error}"));
                faults.Add(new FaultWrite(f.Index, attempt + 1, "-", FaultWrite.RetryMark + note));
            }
            await InsertFaults(c, t, jobId, faults, cancel);
            foreach (var f in failed)
            {
                await Exec(c, t, "DELETE FROM curves WHERE job_id = @job AND trial_index = @index", cancel, ("job", jobId), ("index", f.Index));
                await Exec(c, t, "DELETE FROM results WHERE job_id = @job AND trial_index = @index", cancel, ("job", jobId), ("index", f.Index));
            }
            await Exec(c, t, """
                UPDATE jobs SET done = done - @n, failed = 0, finished = NULL,
                    state = CASE WHEN state IN ('done', 'failed', 'cancelled') THEN 'running' ELSE state END
                WHERE id = @id
                """, cancel, ("n", (long)failed.Count), ("id", jobId));
            await InsertEvent(c, t, jobId, $"retried {failed.Count} failed trial{(failed.Count == 1 ? "" : "s")}: {note}", cancel);
            return failed.Count;
        }, cancel);

    public Task AddEvent(string jobId, string text, CancellationToken cancel = default) => Write(async (c, t) =>
    {
        await InsertEvent(c, t, jobId, text, cancel);
        return 0;
    }, cancel);

    private static Task InsertEvent(DbConnection c, DbTransaction t, string jobId, string text, CancellationToken cancel) =>
        Exec(c, t, "INSERT INTO job_events (job_id, at, text) VALUES (@job, @at, @text)", cancel, ("job", jobId), ("at", Now()), ("text", text));

    public async Task<IReadOnlyList<JobEvent>> Events(string jobId, int limit = 100, CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, "SELECT at, text FROM job_events WHERE job_id = @job ORDER BY at, text LIMIT @limit", ("job", jobId), ("limit", (long)limit));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        var events = new List<JobEvent>();
        while (await r.ReadAsync(cancel)) events.Add(new JobEvent(Time(r, 0)!.Value, r.GetString(1)));
        return events;
    }

    // ---- results ---------------------------------------------------------------------------

    /// <summary>Inserts results that are not yet stored; returns the indexes it inserted.</summary>
    protected virtual async Task<List<long>> InsertResults(DbConnection c, DbTransaction t, string jobId, IReadOnlyList<ResultWrite> results, CancellationToken cancel)
    {
        var inserted = new List<long>(results.Count);
        await using var cmd = Command(c, t, """
            INSERT INTO results (job_id, trial_index, key, outcome, validation_accuracy, error, summary, node, seconds, attempt)
            VALUES (@job, @index, @key, @outcome, @validation, @error, @summary, @node, @seconds, @attempt)
            ON CONFLICT DO NOTHING RETURNING trial_index
            """, ("job", jobId), ("index", 0L), ("key", ""), ("outcome", ""), ("validation", 0.0), ("error", DBNull.Value), ("summary", ""), ("node", ""), ("seconds", 0.0), ("attempt", 0));
        foreach (var r in results)
        {
            Set(cmd, "index", r.Index);
            Set(cmd, "key", r.Result.Key);
            Set(cmd, "outcome", r.Result.Outcome.Name());
            Set(cmd, "validation", double.IsFinite(r.Result.ValidationAccuracy) ? r.Result.ValidationAccuracy : DBNull.Value);
            Set(cmd, "error", (object?)r.Result.Error ?? DBNull.Value);
            Set(cmd, "summary", r.Summary);
            Set(cmd, "node", r.Node);
            Set(cmd, "seconds", r.Seconds);
            Set(cmd, "attempt", r.Attempt);
            if (await cmd.ExecuteScalarAsync(cancel) is { } index and not DBNull) inserted.Add(Convert.ToInt64(index, System.Globalization.CultureInfo.InvariantCulture));
        }
        return inserted;
    }

    protected virtual async Task InsertChunks(DbConnection c, DbTransaction t, string jobId, IReadOnlyList<(long Index, int Chunk, string Epochs)> chunks, CancellationToken cancel)
    {
        await using var cmd = Command(c, t, "INSERT INTO curves (job_id, trial_index, chunk, epochs) VALUES (@job, @index, @chunk, @epochs) ON CONFLICT DO NOTHING",
            ("job", jobId), ("index", 0L), ("chunk", 0), ("epochs", ""));
        foreach (var (index, chunk, epochs) in chunks)
        {
            Set(cmd, "index", index);
            Set(cmd, "chunk", chunk);
            Set(cmd, "epochs", epochs);
            await cmd.ExecuteNonQueryAsync(cancel);
        }
    }

    protected virtual async Task InsertFaults(DbConnection c, DbTransaction t, string jobId, IReadOnlyList<FaultWrite> faults, CancellationToken cancel)
    {
        await using var cmd = Command(c, t, "INSERT INTO faults (job_id, trial_index, attempt, node, error) VALUES (@job, @index, @attempt, @node, @error) ON CONFLICT DO NOTHING",
            ("job", jobId), ("index", 0L), ("attempt", 0), ("node", ""), ("error", ""));
        foreach (var f in faults)
        {
            Set(cmd, "index", f.Index);
            Set(cmd, "attempt", f.Attempt);
            Set(cmd, "node", f.Node);
            Set(cmd, "error", f.Error);
            await cmd.ExecuteNonQueryAsync(cancel);
        }
    }

    public async IAsyncEnumerable<(long Index, TrialOutcome Outcome, double Seconds)> Done(string jobId, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, "SELECT trial_index, outcome, seconds FROM results WHERE job_id = @job", ("job", jobId));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        while (await r.ReadAsync(cancel)) yield return (Long(r, 0), TrialOutcomes.Parse(r.GetString(1)), r.GetDouble(2));
    }

    public async IAsyncEnumerable<FaultWrite> Faults(string jobId, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, "SELECT trial_index, attempt, node, error FROM faults WHERE job_id = @job ORDER BY trial_index, attempt", ("job", jobId));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        while (await r.ReadAsync(cancel)) yield return new FaultWrite(Long(r, 0), (int)Long(r, 1), r.GetString(2), r.GetString(3));
    }

    public async IAsyncEnumerable<StoredResult> Results(string jobId, bool withCurves, string? afterKey = null, int limit = int.MaxValue,
        [EnumeratorCancellation] CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        // Results in key order, each followed by its curve chunks in order (a join, so one cursor streams them all).
        var sql = withCurves
            ? """
              SELECT r.trial_index, r.key, r.outcome, r.summary, r.node, r.seconds, r.attempt, k.epochs
              FROM (SELECT * FROM results WHERE job_id = @job AND key > @after ORDER BY key LIMIT @limit) r
              LEFT JOIN curves k ON k.job_id = r.job_id AND k.trial_index = r.trial_index
              ORDER BY r.key, k.chunk
              """
            : "SELECT trial_index, key, outcome, summary, node, seconds, attempt, NULL FROM results WHERE job_id = @job AND key > @after ORDER BY key LIMIT @limit";
        await using var cmd = Command(c, null, sql, ("job", jobId), ("after", afterKey ?? ""), ("limit", (long)limit));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        StoredResult? current = null;
        List<string>? chunks = null;
        while (await r.ReadAsync(cancel))
        {
            var key = r.GetString(1);
            if (current is null || current.Key != key)
            {
                if (current is not null) yield return current with { Chunks = chunks! };
                chunks = [];
                current = new StoredResult(Long(r, 0), key, TrialOutcomes.Parse(r.GetString(2)), r.GetString(3), [], r.GetString(4), r.GetDouble(5), (int)Long(r, 6));
            }
            if (!r.IsDBNull(7)) chunks!.Add(r.GetString(7));
        }
        if (current is not null) yield return current with { Chunks = chunks! };
    }

    // ---- logs ------------------------------------------------------------------------------

    public Task AppendLog(string jobId, long index, string key, int attempt, long offset, string text, CancellationToken cancel = default) => Write(async (c, t) =>
    {
        Experiments.Programs.TrialLog? stored = null;
        await using (var read = Command(c, t, $"SELECT attempt, total, text FROM trial_logs WHERE job_id = @job AND trial_index = @index{LockRow}", ("job", jobId), ("index", index)))
        await using (var r = await read.ExecuteReaderAsync(cancel))
            if (await r.ReadAsync(cancel)) stored = new((int)Long(r, 0), Long(r, 1), r.GetString(2));
        var merged = Experiments.Programs.TrialLog.Merge(stored, attempt, offset, text);
        if (ReferenceEquals(merged, stored)) return 0;
        await Exec(c, t, """
            INSERT INTO trial_logs (job_id, trial_index, key, attempt, total, text) VALUES (@job, @index, @key, @attempt, @total, @text)
            ON CONFLICT (job_id, trial_index) DO UPDATE SET attempt = @attempt, total = @total, text = @text
            """, cancel, ("job", jobId), ("index", index), ("key", key), ("attempt", (long)merged.Attempt), ("total", merged.Total), ("text", merged.Text));
        return 0;
    }, cancel);

    public async Task<Experiments.Programs.TrialLog?> Log(string jobId, string key, CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, "SELECT attempt, total, text FROM trial_logs WHERE job_id = @job AND key = @key", ("job", jobId), ("key", key));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        return await r.ReadAsync(cancel) ? new((int)Long(r, 0), Long(r, 1), r.GetString(2)) : null;
    }

    public async Task<StoredResult?> Result(string jobId, string key, CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, """
            SELECT r.trial_index, r.key, r.outcome, r.summary, r.node, r.seconds, r.attempt, k.epochs
            FROM results r LEFT JOIN curves k ON k.job_id = r.job_id AND k.trial_index = r.trial_index
            WHERE r.job_id = @job AND r.key = @key ORDER BY k.chunk
            """, ("job", jobId), ("key", key));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        StoredResult? result = null;
        var chunks = new List<string>();
        while (await r.ReadAsync(cancel))
        {
            result ??= new StoredResult(Long(r, 0), r.GetString(1), TrialOutcomes.Parse(r.GetString(2)), r.GetString(3), [], r.GetString(4), r.GetDouble(5), (int)Long(r, 6));
            if (!r.IsDBNull(7)) chunks.Add(r.GetString(7));
        }
        return result is null ? null : result with { Chunks = chunks };
    }

    public async Task<IReadOnlyList<(string Error, long Count)>> Errors(string jobId, int limit, CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, """
            SELECT error, COUNT(*) FROM (
                SELECT error FROM results WHERE job_id = @job AND error IS NOT NULL
                UNION ALL SELECT error FROM faults WHERE job_id = @job) e
            GROUP BY error ORDER BY COUNT(*) DESC, error LIMIT @limit
            """, ("job", jobId), ("limit", (long)limit));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        var errors = new List<(string, long)>();
        while (await r.ReadAsync(cancel)) errors.Add((r.GetString(0), Long(r, 1)));
        return errors;
    }

    // ---- revoked access tokens -------------------------------------------------------------

    public Task RevokeToken(string id, string name, DateTimeOffset expires, CancellationToken cancel = default) => Write(async (c, t) =>
    {
        // A token past its expiry is refused anyway: its row has done its work.
        await Exec(c, t, "DELETE FROM revoked_tokens WHERE expires <= @now", cancel, ("now", Now()));
        await Exec(c, t, "INSERT INTO revoked_tokens (id, name, expires, revoked) VALUES (@id, @name, @expires, @now) ON CONFLICT DO NOTHING", cancel,
            ("id", id), ("name", name), ("expires", expires.ToUnixTimeMilliseconds()), ("now", Now()));
        return 0;
    }, cancel);

    public async Task<IReadOnlyList<RevokedTokenRow>> RevokedTokens(CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, "SELECT id, name, expires, revoked FROM revoked_tokens WHERE expires > @now ORDER BY revoked DESC, id", ("now", Now()));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        var rows = new List<RevokedTokenRow>();
        while (await r.ReadAsync(cancel)) rows.Add(new RevokedTokenRow(r.GetString(0), r.GetString(1), Time(r, 2)!.Value, Time(r, 3)!.Value));
        return rows;
    }

    // ---- blobs -----------------------------------------------------------------------------

    public async Task<BlobInfo?> GetBlob(string sha256, CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, "SELECT size, chunks FROM blobs WHERE sha256 = @sha", ("sha", sha256));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        return await r.ReadAsync(cancel) ? new BlobInfo(sha256, Long(r, 0), (int)Long(r, 1), true) : null;
    }

    public Task PutBlob(string sha256, long size, IAsyncEnumerable<ReadOnlyMemory<byte>> chunks, CancellationToken cancel = default) => Write(async (c, t) =>
    {
        await using (var exists = Command(c, t, "SELECT 1 FROM blobs WHERE sha256 = @sha", ("sha", sha256)))
            if (await exists.ExecuteScalarAsync(cancel) is not null) return 0;
        // Chunks under the hash without a blob row (left by an older version, which stored before it verified) are not this file's bytes.
        await Exec(c, t, "DELETE FROM blob_chunks WHERE sha256 = @sha", cancel, ("sha", sha256));
        var n = 0;
        await foreach (var chunk in chunks.WithCancellation(cancel))
            await Exec(c, t, "INSERT INTO blob_chunks (sha256, chunk, data) VALUES (@sha, @chunk, @data)", cancel, ("sha", sha256), ("chunk", n++), ("data", chunk.ToArray()));
        // Two coordinators storing one file at once both hold verified bytes: whichever commits first stands.
        await Exec(c, t, "INSERT INTO blobs (sha256, size, chunks) VALUES (@sha, @size, @chunks) ON CONFLICT DO NOTHING", cancel, ("sha", sha256), ("size", size), ("chunks", n));
        return 0;
    }, cancel);

    public async Task<byte[]?> GetBlobChunk(string sha256, int chunk, CancellationToken cancel = default)
    {
        await using var c = await Connect(cancel);
        await using var cmd = Command(c, null, "SELECT data FROM blob_chunks WHERE sha256 = @sha AND chunk = @chunk", ("sha", sha256), ("chunk", chunk));
        return await cmd.ExecuteScalarAsync(cancel) as byte[];
    }

    // ---- helpers ---------------------------------------------------------------------------

    protected static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    protected static long Long(DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset? Time(DbDataReader r, int i) => r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(Long(r, i));

    private static StoredJob ReadJob(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), JobStates.Parse(r.GetString(4)), Long(r, 5),
        new JobCounts(Long(r, 6), Long(r, 7), Long(r, 8), Long(r, 9), r.IsDBNull(10) ? double.NaN : r.GetDouble(10)),
        Time(r, 11)!.Value, Time(r, 12), Time(r, 13), Long(r, 14), r.IsDBNull(15) ? null : r.GetString(15));

    protected static DbCommand Command(DbConnection c, DbTransaction? t, string sql, params (string Name, object Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = t;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    protected static void Set(DbCommand cmd, string name, object value) => cmd.Parameters[name].Value = value;

    protected static async Task Exec(DbConnection c, DbTransaction? t, string sql, CancellationToken cancel, params (string Name, object Value)[] args)
    {
        await using var cmd = Command(c, t, sql, args);
        await cmd.ExecuteNonQueryAsync(cancel);
    }

    private static async Task<object?> Scalar(DbConnection c, DbTransaction t, string sql, CancellationToken cancel)
    {
        await using var cmd = Command(c, t, sql);
        var v = await cmd.ExecuteScalarAsync(cancel);
        return v is DBNull ? null : v;
    }
}
