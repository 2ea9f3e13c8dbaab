namespace LeeMl.Sweep.Experiments.Specs;

/// <summary>A sweep spec that cannot run; the message gives file, line and the path of the bad value.</summary>
public sealed class SpecException(string message) : Exception(message);
