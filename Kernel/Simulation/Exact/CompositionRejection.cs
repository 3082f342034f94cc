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
public sealed class CompositionRejection : IExactAlgorithm
{
    /// <inheritdoc />
    public string Name => "cr";

    /// <inheritdoc />
    public string Description => "Slepoy, Thompson & Plimpton (2008) composition-rejection SSA; cost per event independent of network size. Large networks.";

    /// <inheritdoc />
    public ExactSimulator CreateSimulator(CompiledNetwork network) => new Simulator(network);

    private sealed class Simulator : ExactSimulator
    {
        // Group of a propensity a > 0 is floor(log2 a) + Offset; covers every positive double.
        private const int Offset = 1100;
        private const int GroupCount = 2200;
        private const int NoGroup = -1;

        private readonly double[] _propensities;
        private readonly int[] _groupOf;    // reaction -> group, or NoGroup when its propensity is 0
        private readonly int[] _slot;       // reaction -> index within its group
        private readonly int[][] _members = new int[GroupCount][];
        private readonly int[] _counts = new int[GroupCount];
        private readonly double[] _sums = new double[GroupCount];
        private readonly double[] _bounds = new double[GroupCount]; // 2^(g+1): the rejection bound of group g
        private readonly int[] _timeDependent;
        private readonly int _resumInterval;
        private int _low = GroupCount, _high = -1; // range of groups ever used
        private double _total;
        private double _nextTime;
        private bool _pending;
        private int _sinceResum;

        public Simulator(CompiledNetwork network) : base(network)
        {
            int n = network.ReactionCount;
            _propensities = new double[n];
            _groupOf = new int[n];
            _slot = new int[n];
            _timeDependent = TimeDependentReactions.Of(network);
            _resumInterval = Math.Max(1024, n);
            for (int g = 0; g < GroupCount; g++) _bounds[g] = Math.ScaleB(1.0, g - Offset + 1);
        }

        public override void Restart(double time)
        {
            Time = time;
            _pending = false;
            Array.Clear(_counts);
            Array.Clear(_sums);
            for (int r = 0; r < _propensities.Length; r++)
            {
                double a = Network.Propensity(r, State, Parameters, time);
                if (!(a >= 0) || double.IsInfinity(a)) ThrowHelper.BadPropensity(Network, r, a, time);
                _propensities[r] = a;
                _groupOf[r] = NoGroup;
                if (a > 0) Insert(r, a);
            }
            Resum();
        }

        /// <summary>Recomputes every group sum and the total from the propensities (removes rounding drift).</summary>
        private void Resum()
        {
            double total = 0;
            for (int g = _low; g <= _high; g++)
            {
                double sum = 0;
                var members = _members[g];
                for (int i = 0; i < _counts[g]; i++) sum += _propensities[members[i]];
                _sums[g] = sum;
                total += sum;
            }
            _total = total;
            _sinceResum = 0;
        }

        public override double NextFiringTime()
        {
            if (!_pending)
            {
                _nextTime = _total > 0 ? Time + Random.NextExponential() / _total : double.PositiveInfinity;
                _pending = true;
            }
            return _nextTime;
        }

        // Hot loop rule: no allocation, no virtual calls; rare paths (group growth, rounding) in helpers.
        public override long Advance(double horizon, long maxEvents = long.MaxValue)
        {
            var net = Network;
            var x = State;
            var p = Parameters;
            var dependentOffsets = net.DependentOffsets;
            var dependents = net.Dependents;
            long fired = 0;
            while (fired < maxEvents)
            {
                double t = NextFiringTime();
                if (t > horizon || double.IsPositiveInfinity(t)) break; // +∞: nothing can fire, even for an infinite horizon
                _pending = false;
                Time = t;

                int r = Select();
                net.Fire(r, x);
                for (int k = dependentOffsets[r]; k < dependentOffsets[r + 1]; k++)
                {
                    int j = dependents[k];
                    Update(j, net.Propensity(j, x, p, t), t);
                }
                foreach (int j in _timeDependent) Update(j, net.Propensity(j, x, p, t), t);
                fired++;
                if (++_sinceResum >= _resumInterval || _total <= 0) Resum();
            }
            Events += fired;
            return fired;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Select()
        {
            // Composition: the group, searched from the largest propensities down.
            double target = Random.NextDouble() * _total;
            int g = _high;
            for (; g >= _low; g--)
            {
                if (_counts[g] == 0) continue;
                target -= _sums[g];
                if (target < 0) break;
            }
            if (g < _low) g = LowestNonEmpty(); // rounding put the target past the last group
            // Rejection: a uniform member, accepted with probability a / 2^(g+1).
            var members = _members[g];
            int count = _counts[g];
            double bound = _bounds[g];
            while (true)
            {
                int r = members[(int)(Random.NextDouble() * count)];
                if (Random.NextDouble() * bound < _propensities[r]) return r;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private int LowestNonEmpty()
        {
            for (int g = _low; g <= _high; g++) if (_counts[g] > 0) return g;
            throw new InvalidOperationException("no reaction can fire"); // unreachable: _total > 0 implies a member
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Update(int j, double value, double t)
        {
            if (!(value >= 0) || double.IsInfinity(value)) ThrowHelper.BadPropensity(Network, j, value, t);
            double old = _propensities[j];
            if (old == value) return;
            _propensities[j] = value;
            _total += value - old;
            int from = _groupOf[j];
            int to = value > 0 ? Math.ILogB(value) + Offset : NoGroup;
            if (from == to) { _sums[from] += value - old; return; }
            if (from != NoGroup) Remove(j, from, old);
            if (to != NoGroup) Insert(j, value);
        }

        private void Insert(int r, double a)
        {
            int g = Math.ILogB(a) + Offset;
            var members = _members[g];
            int count = _counts[g];
            if (members is null || count == members.Length) members = Grow(g);
            members[count] = r;
            _slot[r] = count;
            _counts[g] = count + 1;
            _sums[g] += a;
            _groupOf[r] = g;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Remove(int r, int g, double a)
        {
            var members = _members[g];
            int last = --_counts[g];
            int moved = members[last];
            int slot = _slot[r];
            members[slot] = moved;
            _slot[moved] = slot;
            // An empty group's sum is exactly zero, so rounding never makes an empty group selectable.
            _sums[g] = last == 0 ? 0 : _sums[g] - a;
            _groupOf[r] = NoGroup;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private int[] Grow(int g)
        {
            var old = _members[g];
            var grown = new int[Math.Max(8, old is null ? 0 : old.Length * 2)];
            old?.CopyTo(grown, 0);
            _members[g] = grown;
            if (g < _low) _low = g;
            if (g > _high) _high = g;
            return grown;
        }
    }
}
