using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Stochastic;

/// <summary>
/// Throws the library's exceptions (<see cref="StochasticException"/>) from hot loops: kept out of line
/// so the caller's loop stays small, and in the Kernel's root so every folder can use it without
/// depending on another.
/// </summary>
internal static class ThrowHelper
{
    /// <summary>A propensity that is negative, infinite or NaN: the run cannot go on.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void BadPropensity(string reaction, double value, double time) =>
        throw new SimulationException(
            $"propensity of reaction '{reaction}' is {value} at t = {time}; propensities must be finite and non-negative");
}
