using Stochastic.Random;
using Stochastic.Simulation.Exact;
using Stochastic.Transforms;

namespace Stochastic.Simulation.SlowScale;

/// <summary>
/// Slow-scale SSA on a <see cref="ReducedNetwork"/> (Cao, Gillespie &amp; Petzold 2005): Gillespie's
/// direct method over the slow reactions (in the sorting direct method's adaptive search order,
/// McCollum et al. 2006), whose state is the reduced model's (<see cref="ExactSimulator.State"/>:
/// group totals, reservoir totals, other species). It keeps the expected full state
/// x̄ = E[x | slow state] (members T·π_i, reservoirs their free count g, other species copied) and
/// evaluates each slow reaction's propensity as the <em>full</em> network's propensity at x̄, which
/// is the conditional expectation for the propensities the reduction accepts (affine in each group).
/// After a firing only the propensities reading a changed species are recomputed. The reservoirs' free
/// counts are refreshed only when they drift (<see cref="ReservoirRefresh"/>, tolerance
/// <see cref="SlowScaleOptions.ReservoirTolerance"/>).
/// <para>
/// With <see cref="SlowScaleOptions.LeapEpsilon"/> set it is a hybrid SSA / tau-leaping simulator
/// (Puchałka &amp; Kierzek 2004; Harris &amp; Clancy 2006): at each partition point
/// <see cref="LeapPartition"/> picks the reactions among abundant species and an interval τ from the
/// ε rule of Cao, Gillespie &amp; Petzold (2006). Over the interval the other reactions are simulated
/// exactly, and each leaped reaction j accumulates Λ_j = ∫ a_j dt over the piecewise-constant
/// propensity it has between exact firings; at the interval's end it fires Poisson(Λ_j) times at once.
/// Meanwhile the state is held at Gillespie's (2001) estimated midpoint, shifted by half the leaped
/// reactions' expected change, so that leaped and exact propensities see the interval's average: the
/// mean of a linear network is then second order in τ. The only approximation is that leaped firings
/// take effect at the interval's end, and ε bounds the change they make in the meantime to any species
/// a propensity reads. Intervals end at every horizon of <see cref="ExactSimulator.Advance"/>, so the state after
/// <c>Advance(t)</c> includes every leap up to t and is never shifted. Should
/// a leap's draw consume more molecules than a species holds (the ε rule makes that far-fetched), the
/// leaped firings that consume it are reduced until no count is negative (<see cref="LeapCorrections"/>).
/// Which reactions leap and for how long is <see cref="LeapPartition"/>'s; the midpoint shift is
/// <see cref="MidpointShift"/>'s; first-order decays of leaped species are drawn exactly by <see cref="ExactDecays"/>.
/// </para>
/// </summary>
/// <remarks>
/// This type is the exact loop over one cell (the search, the running total, the random stream); the
/// cell's state and the leap interval's bookkeeping (the moves of y and x̄, the integrals, the midpoint
/// shift, the end of the interval) are <see cref="HybridState"/>'s, shared with the multi-scale batch lanes,
/// and its parts that stand alone are their own types (<see cref="ReservoirRefresh"/>,
/// <see cref="LeapPartition"/>, <see cref="MidpointShift"/>, <see cref="ExactDecays"/>,
/// <see cref="LeapFirings"/>, and the reduction itself, <see cref="SlowScaleReduction"/>).
/// </remarks>
public sealed class SlowScaleSimulator : RunningTotalSimulator
{
    private readonly ReducedNetwork _reduced;
    // The cell: its slow state, x̄, reservoirs and leap interval (the multi-scale batch lanes step the same type).
    private readonly HybridState _cell;
    // The exact propensities (leaped reactions' are 0; theirs are in the cell's integrals).
    private readonly double[] _a;
    // The sorting direct method's search order over the slow reactions (position → reaction).
    private readonly int[] _order;
    private readonly LaneStreams _poisson = new(1);

    /// <summary>
    /// Creates a simulator of <paramref name="reduced"/> (its compiled reduced network, shared; the full
    /// network's propensities are evaluated). For hybrid leaping on a whole network, reduce it with
    /// <see cref="SlowScaleReduction.Hybrid"/>.
    /// </summary>
    public SlowScaleSimulator(ReducedNetwork reduced) : base((reduced ?? throw new ArgumentNullException(nameof(reduced))).Network)
    {
        _reduced = reduced;
        var plan = new SlowScalePlan(reduced);
        _a = new double[plan.Slow.Length];
        _order = LinearSearch.IdentityOrder(plan.Slow.Length);
        _cell = new HybridState(plan, State, Parameters, _a, 0, 1);
    }

    /// <summary>Firings realized by leaps since this simulator was created (each run's are also counted in its <see cref="ExactSimulator.Events"/>).</summary>
    public long LeapedFirings => _cell.LeapedFirings;

    /// <summary>Leaps (interval ends with at least one leaped reaction) since this simulator was created.</summary>
    public long Leaps { get; private set; }

