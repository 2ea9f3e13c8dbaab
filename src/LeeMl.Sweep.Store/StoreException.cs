using LeeMl.Sweep.Experiments.Jobs;
namespace LeeMl.Sweep.Store;

/// <summary>A store that cannot be used: a bad address, an unreachable server, a schema from a newer version.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);
