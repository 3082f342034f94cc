using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Stochastic.Model;

namespace Stochastic;

/// <summary>
/// Makes the library's exceptions (<see cref="StochasticException"/>): one place, so every error of the
/// family is built the same way, and in the Kernel's root so every folder can use it without
/// depending on another. Throws from hot loops are kept out of line so the caller's loop stays small;
/// input errors are returned for <c>throw ThrowHelper.Model(…)</c>, which also works where the
/// compiler needs to see a throw (<c>??</c>, switch arms, conditional expressions).
/// </summary>
internal static class ThrowHelper
{
    /// <summary>A propensity that is negative, infinite or NaN: the run cannot go on.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void BadPropensity(string reaction, double value, double time) =>
        throw new SimulationException(
            $"propensity of reaction '{reaction}' is {value} at t = {time}; propensities must be finite and non-negative");

    /// <summary>A rate that reads time cannot be bounded over a window, so it cannot be thinned.</summary>
    [DoesNotReturn]
    public static void Unbounded(string reaction, double from, double to) =>
        throw new SimulationException(
            $"the rate of reaction '{reaction}' cannot be bounded for t in [{from}, {to}] (it may grow without bound, divide by zero or leave its domain); " +
            "a rate that reads time must stay finite over short windows to be simulated exactly by thinning");

    /// <summary>The text of the input file at <paramref name="path"/>; a missing or unreadable file is an input error at the file ("file not found", "cannot read file: …").</summary>
    public static string ReadText(string path)
    {
        if (!File.Exists(path)) throw Model(new SourcePosition(path, 0, 0), "file not found");
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Model(new SourcePosition(path, 0, 0), $"cannot read file: {e.Message}");
        }
    }

    /// <summary>A bad-input error (a model, study or data file, or a name given in code) at <paramref name="position"/>; the caller throws it.</summary>
    public static ModelException Model(SourcePosition position, string message) => new(position, message);

    /// <summary>The errors a reader collected (<see cref="ErrorList"/>), in source order; the caller throws it.</summary>
    public static ModelException Model(IReadOnlyList<ModelError> errors) => new(errors);
}
