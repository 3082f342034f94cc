namespace Stochastic.Simulation;

/// <summary>
/// The limits in force for the runs started on this logical flow of execution (an ambient value that
/// follows the work onto the threads of <c>Parallel.For</c>), so that a command can set them once for
/// every loop below it: <c>using (RunGuard.Enter(limits)) { … }</c>.
/// </summary>
public static class RunGuard
{
    /// <summary>How many firings a simulator takes between two looks at the limits.</summary>
    public const long CheckEvery = 1 << 16;

    private static readonly AsyncLocal<RunLimits?> Current = new();

    /// <summary>The limits in force here.</summary>
    public static RunLimits Limits => Current.Value ?? RunLimits.Default;

    /// <summary>Puts <paramref name="limits"/> in force until the returned scope is disposed.</summary>
    public static IDisposable Enter(RunLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var previous = Current.Value;
        Current.Value = limits;
        return new Scope(previous);
    }

    /// <summary>
    /// Looks at the limits for a run that has fired <paramref name="firings"/> reactions and holds
    /// <paramref name="counts"/> at <paramref name="time"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <exception cref="SimulationException">The budget is spent, or a count passed 2⁵³.</exception>
    public static void Check(long firings, ReadOnlySpan<double> counts, double time, IReadOnlyList<string> speciesNames)
    {
        var limits = Limits;
        limits.Cancellation.ThrowIfCancellationRequested();
        if (firings > limits.MaxFirings)
            throw new SimulationException(FormattableString.Invariant(
                $"a run fired more than {limits.MaxFirings:N0} reactions by t = {time:G6} (the firing budget); the model may grow without bound. Raise the budget: RunLimits.MaxFirings, on the command line --max-firings (0: none)"));
        CheckCounts(counts, time, speciesNames);
    }

    /// <summary>Refuses a count past 2⁵³ (or not finite) with the species' name.</summary>
    /// <exception cref="SimulationException">A count passed 2⁵³.</exception>
    public static void CheckCounts(ReadOnlySpan<double> counts, double time, IReadOnlyList<string> speciesNames)
    {
        for (int i = 0; i < counts.Length; i++)
        {
            if (!(Math.Abs(counts[i]) < RunLimits.MaxExactCount))
                throw new SimulationException(FormattableString.Invariant(
                    $"the count of '{(i < speciesNames.Count ? speciesNames[i] : $"#{i}")}' passed 2^53 (9.007e15) at t = {time:G6}: counts past it are not exact in doubles; the model grows without bound"));
        }
    }

    private sealed class Scope(RunLimits? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
