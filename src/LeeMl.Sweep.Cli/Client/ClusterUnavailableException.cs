namespace LeeMl.Sweep.Cli.Client;

/// <summary>No node of the cluster answered (exit code 1): the message names every address tried and why it failed.</summary>
public sealed class ClusterUnavailableException(string message) : Exception(message);
