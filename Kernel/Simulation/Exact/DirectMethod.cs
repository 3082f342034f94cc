using System.Runtime.CompilerServices;
using Stochastic.Expressions;
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

        protected override long AdvanceCore(double horizon, long maxEvents)
        {
            if (_table is null) return Loop(new GeneralRules(Network, Parameters, WindowEnd, ParameterRanges), State, horizon, maxEvents);
            // The table reads the counts followed by a slot holding 1.
            var x = _counts;
            State.CopyTo(x, 0);
            x[_table.One] = 1;
            long fired = Loop(new TableRules(_table), x, horizon, maxEvents);
            x.AsSpan(0, State.Length).CopyTo(State);
            return fired;
        }

        // The firing loop, written once; the JIT compiles it per rules struct, so the mass-action
        // instantiation carries no thinning test and no kind dispatch.
        // Hot loop rule: no allocation, no virtual calls; the random stream, clock and running
        // total live in locals (registers) and are written back once at the end.
        private long Loop<TRules>(TRules rules, double[] x, double horizon, long maxEvents) where TRules : struct, IFiringRules
        {
            var a = _propensities;
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
                if (rules.Thinned(r))
                {
                    Random = rng;
                    bool accepted = Accept(ref Random, r, a[r], t); // a rejected candidate changes nothing
                    rng = Random;
                    if (!accepted) continue;
                }
                rules.Fire(r, x);

                double delta = 0;
                rules.Dependents(r, out int from, out int to);
                for (int k = from; k < to; k++)
                {
                    int j = rules.Dependent(k);
                    double value = rules.Rate(j, x, t);
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
    }

    // How the loop reads a network: its thinned reactions, a firing's changes, its dependents and their rates.
    private interface IFiringRules
    {
        bool Thinned(int r);
        void Fire(int r, double[] x);
        void Dependents(int r, out int from, out int to);
        int Dependent(int k);
        double Rate(int j, double[] x, double t);
    }

    // Any network: rates through CompiledNetwork.DrawRate (windows, bounds of smoothly time-dependent and
    // continuously coupled rates), thinning where the network has such rates.
    private readonly struct GeneralRules(CompiledNetwork net, double[] parameters, double windowEnd, Interval[]? ranges) : IFiringRules
    {
        private readonly bool[]? _smooth = net.SmoothTime ? net.IsSmoothInTime : null;
        private readonly int[] _offsets = net.DependentOffsets;
        private readonly int[] _dependents = net.Dependents;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Thinned(int r) => _smooth is not null && _smooth[r];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Fire(int r, double[] x) => net.Fire(r, x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dependents(int r, out int from, out int to) { from = _offsets[r]; to = _offsets[r + 1]; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Dependent(int k) => _dependents[k];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Rate(int j, double[] x, double t) => net.DrawRate(j, x, parameters, t, windowEnd, ranges);
    }

    // Order ≤ 2 mass action without time: MassActionTable's branch-free products and interleaved records.
    private readonly struct TableRules(MassActionTable table) : IFiringRules
    {
        private readonly MassActionTable.Span[] _spans = table.Spans;
        private readonly MassActionTable.Change[] _changes = table.Changes;
        private readonly int[] _dependents = table.Dependents;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Thinned(int r) => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Fire(int r, double[] x)
        {
            var span = _spans[r];
            for (int k = span.ChangeStart; k < span.ChangeEnd; k++) x[_changes[k].Species] += _changes[k].Amount;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dependents(int r, out int from, out int to) { var span = _spans[r]; from = span.DependentStart; to = span.DependentEnd; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Dependent(int k) => _dependents[k];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Rate(int j, double[] x, double t) => table.Propensity(j, x);
    }
}
