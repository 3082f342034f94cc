using System.Runtime.CompilerServices;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;

namespace Stochastic.Simulation.MultiScale;

/// <summary>
/// One lane's cell of a multi-scale batch run, the part of its step that stays scalar: its reduced
/// state y, expected full state x̄ (group members T·π, reservoirs at their free count, kept by
/// <see cref="ReservoirRefresh"/>), its parameters, and its leap interval (which reactions leap, their
/// propensity integrals). The kernel owns the lane-parallel part: every slow propensity sits in a
/// structure-of-arrays row shared by the lanes (reaction j of lane i at [j·W + i]), where the kernel sums
/// and searches them across lanes; this lane writes its own column. It holds no random stream: every
/// draw is the kernel's, from the lane's Philox stream.
/// </summary>
internal sealed class MultiScaleLane
{
    private readonly MultiScalePlan _plan;
    private readonly FastEquilibrium _eq;
    private readonly ReservoirRefresh _reservoirs;
    private readonly double[] _free;
    private readonly LeapPartition? _partition;
    private readonly ExactDecays _decays;
    private readonly MidpointShift _shift;
    private readonly bool[] _leaped;
    private readonly List<int> _leapList = [];
    private readonly double[] _aLeap, _integral, _since, _firings, _change, _scratch;
    private readonly double[] _a; // shared propensity rows, this lane's column
    private readonly int _lane, _width;
    private int _untilCheck, _sinceResum;

    /// <summary>Exact firings between partition points with nothing leaped, before the partition is chosen again (as the scalar hybrid).</summary>
    public const int CheckInterval = 1000;

    /// <summary>Exact firings between fresh sums of <see cref="Total"/> (the running total drifts by rounding, as in the direct method).</summary>
    public const int ResumInterval = 256;

    /// <summary>The lane's exact total a₀: the running sum of its column, summed afresh at partitions and every <see cref="ResumInterval"/> firings.</summary>
    public double Total { get; private set; }

    /// <summary>A lane of <paramref name="plan"/> writing its propensities to column <paramref name="lane"/> of <paramref name="rows"/> (<paramref name="width"/> lanes per row).</summary>
    public MultiScaleLane(MultiScalePlan plan, double[] rows, int lane, int width)
    {
        _plan = plan;
        _a = rows;
        _lane = lane;
        _width = width;
        _eq = new FastEquilibrium(plan.Reduced);
        _reservoirs = new ReservoirRefresh(_eq, plan.Reduced.Options.ReservoirTolerance);
        _free = _reservoirs.Free;
        int ny = plan.Network.SpeciesCount, nr = plan.Slow.Length;
        State = new double[ny];
        Expected = new double[plan.Full.SpeciesCount];
        Parameters = new double[plan.Full.Parameters.Length];
        _leaped = new bool[nr];
        _aLeap = new double[nr];
        _integral = new double[nr];
        _since = new double[nr];
        _firings = new double[nr];
        _scratch = new double[nr];
        _change = new double[ny];
        _shift = new MidpointShift(ny);
        _decays = new ExactDecays(plan.Full, plan.Network, plan.Slow, plan.Reduced.SpeciesMap, y => plan.Kind[y] == SpeciesKind.Plain);
        if (plan.Epsilon is { } epsilon) _partition = new LeapPartition(plan.Network, epsilon, plan.Order, _decays.DecayOf);
    }

    /// <summary>The reduced state (group and reservoir totals, free counts, other species).</summary>
    public double[] State { get; }
    /// <summary>The expected full state x̄ = E[x | reduced state] (full-network layout).</summary>
    public double[] Expected { get; }
    /// <summary>The cell's parameters (full model's, in order).</summary>
    public double[] Parameters { get; }
    /// <summary>End of the current leap interval (+∞ when nothing is leaped).</summary>
    public double LeapEnd { get; private set; }
    /// <summary>Whether slow reaction <paramref name="j"/> is leaped this interval.</summary>
    public bool IsLeaped(int j) => _leaped[j];
    /// <summary>Whether anything is leaped this interval.</summary>
    public bool Leaping => _leapList.Count > 0;

    /// <summary>Exact firings so far.</summary>
    public long ExactFirings { get; private set; }
    /// <summary>Firings made by leaps so far.</summary>
    public long LeapedFirings { get; private set; }
    /// <summary>Leaps (interval ends with at least one leaped reaction) so far.</summary>
    public long Leaps { get; private set; }
    /// <summary>Leaps whose draw was reduced to keep counts non-negative.</summary>
    public long LeapCorrections { get; private set; }
    /// <summary>Partition points so far.</summary>
    public long Partitions { get; private set; }

