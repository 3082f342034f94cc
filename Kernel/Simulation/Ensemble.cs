using Stochastic.Network;
using Stochastic.Simulation.Exact;

namespace Stochastic.Simulation;

/// <summary>Settings of an ensemble run.</summary>
/// <param name="Runs">Number of independent runs.</param>
/// <param name="Seed">Master seed; run r draws from stream (Seed, r).</param>
/// <param name="Grid">Output times.</param>
/// <param name="Threads">Worker threads; 0 means one per core.</param>
/// <param name="KeepTrajectories">Keep every run's recorded outputs.</param>
public sealed record EnsembleOptions(int Runs, ulong Seed, TimeGrid Grid, int Threads = 0, bool KeepTrajectories = false)
{
    /// <summary>
    /// Only these blocks of <see cref="Ensemble.BlockSize"/> runs (first, end), for a shard: the result then holds
    /// their runs and <see cref="EnsembleResult.Blocks"/>, to be joined by <see cref="EnsembleResult.FromBlocks"/>;
    /// null: every block.
    /// </summary>
    public (int First, int End)? BlockRange { get; init; }

    /// <summary>Blocks of the ensemble (of <see cref="Ensemble.BlockSize"/> runs, the last may be shorter).</summary>
    public int Blocks => (Runs + Ensemble.BlockSize - 1) / Ensemble.BlockSize;
}

/// <summary>The statistics of one fixed block of runs: run count, Welford means and sums of squared deviations per time × output.</summary>
/// <param name="Index">Block index (runs Index × <see cref="Ensemble.BlockSize"/> onwards).</param>
/// <param name="Count">Runs in the block.</param>
/// <param name="Mean">Mean per time × output (row-major, as a trajectory).</param>
/// <param name="M2">Sum of squared deviations from the mean, per time × output.</param>
public sealed record EnsembleBlock(int Index, long Count, double[] Mean, double[] M2);

/// <summary>Runs many independent trajectories over all cores and summarizes them.</summary>
public static class Ensemble
{
    // Runs are summarized in fixed blocks of this many, merged in block order: the result does not
    // depend on which thread ran which block. Small enough that cancelling loses little work.
    /// <summary>Runs per block: statistics are kept per block and merged in block order (shards hold whole blocks).</summary>
    public const int BlockSize = 32;

    /// <summary>Runs an exact-SSA ensemble of <paramref name="network"/>.</summary>
    public static EnsembleResult Run(CompiledNetwork network, IExactAlgorithm algorithm, EnsembleOptions options,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(() => new ExactTrajectorySimulator(network, algorithm), options, progress, cancellationToken);

    /// <summary>
    /// Runs an ensemble with trajectory simulators made by <paramref name="createSimulator"/> (one
    /// per worker). On cancellation, returns the runs of every completed block.
    /// </summary>
    public static EnsembleResult Run(Func<ITrajectorySimulator> createSimulator, EnsembleOptions options,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (options.Runs < 1) throw new ArgumentOutOfRangeException(nameof(options), $"at least one run is needed, got {options.Runs}");
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var grid = options.Grid;
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        // The first simulator says the outputs, then serves as the pool's first worker.
        var firstSimulator = createSimulator();
        string[] names = [.. firstSimulator.OutputNames];
        int width = grid.Points * names.Length;
        var pool = new WorkerPool<Worker>(() => new Worker(createSimulator(), new double[width]), threads);
        pool.Return(new Worker(firstSimulator, new double[width]));
        int blocks = options.Blocks;
        var (firstBlock, endBlock) = options.BlockRange ?? (0, blocks);
        if (firstBlock < 0 || endBlock > blocks || firstBlock > endBlock) throw new ArgumentOutOfRangeException(nameof(options), $"block range {firstBlock}..{endBlock} outside 0..{blocks}");
        var blockStats = new BlockStatistics?[blocks];
        var trajectories = options.KeepTrajectories ? new double[options.Runs][] : null;
        int completedRuns = 0;
        long events = 0, leaps = 0;
        var progressLock = new object();

        try
        {
            Parallel.For(firstBlock, endBlock,
                new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken },
                pool.Get,
                (block, loop, worker) =>
                {
                    var stats = new BlockStatistics(width);
                    var counters = new SimulationCounters();
                    int first = block * BlockSize, last = Math.Min(options.Runs, first + BlockSize);
                    for (int run = first; run < last; run++)
                    {
                        if (cancellationToken.IsCancellationRequested) return worker;
                        counters += worker.Simulator.Simulate(options.Seed, run, grid, worker.Record);
                        stats.Add(worker.Record);
                        if (trajectories is not null) trajectories[run] = (double[])worker.Record.Clone();
                    }
                    blockStats[block] = stats;
                    lock (progressLock)
                    {
                        completedRuns += last - first;
                        events = SimulationCounters.Add(events, counters.Events);
                        leaps = SimulationCounters.Add(leaps, counters.Leaps);
                        progress?.Report(new EnsembleProgress(completedRuns, options.Runs, new SimulationCounters(events, leaps)));
                    }
                    return worker;
                },
                pool.Return);
        }
        catch (OperationCanceledException) { }
        catch (AggregateException e) when (ParallelErrors.IsCancellation(e)) { }
        catch (AggregateException e) { ParallelErrors.Rethrow(e); }

        var total = new BlockStatistics(width);
        bool cancelled = false;
        var keptTrajectories = trajectories is null ? null : new List<double[]>();
        var kept = new List<EnsembleBlock>();
        for (int b = firstBlock; b < endBlock; b++)
        {
            if (blockStats[b] is not { } s) { cancelled = true; continue; }
            total.Merge(s);
            kept.Add(s.ToBlock(b));
            if (keptTrajectories is not null)
                for (int run = b * BlockSize; run < Math.Min(options.Runs, (b + 1) * BlockSize); run++) keptTrajectories.Add(trajectories![run]);
        }
        var (mean, sd) = total.MeanAndStandardDeviation();
        return new EnsembleResult(grid, names, (int)total.Count, mean, sd, new SimulationCounters(events, leaps),
            stopwatch.Elapsed, cancelled, keptTrajectories?.ToArray()) { Blocks = kept };
    }

