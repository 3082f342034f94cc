namespace Stochastic.Simulation;

/// <summary>Work counters of one or many trajectories.</summary>
/// <param name="Events">Reaction firings (exact steps, or reactions fired by leaps).</param>
/// <param name="Leaps">Tau-leaps taken (0 for exact methods).</param>
public readonly record struct SimulationCounters(long Events, long Leaps)
{
    /// <summary>Of <see cref="Events"/>, the firings realized by leaps of a hybrid method (0 for the others).</summary>
    public long LeapedFirings { get; init; }

    /// <summary>Sum of two counters (saturating at <see cref="long.MaxValue"/>: a count never wraps to a negative number).</summary>
    public static SimulationCounters operator +(SimulationCounters a, SimulationCounters b) =>
        new(Add(a.Events, b.Events), Add(a.Leaps, b.Leaps)) { LeapedFirings = Add(a.LeapedFirings, b.LeapedFirings) };

    /// <summary><paramref name="a"/> + <paramref name="b"/> for non-negative counts, saturating at <see cref="long.MaxValue"/>.</summary>
    public static long Add(long a, long b)
    {
        long sum = unchecked(a + b);
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? long.MinValue : long.MaxValue) : sum;
    }

    /// <summary>Difference of two counters (the work between two readings).</summary>
    public static SimulationCounters operator -(SimulationCounters a, SimulationCounters b) =>
        new(a.Events - b.Events, a.Leaps - b.Leaps) { LeapedFirings = a.LeapedFirings - b.LeapedFirings };
}

/// <summary>
/// Simulates single trajectories sampled on a time grid. One instance per thread; the result of
/// run <c>r</c> of seed <c>s</c> depends only on (s, r).
/// </summary>
public interface ITrajectorySimulator
{
    /// <summary>Names of the recorded outputs.</summary>
    IReadOnlyList<string> OutputNames { get; }

    /// <summary>
    /// Simulates run <paramref name="run"/> of <paramref name="seed"/> from the initial state,
    /// writing the outputs at every grid time into <paramref name="record"/>
    /// (row-major: point, then output).
    /// </summary>
    SimulationCounters Simulate(ulong seed, long run, TimeGrid grid, Span<double> record);
}
