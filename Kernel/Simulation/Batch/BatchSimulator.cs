using System.Buffers;
using Stochastic.Network;
using Stochastic.Simulation.Tau;

namespace Stochastic.Simulation.Batch;

/// <summary>
/// The SIMD batch engine: adaptive tau-leaping (Cao, Gillespie &amp; Petzold 2005, 2006; see
/// <see cref="TauLeapingSimulator"/>) over many cells at once, one cell per vector lane, each with
/// its own initial counts, rate constants, clock, step size and Philox4x32-10 stream. Use it for
/// populations of cells (thousands and up) with large counts; mass-action, functional and
/// expression rates, with per-cell rate constants (<see cref="CellSetup"/>) and parameters
/// (<see cref="BatchOptions.Parameters"/>).
/// </summary>
/// <remarks>
/// State is stored structure-of-arrays, [species][cell] and [reaction][cell]; cells are cut into
/// batches handed to threads, and each batch into vectors of lanes (the tail padded with frozen
/// lanes). A cell's trajectory is bit-identical whatever the thread count, batch size, its position
/// in its batch and the lane width, including the scalar width that
/// <see cref="TauLeapingSimulator"/> runs.
/// </remarks>
public static class BatchSimulator
{
    /// <summary>The width <see cref="SimdWidth.Auto"/> resolves to on this machine.</summary>
    public static SimdWidth PreferredWidth => TauLeapingKernelFactory.Resolve(SimdWidth.Auto);

    /// <summary>
    /// Simulates <see cref="BatchOptions.Cells"/> cells of <paramref name="network"/>, each set up by
    /// <paramref name="setup"/> (null: all cells start from the network's values). On cancellation,
    /// returns what finished (<see cref="BatchResult.Completed"/>).
    /// </summary>
    /// <exception cref="SimulationException">A propensity is negative or not finite (naming the reaction); a cell's count is negative or not an integer; a rate constant is negative or not finite; integrals asked for with expression outputs.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Bad options (cells &lt; 1, ε not in (0, 1), batch size &lt; 1, streams or parameters of the wrong length).</exception>
    public static BatchResult Run(CompiledNetwork network, BatchOptions options, CellSetup? setup = null,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        int cells = options.Cells;
        if (cells < 1) throw new ArgumentOutOfRangeException(nameof(options), $"at least one cell is needed, got {cells}");
        if (!(options.Epsilon > 0 && options.Epsilon < 1)) throw new ArgumentOutOfRangeException(nameof(options), $"epsilon must be in (0, 1), got {options.Epsilon}");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"batch size must be positive, got {options.BatchSize}");
        if (options.Streams is { } given && given.Length != cells) throw new ArgumentOutOfRangeException(nameof(options), $"{given.Length} streams given for {cells} cells");
        int parameterCount = network.Parameters.Length;
        if (options.Parameters is { } values && values.Length != (long)cells * parameterCount)
            throw new ArgumentOutOfRangeException(nameof(options), $"{values.Length} parameter values given for {cells} cells of {parameterCount} parameters");
        var plan = new TauLeapingPlan(network);
        if (options.IntegrateOutputs && !plan.OutputsAreWeightedSums)
            throw new SimulationException("time integrals need outputs that are weighted sums of species; this model has outputs set by expressions");

