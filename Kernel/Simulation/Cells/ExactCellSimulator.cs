using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Exact;

namespace Stochastic.Simulation.Cells;

/// <summary>
/// <see cref="ICellSimulator"/> on an exact SSA (<see cref="IExactAlgorithm"/>, Gillespie 1977):
/// the reference engine of the population layer. Per-cell parameters are installed in the run's
/// parameter copy, so they act through functional rates and initial counts; mass-action rate
/// constants are the network's (the population's parameter sampler checks that no varying parameter
/// reaches one). Resumable (<see cref="IResumableCellSimulator"/>), so it can run a shared ligand pool.
/// </summary>
public sealed class ExactCellSimulator : IResumableCellSimulator
{
    private readonly CompiledNetwork _network;
    private readonly ExactSimulator _simulator;

    /// <summary>Creates a simulator of <paramref name="network"/> running <paramref name="algorithm"/> (default: the first in the catalog).</summary>
    public ExactCellSimulator(CompiledNetwork network, IExactAlgorithm? algorithm = null)
    {
        _network = network;
        _simulator = (algorithm ?? ExactAlgorithms.All[0]).CreateSimulator(network);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> OutputNames => _network.OutputNames;

    /// <summary>Reactions fired by this instance so far (all cells).</summary>
    public long Events { get; private set; }

    /// <inheritdoc />
    public SimulationCounters Counters => new(Events, 0);

    /// <inheritdoc />
    public void Simulate(CellBlock block, TimeGrid grid, Span<double> record, CancellationToken cancellationToken = default)
    {
        var sim = _simulator;
        int outputs = _network.OutputCount;
        int s = block.SpeciesCount, p = block.ParameterCount;
        for (int i = 0; i < block.Count; i++)
        {
            sim.Reset(block.Seed, block.StreamIndices[i], block.InitialCounts.AsSpan(i * s, s), grid.Start);
            block.Parameters.AsSpan(i * p, p).CopyTo(sim.Parameters);
            sim.Restart(grid.Start);
            for (int k = 0; k < grid.Points; k++)
            {
                double t = grid[k];
                // Chunked so that a cancellation is seen within a bounded number of events.
                while (sim.Advance(t, 1 << 20) == 1 << 20) cancellationToken.ThrowIfCancellationRequested();
                _network.Outputs(sim.State, sim.Parameters, t, record.Slice((i * grid.Points + k) * outputs, outputs));
            }
            Events += sim.Events;
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <inheritdoc />
    public PausedCell Start(ReadOnlySpan<double> initialCounts, ulong seed, ulong streamIndex, double startTime) =>
        new(initialCounts.ToArray(), new Random.Xoshiro256StarStar(seed, streamIndex), startTime);

    /// <inheritdoc />
    public void Advance(PausedCell cell, ReadOnlySpan<double> parameters, ReadOnlySpan<double> stops, Span<double> outputs,
        CancellationToken cancellationToken = default)
    {
        var sim = _simulator;
        int o = _network.OutputCount;
        sim.Resume(cell.Counts, parameters, cell.Random, cell.Time);
        for (int k = 0; k < stops.Length; k++)
        {
            double t = stops[k];
            while (sim.Advance(t, 1 << 20) == 1 << 20) cancellationToken.ThrowIfCancellationRequested();
            _network.Outputs(sim.State, sim.Parameters, t, outputs.Slice(k * o, o));
        }
        Events += sim.Events;
        sim.State.CopyTo(cell.Counts, 0);
        cell.Random = sim.RandomStream;
        cell.Time = stops[^1];
    }

    /// <inheritdoc />
    public void FullCounts(PausedCell cell, ReadOnlySpan<double> parameters, Span<double> full, ref Random.Xoshiro256StarStar random) =>
        cell.Counts.CopyTo(full);

    /// <inheritdoc />
    public void Outputs(PausedCell cell, ReadOnlySpan<double> parameters, Span<double> outputs) =>
        _network.Outputs(cell.Counts, parameters.ToArray(), cell.Time, outputs);
}
