using System.Runtime.CompilerServices;
using Stochastic.Network;
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
/// One file over 400 lines because the exact loop, the leap interval's bookkeeping (integrals, the
/// draws at its end, the correction that keeps counts non-negative) and the state moves share one
/// state and one random stream step by step; the parts that stand alone are their own types
/// (<see cref="ReservoirRefresh"/>, <see cref="LeapPartition"/>, <see cref="MidpointShift"/>,
/// <see cref="ExactDecays"/>, and the reduction itself, <see cref="SlowScaleReduction"/>).
/// </remarks>
public sealed class SlowScaleSimulator : RunningTotalSimulator
{
    private readonly ReducedNetwork _reduced;
    private readonly CompiledNetwork _full;
    private readonly FastEquilibrium _eq;
    private readonly int[] _slow;
    private readonly double[] _xbar;
    private readonly double[] _a;
    // The sorting direct method's search order over the slow reactions (position → reaction).
    private readonly int[] _order;
    // Per reduced species its kind; _index is then the full species, the group or the reservoir.
    private readonly SpeciesKind[] _kind;
    private readonly int[] _index;
    private readonly int[] _depOffsets, _deps;
    private readonly int[][] _refreshReaders;
    private readonly int[] _timeDependent;
    // Per reservoir: free count, molecules bound in other groups and home-group scale a (at the last
    // refresh; the bound amount is kept up to date as group totals move).
    private readonly ReservoirRefresh _reservoirs;
    private readonly double[] _free; // the reservoirs' free counts (_reservoirs.Free)
    // Hybrid leaping (null partition: off). Leaped reactions have a[j] = 0 and their propensity in
    // _aLeap, its integral since the interval began in _integral (up to time _since).
    private readonly LeapPartition? _partition;
    private readonly bool[] _leaped;
    private readonly List<int> _leapList = [];
    private readonly double[] _aLeap, _integral, _since, _firings, _change;
    // The interval's estimated-midpoint shift of the state, added to State once the interval has
    // begun and taken off when it ends.
    private readonly MidpointShift _shift;
    private readonly LaneStreams _poisson = new(1);
    private readonly ExactDecays _decays;
    private double _leapEnd = double.PositiveInfinity;
    private int _untilCheck;

    /// <summary>Exact firings between partition points with nothing leaped, before the partition is chosen again.</summary>
    private const int CheckInterval = 1000;

