using Stochastic.Network;

namespace Stochastic.Simulation.Cells;

/// <summary>
/// A cell simulator as a trajectory simulator: run r of seed s is one cell with the network's
/// initial counts and parameters on stream (s, r), so methods that exist only as cell simulators
/// (slow-scale SSA) run ensembles too.
/// </summary>
internal sealed class CellTrajectorySimulator(ICellSimulator cells, CompiledNetwork network) : ITrajectorySimulator
{
    private readonly CellBlock _block = Initial(network);
    private long _events;

    private static CellBlock Initial(CompiledNetwork network)
    {
        var block = new CellBlock(1, network.SpeciesCount, network.Parameters.Length);
        network.InitialCounts.CopyTo(block.InitialCounts, 0);
        network.Parameters.CopyTo(block.Parameters, 0);
        return block;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> OutputNames => cells.OutputNames;

    /// <inheritdoc />
    public SimulationCounters Simulate(ulong seed, long run, TimeGrid grid, Span<double> record)
    {
        _block.Seed = seed;
        _block.StreamIndices[0] = (ulong)run;
        cells.Simulate(_block, grid, record);
        var counters = cells.Counters;
        long events = counters.Events - _events;
        _events = counters.Events;
        return new SimulationCounters(events, 0);
    }
}
