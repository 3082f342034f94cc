namespace Stochastic.Simulation;

/// <summary>
/// Thrown when a simulation cannot go on because of the model's numbers at run time: a propensity
/// that is negative or not a number, a count past the range doubles hold exactly, impossible
/// settings. Model-file errors are <see cref="Model.ModelException"/> instead.
/// </summary>
public sealed class SimulationException(string message) : StochasticException(message);

internal static class ThrowHelper
{
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static void BadPropensity(Network.CompiledNetwork network, int reaction, double value, double time) =>
        throw new SimulationException(
            $"propensity of reaction '{network.ReactionNames[reaction]}' is {value} at t = {time}; propensities must be finite and non-negative");
}
