using System.Runtime.CompilerServices;
using Stochastic.Network;
using Stochastic.Random;
using Stochastic.Transforms;

namespace Stochastic.Simulation.SlowScale;

/// <summary>
/// One cell of the slow-scale hybrid and the steps of its leap interval, written once for both engines
/// that run it: the scalar <see cref="SlowScaleSimulator"/> and each lane of the multi-scale batch engine.
/// It holds the reduced state y, the expected full state x̄ = E[x | y] (group members T·π, reservoirs at
/// their free count, kept by <see cref="ReservoirRefresh"/>), the parameters, and the leap interval:
/// which reactions leap (<see cref="LeapPartition"/>), their propensity integrals Λ_j = ∫ a_j dt, the
/// estimated-midpoint shift (<see cref="MidpointShift"/>), the exact decays (<see cref="ExactDecays"/>),
/// and the end of the interval (<see cref="LeapFirings"/>). What differs between the engines stays with
/// them: where the random numbers come from, the search for the reaction that fires and the running total
/// of the exact propensities (its rounding is each engine's own, and their trajectories are pinned bit
/// for bit).
/// <para>
/// The exact propensities are written to one column of a structure-of-arrays row block (reaction j at
/// [j·width + lane]), so that the batch engine can sum and search them across lanes; the scalar engine
/// passes its own propensity array as a block one lane wide.
/// </para>
/// </summary>
internal sealed class HybridState
{
    private readonly SlowScalePlan _plan;
    private readonly FastEquilibrium _eq;
    private readonly ReservoirRefresh _reservoirs;
    private readonly double[] _free; // the reservoirs' free counts (_reservoirs.Free)
    private readonly LeapPartition? _partition;
    private readonly ExactDecays _decays;
    private readonly MidpointShift _shift;
    // Leaped reactions have a zero exact propensity; their propensity is in _aLeap and its integral since
    // the interval began in _integral (up to time _since).
    private readonly bool[] _leaped;
    private readonly List<int> _leapList = [];
    private readonly double[] _aLeap, _integral, _since, _firings, _change;
    // The exact propensities (this cell's column of the rows) and where a partition evaluates them first
    // (the rows themselves when they are one lane wide).
    private readonly double[] _a, _evaluated;
    // Per slow reaction whose rate law reads only parameters (ligand capture at the cell's dose, CD25 joining
    // a complex): its mass-action form with the rate at this cell's parameters, filled at every restart (the
    // parameters change only at a restart: a new run, a resumed cell, an event, a window's end). Such laws were
    // ~95% of the rate-law calls of the IL-2 model's dependency updates. NaN until filled, so a missed fill
    // throws instead of reading 0.
    private readonly CompiledNetwork.PropensityTerm[] _rates;
    private readonly bool[] _hasRate;
    private readonly int _lane, _width;
    private int _untilCheck;

    /// <summary>Exact firings between partition points with nothing leaped, before the partition is chosen again.</summary>
    public const int CheckInterval = 1000;

    /// <summary>
    /// A cell of <paramref name="plan"/> with reduced state <paramref name="state"/> and parameters
    /// <paramref name="parameters"/> (kept, not copied), writing its exact propensities to column
    /// <paramref name="lane"/> of <paramref name="rows"/> (<paramref name="width"/> lanes per row).
    /// </summary>
    public HybridState(SlowScalePlan plan, double[] state, double[] parameters, double[] rows, int lane, int width)
    {
        _plan = plan;
        State = state;
        Parameters = parameters;
        _a = rows;
        _lane = lane;
        _width = width;
        int ny = plan.Network.SpeciesCount, nr = plan.Slow.Length;
        _evaluated = width == 1 ? rows : new double[nr];
        Expected = new double[plan.Full.SpeciesCount];
        _eq = new FastEquilibrium(plan.Reduced);
        _reservoirs = new ReservoirRefresh(_eq, plan.Reduced.Options.ReservoirTolerance);
        _free = _reservoirs.Free;
        _leaped = new bool[nr];
        _aLeap = new double[nr];
        _integral = new double[nr];
        _since = new double[nr];
        _firings = new double[nr];
        _hasRate = [.. plan.ParameterRates.Select(t => t is not null)];
        _rates = [.. plan.ParameterRates.Select(t => t ?? default)];
        _change = new double[ny];
        _shift = new MidpointShift(ny);
        _decays = new ExactDecays(plan.Full, plan.Network, plan.Slow, plan.Reduced.SpeciesMap, y => plan.Kind[y] == SpeciesKind.Plain);
        if (plan.Epsilon is { } epsilon) _partition = new LeapPartition(plan.Network, epsilon, plan.Order, _decays.DecayOf);
    }

