using Microsoft.Data.Sqlite;

namespace LeeMl.Sweep.Experiments.Results;

/// <summary>A sweep job as stored: its spec text travels with it, so a restarted coordinator can re-plan it.</summary>
public sealed record StoredJob(string Id, string Name, string SpecText, string OutputDirectory, string State, int Trials);

/// <summary>
/// The coordinator's embedded database (one SQLite file): jobs and finished trials. A trial
/// counts as done only once its row is committed; a restarted coordinator reads back the
/// unfinished jobs and the results it already has, and trains only the rest.
/// </summary>
public sealed class SweepStore : IDisposable
{
    private readonly SqliteConnection _db;

    public SweepStore(string path)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS jobs (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, out_dir TEXT NOT NULL,
                state TEXT NOT NULL, trials INTEGER NOT NULL, created TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS results (
                job_id TEXT NOT NULL, key TEXT NOT NULL, outcome TEXT NOT NULL, result TEXT NOT NULL, telemetry TEXT NOT NULL,
                PRIMARY KEY (job_id, key));
            """);
    }

    private void Execute(string sql, params (string Name, object Value)[] args)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        cmd.ExecuteNonQuery();
    }

    public void CreateJob(StoredJob job) => Execute(
        "INSERT INTO jobs (id, name, spec, out_dir, state, trials, created) VALUES ($id, $name, $spec, $out, $state, $trials, $created)",
        ("$id", job.Id), ("$name", job.Name), ("$spec", job.SpecText), ("$out", job.OutputDirectory), ("$state", job.State),
        ("$trials", job.Trials), ("$created", DateTime.UtcNow.ToString("O")));

    public void SetState(string jobId, string state) => Execute("UPDATE jobs SET state = $s WHERE id = $id", ("$s", state), ("$id", jobId));

    public IReadOnlyList<StoredJob> Jobs(string? state = null)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT id, name, spec, out_dir, state, trials FROM jobs" + (state is null ? "" : " WHERE state = $s") + " ORDER BY created, id";
        if (state is not null) cmd.Parameters.AddWithValue("$s", state);
        using var r = cmd.ExecuteReader();
        var jobs = new List<StoredJob>();
        while (r.Read()) jobs.Add(new StoredJob(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt32(5)));
        return jobs;
    }

    /// <summary>Stores a finished trial; false when it was already stored (a duplicate delivery).</summary>
    public bool SaveResult(string jobId, string key, string outcome, string result, string telemetry)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "INSERT OR IGNORE INTO results (job_id, key, outcome, result, telemetry) VALUES ($j, $k, $o, $r, $t)";
        cmd.Parameters.AddWithValue("$j", jobId);
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$o", outcome);
        cmd.Parameters.AddWithValue("$r", result);
        cmd.Parameters.AddWithValue("$t", telemetry);
        return cmd.ExecuteNonQuery() == 1;
    }

    public IReadOnlyList<(string Key, string Outcome, string Result, string Telemetry)> Results(string jobId)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT key, outcome, result, telemetry FROM results WHERE job_id = $j ORDER BY key";
        cmd.Parameters.AddWithValue("$j", jobId);
        using var r = cmd.ExecuteReader();
        var rows = new List<(string, string, string, string)>();
        while (r.Read()) rows.Add((r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)));
        return rows;
    }

    public void Dispose() => _db.Dispose();
}
