namespace LeeMl.Sweep.Experiments.Specs;

/// <summary>
/// A sweep spec that cannot run; the message gives file, line and the path of the bad value.
/// Text quoted from the spec is escaped here, once for every message: none reaches a terminal raw.
/// </summary>
public sealed class SpecException(string message) : Exception(Text.Printable.Escape(message));