    /// <summary>The reduced state (group and reservoir totals, free counts, other species).</summary>
    public double[] State { get; }
    /// <summary>The expected full state x̄ = E[x | reduced state] (full-network layout; reservoirs at their free count as last refreshed).</summary>
    public double[] Expected { get; }
    /// <summary>The cell's parameters (full model's, in order).</summary>
    public double[] Parameters { get; }
    /// <summary>Whether the cell leaps at all (the reduction has a leap ε).</summary>
    public bool CanLeap => _partition is not null;
    /// <summary>End of the current leap interval (+∞ when nothing is leaped).</summary>
    public double LeapEnd { get; private set; } = double.PositiveInfinity;
    /// <summary>Whether slow reaction <paramref name="j"/> is leaped this interval.</summary>
    public bool IsLeaped(int j) => _leaped[j];
    /// <summary>Whether anything is leaped this interval.</summary>
    public bool Leaping => _leapList.Count > 0;
    /// <summary>The reactions leaped this interval.</summary>
    public List<int> Leaped => _leapList;
    /// <summary>Whether leaped reaction <paramref name="j"/> is drawn as an exact decay this interval.</summary>
    public bool IsExactDecay(int j) => _decays.IsExact(j);
    /// <summary>Whether this interval draws some decays exactly (<see cref="SampleDecays"/>).</summary>
    public bool HasExactDecays { get; private set; }
    /// <summary>Per slow reaction, its firings drawn for the interval's end (the caller's Poisson draws, then <see cref="SampleDecays"/>).</summary>
    public double[] Firings => _firings;

    /// <summary>Firings made by leaps so far.</summary>
    public long LeapedFirings { get; private set; }
    /// <summary>Leaps whose draw was reduced to keep every count non-negative, so far.</summary>
    public long LeapCorrections { get; private set; }

    /// <summary>
    /// After <see cref="State"/> or <see cref="Parameters"/> changed: the fast equilibria at the parameters,
    /// x̄ from the state and the reservoirs' free counts afresh. The leap interval is kept.
    /// </summary>
    public void Restart()
    {
        _eq.Load(Parameters);
        var map = _plan.Reduced.SpeciesMap;
        for (int s = 0; s < Expected.Length; s++) Expected[s] = State[map[s]];
        _reservoirs.Restart(State, Expected);
        FillRates();
    }

    // The rates of the rate laws that read only parameters, at the cell's parameters (they read no time: 0 is passed).
    private void FillRates()
    {
        var full = _plan.Full;
        var slow = _plan.Slow;
        for (int j = 0; j < _rates.Length; j++)
            if (_hasRate[j]) _rates[j] = _rates[j] with { Rate = full.RateAt(slow[j], Expected, Parameters, 0) };
    }

    // Slow reaction j's propensity at x̄ and `time`.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double Propensity(int j, double time)
    {
        var plan = _plan;
        return _hasRate[j]
            ? plan.Full.PropensityAtRate(in _rates[j], plan.Slow[j], Expected, time)
            : plan.Full.Propensity(plan.Slow[j], Expected, Parameters, time);
    }

    /// <summary>Forgets the leap interval (a new run).</summary>
    public void Forget()
    {
        Array.Clear(_leaped);
        _leapList.Clear();
        _decays.End();
        _shift.Clear();
        HasExactDecays = false;
    }

