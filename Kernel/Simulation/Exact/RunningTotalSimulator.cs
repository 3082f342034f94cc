using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The bookkeeping of the direct method's family (Gillespie 1977): simulators that draw the next
/// firing against a running total of their propensities (<see cref="DirectMethod"/>,
/// <see cref="SortingDirectMethod"/>, the slow-scale simulator). It holds the total, re-summed
/// every <see cref="ResumInterval"/> firings against rounding drift, and the pending firing time
/// (drawn once, kept until a firing or a restart), so <see cref="NextFiringTime"/> is written once.
/// Hot loops copy these fields into locals and write them back at the end.
/// </summary>
public abstract class RunningTotalSimulator : ExactSimulator
{
    /// <summary>Creates the simulator; the total is re-summed every max(1024, reactions) firings.</summary>
    protected RunningTotalSimulator(CompiledNetwork network) : base(network)
    {
        ResumInterval = Math.Max(1024, network.ReactionCount);
    }

    /// <summary>Firings between exact re-sums of the running total (amortized O(1) per firing).</summary>
    protected int ResumInterval { get; }

    /// <summary>Σ of the propensities the selection draws against.</summary>
    protected double _total;

    /// <summary>The pending firing time, valid while <see cref="_pending"/>.</summary>
    protected double _nextTime;

    /// <summary>Whether a firing time has been drawn and not yet used.</summary>
    protected bool _pending;

    /// <summary>Firings since the last exact re-sum.</summary>
    protected int _sinceResum;

    /// <summary>Re-sums the running total from <paramref name="propensities"/>.</summary>
    protected void Resum(double[] propensities)
    {
        _total = LinearSearch.Sum(propensities);
        _sinceResum = 0;
    }

    /// <inheritdoc />
    public override double NextFiringTime()
    {
        if (!_pending)
        {
            _nextTime = _total > 0 ? Time + Random.NextExponential() / _total : double.PositiveInfinity;
            _pending = true;
        }
        return _nextTime;
    }
}
