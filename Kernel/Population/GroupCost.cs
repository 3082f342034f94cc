using System.Diagnostics;
using Stochastic.Simulation;
using Stochastic.Simulation.Cells;

namespace Stochastic.Population;

/// <summary>
/// What simulating one scenario × cell type cost in this process: reaction firings (and of them those
/// made by leaps), the time the workers spent in the cells' engines, and the simulated cell-time (cells ×
/// the study's time unit, summed over the cells alive in each interval). Where a population's time goes is
/// read from it, group by group (<c>stochastic population --profile</c> writes it to <c>cost.csv</c>).
/// <para>
/// The time is elapsed time on the worker threads around each cell's advance, so it is core time only
/// while no other process preempts them; firings do not depend on the machine. Cells restored from a
/// checkpoint or shards cost nothing here.
/// </para>
/// </summary>
public sealed class GroupCost
{
    private readonly Lock _lock = new();
    private long _firings, _leaped, _leaps, _ticks;
    private double _cellTime;

    /// <summary>Reaction firings, leaped firings included.</summary>
    public long Firings { get { lock (_lock) return _firings; } }
    /// <summary>Of <see cref="Firings"/>, those made by leaps of a hybrid engine.</summary>
    public long LeapedFirings { get { lock (_lock) return _leaped; } }
    /// <summary>Leap intervals of a hybrid engine: each a partition (every propensity re-evaluated, the leaped set chosen) and its leaps' draws.</summary>
    public long Leaps { get { lock (_lock) return _leaps; } }
    /// <summary>Seconds spent in the cells' engines, summed over the worker threads.</summary>
    public double Seconds { get { lock (_lock) return (double)_ticks / Stopwatch.Frequency; } }
    /// <summary>Simulated cell-time: for each cell the model time it was advanced, summed.</summary>
    public double CellTime { get { lock (_lock) return _cellTime; } }

    /// <summary>Firings per unit of simulated cell-time (0 before any).</summary>
    public double FiringsPerCellTime { get { lock (_lock) return _cellTime > 0 ? _firings / _cellTime : 0; } }
    /// <summary>Share of the firings made by leaps (0 before any).</summary>
    public double LeapedShare { get { lock (_lock) return _firings > 0 ? (double)_leaped / _firings : 0; } }
    /// <summary>Nanoseconds per firing (0 before any).</summary>
    public double NanosecondsPerFiring { get { lock (_lock) return _firings > 0 ? _ticks * (1e9 / Stopwatch.Frequency) / _firings : 0; } }
    /// <summary>Milliseconds per unit of simulated cell-time (0 before any).</summary>
    public double MillisecondsPerCellTime { get { lock (_lock) return _cellTime > 0 ? _ticks * (1e3 / Stopwatch.Frequency) / _cellTime : 0; } }

    /// <summary>Adds the work of one advance: <paramref name="work"/> done in <paramref name="ticks"/> (<see cref="Stopwatch"/> ticks) for <paramref name="cellTime"/> of simulated cell-time.</summary>
    internal void Add(SimulationCounters work, long ticks, double cellTime)
    {
        lock (_lock)
        {
            _firings = SimulationCounters.Add(_firings, work.Events);
            _leaped = SimulationCounters.Add(_leaped, work.LeapedFirings);
            _leaps = SimulationCounters.Add(_leaps, work.Leaps);
            _ticks += ticks;
            _cellTime += cellTime;
        }
    }

    /// <summary>The engine's counters and the clock now, before an advance (<see cref="AddSince"/> after it).</summary>
    internal static (SimulationCounters Counters, long Ticks) Read(ICellSimulator engine) => (engine.Counters, Stopwatch.GetTimestamp());

    /// <summary>Adds the work <paramref name="engine"/> did since <paramref name="before"/> (<see cref="Read"/>), for <paramref name="cellTime"/> of simulated cell-time, and returns it.</summary>
    internal SimulationCounters AddSince((SimulationCounters Counters, long Ticks) before, ICellSimulator engine, double cellTime)
    {
        var work = engine.Counters - before.Counters;
        Add(work, Stopwatch.GetTimestamp() - before.Ticks, cellTime);
        return work;
    }
}