    /// <summary>Leaps whose draw had to be reduced to keep every count non-negative, since this simulator was created.</summary>
    public long LeapCorrections => _cell.LeapCorrections;

    /// <summary>The reduction simulated.</summary>
    public ReducedNetwork Reduced => _reduced;

    /// <summary>The expected full state x̄ = E[x | slow state] now (full-model layout; reservoirs at their free count as last refreshed).</summary>
    public ReadOnlySpan<double> ExpectedFullState => _cell.Expected;

    /// <inheritdoc />
    protected override void RestartCore(double time)
    {
        Time = time;
        _pending = false;
        _cell.Restart();
        // An unfinished leap interval (a restart between horizons, after an event) is closed now:
        // its firings took place before the event.
        if (_cell.Leaping) Leap(time);
        else Partition(time);
    }

    /// <inheritdoc />
    protected override void OnNewRun()
    {
        LinearSearch.ResetOrder(_order);
        _cell.Forget();
        _intervalsSinceCheck = 0;
        _intervals = 0;
    }

    // Recomputes every propensity at `time` and, when leaping, chooses the next interval's leaped
    // reactions; the pending exact firing is discarded.
    private void Partition(double time)
    {
        _pending = false;
        _cell.Partition(time);
        Resum(_a);
    }

    // Adds the planned midpoint shift at `time`, the interval's start, and re-evaluates every
    // propensity there (nothing when no shift is pending).
    private void ApplyShift(double time, double horizon)
    {
        if (!_cell.BeginInterval(time, horizon)) return;
        Resum(_a);
        _pending = false;
    }

    // Ends the leap interval at `time`: each leaped reaction fires Poisson(∫ a dt) times, then the
    // partition is chosen again.
    private void Leap(double time)
    {
        var leaped = _cell.Leaped;
        var firings = _cell.Firings;
        double means = 0;
        foreach (int j in leaped) means += firings[j] = _cell.Mean(j, time);
        if (means > 0)
        {
            _poisson.Set(0, Random.NextUInt64(), 0);
            foreach (int j in leaped) if (!_cell.IsExactDecay(j)) firings[j] = PoissonSampler.Sample(firings[j], _poisson);
            _cell.SampleDecays(time, ref Random);
            Leaps++;
        }
        Events += _cell.EndInterval(time);
        Time = time;
        Partition(time);
    }

    // Leap intervals ended since the last look at the run's limits, and in this run before it.
    private long _intervalsSinceCheck, _intervals;

    /// <inheritdoc />
    protected override long AdvanceCore(double horizon, long maxEvents)
    {
        var cell = _cell;
        var a = _a;
        var rng = Random;
        ApplyShift(Time, horizon);
        double t = Time, total = _total, next = _nextTime;
        bool pending = _pending;
        long fired = 0;
        while (fired < maxEvents)
        {
            if (!pending)
            {
                next = total > 0 ? t + rng.NextExponential() / total : double.PositiveInfinity;
                pending = true;
            }
            if (next > horizon || next > cell.LeapEnd || double.IsPositiveInfinity(next))
            {
                // The interval ends first (at the horizon at the latest, so that the state after
                // Advance includes every leap up to it).
                double end = Math.Min(horizon, cell.LeapEnd);
                if (!cell.CanLeap || double.IsPositiveInfinity(end)) break;
                Random = rng;
                Leap(end);
                rng = Random;
                t = end;
                pending = false;
                // Intervals end without firings counted by Advance: look at the run's limits here too, every
                // RunGuard.CheckEvery intervals, each counted as a firing (propensities so large that the
                // interval no longer moves the clock would otherwise loop here unseen).
                if (++_intervalsSinceCheck >= RunGuard.CheckEvery)
                {
                    _intervalsSinceCheck = 0;
                    _intervals += RunGuard.CheckEvery;
                    RunGuard.Check(Events + fired + _intervals, State, t, Network.SpeciesNames);
                }
                if (end >= horizon) { total = _total; break; }
                ApplyShift(t, horizon);
                total = _total;
                continue;
            }
            pending = false;
            t = next;
            int j = LinearSearch.SelectInOrder(a, _order, rng.NextDouble() * total);
            if (j < 0)
            {
                total = LinearSearch.Sum(a);
                _sinceResum = 0;
                continue;
            }
            total += cell.Fire(j, t, 0);
            fired++;
            if (++_sinceResum >= ResumInterval || total <= 0)
            {
                total = LinearSearch.Sum(a);
                _sinceResum = 0;
            }
            if (cell.PartitionDue())
            {
                // Nothing leaped: look again after a while (the counts may have grown).
                Time = t;
                Partition(t);
                ApplyShift(t, horizon);
                total = _total;
                pending = false;
            }
        }
        Random = rng;
        Time = t;
        _total = total;
        _nextTime = next;
        _pending = pending;
        Events += fired;
        return fired;
    }
}