    /// <summary>Starts a cell from full-model <paramref name="fullCounts"/> and <paramref name="parameters"/> at <paramref name="time"/>.</summary>
    public void Start(ReadOnlySpan<double> fullCounts, ReadOnlySpan<double> parameters, double time)
    {
        var y = State;
        _plan.Reduced.ReduceCounts(fullCounts, y);
        parameters.CopyTo(Parameters);
        _eq.Load(Parameters);
        var map = _plan.Reduced.SpeciesMap;
        for (int s = 0; s < Expected.Length; s++) Expected[s] = y[map[s]];
        _reservoirs.Restart(y, Expected);
        Array.Clear(_leaped);
        _leapList.Clear();
        _decays.End();
        _shift.Clear();
        HasExactDecays = false;
        Partition(time);
    }

    /// <summary>Whether this interval draws some decays exactly (binomially; <see cref="EndInterval"/> then needs a seed).</summary>
    public bool HasExactDecays { get; private set; }

    /// <summary>
    /// Evaluates every slow propensity at <paramref name="time"/> and, when leaping, chooses the next
    /// interval's leaped reactions (<see cref="LeapPartition"/>, the scalar hybrid's rule).
    /// </summary>
    public void Partition(double time)
    {
        var full = _plan.Full;
        var slow = _plan.Slow;
        var a = _scratch;
        for (int j = 0; j < slow.Length; j++) a[j] = full.Propensity(slow[j], Expected, Parameters, time);
        LeapEnd = double.PositiveInfinity;
        Partitions++;
        if (_partition is not null)
        {
            double tau = _partition.Choose(State, a, _leaped, _leapList);
            _untilCheck = CheckInterval;
            if (_leapList.Count > 0)
            {
                LeapEnd = time + tau;
                _shift.Plan(_plan.Network, _leapList, a, tau);
            }
            foreach (int j in _leapList)
            {
                _aLeap[j] = a[j];
                a[j] = 0;
                _integral[j] = 0;
                _since[j] = time;
                // First-order decays of a species nothing else consumes: drawn exactly at the interval's
                // end (ExactDecays), at rate constants fixed over the interval, as the scalar hybrid does.
                int y = _decays.DecayOf[j];
                if (y < 0 || _decays.IsDecaying(y) || !_partition.ExactDecays(y)) continue;
                _decays.Start(y, State[y]);
                foreach (int d in _decays.Of(y)) _decays.SetConstant(d, full.Propensity(slow[d], Expected, Parameters, time) / Expected[_plan.Index[y]]);
                HasExactDecays = true;
            }
            _decays.BeginInterval(time);
        }
        double total = 0;
        for (int j = 0; j < slow.Length; j++) total += _a[j * _width + _lane] = a[j];
        Total = total;
        _sinceResum = 0;
    }

