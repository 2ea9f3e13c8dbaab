namespace LeeMl.Sweep.Optim.Hyper;

/// <summary>A component name or hyperparameter value that cannot be used; the message says why.</summary>
public sealed class HyperparameterException(string message) : ArgumentException(message);
