namespace Stochastic.Simulation;

/// <summary>
/// What stops a run that would otherwise not end: a budget of reaction firings per run (or per cell),
/// and a cancellation (Ctrl+C, SIGTERM). Runs also stop when a count passes 2⁵³, past which doubles
/// no longer hold every integer (9007199254740993 would silently become …992).
/// </summary>
/// <remarks>
/// The exact simulators look at the limits every <see cref="RunGuard.CheckEvery"/> firings, not at every
/// firing, so the hot loops stay as they are; at tens of millions of firings a second that is well
/// under a millisecond between looks.
/// </remarks>
/// <param name="MaxFirings">The most reaction firings one run or cell may take (between two pauses of a
/// paused and resumed cell); <see cref="long.MaxValue"/> for no budget.</param>
/// <param name="Cancellation">Stops the loops: a run in progress is abandoned, finished ones are kept.</param>
public sealed record RunLimits(long MaxFirings = RunLimits.DefaultMaxFirings, CancellationToken Cancellation = default)
{
    /// <summary>
    /// The default budget, 10¹⁰ firings per run: about five minutes of one core for one trajectory, a
    /// thousand times the firings of a cell of the IL-2 studies, and far past any run of the examples.
    /// </summary>
    public const long DefaultMaxFirings = 10_000_000_000;

    /// <summary>The largest count doubles hold exactly with every integer below it: 2⁵³.</summary>
    public const double MaxExactCount = 9007199254740992.0;

    /// <summary>The limits with no cancellation and the default budget.</summary>
    public static RunLimits Default { get; } = new();
}

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
                $"a run fired more than {limits.MaxFirings:N0} reactions by t = {time:G6} (the firing budget); the model may grow without bound. Raise it with --max-firings (0: no budget)"));
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
