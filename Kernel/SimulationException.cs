namespace Stochastic;

/// <summary>
/// Thrown when a simulation cannot go on because of the model's numbers at run time: a propensity
/// that is negative or not a number, a count past the range doubles hold exactly, impossible
/// settings. Model-file errors are <see cref="ModelException"/> instead.
/// </summary>
public sealed class SimulationException(string message) : StochasticException(message);