    /// <summary>
    /// Creates a simulator of <paramref name="reduced"/> (its compiled reduced network, shared; the full
    /// network's propensities are evaluated). For hybrid leaping on a whole network, reduce it with
    /// <see cref="SlowScaleReduction.Hybrid"/>.
    /// </summary>
    public SlowScaleSimulator(ReducedNetwork reduced) : base((reduced ?? throw new ArgumentNullException(nameof(reduced))).Network)
    {
        var full = reduced.Full;
        _reduced = reduced;
        _full = full;
        _eq = new FastEquilibrium(reduced);
        _slow = reduced.SlowReactions;
        _xbar = new double[full.SpeciesCount];
        _a = new double[_slow.Length];
        _order = LinearSearch.IdentityOrder(_slow.Length);
        int ny = Network.SpeciesCount;
        _kind = new SpeciesKind[ny];
        _index = new int[ny];
        Array.Fill(_kind, SpeciesKind.Auxiliary);
        var map = reduced.SpeciesMap;
        var groupOf = new int[full.SpeciesCount];
        Array.Fill(groupOf, -1);
        for (int k = 0; k < _eq.Members.Length; k++) foreach (int m in _eq.Members[k]) groupOf[m] = k;
        for (int s = 0; s < full.SpeciesCount; s++)
        {
            int r = Array.IndexOf(_eq.ReservoirSpecies, s);
            if (groupOf[s] >= 0 && _eq.HomeOf[groupOf[s]] >= 0) { _kind[map[s]] = SpeciesKind.ReservoirTotal; _index[map[s]] = _eq.HomeOf[groupOf[s]]; }
            else if (groupOf[s] >= 0) { _kind[map[s]] = SpeciesKind.GroupTotal; _index[map[s]] = groupOf[s]; }
            else if (r >= 0) { _kind[map[s]] = SpeciesKind.ReservoirTotal; _index[map[s]] = r; }
            else { _kind[map[s]] = SpeciesKind.Plain; _index[map[s]] = s; }
        }
        _reservoirs = new ReservoirRefresh(_eq, reduced.Options.ReservoirTolerance);
        _free = _reservoirs.Free;

        // Which slow reactions read each full species (reactants and rate-expression symbols).
        var readers = Enumerable.Range(0, full.SpeciesCount).Select(_ => new SortedSet<int>()).ToArray();
        var timeDependent = new List<int>();
        for (int j = 0; j < _slow.Length; j++)
        {
            int r = _slow[j];
            for (int k = full.ReactantOffsets[r]; k < full.ReactantOffsets[r + 1]; k++) readers[full.ReactantSpecies[k]].Add(j);
            foreach (var symbol in Expressions.ExpressionEvaluator.Symbols(full.RateExpressions[r]))
            {
                if (symbol.Kind == Expressions.SymbolKind.Species) readers[symbol.Index].Add(j);
                if (symbol.Kind == Expressions.SymbolKind.Time) timeDependent.Add(j);
            }
        }
        _timeDependent = [.. timeDependent.Distinct()];
        // Readers of a reduced species (a reservoir total changes nothing until a refresh).
        var readersOfReduced = Enumerable.Range(0, ny).Select(_ => new SortedSet<int>()).ToArray();
        for (int s = 0; s < full.SpeciesCount; s++) if (_kind[map[s]] is SpeciesKind.Plain or SpeciesKind.GroupTotal) readersOfReduced[map[s]].UnionWith(readers[s]);
        var net = Network;
        var offsets = new List<int> { 0 };
        var deps = new List<int>();
        for (int j = 0; j < _slow.Length; j++)
        {
            var set = new SortedSet<int>();
            for (int k = net.ChangeOffsets[j]; k < net.ChangeOffsets[j + 1]; k++) set.UnionWith(readersOfReduced[net.ChangeSpecies[k]]);
            deps.AddRange(set);
            offsets.Add(deps.Count);
        }
        _depOffsets = [.. offsets];
        _deps = [.. deps];
        _refreshReaders = [.. _eq.ReservoirSpecies.Select((g, r) =>
        {
            var set = new SortedSet<int>(readers[g]);
            foreach (int k in _eq.Affected[r]) foreach (int m in _eq.Members[k]) set.UnionWith(readers[m]);
            return set.ToArray();
        })];

        _leaped = new bool[_slow.Length];
        _aLeap = new double[_slow.Length];
        _integral = new double[_slow.Length];
        _since = new double[_slow.Length];
        _firings = new double[_slow.Length];
        _change = new double[ny];
        _shift = new MidpointShift(ny);
        _decays = new ExactDecays(full, net, _slow, map, y => _kind[y] == SpeciesKind.Plain);
        if (reduced.Options.LeapEpsilon is { } epsilon)
        {
            // g_i per reduced species: the highest order of a slow reaction reading it (rate
            // expressions count as first order, as in the batch engine); a reservoir total is read
            // through its free count.
            var order = new double[ny];
            for (int j = 0; j < _slow.Length; j++)
            {
                int r = _slow[j], n = 0;
                for (int k = full.ReactantOffsets[r]; k < full.ReactantOffsets[r + 1]; k++) n += full.ReactantMultiplicities[k];
                for (int k = full.ReactantOffsets[r]; k < full.ReactantOffsets[r + 1]; k++) Raise(full.ReactantSpecies[k], n);
                foreach (var symbol in Expressions.ExpressionEvaluator.Symbols(full.RateExpressions[r]))
                    if (symbol.Kind == Expressions.SymbolKind.Species) Raise(symbol.Index, 1);
            }
            _partition = new LeapPartition(Network, epsilon, order, _decays.DecayOf);

            void Raise(int fullSpecies, int n)
            {
                int y = map[fullSpecies];
                order[y] = Math.Max(order[y], n);
            }
        }
    }

    /// <summary>Firings realized by leaps since this simulator was created (each run's are also counted in its <see cref="ExactSimulator.Events"/>).</summary>
    public long LeapedFirings { get; private set; }

    /// <summary>Leaps (interval ends with at least one leaped reaction) since this simulator was created.</summary>
    public long Leaps { get; private set; }

    /// <summary>Leaps whose draw had to be reduced to keep every count non-negative, since this simulator was created.</summary>
    public long LeapCorrections { get; private set; }

    /// <summary>The reduction simulated.</summary>
    public ReducedNetwork Reduced => _reduced;

