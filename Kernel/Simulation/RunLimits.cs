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