    /// <summary>
    /// The summary of an ensemble from its blocks' statistics (every block, from several shards), merged in block
    /// order as <see cref="Run(Func{ITrajectorySimulator}, EnsembleOptions, IProgress{EnsembleProgress}?, CancellationToken)"/>
    /// merges them: bit-identical to the one-machine run.
    /// </summary>
    internal static (double[] Mean, double[] Sd, long Count) Summarize(IEnumerable<EnsembleBlock> blocks, int width)
    {
        var total = new BlockStatistics(width);
        foreach (var b in blocks.OrderBy(b => b.Index)) total.Merge(BlockStatistics.From(b));
        var (mean, sd) = total.MeanAndStandardDeviation();
        return (mean, sd, total.Count);
    }

    // A worker's simulator and its record buffer.
    private sealed record Worker(ITrajectorySimulator Simulator, double[] Record);

    /// <summary>Welford running mean and sum of squared deviations for a vector of values.</summary>
    internal sealed class BlockStatistics(int width)
    {
        private readonly double[] _mean = new double[width];
        private readonly double[] _m2 = new double[width];
        public long Count { get; private set; }

        public EnsembleBlock ToBlock(int index) => new(index, Count, (double[])_mean.Clone(), (double[])_m2.Clone());

        public static BlockStatistics From(EnsembleBlock block)
        {
            var s = new BlockStatistics(block.Mean.Length) { Count = block.Count };
            block.Mean.CopyTo(s._mean, 0);
            block.M2.CopyTo(s._m2, 0);
            return s;
        }

        public void Add(ReadOnlySpan<double> values)
        {
            Count++;
            for (int i = 0; i < _mean.Length; i++)
            {
                double delta = values[i] - _mean[i];
                _mean[i] += delta / Count;
                _m2[i] += delta * (values[i] - _mean[i]);
            }
        }

        // Chan, Golub & LeVeque (1979) pairwise combination.
        public void Merge(BlockStatistics other)
        {
            if (other.Count == 0) return;
            long n = Count + other.Count;
            for (int i = 0; i < _mean.Length; i++)
            {
                double delta = other._mean[i] - _mean[i];
                _mean[i] += delta * other.Count / n;
                _m2[i] += other._m2[i] + delta * delta * Count * other.Count / n;
            }
            Count = n;
        }

        public (double[] Mean, double[] Sd) MeanAndStandardDeviation()
        {
            var sd = new double[_m2.Length];
            for (int i = 0; i < sd.Length; i++) sd[i] = Count > 1 ? Math.Sqrt(Math.Max(0, _m2[i] / (Count - 1))) : 0;
            return ((double[])_mean.Clone(), sd);
        }
    }
}