    /// <summary>
    /// Begins the interval chosen by the last <see cref="Partition"/> at <paramref name="time"/>, to end at
    /// <paramref name="stop"/>: adds the planned estimated-midpoint shift (<see cref="MidpointShift"/>; Gillespie
    /// 2001), half the leaped reactions' expected change over the part of the interval before the stop, and
    /// evaluates every propensity there, as the scalar hybrid does.
    /// </summary>
    public void BeginInterval(double time, double stop)
    {
        if (!_shift.Pending) return;
        _shift.Begin(time, stop);
        bool touched = false;
        foreach (int species in _shift.Species) touched |= Move(species, _shift[species]);
        if (touched) _reservoirs.Settle(State, Expected);
        var full = _plan.Full;
        var slow = _plan.Slow;
        double total = 0;
        for (int j = 0; j < slow.Length; j++)
        {
            double value = full.Propensity(slow[j], Expected, Parameters, time);
            if (_leaped[j]) { _aLeap[j] = value; value = 0; }
            total += _a[j * _width + _lane] = value;
        }
        Total = total;
        _sinceResum = 0;
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

    /// <summary>
    /// Fires slow reaction <paramref name="j"/> once at <paramref name="time"/> and updates the
    /// propensities it changes. True when the partition was chosen again (nothing was leaped for
    /// <see cref="CheckInterval"/> firings), which moves <see cref="LeapEnd"/>.
    /// </summary>
    // Hot: runs once per exact firing per lane. Only the propensities a firing or a reservoir refresh
    // changes are evaluated (the dependency graph), as in the scalar simulator.
    public bool Fire(int j, double time)
    {
        var plan = _plan;
        var full = plan.Full;
        var slow = plan.Slow;
        var x = Expected;
        var p = Parameters;
        bool touched = Apply(j, 1);
        _decays.Born(j, time);
        var deps = plan.Dependencies;
        for (int k = plan.DependencyOffsets[j]; k < plan.DependencyOffsets[j + 1]; k++)
        {
            int d = deps[k];
            Set(d, full.Propensity(slow[d], x, p, time), time);
        }
        if (touched)
        {
            _reservoirs.Settle(State, x);
            foreach (int r in _reservoirs.Refreshed)
                foreach (int d in plan.RefreshReaders[r]) Set(d, full.Propensity(slow[d], x, p, time), time);
        }
        foreach (int d in plan.TimeDependent) Set(d, full.Propensity(slow[d], x, p, time), time);
        ExactFirings++;
        if (++_sinceResum >= ResumInterval || Total <= 0) Resum();
        if (_partition is not null && _leapList.Count == 0 && --_untilCheck == 0)
        {
            Partition(time);
            return true;
        }
        return false;
    }

    /// <summary>
    /// The Poisson means of the interval ending at <paramref name="time"/>, ∫ a_j dt for each leaped
    /// reaction, into column <see cref="_lane"/> of <paramref name="means"/> (0 for the others).
    /// </summary>
    public void Means(double time, double[] means)
    {
        for (int j = 0; j < _leaped.Length; j++)
            means[j * _width + _lane] = _leaped[j] && !_decays.IsExact(j) ? _integral[j] + _aLeap[j] * (time - _since[j]) : 0;
    }

    /// <summary>
    /// Ends the leap interval at <paramref name="time"/> with the leaped reactions' drawn firings in
    /// column <see cref="_lane"/> of <paramref name="drawn"/> (exact decays drawn here from a Xoshiro256** stream
    /// of <paramref name="seed"/>, which the kernel draws from the lane's stream); the caller chooses the next partition.
    /// </summary>
    public void EndInterval(double time, double[] drawn, ulong seed)
    {
        if (_leapList.Count == 0) return;
        RemoveShift();
        long fired = 0;
        foreach (int j in _leapList) _firings[j] = _decays.IsExact(j) ? 0 : drawn[j * _width + _lane];
        if (HasExactDecays)
        {
            var random = new Random.Xoshiro256StarStar(seed, 0);
            _decays.Sample(time, _leapList, _firings, ref random);
        }
        if (LeapFirings.NetChange(_plan.Network, State, _leapList, _firings, _change)) LeapCorrections++;
        foreach (int j in _leapList)
        {
            if (_firings[j] == 0) continue;
            Apply(j, _firings[j]);
            fired += (long)_firings[j];
        }
        if (fired > 0) Leaps++;
        LeapedFirings += fired;
        _reservoirs.Settle(State, Expected);
        Array.Clear(_leaped);
        _leapList.Clear();
        _decays.End();
        HasExactDecays = false;
    }

    // Applies `times` firings of slow reaction j to y and x̄; true when a reservoir's bound amount moved.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Apply(int j, double times)
    {
        var net = _plan.Network;
        bool touched = false;
        for (int c = net.ChangeOffsets[j]; c < net.ChangeOffsets[j + 1]; c++) touched |= Move(net.ChangeSpecies[c], net.ChangeAmounts[c] * times);
        return touched;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Move(int s, double amount)
    {
        var y = State;
        y[s] += amount;
        switch (_plan.Kind[s])
        {
            case SpeciesKind.Plain: Expected[_plan.Index[s]] = y[s]; return false;
            case SpeciesKind.GroupTotal:
                {
                    int k = _plan.Index[s];
                    _eq.Fill(k, y, _free, Expected);
                    return _reservoirs.GroupMoved(k, amount);
                }
            case SpeciesKind.ReservoirTotal: _reservoirs.Touch(_plan.Index[s]); return true;
            default: return false;
        }
    }

    private void Resum()
    {
        double total = 0;
        for (int j = 0; j < _leaped.Length; j++) total += _a[j * _width + _lane];
        Total = total;
        _sinceResum = 0;
    }

    // Sets slow reaction d's propensity at time t: in the shared row, or, for a leaped reaction, into
    // its integral (the propensity is piecewise constant between exact firings).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Set(int d, double value, double t)
    {
        if (_leaped[d])
        {
            _integral[d] += _aLeap[d] * (t - _since[d]);
            _since[d] = t;
            _aLeap[d] = value;
            return;
        }
        ref double a = ref _a[d * _width + _lane];
        Total += value - a;
        a = value;
    }
}
