using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Batch;
using Stochastic.Simulation.Tau;

namespace Stochastic.Simulation.Cells;

/// <summary>
/// <see cref="ICellSimulator"/> on the SIMD batch tau-leaping engine (<see cref="BatchSimulator"/>:
/// adaptive tau-leaping of Cao, Gillespie &amp; Petzold 2006, one cell per vector lane), chosen by
/// the batch method. Fast when counts are large and reactions slow enough to
/// leap; on stiff models (the IL-2 model's fast ligand binding) it runs exact SSA steps and is
/// slower than <see cref="ExactCellSimulator"/>. Each cell of a block becomes one lane with its initial counts,
/// its parameters (<see cref="BatchOptions.Parameters"/>, reaching the functional rates) and its
/// random stream (seed, stream index), so a cell's result depends only on those, whatever the
/// block, its position in it, the lane width or the thread count. Mass-action rate constants are
/// the network's, as in <see cref="ExactCellSimulator"/>.
/// </summary>
/// <remarks>
/// Approximate: the error grows with ε (see docs/algorithms.md); validate a new model against
/// <see cref="ExactCellSimulator"/> on a small population. Runs each block on the calling thread
/// (the population runner already spreads blocks over cores); blocks of a few lane widths (say 32
/// to 64 cells) keep the lanes full.
/// </remarks>
public sealed class BatchCellSimulator : ICellSimulator
{
    private readonly CompiledNetwork _network;
    private readonly double _epsilon;
    private readonly SimdWidth _width;

    /// <summary>Creates a batch simulator of <paramref name="network"/> with error bound <paramref name="epsilon"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">ε not in (0, 1).</exception>
    public BatchCellSimulator(CompiledNetwork network, double epsilon = TauLeapingSimulator.DefaultEpsilon, SimdWidth width = SimdWidth.Auto)
    {
        if (!(epsilon > 0 && epsilon < 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"epsilon must be in (0, 1), got {epsilon}");
        _network = network;
        _epsilon = epsilon;
        _width = width;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> OutputNames => _network.OutputNames;

    /// <summary>Reactions fired by this instance so far (all cells).</summary>
    public long Events { get; private set; }

    /// <inheritdoc />
    public SimulationCounters Counters => new(Events, 0);

    /// <summary>Leaps taken by this instance so far (all cells).</summary>
    public long Leaps { get; private set; }

    /// <inheritdoc />
    /// <exception cref="SimulationException">A propensity is negative or not finite; an initial count is not a non-negative integer.</exception>
    public void Simulate(CellBlock block, TimeGrid grid, Span<double> record, CancellationToken cancellationToken = default)
    {
        int n = block.Count, s = block.SpeciesCount;
        if (n == 0) return;
        if (s != _network.SpeciesCount || block.ParameterCount != _network.Parameters.Length)
            throw new ArgumentException($"block has {s} species and {block.ParameterCount} parameters; the network has {_network.SpeciesCount} and {_network.Parameters.Length}", nameof(block));
        var streams = new long[n];
        for (int i = 0; i < n; i++) streams[i] = unchecked((long)block.StreamIndices[i]);
        var options = new BatchOptions(n, block.Seed, grid, _epsilon, Threads: 1, Width: _width, BatchSize: n)
        {
            Streams = streams,
            Parameters = block.Parameters,
        };
        var initial = block.InitialCounts;
        var result = BatchSimulator.Run(_network, options, (cell, x, _) => initial.AsSpan(cell * s, s).CopyTo(x), cancellationToken: cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        int width = grid.Points * _network.OutputCount;
        for (int i = 0; i < n; i++) result.Trajectory(i).CopyTo(record.Slice(i * width, width));
        // Leaps can carry a count far in one step: refuse outputs past 2^53 (or not finite) rather than pass them on.
        for (int i = 0; i < n * width; i++)
        {
            if (!(Math.Abs(record[i]) < RunLimits.MaxExactCount))
                throw new SimulationException(FormattableString.Invariant(
                    $"a cell's '{_network.OutputNames[i % width % _network.OutputCount]}' is {record[i]:G6} at t = {grid[i % width / _network.OutputCount]:G6}, past 2^53 (counts past it are not exact in doubles); the model grows without bound"));
        }
        var counters = result.TotalCounters();
        Events += counters.Events;
        Leaps += counters.Leaps;
    }
}
