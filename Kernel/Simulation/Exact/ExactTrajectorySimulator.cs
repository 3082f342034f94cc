using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>Runs an <see cref="ExactSimulator"/> over a time grid and records the network's outputs.</summary>
public sealed class ExactTrajectorySimulator : ITrajectorySimulator
{
    private readonly ExactSimulator _simulator;
    private readonly CompiledNetwork _network;

    /// <summary>Creates a trajectory simulator for <paramref name="network"/> using <paramref name="algorithm"/>.</summary>
    public ExactTrajectorySimulator(CompiledNetwork network, IExactAlgorithm algorithm)
    {
        _network = network;
        _simulator = algorithm.CreateSimulator(network);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> OutputNames => _network.OutputNames;

    /// <inheritdoc />
    public SimulationCounters Simulate(ulong seed, long run, TimeGrid grid, Span<double> record)
    {
        var sim = _simulator;
        int outputs = _network.OutputCount;
        sim.Reset(seed, (ulong)run, default, grid.Start);
        for (int k = 0; k < grid.Points; k++)
        {
            double t = grid[k];
            sim.Advance(t);
            _network.Outputs(sim.State, sim.Parameters, t, record.Slice(k * outputs, outputs));
        }
        return new SimulationCounters(sim.Events, 0);
    }
}
