using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Jobs;
using LeeMl.Sweep.Store;
using LeeMl.Sweep.Tests;

namespace LeeMl.Sweep.Store.Tests;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}

/// <summary>Both stores, the same behaviour: a real SQLite file and a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StoreTests : IDisposable
{
    private readonly PostgresServer _postgres;
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-store-").FullName;

    public StoreTests(PostgresServer postgres) => _postgres = postgres;

    private static Task<ISweepStore> Open(string db) => SweepStores.Open(db, PostgresServer.Password);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Kinds => new() { "sqlite", "postgresql" };

    private string Address(string kind) => kind == "sqlite" ? Path.Combine(_dir, $"s{Guid.NewGuid():N}.db") : _postgres.NewDatabase();

    private static TrialResult Result(string key, TrialOutcome outcome, double validation, int epochs) => new(
        key, "logistic", "sgdm(lr=0.1)", null, null, null, 1, outcome, null, outcome == TrialOutcome.Failed ? "bad \"data\"" : null,
        0.9, validation, 0.8, 0.25, double.NaN, epochs > 0 ? 1 : null, null,
        [.. Enumerable.Range(1, epochs).Select(e => new EpochResult(e, e * 10L, 0.1, 0.5 / e, 0.8, double.NaN, validation, 1.5))]);

    private static ResultWrite Write(long index, TrialResult r, int chunkSize = 1000) =>
        new(index, r, ResultJson.Summary(r), [.. r.Epochs.Chunk(chunkSize).Select(c => ResultJson.Chunk(c))], "127.0.0.1:4053", 0.5, 1);

    [Theory, MemberData(nameof(Kinds))]
    public async Task Results_are_committed_once_read_back_in_key_order_and_compose_to_the_same_lines(string kind)
    {
        var db = Address(kind);
        await using var store = await Open(db);
        await store.CreateJob(new NewJob("j1", "test", "name: test", "[]", 3));
        var claim = await store.ClaimJob("j1", "node-a");
        Assert.NotNull(claim);
        Assert.Equal(1, claim.Epoch);
        Assert.Equal(JobState.Running, claim.Job.State);

        var b = Result("b|x|seed=1", TrialOutcome.Completed, 0.7, 3);
        var a = Result("a|x|seed=1", TrialOutcome.Failed, double.NaN, 0);
        var first = await store.Commit("j1", claim.Epoch, [Write(1, b), Write(0, a)], []);
        Assert.False(first.Fenced);
        Assert.Equal([0L, 1L], first.Inserted.Order());
        // A duplicate delivery changes nothing and counts nothing.
        var again = await store.Commit("j1", claim.Epoch, [Write(1, b)], []);
        Assert.Empty(again.Inserted);

        var job = (await store.GetJob("j1"))!;
        Assert.Equal(new JobCounts(2, 1, 0, 0, 0.7), job.Counts);
        var rows = await store.Results("j1", withCurves: true).ToListAsync();
        Assert.Equal(["a|x|seed=1", "b|x|seed=1"], rows.Select(r => r.Key));
        Assert.Equal(ResultJson.Line(a), rows[0].Line);
        Assert.Equal(ResultJson.Line(b), rows[1].Line);
        Assert.Equal(b, ResultJson.Parse(rows[1].Line) with { Epochs = b.Epochs });
        Assert.Equal(b.Epochs, ResultJson.Parse(rows[1].Line).Epochs);
        var page = await store.Results("j1", withCurves: false, afterKey: "a|x|seed=1", limit: 10).ToListAsync();
        Assert.Equal(["b|x|seed=1"], page.Select(r => r.Key));
        Assert.Equal(2, await store.Done("j1").CountAsync());
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task A_job_created_with_taken_over_results_holds_them_counted_with_their_curves_from_its_first_read(string kind)
    {
        await using var store = await Open(Address(kind));
        var a = Result("a|seed=1", TrialOutcome.Completed, 0.6, 3);
        var b = Result("b|seed=1", TrialOutcome.Failed, double.NaN, 0);
        await store.CreateJob(new NewJob("warm", "test", "name: test", "[]", 4) { TakenOver = [Write(2, a, chunkSize: 2), Write(0, b)] });

        // What a coordinator reads when it claims the job: the taken-over trials are done already.
        var claim = (await store.ClaimJob("warm", "n"))!;
        Assert.Equal(new JobCounts(2, 1, 0, 0, 0.6), claim.Job.Counts);
        Assert.Equal([0L, 2L], (await store.Done("warm").ToListAsync()).Select(d => d.Index).Order());
        Assert.Equal([ResultJson.Line(a), ResultJson.Line(b)], (await store.Results("warm", withCurves: true).ToListAsync()).Select(r => r.Line));

        // All or nothing: a second job of that id fails whole, and the first keeps what it had.
        await Assert.ThrowsAnyAsync<Exception>(() => store.CreateJob(new NewJob("warm", "test", "name: test", "[]", 4) { TakenOver = [Write(1, a)] }));
        Assert.Equal([0L, 2L], (await store.Done("warm").ToListAsync()).Select(d => d.Index).Order());

        // Many, read lazily a batch at a time: every one is stored and counted.
        var many = Enumerable.Range(0, 4500).Select(i => Write(i, Result($"k{i:D5}|seed=1", TrialOutcome.Completed, i / 10000.0, 1)));
        await store.CreateJob(new NewJob("many", "test", "name: test", "[]", 5000) { TakenOver = many });
        Assert.Equal(new JobCounts(4500, 0, 0, 0, 0.4499), (await store.GetJob("many"))!.Counts);
        Assert.Equal(4500, await store.Done("many").CountAsync());
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task An_older_incarnation_is_fenced_off_once_another_claims_the_job(string kind)
    {
        await using var store = await Open(Address(kind));
        await store.CreateJob(new NewJob("j", "test", "name: test", "[]", 2));
        var old = (await store.ClaimJob("j", "node-a"))!;
        var current = (await store.ClaimJob("j", "node-b"))!;
        Assert.Equal(old.Epoch + 1, current.Epoch);
        Assert.Equal("node-b", current.Job.OwnerNode);

        var fenced = await store.Commit("j", old.Epoch, [Write(0, Result("a|seed=1", TrialOutcome.Completed, 0.5, 1))], [new FaultWrite(1, 1, "n", "e")]);
        Assert.True(fenced.Fenced);
        Assert.Equal(new Dictionary<JobState, int> { [JobState.Running] = 1 }, await store.CountJobs());
        Assert.False(await store.SetState("j", old.Epoch, JobState.Done));
        Assert.Empty(await store.Done("j").ToListAsync());
        Assert.Empty(await store.Faults("j").ToListAsync());

        Assert.True(await store.SetState("j", current.Epoch, JobState.Done));
        Assert.Equal(new Dictionary<JobState, int> { [JobState.Done] = 1 }, await store.CountJobs());   // counted by state, for /metrics
        var done = (await store.GetJob("j"))!;
        Assert.Equal(JobState.Done, done.State);
        Assert.NotNull(done.Finished);
        Assert.Empty(await store.OpenJobIds());
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task A_curve_of_100000_epochs_is_stored_in_chunks_ahead_of_its_result_and_read_back_whole(string kind)
    {
        await using var store = await Open(Address(kind));
        await store.CreateJob(new NewJob("long", "test", "name: test", "[]", 1));
        var claim = (await store.ClaimJob("long", "n"))!;
        var r = Result("long|seed=1", TrialOutcome.Completed, 0.6, 100_000);
        var chunks = r.Epochs.Chunk(2000).Select(c => ResultJson.Chunk(c)).ToList();
        for (var i = 0; i < chunks.Count; i++) await store.StoreChunk("long", 0, i, chunks[i]);
        await store.StoreChunk("long", 0, 0, chunks[0]);   // a resent chunk is harmless
        var outcome = await store.Commit("long", claim.Epoch, [new ResultWrite(0, r, ResultJson.Summary(r), null, "n", 1, 1)], []);
        Assert.Equal([0L], outcome.Inserted);
        var back = await store.Results("long", withCurves: true).SingleAsync();
        Assert.Equal(ResultJson.Line(r), back.Line);
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task The_store_keeps_its_identity_and_refuses_a_schema_from_a_newer_version(string kind)
    {
        var db = Address(kind);
        string id;
        await using (var store = await Open(db)) id = store.Identity.Id;
        await using (var again = await Open(db)) Assert.Equal(id, again.Identity.Id);
        await using (var other = await Open(Address(kind))) Assert.NotEqual(id, other.Identity.Id);
        Assert.DoesNotContain(PostgresServer.Password, id + db);

        await SetSchemaVersion(db, 99);
        var e = await Assert.ThrowsAsync<StoreException>(() => Open(db));
        Assert.Contains("schema version 99, newer than this program's", e.Message);
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task Blobs_are_stored_by_hash_in_chunks(string kind)
    {
        await using var store = await Open(Address(kind));
        Assert.Null(await store.GetBlob("abc"));
        await store.PutBlob("abc", 4, Chunks(new byte[] { 1, 2, 3 }, new byte[] { 4 }));
        Assert.Equal(new BlobInfo("abc", 4, 2, true), await store.GetBlob("abc"));
        Assert.Equal(new byte[] { 4 }, await store.GetBlobChunk("abc", 1));
        await store.PutBlob("abc", 4, Chunks(new byte[] { 9, 9, 9, 9 }));   // stored before: kept as it was
        Assert.Equal(new byte[] { 1, 2, 3 }, await store.GetBlobChunk("abc", 0));
    }

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Chunks(params byte[][] chunks)
    {
        foreach (var c in chunks)
        {
            await Task.Yield();
            yield return c;
        }
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task Revoked_tokens_are_listed_until_they_expire_and_a_store_of_the_first_schema_gains_the_table(string kind)
    {
        var db = Address(kind);
        await using (var store = await Open(db))
        {
            Assert.Empty(await store.RevokedTokens());
            await store.RevokeToken("t1", "alice", DateTimeOffset.UtcNow.AddDays(1));
            await store.RevokeToken("t1", "alice", DateTimeOffset.UtcNow.AddDays(1));   // twice: once
            await store.RevokeToken("t0", "bob", DateTimeOffset.UtcNow.AddSeconds(-1));   // expired already: nothing to refuse
            var row = Assert.Single(await store.RevokedTokens());
            Assert.Equal(("t1", "alice"), (row.Id, row.Name));
            Assert.InRange(row.KeptUntil, DateTimeOffset.UtcNow.AddHours(23), DateTimeOffset.UtcNow.AddDays(1));
            Assert.InRange(row.Revoked, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        }

        // A store made by the previous version (schema 1, without the table) is migrated when opened.
        await Sql(db, "DROP TABLE revoked_tokens");
        await Sql(db, "DROP TABLE trial_logs");   // schema 1 had neither
        await Sql(db, "DROP TABLE job_events");
        await SetSchemaVersion(db, 1);
        await using (var migrated = await Open(db))
        {
            Assert.Empty(await migrated.RevokedTokens());
            await migrated.RevokeToken("t2", "carol", DateTimeOffset.UtcNow.AddDays(1));
            Assert.Equal(["t2"], (await migrated.RevokedTokens()).Select(r => r.Id));
        }
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task A_trials_output_is_kept_in_order_restarted_by_a_new_attempt_and_a_store_of_schema_2_gains_the_table(string kind)
    {
        var db = Address(kind);
        await using (var store = await Open(db))
        {
            Assert.Null(await store.Log("j", "k|seed=1"));
            await store.AppendLog("j", 0, "k|seed=1", 1, 0, "one\n");
            await store.AppendLog("j", 0, "k|seed=1", 1, 4, "two\n");
            await store.AppendLog("j", 0, "k|seed=1", 1, 4, "two\n");        // sent again: kept once
            Assert.Equal(new Experiments.Programs.TrialLog(1, 8, "one\ntwo\n"), await store.Log("j", "k|seed=1"));
            await store.AppendLog("j", 0, "k|seed=1", 2, 0, "again\n");      // the trial started again elsewhere
            await store.AppendLog("j", 0, "k|seed=1", 1, 8, "late\n");       // the old attempt's last words: dropped
            Assert.Equal(new Experiments.Programs.TrialLog(2, 6, "again\n"), await store.Log("j", "k|seed=1"));
        }
        await Sql(db, "DROP TABLE trial_logs");
        await Sql(db, "DROP TABLE job_events");
        await SetSchemaVersion(db, 2);
        await using (var migrated = await Open(db))
        {
            await migrated.AppendLog("j", 3, "x|seed=1", 1, 0, "hello\n");
            Assert.Equal("hello\n", (await migrated.Log("j", "x|seed=1"))!.Text);
        }
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task An_extension_moves_every_row_of_a_trial_to_its_new_index_and_a_retry_takes_failed_results_back_keeping_their_attempts(string kind)
    {
        var db = Address(kind);
        await using var store = await Open(db);
        await store.CreateJob(new NewJob("j", "test", "name: test", "[]", 3));
        var claim = (await store.ClaimJob("j", "node-a"))!;
        var a = Result("a|x|seed=1", TrialOutcome.Completed, 0.7, 2);
        var b = Result("b|x|seed=1", TrialOutcome.Failed, double.NaN, 0);
        await store.Commit("j", claim.Epoch, [Write(0, a), Write(1, b)], [new FaultWrite(1, 1, "node-b", "lost"), new FaultWrite(2, 1, "node-b", "lost")]);
        await store.AppendLog("j", 0, "a|x|seed=1", 1, 0, "hello\n");
        await store.SetState("j", claim.Epoch, JobState.Failed);

        // Trials 0, 1, 2 become 3, 0, 4 of a plan of 6; a stale owner changes nothing.
        long[] map = [3, 0, 4];
        Assert.False(await store.ExtendJob("j", claim.Epoch - 1, "name: test\n# larger", 6, i => map[i], "extended"));
        Assert.True(await store.ExtendJob("j", claim.Epoch, "name: test\n# larger", 6, i => map[i], "extended from 3 to 6 trials"));
        var job = (await store.GetJob("j"))!;
        Assert.Equal((JobState.Running, 6L, "name: test\n# larger", (DateTimeOffset?)null), (job.State, job.Trials, job.SpecText, job.Finished));
        Assert.Equal([(0L, "b|x|seed=1"), (3L, "a|x|seed=1")], (await store.Results("j", withCurves: true).ToListAsync()).Select(r => (r.Index, r.Key)).Order());
        Assert.Equal(ResultJson.Line(a), (await store.Result("j", "a|x|seed=1"))!.Line);   // its curve moved with it
        Assert.Equal([(0L, 1), (4L, 1)], (await store.Faults("j").ToListAsync()).Select(f => (f.Index, f.Attempt)));
        Assert.Equal("hello\n", (await store.Log("j", "a|x|seed=1"))!.Text);

        // The failed trial's result goes back; its failed attempt and a mark of the retry stay among its faults.
        Assert.Null(await store.RetryFailed("j", claim.Epoch - 1, "fixed"));
        Assert.Equal(1, await store.RetryFailed("j", claim.Epoch, "fixed the data"));
        Assert.Equal(["a|x|seed=1"], (await store.Results("j", withCurves: false).ToListAsync()).Select(r => r.Key));
        Assert.Equal(new JobCounts(1, 0, 0, 0, 0.7), (await store.GetJob("j"))!.Counts);
        var faults = (await store.Faults("j").ToListAsync()).Where(f => f.Index == 0).ToList();
        Assert.Equal([(1, "lost", false), (2, FaultWrite.RetryMark + "fixed the data", true)], faults.Select(f => (f.Attempt, f.Error, f.IsRetryMark)));
        Assert.Equal(0, await store.RetryFailed("j", claim.Epoch, "again"));   // nothing failed now
        Assert.Equal(["extended from 3 to 6 trials", "retried 1 failed trial: fixed the data"], (await store.Events("j")).Select(e => e.Text));
    }

    [Fact]
    public void Addresses_parse_and_never_carry_a_password()
    {
        Assert.Equal(new StoreAddress.Postgres("u", "db.example", 5433, "sweeps", null), StoreAddress.Parse("postgresql://u@db.example:5433/sweeps"));
        Assert.Equal(5432, ((StoreAddress.Postgres)StoreAddress.Parse("postgres://u@h/d")).Port);
        Assert.IsType<StoreAddress.Sqlite>(StoreAddress.Parse("runs/x.db"));
        Assert.Contains("no password in the address", Assert.Throws<StoreException>(() => StoreAddress.Parse("postgresql://u:secret@h/d")).Message);
        Assert.Contains("unknown kind", Assert.Throws<StoreException>(() => StoreAddress.Parse("mysql://u@h/d")).Message);
        Assert.Contains("name one database", Assert.Throws<StoreException>(() => StoreAddress.Parse("postgresql://u@h/")).Message);
    }

    private static Task SetSchemaVersion(string db, int version) => Sql(db, $"UPDATE meta SET value = '{version}' WHERE key = 'schema_version'");

    /// <summary>One statement on the database behind the store, past the store's own code.</summary>
    private static async Task Sql(string db, string statement)
    {
        if (db.StartsWith("postgresql://", StringComparison.Ordinal))
        {
            var a = (StoreAddress.Postgres)StoreAddress.Parse(db);
            await using var c = new Npgsql.NpgsqlConnection($"Host={a.Host};Port={a.Port};Username={a.User};Password={PostgresServer.Password};Database={a.Database}");
            await c.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand(statement, c);
            await cmd.ExecuteNonQueryAsync();
        }
        else
        {
            await using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False");
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = statement;
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
