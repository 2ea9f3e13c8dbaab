using LeeMl.Sweep.Experiments.Jobs;
namespace LeeMl.Sweep.Store;

/// <summary>Opens the store an address names, creating or migrating its schema.</summary>
public static class SweepStores
{
    /// <param name="password">PostgreSQL's password; without one, a pgpass file (PGPASSFILE or ~/.pgpass) is used.</param>
    public static async Task<ISweepStore> Open(StoreAddress address, string? password = null, CancellationToken cancel = default) => address switch
    {
        StoreAddress.Sqlite s => await SqliteSweepStore.Open(s, cancel),
        StoreAddress.Postgres p => await PostgresSweepStore.Open(p, password, cancel),
        _ => throw new StoreException($"unknown store {address}"),
    };

    public static Task<ISweepStore> Open(string db, string? password = null, CancellationToken cancel = default) => Open(StoreAddress.Parse(db), password, cancel);
}
