namespace Stochastic;

/// <summary>
/// The library's one exception family: <see cref="ModelException"/> for bad input (model and
/// study files with file:line:column, and names passed in options) and
/// <see cref="SimulationException"/> for a run that cannot go on (a propensity that is not
/// finite and non-negative). Anything else the library throws is a bug.
/// </summary>
public abstract class StochasticException : Exception
{
    /// <summary>An exception of the family with <paramref name="message"/>.</summary>
    protected StochasticException(string message) : base(message) { }
}
