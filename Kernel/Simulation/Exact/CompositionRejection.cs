using System.Runtime.CompilerServices;
using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The composition–rejection SSA (SSA-CR) of Slepoy, Thompson &amp; Plimpton (2008), J. Chem. Phys.
/// 128:205101. Reactions are binned by propensity into groups g holding a ∈ [2^g, 2^(g+1)). The
/// next reaction is found in two steps: a group by linear search over the few group sums
/// (composition), then a member of that group by rejection: draw a member uniformly and accept it
/// with probability a / 2^(g+1) (at least ½). A propensity change moves a reaction between groups
/// in O(1). Cost per event: O(d + G) for d dependents and G non-empty groups, independent of
/// the number of reactions. Use for large networks (thousands of reactions and more).
/// </summary>
internal sealed class CompositionRejection : IExactAlgorithm
{
    /// <inheritdoc />
    public string Name => "cr";

    /// <inheritdoc />
    public string Description => "Slepoy, Thompson & Plimpton (2008) composition-rejection SSA; cost per event independent of network size. Large networks.";

    /// <inheritdoc />
    public ExactSimulator CreateSimulator(CompiledNetwork network) => new Simulator(network);

    private sealed class Simulator : ExactSimulator
    {
        private readonly PropensityGroups _groups;
        private double _nextTime;
        private bool _pending;

        public Simulator(CompiledNetwork network) : base(network)
        {
            _groups = new PropensityGroups(network.ReactionCount);
        }

        protected override void RestartCore(double time)
        {
            Time = time;
            _pending = false;
            var groups = _groups;
            groups.Clear();
            for (int r = 0; r < Network.ReactionCount; r++)
            {
                double a = Network.DrawRate(r, State, Parameters, time, WindowEnd, ParameterRanges);
                groups.Add(r, a);
            }
            groups.Resum();
        }

        public override double NextFiringTime()
        {
            if (!_pending)
            {
                double total = _groups.Total;
                _nextTime = total > 0 ? Time + Random.NextExponential() / total : double.PositiveInfinity;
                _pending = true;
            }
            return _nextTime;
        }

        // Hot loop rule: no allocation, no virtual calls; rare paths (group growth, rounding) in helpers.
        protected override long AdvanceCore(double horizon, long maxEvents)
        {
            var net = Network;
            var x = State;
            var p = Parameters;
            var groups = _groups;
            var dependentOffsets = net.DependentOffsets;
            var dependents = net.Dependents;
            double windowEnd = WindowEnd;
            var ranges = ParameterRanges; // null without rate rules
            var smooth = net.SmoothTime ? net.IsSmoothInTime : null; // thinning only for smoothly time-dependent rates
            long fired = 0;
            while (fired < maxEvents)
            {
                double t = NextFiringTime();
                if (t > horizon || double.IsPositiveInfinity(t)) break; // +∞: nothing can fire, even for an infinite horizon
                _pending = false;
                Time = t;

                int r = groups.Select(ref Random);
                if (r < 0)
                {
                    // Only a rounding residue was left in the total (every group is empty): re-sum and
                    // draw again from the exact total, which is 0 when nothing can fire.
                    groups.Resum();
                    continue;
                }
                if (smooth is not null && smooth[r] && !Accept(ref Random, r, groups[r], t)) continue; // a rejected candidate changes nothing
                net.Fire(r, x);
                for (int k = dependentOffsets[r]; k < dependentOffsets[r + 1]; k++)
                {
                    int j = dependents[k];
                    groups.Set(j, net.DrawRate(j, x, p, t, windowEnd, ranges));
                }
                fired++;
                groups.CountEvent();
                if (groups.Total <= 0) groups.Resum(); // a second re-sum after CountEvent's changes nothing
            }
            Events += fired;
            return fired;
        }
    }
}
