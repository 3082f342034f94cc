using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The sorting direct method of McCollum, Peterson, Cox, Simpson &amp; Samatova (2006), Comput. Biol.
/// Chem. 30:39: Gillespie's direct method whose linear search runs over a search order that adapts
/// as the simulation runs: each time a reaction fires it swaps places with the one before it, so
/// frequently firing reactions bubble to the front and the search stops early. Same dependency-graph
/// updates as <see cref="DirectMethod"/>. Use for mid-size networks (tens to a few thousand
/// reactions) where a few reactions carry most of the propensity.
/// </summary>
internal sealed class SortingDirectMethod : IExactAlgorithm
{
    /// <inheritdoc />
    public string Name => "sorting-direct";

    /// <inheritdoc />
    public string Description => "McCollum et al. (2006) sorting direct method; adaptive search order. Mid-size networks.";

    /// <inheritdoc />
    public ExactSimulator CreateSimulator(CompiledNetwork network) => new Simulator(network);

    private sealed class Simulator(CompiledNetwork network) : RunningTotalSimulator(network)
    {
        private readonly double[] _propensities = new double[network.ReactionCount];
        private readonly int[] _order = LinearSearch.IdentityOrder(network.ReactionCount); // search position -> reaction

        protected override void RestartCore(double time)
        {
            Time = time;
            _pending = false;
            // The search order starts fresh, so a run depends only on its seed, not on earlier runs of this simulator.
            LinearSearch.ResetOrder(_order);
            for (int r = 0; r < _propensities.Length; r++) _propensities[r] = Network.DrawRate(r, State, Parameters, time, WindowEnd, ParameterRanges);
            Resum(_propensities);
        }

        // Hot loop rule: no allocation, no virtual calls; network arrays are read through locals.
        protected override long AdvanceCore(double horizon, long maxEvents)
        {
            var net = Network;
            var a = _propensities;
            var order = _order;
            var x = State;
            var p = Parameters;
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

                // Linear search in the adaptive order, then one bubble step towards the front.
                int r = LinearSearch.SelectInOrder(a, order, Random.NextDouble() * _total);
                if (r < 0)
                {
                    // Every propensity is 0 and only a rounding residue was left in the total:
                    // re-sum (to exactly 0) and draw again, which gives +∞.
                    Resum(_propensities);
                    continue;
                }
                if (smooth is not null && smooth[r] && !Accept(ref Random, r, a[r], t)) continue; // a rejected candidate changes nothing

                net.Fire(r, x);
                double delta = 0;
                for (int k = dependentOffsets[r]; k < dependentOffsets[r + 1]; k++)
                {
                    int j = dependents[k];
                    double value = net.DrawRate(j, x, p, t, windowEnd, ranges);
                    delta += value - a[j];
                    a[j] = value;
                }
                _total += delta;
                fired++;
                if (++_sinceResum >= ResumInterval || _total <= 0) Resum(_propensities);
            }
            Events += fired;
            return fired;
        }
    }
}