    /// <summary>The expected full state x̄ = E[x | slow state] now (full-model layout; reservoirs at their free count as last refreshed).</summary>
    public ReadOnlySpan<double> ExpectedFullState => _xbar;

    /// <inheritdoc />
    protected override void RestartCore(double time)
    {
        Time = time;
        _pending = false;
        _eq.Load(Parameters);
        var y = State;
        for (int s = 0; s < _xbar.Length; s++) _xbar[s] = y[_reduced.SpeciesMap[s]];
        _reservoirs.Restart(y, _xbar);
        // An unfinished leap interval (a restart between horizons, after an event) is closed now:
        // its firings took place before the event.
        if (_leapList.Count > 0) Leap(time);
        else Partition(time);
    }

    /// <inheritdoc />
    protected override void OnNewRun()
    {
        LinearSearch.ResetOrder(_order);
        Array.Clear(_leaped);
        _leapList.Clear();
        _decays.End();
        _shift.Clear();
        _intervalsSinceCheck = 0;
        _intervals = 0;
    }

    // Recomputes every propensity at `time` and, when leaping, chooses the next interval's leaped
    // reactions; the pending exact firing is discarded.
    private void Partition(double time)
    {
        _pending = false;
        for (int j = 0; j < _a.Length; j++) _a[j] = _full.Propensity(_slow[j], _xbar, Parameters, time);
        _leapEnd = double.PositiveInfinity;
        if (_partition is not null)
        {
            double tau = _partition.Choose(State, _a, _leaped, _leapList);
            _untilCheck = CheckInterval;
            if (_leapList.Count > 0)
            {
                _leapEnd = time + tau;
                _shift.Plan(Network, _leapList, _a, tau);
            }
            foreach (int j in _leapList)
            {
                _aLeap[j] = _a[j];
                _a[j] = 0;
                _integral[j] = 0;
                _since[j] = time;
                int y = _decays.DecayOf[j];
                if (y < 0 || _decays.IsDecaying(y) || !_partition.ExactDecays(y)) continue;
                _decays.Start(y, State[y]);
                // Each decay's rate constant: its propensity per molecule (x̄ is unshifted here, and
                // holds at least one: the decays leap only when they fire). Constant over the interval:
                // the parameters change only at a restart, which ends it.
                foreach (int d in _decays.Of(y)) _decays.SetConstant(d, _full.Propensity(_slow[d], _xbar, Parameters, time) / _xbar[_index[y]]);
            }
            _decays.BeginInterval(time);
        }
        Resum(_a);
    }


    // Adds the planned midpoint shift at `time`, the interval's start, and re-evaluates every
    // propensity there.
    private void ApplyShift(double time, double horizon)
    {
        _shift.Begin(time, horizon);
        bool touched = false;
        foreach (int species in _shift.Species) touched |= Move(species, _shift[species]);
        if (touched) _reservoirs.Settle(State, _xbar);
        for (int j = 0; j < _a.Length; j++)
        {
            double value = _full.Propensity(_slow[j], _xbar, Parameters, time);
            if (_leaped[j]) _aLeap[j] = value; else _a[j] = value;
        }
        Resum(_a);
        _pending = false;
    }

    // Takes the shift off (the counts are integers again) and forgets it.
    private void RemoveShift()
    {
        if (_shift.Applied)
        {
            var y = State;
            foreach (int s in _shift.Species) Move(s, Math.Round(y[s] - _shift[s]) - y[s]);
        }
        _shift.Clear();
    }

    // Ends the leap interval at `time`: each leaped reaction fires Poisson(∫ a dt) times, then the
    // partition is chosen again.
    private void Leap(double time)
    {
        double means = 0;
        foreach (int j in _leapList) means += _firings[j] = _integral[j] + _aLeap[j] * (time - _since[j]);
        RemoveShift();
        if (means > 0)
        {
            _poisson.Set(0, Random.NextUInt64(), 0);
            foreach (int j in _leapList) if (!_decays.IsExact(j)) _firings[j] = PoissonSampler.Sample(_firings[j], _poisson);
            _decays.Sample(time, _leapList, _firings, ref Random);
            if (LeapFirings.NetChange(Network, State, _leapList, _firings, _change)) LeapCorrections++;
            long fired = 0;
            foreach (int j in _leapList)
            {
                if (_firings[j] == 0) continue;
                Apply(j, _firings[j]);
                fired += (long)_firings[j];
            }
            Events += fired;
            LeapedFirings += fired;
            Leaps++;
        }
        _decays.End();
        // The shift's removal and the firings may have moved reservoirs' bound amounts.
        _reservoirs.Settle(State, _xbar);
        Time = time;
        Array.Clear(_leaped);
        Partition(time);
    }

