using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// Runs an <see cref="ExactSimulator"/> over a time grid and records the network's outputs,
/// applying the model's discrete events (<see cref="CompiledEvents"/>) exactly.
/// </summary>
/// <remarks>
/// Events: a trigger over time (<c>time &gt;= c</c>) is scheduled: the simulator advances exactly
/// to the instant it can change, the triggers are checked there, and after an event the algorithm
/// restarts from the new state (<see cref="ExactSimulator.Restart"/>; exact by the memorylessness
/// of the exponential waiting time). A trigger that reads species is checked after every firing,
/// so only models with such triggers advance one firing at a time. An event at an output time is
/// applied before that time is recorded, matching the DSMTS (case 00028 records the post-event
/// state at t = 25).
/// </remarks>
public sealed class ExactTrajectorySimulator : ITrajectorySimulator
{
    private readonly ExactSimulator _simulator;
    private readonly CompiledNetwork _network;
    private readonly EventTracker? _events;

    /// <summary>Creates a trajectory simulator for <paramref name="network"/> using <paramref name="algorithm"/>.</summary>
    public ExactTrajectorySimulator(CompiledNetwork network, IExactAlgorithm algorithm) : this(network, algorithm.CreateSimulator(network))
    {
    }

    /// <summary>
    /// Creates a trajectory simulator for <paramref name="network"/> around <paramref name="simulator"/>,
    /// whose state must be in the network's species order (e.g. the hybrid simulator of
    /// a <see cref="SlowScale.SlowScaleSimulator"/> of <see cref="Transforms.SlowScaleReduction.Hybrid"/>).
    /// </summary>
    public ExactTrajectorySimulator(CompiledNetwork network, ExactSimulator simulator)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        if (simulator.State.Length != network.SpeciesCount) throw new ArgumentException("the simulator's state is not in the network's species order", nameof(simulator));
        _network = network;
        _simulator = simulator;
        if (network.Events is { } events) _events = new EventTracker(events);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> OutputNames => _network.OutputNames;

    /// <inheritdoc />
    public SimulationCounters Simulate(ulong seed, long run, TimeGrid grid, Span<double> record)
    {
        var sim = _simulator;
        int outputs = _network.OutputCount;
        sim.Reset(seed, (ulong)run, default, grid.Start);
        if (_events is null)
        {
            for (int k = 0; k < grid.Points; k++)
            {
                double t = grid[k];
                sim.Advance(t);
                _network.Outputs(sim.State, sim.Parameters, t, record.Slice(k * outputs, outputs));
            }
            return new SimulationCounters(sim.Events, 0);
        }

        var events = _events;
        double now = grid.Start;
        if (events.Start(sim.State, sim.Parameters, now)) sim.Restart(now);
        bool stepwise = events.Events.HasStateTriggers;
        for (int k = 0; k < grid.Points; k++)
        {
            double t = grid[k];
            // Advance to t, stopping at every instant where a trigger can change with time; an
            // instant equal to t is handled before t is recorded.
            while (true)
            {
                double candidate = events.NextTimeCandidate(now);
                double horizon = Math.Min(candidate, t);
                if (stepwise)
                {
                    while (sim.Advance(horizon, maxEvents: 1) == 1)
                    {
                        if (events.Check(sim.State, sim.Parameters, sim.Time)) sim.Restart(sim.Time);
                    }
                }
                else sim.Advance(horizon);
                now = horizon;
                if (candidate > t) break;
                if (events.Check(sim.State, sim.Parameters, now)) sim.Restart(now);
            }
            _network.Outputs(sim.State, sim.Parameters, t, record.Slice(k * outputs, outputs));
        }
        return new SimulationCounters(sim.Events, 0);
    }
}
