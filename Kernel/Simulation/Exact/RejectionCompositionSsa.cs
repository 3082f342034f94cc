using System.Runtime.CompilerServices;
using Stochastic.Network;
using Stochastic.Random;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The rejection-based SSA with composition–rejection search, RSSA-CR (Thanh, Priami &amp; Zunino
/// 2014, J. Chem. Phys. 141:134116; Thanh, Zunino &amp; Priami 2017, IEEE/ACM TCBB 14:657).
/// Each species count x is given a fluctuation interval [x_lo, x_hi] around it; every mass-action
/// reaction gets propensity bounds a_lo = a(x_lo) ≤ a(x) ≤ a(x_hi) = a_up (mass-action propensities
/// are non-decreasing in every count). A candidate is drawn with probability a_up / Σa_up by
/// composition–rejection over the upper bounds (groups by powers of two, as in
/// <see cref="CompositionRejection"/>), then accepted with probability a / a_up: first against the
/// lower bound (the squeeze, no propensity evaluated), and only if that fails against the exact
/// propensity. Every trial, accepted or not, advances the clock by an Exp(Σa_up) waiting time, so the
/// accepted firing is exactly distributed (thinning of a Poisson process). After a firing, bounds are
/// recomputed only for the reactions that read a species whose count left its interval: the cost
/// per event is independent of how many propensities a firing changes, which makes this the method
/// for large networks with densely shared species.
/// </summary>
/// <remarks>
/// Functional and expression rates need not be monotone in the counts, so their bounds are the exact
/// propensity (a_lo = a_up = a), refreshed after every firing that changes a species they read (the
/// dependency graph), as in the direct method; they are always accepted. A rate that changes smoothly
/// with time has as bounds its interval bounds over the rest of the window
/// (<see cref="CompiledNetwork.PropensityBound"/>), and its candidates are accepted against the
/// propensity at the candidate's own time (see <see cref="ExactSimulator"/>).
/// <para>
/// Interval: half-width w = max(Δ, ⌈δ·x⌉) with δ = 0.1 and Δ = 2, x_lo = max(0, x − w),
/// x_hi = x + w (integer ends, so the bounds are propensities of reachable counts). δ = 0.1 is the
/// papers' choice: it keeps a_lo/a_up ≥ (0.9/1.1)² ≈ 0.67 for bimolecular reactions of abundant
/// species, so most candidates are accepted by the squeeze. Δ keeps species at low counts from
/// leaving their interval on every firing; JumpProcesses.jl uses 4, but measured on multisite2 Δ = 2
/// halves the rejections (0.37 instead of 0.70 per event) at no cost on egfr_net (docs/performance.md).
/// Counts are assumed to be non-negative integers (as everywhere in the library).
/// </para>
/// <para>
/// A species at 0 gets the point interval [0, 0], and a species that falls to 0 inside its interval
/// is recentred there: every reaction reading it then has the bound 0 instead of a positive a(x_hi)
/// that could only be rejected. Generated networks hold thousands of complexes that are present in
/// one or two copies now and then; with [0, Δ] kept around their zeros, fceri_gamma2 (58,276
/// reactions) rejected 9.5 candidates per firing and shrank every interval every ~140 firings; with
/// the point interval, 1.4 rejections and no shrinking, 4–5× faster (docs/performance.md). On
/// multisite2 and egfr_net the speed is unchanged (rejections 0.37 → 0.21 per firing on multisite2,
/// interval updates 0.061 → 0.090).
/// </para>
/// <para>
/// Draws per trial: one Exp(1) from <see cref="Stochastic.Random.ExponentialZiggurat"/> (the trials' variates are
/// summed and divided by Σa_up once, at acceptance: no logarithm in the common case), one uniform for the group,
/// and one 64-bit draw per member try, whose two halves give the member and the acceptance variate
/// (<see cref="PropensityGroups.SelectWithVariate"/>). Measured on multisite2 and egfr_net, this is 8–10 % faster
/// than −ln of the product of the trials' uniforms and two draws per member try (docs/performance.md).
/// </para>
/// <para>
/// When <c>64</c> consecutive candidates are rejected (loose bounds at low counts, or a state where
/// nothing can fire although the upper bounds are positive), every interval is shrunk to the
/// current count, which makes the bounds exact (and the total 0 when nothing can fire); the
/// intervals widen again species by species as counts change. Changing the bounds between trials
/// keeps the method exact: each trial is a thinning of a Poisson process, and the waiting time
/// already accumulated is kept at the old rate.
/// </para>
/// </remarks>
internal sealed class RejectionCompositionSsa : IExactAlgorithm
{
    /// <summary>Creates RSSA-CR with the default interval (δ = 0.1, Δ = 2).</summary>
    public RejectionCompositionSsa() : this(0.1, 2) { }

    /// <summary>
    /// Creates RSSA-CR with fluctuation intervals x ± max(<paramref name="relativeWidth"/>·x, <paramref name="minimumWidth"/>).
    /// </summary>
    /// <param name="relativeWidth">δ, the relative half-width (≥ 0).</param>
    /// <param name="minimumWidth">Δ, the smallest half-width in molecules (≥ 0; rounded up to an integer).</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is negative or not finite.</exception>
    public RejectionCompositionSsa(double relativeWidth, double minimumWidth)
    {
        if (!(relativeWidth >= 0) || double.IsInfinity(relativeWidth)) throw new ArgumentOutOfRangeException(nameof(relativeWidth));
        if (!(minimumWidth >= 0) || double.IsInfinity(minimumWidth)) throw new ArgumentOutOfRangeException(nameof(minimumWidth));
        RelativeWidth = relativeWidth;
        MinimumWidth = Math.Ceiling(minimumWidth);
    }

    /// <summary>δ: the relative half-width of the fluctuation interval.</summary>
    public double RelativeWidth { get; }

    /// <summary>Δ: the smallest half-width of the fluctuation interval, in molecules.</summary>
    public double MinimumWidth { get; }

    /// <inheritdoc />
    public string Name => "rssa-cr";

    /// <inheritdoc />
    public string Description => "Thanh, Priami & Zunino (2014, 2017) rejection-based SSA with composition-rejection search; bounds recomputed only when a species leaves its interval. Large networks with many dependents per reaction.";

    /// <inheritdoc />
    public ExactSimulator CreateSimulator(CompiledNetwork network) => new Simulator(network, RelativeWidth, MinimumWidth);

    /// <summary>The simulator; internal so tests can inspect the bounds.</summary>
    internal sealed class Simulator : ExactSimulator
    {
        // Consecutive rejections after which the intervals are shrunk to the counts (see remarks).
        private const int TightenAfter = 64;

        private readonly double _relativeWidth, _minimumWidth;
        private readonly double[] _xLo, _xHi;   // fluctuation interval per species
        private readonly PropensityGroups _groups; // upper propensity bound per reaction, grouped, with the lower bound as its companion
        private readonly bool[] _exactKind;     // functional/expression: bounds are the propensity itself
        private readonly int[] _readerOffsets, _readers;       // species -> mass-action reactions reading it
        private readonly int[] _exactDepOffsets, _exactDeps;   // reaction -> exact-kind dependents
        private readonly bool[]? _smooth;       // smoothly time-dependent: bounds over the window, thinned at the candidate's time
        private readonly Term[]? _terms;        // mass-action networks: every propensity as one product (Product)
        private double _nextTime;
        private int _nextReaction;
        private bool _pending;

        // a = Rate·(x[I]·WI + BI)·(x[J]·WJ + BJ): x[I]·1 + 0 = x[I], x·0 + 1 = 1 and x·1 − 1 = x − 1 are exact, so the product is
        // CompiledNetwork.Propensity's c, c·x, c·x·y or c·x·(x − 1), bit for bit, without its branch on the kind (an indirect jump).
        // (MassActionTable's c·x[i]·(x[j] − s) needs a state with a trailing slot holding 1; the counts and the intervals read here have none.)
        private readonly record struct Term(double Rate, int I, int J, double WI, double BI, double WJ, double BJ);

        /// <summary>Interval updates since the last reset (for tests and measurements).</summary>
        internal long IntervalUpdates { get; private set; }

        /// <summary>Candidates rejected since the last reset (for tests and measurements).</summary>
        internal long Rejections { get; private set; }

        /// <summary>Times every interval was shrunk to the counts since the last reset.</summary>
        internal long Tightenings { get; private set; }

        public Simulator(CompiledNetwork network, double relativeWidth, double minimumWidth) : base(network)
        {
            _relativeWidth = relativeWidth;
            _minimumWidth = minimumWidth;
            int n = network.ReactionCount, m = network.SpeciesCount;
            _xLo = new double[m];
            _xHi = new double[m];
            _groups = new PropensityGroups(n, copies: true);
            _exactKind = new bool[n];
            for (int r = 0; r < n; r++) _exactKind[r] = network.Kinds[r] is PropensityKind.Functional or PropensityKind.Expression;
            _smooth = network.SmoothTime ? network.IsSmoothInTime : null;
            if (m > 0 && MassActionTable.NotMassAction(network) is null)
            {
                // Reactant indices of the factors that are constant 1 point at species 0 (read, multiplied by 0).
                _terms = new Term[n];
                for (int r = 0; r < n; r++)
                {
                    int a = Math.Max(0, network.Reactant1[r]), b = Math.Max(0, network.Reactant2[r]);
                    double c = network.RateConstants[r];
                    _terms[r] = network.Kinds[r] switch
                    {
                        PropensityKind.Constant => new Term(c, 0, 0, 0, 1, 0, 1),
                        PropensityKind.Unimolecular => new Term(c, a, a, 1, 0, 0, 1),
                        PropensityKind.Bimolecular => new Term(c, a, b, 1, 0, 1, 0),
                        _ => new Term(c, a, a, 1, 0, 1, -1),
                    };
                }
            }

            // species -> mass-action readers (compressed rows, two passes)
            _readerOffsets = new int[m + 1];
            for (int r = 0; r < n; r++)
            {
                if (_exactKind[r]) continue;
                for (int k = network.ReactantOffsets[r]; k < network.ReactantOffsets[r + 1]; k++) _readerOffsets[network.ReactantSpecies[k] + 1]++;
            }
            for (int s = 0; s < m; s++) _readerOffsets[s + 1] += _readerOffsets[s];
            _readers = new int[_readerOffsets[m]];
            var fill = (int[])_readerOffsets.Clone();
            for (int r = 0; r < n; r++)
            {
                if (_exactKind[r]) continue;
                for (int k = network.ReactantOffsets[r]; k < network.ReactantOffsets[r + 1]; k++) _readers[fill[network.ReactantSpecies[k]]++] = r;
            }

            // reaction -> exact-kind dependents, from the species readers (the network's reaction dependency graph,
            // hundreds of megabytes for large generated networks, is not needed); the order is the graph's.
            _exactDepOffsets = new int[n + 1];
            var deps = new List<int>();
            if (Array.IndexOf(_exactKind, true) >= 0)
            {
                var mark = new int[n];
                Array.Fill(mark, -1);
                for (int r = 0; r < n; r++)
                {
                    for (int k = network.ChangeOffsets[r]; k < network.ChangeOffsets[r + 1]; k++)
                    {
                        int s = network.ChangeSpecies[k];
                        for (int q = network.ReaderOffsets[s]; q < network.ReaderOffsets[s + 1]; q++)
                        {
                            int j = network.Readers[q];
                            if (mark[j] == r) continue;
                            mark[j] = r;
                            if (_exactKind[j]) deps.Add(j);
                        }
                    }
                    _exactDepOffsets[r + 1] = deps.Count;
                }
            }
            _exactDeps = [.. deps];
        }

        /// <summary>Lower end of species <paramref name="s"/>'s fluctuation interval.</summary>
        internal double IntervalLow(int s) => _xLo[s];

        /// <summary>Upper end of species <paramref name="s"/>'s fluctuation interval.</summary>
        internal double IntervalHigh(int s) => _xHi[s];

        /// <summary>Lower propensity bound of reaction <paramref name="r"/>.</summary>
        internal double LowerBound(int r) => _groups.Companion(r);

        /// <summary>Upper propensity bound of reaction <paramref name="r"/>.</summary>
        internal double UpperBound(int r) => _groups[r];

        protected override void RestartCore(double time)
        {
            Time = time;
            _pending = false;
            if (Events == 0) { IntervalUpdates = 0; Rejections = 0; Tightenings = 0; }
            var x = State;
            for (int s = 0; s < x.Length; s++) Recenter(s, x[s]);
            Rebuild(time);
        }

        /// <summary>Recomputes every bound from the intervals and regroups every reaction.</summary>
        private void Rebuild(double time)
        {
            var groups = _groups;
            groups.Clear();
            for (int r = 0; r < Network.ReactionCount; r++)
            {
                ComputeBounds(r, time, out double lo, out double up);
                groups.Add(r, up, lo);
            }
            groups.Resum();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double Product(in Term t, double[] x) => t.Rate * (x[t.I] * t.WI + t.BI) * (x[t.J] * t.WJ + t.BJ);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Recenter(int s, double value)
        {
            // At 0 the point interval: bounds of reactions reading the species are then exactly 0 (see remarks).
            double w = value == 0 ? 0 : Math.Max(_minimumWidth, Math.Ceiling(_relativeWidth * value));
            _xLo[s] = Math.Min(value, Math.Max(0, value - w));
            _xHi[s] = value + w;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void ComputeBounds(int r, double time, out double lo, out double up)
        {
            var net = Network;
            if (_smooth is not null && _smooth[r])
            {
                up = net.PropensityBound(r, State, Parameters, time, WindowEnd, out lo, ParameterRanges);
                if (!double.IsFinite(up)) ThrowHelper.Unbounded(net.ReactionNames[r], time, WindowEnd);
            }
            else if (_exactKind[r])
            {
                lo = up = net.Propensity(r, State, Parameters, time);
            }
            else
            {
                // The same code evaluates the bounds and the exact propensity, so rounding keeps lo ≤ a ≤ up.
                if (_terms is { } terms)
                {
                    lo = Product(in terms[r], _xLo);
                    up = Product(in terms[r], _xHi);
                }
                else
                {
                    lo = net.Propensity(r, _xLo, Parameters, time);
                    up = net.Propensity(r, _xHi, Parameters, time);
                }
            }
        }

        public override double NextFiringTime()
        {
            if (!_pending) DrawNext();
            return _nextTime;
        }

        /// <summary>
        /// Runs rejection trials until one is accepted: the pending firing is its reaction at the
        /// current time plus the sum of the trials' Exp(Σa_up) waiting times.
        /// </summary>
        private void DrawNext()
        {
            var x = State;
            var p = Parameters;
            var groups = _groups;
            double t = Time;
            double tau = 0;
            double exponentials = 0; // the trials' Exp(1) variates since the total last changed: their waiting times sum to this / Σa_up
            int consecutive = 0;
            long rejected = 0;
            while (true)
            {
                if (!(groups.Total > 0))
                {
                    groups.Resum();
                    if (!(groups.Total > 0)) { _nextTime = double.PositiveInfinity; _nextReaction = -1; break; }
                }
                exponentials += ExponentialZiggurat.Next(ref Random);

                // Composition–rejection over the upper bounds draws j ∝ a_up(j) with u uniform on
                // [0, a_up(j)), which serves as the RSSA acceptance variate: accept when u < a_lo
                // (squeeze) or u < a(x).
                int j = groups.SelectWithVariate(ref Random, out double u, out double lo);
                if (j < 0)
                {
                    // Only rounding residue is left in the total: re-sum it (exactly 0 when every group is empty).
                    groups.Resum();
                    exponentials = 0;
                    continue;
                }
                bool accept;
                if (_smooth is not null && _smooth[j])
                {
                    // Thinning at the candidate's own time; beyond the window the bounds end, and so does the draw
                    // (the candidate lies past every horizon Advance allows, and the restart there discards it).
                    double candidate = t + tau + exponentials / groups.Total;
                    if (candidate > WindowEnd) { _nextTime = candidate; _nextReaction = j; break; }
                    // u, uniform on [0, a_up), is the acceptance variate here too: accept with probability a(candidate)/a_up.
                    accept = u < lo || u < BoundedPropensity(j, groups[j], candidate);
                    if (!accept) ThinningRejections++;
                }
                else accept = u < lo || u < (_terms is { } terms ? Product(in terms[j], x) : Network.Propensity(j, x, p, t));
                if (accept)
                {
                    tau += exponentials / groups.Total;
                    _nextTime = t + tau;
                    _nextReaction = j;
                    break;
                }
                rejected++;
                if (++consecutive >= TightenAfter)
                {
                    // The total changes below: fold the waiting time so far in at the old rate.
                    tau += exponentials / groups.Total;
                    exponentials = 0;
                    consecutive = 0;
                    Tighten(t);
                }
            }
            Rejections += rejected;
            _pending = true;
        }

        /// <summary>Shrinks every interval to the current count: the bounds become the propensities.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private void Tighten(double time)
        {
            Tightenings++;
            var x = State;
            x.CopyTo(_xLo, 0);
            x.CopyTo(_xHi, 0);
            Rebuild(time);
        }

        // Hot loop rule: no allocation, no virtual calls; rare paths (group growth, rounding, tightening) in helpers.
        protected override long AdvanceCore(double horizon, long maxEvents)
        {
            var net = Network;
            var x = State;
            var changeOffsets = net.ChangeOffsets;
            var changeSpecies = net.ChangeSpecies;
            var changeAmounts = net.ChangeAmounts;
            var xLo = _xLo;
            var xHi = _xHi;
            var readerOffsets = _readerOffsets;
            var readers = _readers;
            var exactDepOffsets = _exactDepOffsets;
            var exactDeps = _exactDeps;
            var groups = _groups;
            long fired = 0, intervalUpdates = 0;
            while (fired < maxEvents)
            {
                if (!_pending) DrawNext();
                double t = _nextTime;
                if (t > horizon || _nextReaction < 0) break; // the second: nothing can fire, even with an infinite horizon
                _pending = false;
                Time = t;
                int r = _nextReaction;
                // The firing, as CompiledNetwork.Fire does it, but over the arrays this loop holds in locals (calling Fire,
                // which reads them from the network's fields on every firing, measured 2 % slower on egfr_net), then the
                // intervals of the species it changed.
                int from = changeOffsets[r], to = changeOffsets[r + 1];
                for (int k = from; k < to; k++) x[changeSpecies[k]] += changeAmounts[k];
                for (int k = from; k < to; k++)
                {
                    int s = changeSpecies[k];
                    double v = x[s];
                    // Inside the interval nothing changes, unless the count fell to 0: then the point interval [0, 0].
                    if (v >= xLo[s] && v <= xHi[s] && (v > 0 || xHi[s] == 0)) continue;
                    Recenter(s, v);
                    intervalUpdates++;
                    for (int i = readerOffsets[s]; i < readerOffsets[s + 1]; i++) UpdateBounds(readers[i], t);
                }
                for (int k = exactDepOffsets[r]; k < exactDepOffsets[r + 1]; k++) UpdateBounds(exactDeps[k], t);
                fired++;
                groups.CountEvent();
            }
            IntervalUpdates += intervalUpdates;
            Events += fired;
            return fired;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void UpdateBounds(int j, double t)
        {
            ComputeBounds(j, t, out double lo, out double value);
            _groups.Set(j, value, lo);
        }
    }
}
