using System.Runtime.CompilerServices;
using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The next-reaction method of Gibson &amp; Bruck (2000), J. Phys. Chem. A 104:1876: every reaction
/// holds an absolute putative firing time in an indexed binary min-heap; the next event is the
/// heap's top. After a firing only the dependents of the fired reaction change: the fired reaction
/// draws a new exponential, and every other dependent reuses its unused random number by rescaling,
/// τ ← t + (a_old / a_new)(τ − t) (the paper's reuse, which keeps the method exact). A reaction whose
/// propensity rises from zero draws a fresh exponential (valid by memorylessness).
/// Cost per event: O(d log M) for d dependents of M reactions, and one random number.
/// Use for large networks with few dependents per reaction and widely spread propensities; the
/// composition–rejection method is usually faster on receptor networks.
/// </summary>
internal sealed class NextReactionMethod : IExactAlgorithm
{
    /// <inheritdoc />
    public string Name => "nrm";

    /// <inheritdoc />
    public string Description => "Gibson & Bruck (2000) next-reaction method; indexed priority queue, random numbers reused. Large networks.";

    /// <inheritdoc />
    public ExactSimulator CreateSimulator(CompiledNetwork network) => new Simulator(network);

    private sealed class Simulator : ExactSimulator
    {
        private readonly double[] _propensities;
        private readonly double[] _times;
        private readonly int[] _heap;       // heap position -> reaction
        private readonly int[] _position;   // reaction -> heap position

        public Simulator(CompiledNetwork network) : base(network)
        {
            int n = network.ReactionCount;
            _propensities = new double[n];
            _times = new double[n];
            _heap = new int[n];
            _position = new int[n];
        }

        protected override void RestartCore(double time)
        {
            Time = time;
            int n = _propensities.Length;
            for (int r = 0; r < n; r++)
            {
                double a = Network.DrawRate(r, State, Parameters, time, WindowEnd, ParameterRanges);
                _propensities[r] = a;
                _times[r] = a > 0 ? time + Random.NextExponential() / a : double.PositiveInfinity;
                _heap[r] = r;
            }
            for (int i = n / 2 - 1; i >= 0; i--) SiftDown(i);
            for (int i = 0; i < n; i++) _position[_heap[i]] = i;
        }

        public override double NextFiringTime() => _heap.Length == 0 ? double.PositiveInfinity : _times[_heap[0]];

        // Hot loop rule: no allocation, no virtual calls; the heap is updated in place.
        protected override long AdvanceCore(double horizon, long maxEvents)
        {
            if (_heap.Length == 0) return 0;
            var net = Network;
            var x = State;
            var p = Parameters;
            var a = _propensities;
            var tau = _times;
            var dependentOffsets = net.DependentOffsets;
            var dependents = net.Dependents;
            double windowEnd = WindowEnd;
            var ranges = ParameterRanges; // null without rate rules
            var smooth = net.SmoothTime ? net.IsSmoothInTime : null; // thinning only for smoothly time-dependent rates
            long fired = 0;
            while (fired < maxEvents)
            {
                int r = _heap[0];
                double t = tau[r];
                if (t > horizon || double.IsPositiveInfinity(t)) break; // +∞: nothing can fire, even for an infinite horizon
                Time = t;
                if (smooth is not null && smooth[r] && !Accept(ref Random, r, a[r], t))
                {
                    // A rejected candidate changes nothing; the reaction's bounding clock draws afresh.
                    Update(r, true, a[r], t);
                    continue;
                }
                net.Fire(r, x);

                bool firedUpdated = false;
                for (int k = dependentOffsets[r]; k < dependentOffsets[r + 1]; k++)
                {
                    int j = dependents[k];
                    if (j == r) firedUpdated = true;
                    Update(j, j == r, net.DrawRate(j, x, p, t, windowEnd, ranges), t);
                }
                if (!firedUpdated) Update(r, true, a[r], t);
                fired++;
            }
            Events += fired;
            return fired;
        }

        /// <summary>Sets reaction <paramref name="j"/>'s propensity and putative time at time <paramref name="t"/> and restores the heap.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Update(int j, bool fresh, double value, double t)
        {
            double old = _propensities[j];
            double next;
            if (value <= 0) next = double.PositiveInfinity;
            else if (fresh || old <= 0) next = t + Random.NextExponential() / value;
            else if (old == value) next = _times[j];
            else next = t + old / value * (_times[j] - t);
            _propensities[j] = value;
            double previous = _times[j];
            _times[j] = next;
            int i = _position[j];
            if (next < previous) SiftUp(i);
            else if (next > previous) SiftDown(i);
        }

        private void SiftUp(int i)
        {
            var heap = _heap;
            var tau = _times;
            int item = heap[i];
            double key = tau[item];
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                int up = heap[parent];
                if (tau[up] <= key) break;
                heap[i] = up;
                _position[up] = i;
                i = parent;
            }
            heap[i] = item;
            _position[item] = i;
        }

        private void SiftDown(int i)
        {
            var heap = _heap;
            var tau = _times;
            int n = heap.Length;
            int item = heap[i];
            double key = tau[item];
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= n) break;
                if (child + 1 < n && tau[heap[child + 1]] < tau[heap[child]]) child++;
                int down = heap[child];
                if (key <= tau[down]) break;
                heap[i] = down;
                _position[down] = i;
                i = child;
            }
            heap[i] = item;
            _position[item] = i;
        }
    }
}
