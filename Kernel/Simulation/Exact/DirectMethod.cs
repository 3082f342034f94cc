using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// Gillespie's direct method (Gillespie 1977, J. Phys. Chem. 81:2340) with a reaction dependency
/// graph: after a firing only the propensities that read a changed species are recomputed, and
/// the total is updated by their differences. The next reaction is found by a linear search.
/// Best for small networks (up to a few hundred reactions), where the search is cheaper than any
/// bookkeeping.
/// </summary>
internal sealed class DirectMethod(bool massActionTable = true) : IExactAlgorithm
{
    /// <inheritdoc />
    public string Name => "direct";

    /// <inheritdoc />
    public string Description => "Gillespie (1977) direct method with dependency graph; linear search. Small networks.";

    /// <inheritdoc />
    public ExactSimulator CreateSimulator(CompiledNetwork network) => new Simulator(network, massActionTable);

    // massActionTable false keeps every network on the general loop (the reference the fast loop is tested against).
    private sealed class Simulator(CompiledNetwork network, bool massActionTable) : RunningTotalSimulator(network)
    {
        private readonly double[] _propensities = new double[network.ReactionCount];
        // Networks of order ≤ 2 mass action without time take the branch-free loop (AdvanceMassAction).
        private readonly MassActionTable? _table = massActionTable ? MassActionTable.TryCreate(network) : null;
        private readonly double[] _counts = new double[network.SpeciesCount + 1];

        protected override void RestartCore(double time)
        {
            Time = time;
            _pending = false;
            var a = _propensities;
            for (int r = 0; r < a.Length; r++)
            {
                a[r] = Network.DrawRate(r, State, Parameters, time, WindowEnd, ParameterRanges);
            }
            Resum(_propensities);
        }

        // Hot loop rule: no allocation, no virtual calls; the random stream, clock and running
        // total live in locals (registers) and are written back once at the end.
        protected override long AdvanceCore(double horizon, long maxEvents)
        {
            if (_table is not null) return AdvanceMassAction(_table, horizon, maxEvents);
            var net = Network;
            var a = _propensities;
            var x = State;
            var p = Parameters;
            var dependentOffsets = net.DependentOffsets;
            var dependents = net.Dependents;
            var rng = Random;
            double t = Time, total = _total, next = _nextTime;
            bool pending = _pending;
            int sinceResum = _sinceResum, resumInterval = ResumInterval;
            double windowEnd = WindowEnd;
            var ranges = ParameterRanges; // null without rate rules
            var smooth = net.SmoothTime ? net.IsSmoothInTime : null; // thinning only for smoothly time-dependent rates
            long fired = 0;
            while (fired < maxEvents)
            {
                if (!pending)
                {
                    next = total > 0 ? t + rng.NextExponential() / total : double.PositiveInfinity;
                    pending = true;
                }
                if (next > horizon || double.IsPositiveInfinity(next)) break; // +∞: nothing can fire, even for an infinite horizon
                pending = false;
                t = next;

                int r = LinearSearch.Select(a, rng.NextDouble() * total);
                if (r < 0)
                {
                    // Every propensity is 0 and only a rounding residue was left in the total:
                    // re-sum (to exactly 0) and draw again, which gives +∞.
                    total = LinearSearch.Sum(a);
                    sinceResum = 0;
                    continue;
                }
                if (smooth is not null && smooth[r] && !Accept(ref rng, r, a[r], t)) continue; // a rejected candidate changes nothing
                net.Fire(r, x);

                double delta = 0;
                for (int k = dependentOffsets[r]; k < dependentOffsets[r + 1]; k++)
                {
                    int j = dependents[k];
                    double value = net.DrawRate(j, x, p, t, windowEnd, ranges);
                    delta += value - a[j];
                    a[j] = value;
                }
                total += delta;
                fired++;
                if (++sinceResum >= resumInterval || total <= 0)
                {
                    total = LinearSearch.Sum(a);
                    sinceResum = 0;
                }
            }
            Random = rng;
            Time = t;
            _total = total;
            _nextTime = next;
            _pending = pending;
            _sinceResum = sinceResum;
            Events += fired;
            return fired;
        }
            // The same loop for order ≤ 2 mass action without time (the common case of small networks):
        // no window, no thinning, propensities from the branch-free table over a copy of the counts
        // with a trailing 1. Same draws, same products, same order: the trajectory is bit-identical
        // to AdvanceCore's general path (tested), only faster.
        private long AdvanceMassAction(MassActionTable table, double horizon, long maxEvents)
        {
            var a = _propensities;
            var x = _counts;
            State.CopyTo(x, 0);
            x[table.One] = 1;
            var spans = table.Spans;
            var changes = table.Changes;
            var dependents = table.Dependents;
            var rng = Random;
            double t = Time, total = _total, next = _nextTime;
            bool pending = _pending;
            int sinceResum = _sinceResum, resumInterval = ResumInterval;
            long fired = 0;
            while (fired < maxEvents)
            {
                if (!pending)
                {
                    next = total > 0 ? t + rng.NextExponential() / total : double.PositiveInfinity;
                    pending = true;
                }
                if (next > horizon || double.IsPositiveInfinity(next)) break;
                pending = false;
                t = next;

                int r = LinearSearch.Select(a, rng.NextDouble() * total);
                if (r < 0)
                {
                    total = LinearSearch.Sum(a);
                    sinceResum = 0;
                    continue;
                }
                var span = spans[r];
                for (int k = span.ChangeStart; k < span.ChangeEnd; k++) x[changes[k].Species] += changes[k].Amount;

                double delta = 0;
                for (int k = span.DependentStart; k < span.DependentEnd; k++)
                {
                    int j = dependents[k];
                    double value = table.Propensity(j, x);
                    delta += value - a[j];
                    a[j] = value;
                }
                total += delta;
                fired++;
                if (++sinceResum >= resumInterval || total <= 0)
                {
                    total = LinearSearch.Sum(a);
                    sinceResum = 0;
                }
            }
            x.AsSpan(0, State.Length).CopyTo(State);
            Random = rng;
            Time = t;
            _total = total;
            _nextTime = next;
            _pending = pending;
            _sinceResum = sinceResum;
            Events += fired;
            return fired;
        }
    }
}