        var width = TauLeapingKernelFactory.Resolve(options.Width);
        int lanes = TauLeapingKernelFactory.LaneCount(width);
        int ns = network.SpeciesCount, nr = network.ReactionCount, outputs = network.OutputCount, points = options.Grid.Points;
        // Rows are padded by a vector so the last chunk loads whole vectors; padding lanes are frozen.
        int stride = cells + lanes;
        var initial = ArrayPool<double>.Shared.Rent(ns * stride);
        var rates = ArrayPool<double>.Shared.Rent(Math.Max(nr, 1) * stride);
        try
        {
            Array.Clear(initial, 0, ns * stride);
            Array.Clear(rates, 0, Math.Max(nr, 1) * stride);
            Span<double> x0 = ns <= 256 ? stackalloc double[ns] : new double[ns];
            Span<double> c0 = nr <= 256 ? stackalloc double[nr] : new double[nr];
            for (int cell = 0; cell < cells; cell++)
            {
                network.InitialCounts.CopyTo(x0);
                network.RateConstants.CopyTo(c0);
                setup?.Invoke(cell, x0, c0);
                for (int s = 0; s < ns; s++)
                {
                    double v = x0[s];
                    if (!(v >= 0 && v <= 9007199254740992.0 && v == Math.Floor(v)))
                        throw new SimulationException($"cell {cell}: initial count of '{network.SpeciesNames[s]}' is {v}; counts must be non-negative integers below 2^53");
                    initial[s * stride + cell] = v;
                }
                for (int r = 0; r < nr; r++)
                {
                    double v = c0[r];
                    if (!(v >= 0) || double.IsInfinity(v))
                        throw new SimulationException($"cell {cell}: rate constant of reaction '{network.ReactionNames[r]}' is {v}; it must be finite and non-negative");
                    rates[r * stride + cell] = v;
                }
            }

            var records = new double[(long)cells * points * outputs];
            var integrals = options.IntegrateOutputs ? new double[cells * outputs] : null;
            var events = new long[cells];
            var leaps = new long[cells];
            var done = new bool[cells];
            var cellIndex = new int[cells];
            for (int i = 0; i < cells; i++) cellIndex[i] = i;
            long[] streams = options.Streams ?? [.. Enumerable.Range(0, cells).Select(i => (long)i)];

            int batch = options.BatchSize;
            int batches = (cells + batch - 1) / batch;
            int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
            int completed = 0;
            long totalEvents = 0, totalLeaps = 0;
            var progressLock = new object();
            try
            {
                Parallel.For(0, batches,
                    new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken },
                    () => TauLeapingKernelFactory.Create(width, plan, options.Epsilon, options.Grid),
                    (b, _, kernel) =>
                    {
                        int first = b * batch, last = Math.Min(cells, first + batch);
                        for (int chunk = first; chunk < last; chunk += lanes)
                        {
                            if (cancellationToken.IsCancellationRequested) return kernel;
                            int count = Math.Min(lanes, last - chunk);
                            kernel.Run(new ChunkJob(initial, rates, stride, chunk, cellIndex, streams, chunk, count,
                                records, integrals, events, leaps, options.Parameters), options.Seed);
                        }
                        long e = 0, l = 0;
                        for (int c = first; c < last; c++) { done[c] = true; e = SimulationCounters.Add(e, events[c]); l = SimulationCounters.Add(l, leaps[c]); }
                        lock (progressLock)
                        {
                            completed += last - first;
                            totalEvents += e; totalLeaps += l;
                            progress?.Report(new EnsembleProgress(completed, cells, new SimulationCounters(totalEvents, totalLeaps)));
                        }
                        return kernel;
                    },
                    _ => { });
            }
            catch (OperationCanceledException) { }
            catch (AggregateException e) when (ParallelErrors.IsCancellation(e)) { }
            // A worker's model error (a bad propensity) surfaces as itself, not wrapped.
            catch (AggregateException e) { ParallelErrors.Rethrow(e); }
            return new BatchResult(options.Grid, network.OutputNames, cells, records, integrals, events, leaps, done, width, stopwatch.Elapsed);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(initial);
            ArrayPool<double>.Shared.Return(rates);
        }
    }

    /// <summary>
    /// Runs the batch engine and summarizes it like <see cref="Ensemble.Run(Func{ITrajectorySimulator}, EnsembleOptions, IProgress{EnsembleProgress}?, CancellationToken)"/>
    /// (mean and sd per time per output, events and leaps), for the same tables, plots and statistics as the SSA.
    /// </summary>
    public static EnsembleResult RunEnsemble(CompiledNetwork network, BatchOptions options, CellSetup? setup = null,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default, bool keepTrajectories = false) =>
        Run(network, options, setup, progress, cancellationToken).ToEnsembleResult(keepTrajectories);
}