    // Leap intervals ended since the last look at the run's limits, and in this run before it.
    private long _intervalsSinceCheck, _intervals;

    /// <inheritdoc />
    protected override long AdvanceCore(double horizon, long maxEvents)
    {
        var full = _full;
        var a = _a;
        var x = _xbar;
        var p = Parameters;
        var slow = _slow;
        var rng = Random;
        if (_shift.Pending) ApplyShift(Time, horizon);
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
            if (next > horizon || next > _leapEnd || double.IsPositiveInfinity(next))
            {
                // The interval ends first (at the horizon at the latest, so that the state after
                // Advance includes every leap up to it).
                double end = Math.Min(horizon, _leapEnd);
                if (_partition is null || double.IsPositiveInfinity(end)) break;
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
                if (_shift.Pending) ApplyShift(t, horizon);
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
            bool touched = Apply(j, 1);
            _decays.Born(j, t);
            double delta = 0;
            for (int k = _depOffsets[j]; k < _depOffsets[j + 1]; k++)
            {
                int d = _deps[k];
                delta += Set(d, full.Propensity(slow[d], x, p, t), t);
            }
            if (touched)
            {
                _reservoirs.Settle(State, x);
                foreach (int r in _reservoirs.Refreshed)
                    foreach (int d in _refreshReaders[r]) delta += Set(d, full.Propensity(slow[d], x, p, t), t);
            }
            foreach (int d in _timeDependent) delta += Set(d, full.Propensity(slow[d], x, p, t), t);
            total += delta;
            fired++;
            if (++_sinceResum >= ResumInterval || total <= 0)
            {
                total = LinearSearch.Sum(a);
                _sinceResum = 0;
            }
            if (_partition is not null && _leapList.Count == 0 && --_untilCheck == 0)
            {
                // Nothing leaped: look again after a while (the counts may have grown).
                Time = t;
                Partition(t);
                if (_shift.Pending) ApplyShift(t, horizon);
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

    // Applies `times` firings of slow reaction j to the slow state and x̄; true when a reservoir's
    // bound amount moved (its drift is then checked).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Apply(int j, double times)
    {
        var net = Network;
        bool touched = false;
        for (int c = net.ChangeOffsets[j]; c < net.ChangeOffsets[j + 1]; c++) touched |= Move(net.ChangeSpecies[c], net.ChangeAmounts[c] * times);
        return touched;
    }

    // Changes reduced species s by `amount` in the slow state and x̄; true when a reservoir's bound
    // amount moved.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Move(int s, double amount)
    {
        var y = State;
        var x = _xbar;
        y[s] += amount;
        switch (_kind[s])
        {
            case SpeciesKind.Plain: x[_index[s]] = y[s]; return false;
            case SpeciesKind.GroupTotal:
                {
                    int k = _index[s];
                    _eq.Fill(k, y, _free, x);
                    return _reservoirs.GroupMoved(k, amount);
                }
            case SpeciesKind.ReservoirTotal: _reservoirs.Touch(_index[s]); return true;
            default: return false;
        }
    }


    // Sets slow reaction d's propensity at time t; returns the change in the exact total (a leaped
    // reaction's propensity goes into its integral instead).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double Set(int d, double value, double t)
    {
        if (_leaped[d])
        {
            _integral[d] += _aLeap[d] * (t - _since[d]);
            _since[d] = t;
            _aLeap[d] = value;
            return 0;
        }
        double change = value - _a[d];
        _a[d] = value;
        return change;
    }
}

/// <summary>What a species of a slow-scale reduced network stands for.</summary>
internal enum SpeciesKind : byte
{
    /// <summary>A full-model species, unchanged.</summary>
    Plain,
    /// <summary>A fast group's total.</summary>
    GroupTotal,
    /// <summary>A reservoir's total (free, in its home group and bound in others); a home group's total too.</summary>
    ReservoirTotal,
    /// <summary>A reservoir's free count, held at its fixed point (no reaction changes it).</summary>
    Auxiliary,
}