    /// <summary>
    /// Evaluates every slow propensity at <paramref name="time"/> into the column and, when leaping, chooses
    /// the next interval's leaped reactions (their propensities go to the integrals, their column entries
    /// to 0), its end <see cref="LeapEnd"/>, its midpoint shift and its exact decays. The caller sums the column.
    /// </summary>
    public void Partition(double time)
    {
        var slow = _plan.Slow;
        var a = _evaluated;
        for (int j = 0; j < slow.Length; j++) a[j] = Propensity(j, time);
        LeapEnd = double.PositiveInfinity;
        if (_partition is not null)
        {
            double tau = _partition.Choose(State, a.AsSpan(0, slow.Length), _leaped, _leapList);
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
                // First-order decays of a species nothing else consumes: drawn exactly at the interval's end.
                int y = _decays.DecayOf[j];
                if (y < 0 || _decays.IsDecaying(y) || !_partition.ExactDecays(y)) continue;
                _decays.Start(y, State[y]);
                // Each decay's rate constant: its propensity per molecule (x̄ is unshifted here, and holds at
                // least one: the decays leap only when they fire). Constant over the interval: the parameters
                // change only at a restart, which ends it.
                foreach (int d in _decays.Of(y)) _decays.SetConstant(d, Propensity(d, time) / Expected[_plan.Index[y]]);
                HasExactDecays = true;
            }
            _decays.BeginInterval(time);
        }
        if (a != _a)
            for (int j = 0; j < slow.Length; j++) _a[j * _width + _lane] = a[j];
    }

    /// <summary>
    /// Begins the interval chosen by the last <see cref="Partition"/> at <paramref name="time"/>, to end at
    /// <paramref name="stop"/> at the latest: adds the planned estimated-midpoint shift (Gillespie 2001), half
    /// the leaped reactions' expected change over the part of the interval before the stop, and evaluates
    /// every propensity there. False, and nothing done, when no shift is pending; else the caller sums the column.
    /// </summary>
    public bool BeginInterval(double time, double stop)
    {
        if (!_shift.Pending) return false;
        _shift.Begin(time, stop);
        bool touched = false;
        foreach (int species in _shift.Species) touched |= Move(species, _shift[species]);
        if (touched) _reservoirs.Settle(State, Expected);
        var slow = _plan.Slow;
        for (int j = 0; j < slow.Length; j++)
        {
            double value = Propensity(j, time);
            if (_leaped[j]) { _aLeap[j] = value; value = 0; }
            _a[j * _width + _lane] = value;
        }
        return true;
    }

    /// <summary>
    /// Fires slow reaction <paramref name="j"/> once at <paramref name="time"/> and updates the propensities
    /// it changes, adding each change of an exact one to <paramref name="sum"/> in turn (a leaped one's goes
    /// into its integral: its propensity is piecewise constant between exact firings); returns the sum.
    /// </summary>
    // Hot: once per exact firing. Only the propensities a firing or a reservoir refresh changes are
    // evaluated (the dependency graph). Inlined into each engine's loop, as it was written there before.
    // The sum goes in and out by value: passed by reference it lived on the stack, and each change's
    // addition waited for the store of the one before (the hottest instruction of the scalar engine's loop).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Fire(int j, double time, double sum)
    {
        var plan = _plan;
        bool touched = Apply(j, 1);
        _decays.Born(j, time);
        var deps = plan.Dependencies;
        for (int k = plan.DependencyOffsets[j]; k < plan.DependencyOffsets[j + 1]; k++)
        {
            int d = deps[k];
            sum = Set(d, Propensity(d, time), time, sum);
        }
        if (touched)
        {
            _reservoirs.Settle(State, Expected);
            foreach (int r in _reservoirs.Refreshed)
                foreach (int d in plan.RefreshReaders[r]) sum = Set(d, Propensity(d, time), time, sum);
        }
        foreach (int d in plan.TimeDependent) sum = Set(d, Propensity(d, time), time, sum);
        return sum;
    }

    /// <summary>After an exact firing: true when nothing has been leaped for <see cref="CheckInterval"/> firings, and the partition is due again.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool PartitionDue() => _partition is not null && _leapList.Count == 0 && --_untilCheck == 0;

    /// <summary>Leaped reaction <paramref name="j"/>'s Poisson mean for the interval ending at <paramref name="time"/>, Λ_j = ∫ a_j dt.</summary>
    public double Mean(int j, double time) => _integral[j] + _aLeap[j] * (time - _since[j]);

    /// <summary>The exact decays of the interval ending at <paramref name="time"/>, into <see cref="Firings"/> (the other leaped reactions' firings already there).</summary>
    public void SampleDecays(double time, ref Xoshiro256StarStar random) => _decays.Sample(time, _leapList, _firings, ref random);

    /// <summary>
    /// Ends the leap interval at <paramref name="time"/> with the firings drawn in <see cref="Firings"/>: takes
    /// the midpoint shift off, reduces the firings that would take a count below zero, applies them, and
    /// forgets the interval (the caller chooses the next partition). Returns the firings made.
    /// </summary>
    public long EndInterval(double time)
    {
        RemoveShift();
        if (LeapFirings.NetChange(_plan.Network, State, _leapList, _firings, _change)) LeapCorrections++;
        long fired = 0;
        foreach (int j in _leapList)
        {
            if (_firings[j] == 0) continue;
            Apply(j, _firings[j]);
            fired += (long)_firings[j];
        }
        LeapedFirings += fired;
        // The shift's removal and the firings may have moved reservoirs' bound amounts.
        _reservoirs.Settle(State, Expected);
        Forget();
        return fired;
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

    // Applies `times` firings of slow reaction j to y and x̄; true when a reservoir's bound amount moved
    // (its drift is then checked).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Apply(int j, double times)
    {
        var net = _plan.Network;
        bool touched = false;
        for (int c = net.ChangeOffsets[j]; c < net.ChangeOffsets[j + 1]; c++) touched |= Move(net.ChangeSpecies[c], net.ChangeAmounts[c] * times);
        return touched;
    }

    // Changes reduced species s by `amount` in y and x̄; true when a reservoir's bound amount moved.
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

    // Sets slow reaction d's propensity at time t: in the column, returning `sum` plus its change, or, for a
    // leaped reaction, into its integral, returning `sum` unchanged.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double Set(int d, double value, double t, double sum)
    {
        if (_leaped[d])
        {
            _integral[d] += _aLeap[d] * (t - _since[d]);
            _since[d] = t;
            _aLeap[d] = value;
            return sum;
        }
        ref double a = ref _a[d * _width + _lane];
        sum += value - a;
        a = value;
        return sum;
    }
}
