namespace Stochastic.Simulation;

/// <summary>Progress of an ensemble: runs finished so far and the work they did.</summary>
public readonly record struct EnsembleProgress(int CompletedRuns, int TotalRuns, SimulationCounters Counters);

/// <summary>
/// Per-time mean and standard deviation of every output over an ensemble, and optionally every
/// trajectory. Statistics use Welford's update within fixed blocks of runs and Chan et al.'s
/// pairwise merge across blocks in block order, so they are numerically stable and bit-identical
/// for any thread count.
/// </summary>
public sealed class EnsembleResult
{
    internal EnsembleResult(TimeGrid grid, string[] outputNames, int runs, double[] mean, double[] sd,
        SimulationCounters counters, TimeSpan wall, bool cancelled, double[][]? trajectories)
    {
        Grid = grid;
        OutputNames = outputNames;
        Runs = runs;
        _mean = mean;
        _sd = sd;
        Counters = counters;
        Wall = wall;
        Cancelled = cancelled;
        _trajectories = trajectories;
    }

    private readonly double[] _mean, _sd;

    /// <summary>
    /// The statistics of every block of runs included, in block order (the ensemble's fixed blocks of
    /// <see cref="Ensemble.BlockSize"/> runs); empty for methods that summarize otherwise (batch, ode).
    /// </summary>
    public IReadOnlyList<EnsembleBlock> Blocks { get; init; } = [];

    /// <summary>
    /// The ensemble whose blocks (from every shard, <see cref="EnsembleOptions.BlockRange"/>) are <paramref name="blocks"/>:
    /// the blocks merged in block order as the one-machine run merges them, so its means and standard deviations are
    /// bit-identical to that run's; <paramref name="trajectories"/> in run order when kept.
    /// </summary>
    public static EnsembleResult FromBlocks(TimeGrid grid, IReadOnlyList<string> outputNames, IReadOnlyList<EnsembleBlock> blocks,
        SimulationCounters counters, double[][]? trajectories = null)
    {
        var (mean, sd, count) = Ensemble.Summarize(blocks, grid.Points * outputNames.Count);
        return new EnsembleResult(grid, [.. outputNames], (int)count, mean, sd, counters, TimeSpan.Zero, false, trajectories) { Blocks = blocks };
    }
    private readonly double[][]? _trajectories;

    /// <summary>The output times.</summary>
    public TimeGrid Grid { get; }
    /// <summary>Output names (observables, or species).</summary>
    public IReadOnlyList<string> OutputNames { get; }
    /// <summary>Runs included (fewer than asked when cancelled).</summary>
    public int Runs { get; }
    /// <summary>Work done by the included runs.</summary>
    public SimulationCounters Counters { get; }
    /// <summary>Wall-clock time of the whole ensemble.</summary>
    public TimeSpan Wall { get; }
    /// <summary>True when the ensemble was cancelled before every run finished.</summary>
    public bool Cancelled { get; }
    /// <summary>True when every trajectory was kept.</summary>
    public bool HasTrajectories => _trajectories is not null;

    /// <summary>Sample mean of output <paramref name="output"/> at grid point <paramref name="point"/>.</summary>
    public double Mean(int point, int output) => _mean[point * OutputNames.Count + output];

    /// <summary>Sample standard deviation (n − 1 denominator) of output <paramref name="output"/> at grid point <paramref name="point"/>.</summary>
    public double StandardDeviation(int point, int output) => _sd[point * OutputNames.Count + output];

    /// <summary>Run <paramref name="run"/>'s recorded outputs (row-major: point, then output). Needs trajectories kept.</summary>
    public ReadOnlySpan<double> Trajectory(int run) =>
        (_trajectories ?? throw new InvalidOperationException("trajectories were not kept; set EnsembleOptions.KeepTrajectories"))[run];
}
