using System.Runtime.CompilerServices;
using Stochastic.Expressions;
using Stochastic.Network;
using Stochastic.Random;
using Stochastic.Simulation.Ode;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The state of one exact trajectory and the algorithm that advances it. A simulator is reused
/// for many runs (<see cref="Reset"/>); it is not thread-safe.
/// </summary>
/// <remarks>
/// The contract every algorithm keeps: <see cref="Advance"/> fires, in order, every reaction whose
/// firing time is at or before the horizon, and leaves the next firing pending, so that the state
/// after <c>Advance(t)</c> is the state at time t. After the caller changes <see cref="State"/> or
/// <see cref="Parameters"/> (an event), it calls <see cref="Restart"/>, which recomputes every
/// propensity and discards the pending firing (valid by the memorylessness of the exponential).
/// Algorithms read propensities through <see cref="CompiledNetwork.Propensity"/>, which throws a
/// <see cref="SimulationException"/> for a computed rate that is negative or not finite, so they
/// need no checks of their own.
/// <para>
/// Time dependence is exact. The run is cut into windows that end at every breakpoint of the rate
/// laws (<see cref="CompiledNetwork.NextBreakpoint"/>: where a <c>piecewise</c> or <c>if</c> on time
/// switches branch) and, when some rate changes smoothly with time, after a length chosen for tight
/// bounds (<see cref="WindowEnd"/>). <see cref="Advance"/> stops the clock at each window's end and
/// restarts there, so no firing is ever drawn across a breakpoint with the old propensities. Within a
/// window a smoothly time-dependent reaction is drawn at an upper bound of its propensity over the
/// rest of the window (<see cref="CompiledNetwork.DrawRate"/>) and a candidate at time s fires with
/// probability a(x, s)/bound, else nothing happens (thinning: Lewis &amp; Shedler 1979; Ogata 1981).
/// Networks without time dependence never leave the algorithm's own loop.
/// </para>
/// <para>
/// Continuous variables (SBML rate rules, <see cref="CompiledNetwork.HasRateRules"/>) are coupled the
/// same way. At each window's start they are integrated over the whole window with the counts fixed
/// (<see cref="ContinuousVariables.Advance"/>, SUNDIALS CVODE), which gives their range over it; every
/// reaction that reads one is thinned against the bound of its propensity over those ranges
/// (<see cref="ParameterRanges"/>), and a candidate at time s is accepted against its propensity with
/// the variables at their value at s (dense output). A firing that changes a species some rate rule
/// reads changes the variables' future, so the window ends there and a new one starts from the new
/// counts (a restart, exact by memorylessness); other firings leave the window's solution valid. At
/// every time <see cref="Advance"/> stops, <see cref="Parameters"/> holds the variables' values then.
/// A propensity found above its bound is not clipped: the run throws a <see cref="SimulationException"/>
/// (the bound holds with a margin of ten integrator tolerances, so this means the integration was
/// not resolved, and a law silently changed would be worse than an error).
/// </para>
/// </remarks>
public abstract class ExactSimulator
{
    /// <summary>Creates a simulator for <paramref name="network"/>.</summary>
    protected ExactSimulator(CompiledNetwork network)
    {
        Network = network;
        State = new double[network.SpeciesCount];
        Parameters = (double[])network.Parameters.Clone();
        _coupled = network.HasRateRules;
        _timed = network.Breakpoints.Length > 0 || network.SmoothTime || _coupled;
        if (_coupled)
        {
            ParameterRanges = new Interval[network.Parameters.Length];
            _min = new double[network.ContinuousParameters.Length];
            _max = new double[network.ContinuousParameters.Length];
            _scratch = new double[network.Parameters.Length];
            _readSpecies = ContinuousReadSpecies(network);
            _restarting = [.. Enumerable.Range(0, network.ReactionCount).Where(r =>
                network.ChangeSpecies.AsSpan(network.ChangeOffsets[r], network.ChangeOffsets[r + 1] - network.ChangeOffsets[r]).ToArray().Any(_readSpecies.Contains))];
            _readCounts = new double[_readSpecies.Length];
        }
    }

    // Continuous variables (rate rules): their integrator (made on first use: it needs CVODE), the
    // range buffers, and the species their derivatives read that some reaction changes, with the
    // counts those had when the current window started.
    private readonly bool _coupled;
    private ContinuousVariables? _continuous;
    private readonly double[] _min = [], _max = [], _scratch = [], _readCounts = [];
    private readonly int[] _readSpecies = [];
    // Reactions that change a read species (their firings end the window), and how many mean waiting
    // times for such a firing a window may last.
    private readonly int[] _restarting = [];
    private const double RestartWaits = 3;
    // The last horizon Advance was given (see ChooseCoupledWindowEnd).
    private double _horizon = double.NaN;

    /// <summary>
    /// With continuous variables (rate rules): the range of every parameter over the current window
    /// (a point for the others), for <see cref="CompiledNetwork.DrawRate"/> and
    /// <see cref="CompiledNetwork.PropensityBound"/>; null for networks without rate rules.
    /// </summary>
    private protected Interval[]? ParameterRanges { get; }

    // Species read by some rate rule's derivative and changed by some reaction: a firing that changes one ends the window.
    private static int[] ContinuousReadSpecies(CompiledNetwork network)
    {
        var changed = new HashSet<int>(network.ChangeSpecies);
        var read = new SortedSet<int>();
        foreach (var derivative in network.ContinuousDerivativeExpressions)
            foreach (var symbol in ExpressionEvaluator.Symbols(derivative))
                if (symbol.Kind == SymbolKind.Species && changed.Contains(symbol.Index)) read.Add(symbol.Index);
        return [.. read];
    }

    // Whether the network has breakpoints or smooth time dependence: only then are runs cut into windows.
    private readonly bool _timed;

    // The length of the next thinning window, adapted run by run (see ChooseWindowEnd).
    private double _windowLength;

    /// <summary>Thinning windows start at this length (in time units) in every run, then adapt.</summary>
    public const double InitialWindowLength = 1;

    /// <summary>
    /// The end of the current window (+∞ for networks without time dependence): the next breakpoint
    /// of the rate laws, or sooner when some rate changes smoothly with time. Bounds of smoothly
    /// time-dependent propensities hold until this time; <see cref="Advance"/> restarts here.
    /// </summary>
    protected double WindowEnd { get; private set; } = double.PositiveInfinity;

    /// <summary>Candidates of smoothly time-dependent reactions rejected by thinning since the last reset (not counted in <see cref="Events"/>).</summary>
    public long ThinningRejections { get; protected set; }

    /// <summary>The network simulated.</summary>
    public CompiledNetwork Network { get; }

    /// <summary>Species counts now (exact integers held as doubles).</summary>
    public double[] State { get; }

    /// <summary>Parameter values of this run (events may change them).</summary>
    public double[] Parameters { get; }

    /// <summary>Time of the last firing (or candidate rejected by thinning), restart or reset.</summary>
    public double Time { get; protected set; }

    /// <summary>Reactions fired since the last <see cref="Reset"/>.</summary>
    public long Events { get; protected set; }

    /// <summary>This run's random stream.</summary>
    protected Xoshiro256StarStar Random;

    /// <summary>
    /// Starts a new run: initial counts (the network's unless given), time, and random stream
    /// <paramref name="streamIndex"/> of <paramref name="seed"/>.
    /// </summary>
    public void Reset(ulong seed, ulong streamIndex, ReadOnlySpan<double> initialCounts = default, double startTime = 0)
    {
        (initialCounts.IsEmpty ? Network.InitialCounts : initialCounts).CopyTo(State);
        Network.Parameters.CopyTo(Parameters, 0);
        Random = new Xoshiro256StarStar(seed, streamIndex);
        Events = 0;
        ThinningRejections = 0;
        _windowLength = InitialWindowLength;
        _horizon = double.NaN;
        OnNewRun();
        Restart(startTime);
    }

    /// <summary>Called by <see cref="Reset"/> and <see cref="Resume"/> before <see cref="Restart"/>: drops whatever the previous run left pending beyond the state.</summary>
    protected virtual void OnNewRun() { }

    /// <summary>
    /// Where this run's random stream stands. With <see cref="State"/> and <see cref="Parameters"/> it is
    /// all a paused run needs: <see cref="Resume"/> continues it later, on this or another simulator of
    /// the same network, without keeping a simulator per run.
    /// </summary>
    public Xoshiro256StarStar RandomStream => Random;

    /// <summary>
    /// Continues a paused run at <paramref name="time"/>: counts, parameters (possibly changed since the
    /// pause) and random stream as given, <see cref="Events"/> back to 0, then <see cref="Restart"/>
    /// (valid by the memorylessness of the exponential, as for any event).
    /// </summary>
    public void Resume(ReadOnlySpan<double> counts, ReadOnlySpan<double> parameters, Xoshiro256StarStar random, double time)
    {
        counts.CopyTo(State);
        parameters.CopyTo(Parameters);
        Random = random;
        Events = 0;
        ThinningRejections = 0;
        _windowLength = InitialWindowLength;
        _horizon = double.NaN;
        OnNewRun();
        Restart(time);
    }

    /// <summary>Recomputes every propensity from <see cref="State"/> at <paramref name="time"/> and discards any pending firing.</summary>
    /// <remarks>Also starts a new window (<see cref="WindowEnd"/>) at <paramref name="time"/>.</remarks>
    public void Restart(double time)
    {
        if (_timed) WindowEnd = _coupled ? ChooseCoupledWindowEnd(time) : ChooseWindowEnd(time);
        RestartCore(time);
    }

    /// <summary>The algorithm's part of <see cref="Restart"/>: rates over the window now ending at <see cref="WindowEnd"/>.</summary>
    protected abstract void RestartCore(double time);

    /// <summary>
    /// Fires reactions in time order while the next firing time is at or before
    /// <paramref name="horizon"/>, at most <paramref name="maxEvents"/> of them.
    /// </summary>
    /// <remarks><paramref name="horizon"/> may be +∞: the run then goes on until nothing can fire
    /// (not allowed when a rate changes smoothly with time: the run could not end).</remarks>
    /// <returns>The number of reactions fired.</returns>
    /// <exception cref="SimulationException">A rate cannot be bounded, or the horizon is +∞ with a rate that changes smoothly with time.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled (<see cref="RunGuard"/>).</exception>
    public long Advance(double horizon, long maxEvents = long.MaxValue)
    {
        // The algorithms' loops run in slices of RunGuard.CheckEvery firings with a look at the limits
        // between them (cancellation, firing budget, counts past 2^53). A slice that stops on its count
        // keeps the pending firing, so slicing changes no trajectory.
        long fired = 0;
        while (true)
        {
            long slice = Math.Min(maxEvents - fired, _untilCheck);
            long n = AdvanceUnsliced(horizon, slice);
            fired += n;
            _untilCheck -= n;
            if (_untilCheck <= 0)
            {
                _untilCheck = RunGuard.CheckEvery;
                RunGuard.Check(Events, State, Time, Network.SpeciesNames);
            }
            if (n < slice || fired >= maxEvents) return fired;
        }
    }

    // Firings left before the next look at the run's limits.
    private long _untilCheck = RunGuard.CheckEvery;

    private long AdvanceUnsliced(double horizon, long maxEvents)
    {
        if (!_timed) return AdvanceCore(horizon, maxEvents);
        if (_coupled) return AdvanceCoupled(horizon, maxEvents);
        return AdvanceByWindows(horizon, maxEvents);
    }

    // AdvanceByWindows with continuous variables: a firing that changes a species a rate rule reads ends
    // the window (runs then go one firing at a time to see it); Parameters hold the variables' values at
    // the time the call stops (the horizon, or the last firing when maxEvents stopped it).
    private long AdvanceCoupled(double horizon, long maxEvents)
    {
        if (double.IsPositiveInfinity(horizon))
            throw new SimulationException("a run without a finite end time cannot be simulated when the model has continuous variables (rate rules)");
        _horizon = horizon;
        long fired = 0;
        bool stepwise = _readSpecies.Length > 0 && RestartsOnReadSpecies;
        while (true)
        {
            double stop = Math.Min(horizon, WindowEnd);
            if (!stepwise) fired += AdvanceCore(stop, maxEvents - fired);
            else
            {
                while (fired < maxEvents && AdvanceCore(stop, 1) == 1)
                {
                    fired++;
                    if (!ReadSpeciesChanged()) continue;
                    // The rate rules' solution from here on depends on the new counts: a new window at the firing.
                    SetContinuousAt(Time);
                    Restart(Time);
                    stop = Math.Min(horizon, WindowEnd);
                }
            }
            if (fired >= maxEvents) { SetContinuousAt(Time); return fired; }
            if (stop >= horizon) { SetContinuousAt(horizon); return fired; }
            SetContinuousAt(stop);
            Restart(stop);
        }
    }

    /// <summary>
    /// Tolerances of the integrator of the continuous variables (rate rules); read when the first
    /// window is integrated, so set it before the first <see cref="Reset"/>. Default: <see cref="OdeTolerances.Default"/>.
    /// </summary>
    internal OdeTolerances ContinuousTolerances { get; set; } = OdeTolerances.Default;

    /// <summary>
    /// Whether a firing that changes a species some rate rule reads ends the window (true: exact). Only
    /// tests turn it off, to show that their criteria see the error of keeping the stale solution.
    /// </summary>
    internal bool RestartsOnReadSpecies { get; set; } = true;

    private bool ReadSpeciesChanged()
    {
        var read = _readSpecies;
        for (int i = 0; i < read.Length; i++)
            if (State[read[i]] != _readCounts[i]) return true;
        return false;
    }

    // Writes the continuous variables' values at t (within the current window) into Parameters.
    private void SetContinuousAt(double t)
    {
        if (_continuous is { } c && t >= c.WindowStart && t <= c.WindowEnd) c.ValueAt(t, Parameters);
    }

    // Stops at every window's end (a breakpoint or the end of the bounds) and restarts there: exact by memorylessness.
    private long AdvanceByWindows(double horizon, long maxEvents)
    {
        if (double.IsPositiveInfinity(horizon) && Network.SmoothTime)
            throw new SimulationException("a run without a finite end time cannot be simulated when a rate changes smoothly with time");
        long fired = 0;
        while (true)
        {
            double stop = Math.Min(horizon, WindowEnd);
            fired += AdvanceCore(stop, maxEvents - fired);
            if (fired >= maxEvents || stop >= horizon) return fired;
            Restart(stop);
        }
    }

    /// <summary>
    /// The algorithm's part of <see cref="Advance"/>: fires in time order up to <paramref name="horizon"/>,
    /// which never lies beyond <see cref="WindowEnd"/>.
    /// </summary>
    protected abstract long AdvanceCore(double horizon, long maxEvents);

    /// <summary>The time of the pending firing (+∞ when nothing can fire), drawing it if needed.</summary>
    /// <remarks>With time-dependent rates this is a candidate: it may lie beyond the window's end (then
    /// it is discarded at the restart there) or be rejected by thinning.</remarks>
    public abstract double NextFiringTime();

    // A window whose excess of bound over propensity costs at most about one rejection, or whose bound
    // is at most twice the propensity, is tight enough: each window costs a restart, each rejection a
    // draw, and these keep both few. The length halves until a window is tight enough and doubles
    // after a window that is very tight; the choice affects speed, never the law of the run.
    private const int MaxHalvings = 64;

    /// <summary>The end of the window starting at <paramref name="time"/>: the next breakpoint, or sooner (see remarks of the class).</summary>
    private double ChooseWindowEnd(double time)
    {
        var net = Network;
        double breakpoint = net.NextBreakpoint(Parameters, time);
        if (!net.SmoothTime) return breakpoint;
        var smooth = net.SmoothTimeReactions;
        double now = 0;
        foreach (int j in smooth) now += net.Propensity(j, State, Parameters, time);
        for (int halvings = 0; ; halvings++)
        {
            double end = Math.Min(breakpoint, Math.Max(time + _windowLength, Math.BitIncrement(time)));
            double bound = 0;
            foreach (int j in smooth) bound += net.PropensityBound(j, State, Parameters, time, end, out _);
            double excess = (bound - now) * (end - time);
            if (bound <= 2 * now || excess <= 1 || halvings >= MaxHalvings || end == Math.BitIncrement(time))
            {
                if ((bound <= 1.25 * now || excess <= 0.25) && end == time + _windowLength && _windowLength < 1e300) _windowLength *= 2;
                return end;
            }
            _windowLength = Math.Min(_windowLength, end - time) / 2;
        }
    }

    /// <summary>
    /// The end of the window starting at <paramref name="time"/> for a network with continuous variables:
    /// as <see cref="ChooseWindowEnd"/>, but each trial length integrates the variables over the window
    /// (with the counts fixed) to get their ranges, against which the thinned propensities are bounded.
    /// When firings that change a species a rate rule reads end windows, a window also ends at the
    /// horizon Advance was last given (an output time, typically) and after a few mean waiting times
    /// for such a firing (<see cref="RestartWaits"/>): integrating past the firing that will end it is
    /// wasted. Otherwise a window may span output times (fewer integrations; at most one window runs
    /// past the run's end). Leaves <see cref="ParameterRanges"/> and
    /// the dense output set for the window chosen; <see cref="Parameters"/> keep their values at <paramref name="time"/>.
    /// </summary>
    private double ChooseCoupledWindowEnd(double time)
    {
        var net = Network;
        _continuous ??= new ContinuousVariables(net, ContinuousTolerances);
        double breakpoint = net.NextBreakpoint(Parameters, time);
        double limit = breakpoint;
        if (_readSpecies.Length > 0 && RestartsOnReadSpecies)
        {
            // A firing that changes a read species will end the window: integrating far past the expected
            // next one is wasted. Up to the horizon, and to a few mean waiting times for such a firing.
            if (_horizon > time) limit = Math.Min(limit, _horizon);
            double rate = 0;
            foreach (int j in _restarting) rate += net.Propensity(j, State, Parameters, time);
            if (rate > 0) limit = Math.Min(limit, time + RestartWaits / rate);
        }
        var smooth = net.SmoothTimeReactions;
        double now = 0;
        foreach (int j in smooth) now += net.Propensity(j, State, Parameters, time);
        for (int i = 0; i < _readSpecies.Length; i++) _readCounts[i] = State[_readSpecies[i]];
        var ranges = ParameterRanges!;
        var continuous = net.ContinuousParameters;
        for (int halvings = 0; ; halvings++)
        {
            double end = Math.Min(limit, Math.Max(time + _windowLength, Math.BitIncrement(time)));
            Parameters.CopyTo(_scratch, 0);
            _continuous.Advance(State, _scratch, time, end, _min, _max);
            for (int p = 0; p < ranges.Length; p++) ranges[p] = Interval.Point(Parameters[p]);
            for (int i = 0; i < continuous.Length; i++) ranges[continuous[i]] = new Interval(_min[i], _max[i]);
            double bound = 0;
            foreach (int j in smooth) bound += net.PropensityBound(j, State, Parameters, time, end, out _, ranges);
            double excess = (bound - now) * (end - time);
            if (bound <= 2 * now || excess <= 1 || halvings >= MaxHalvings || end == Math.BitIncrement(time))
            {
                if ((bound <= 1.25 * now || excess <= 0.25) && end == time + _windowLength && _windowLength < 1e300) _windowLength *= 2;
                return end;
            }
            _windowLength = Math.Min(_windowLength, end - time) / 2;
        }
    }

    /// <summary>
    /// Thinning: whether a candidate of smoothly time-dependent reaction <paramref name="r"/> at time
    /// <paramref name="t"/>, drawn at rate <paramref name="bound"/>, fires (probability a(x, t)/bound).
    /// Counts a rejection in <see cref="ThinningRejections"/>.
    /// </summary>
    /// <exception cref="SimulationException">The propensity exceeds its bound (the bound is wrong).</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    protected bool Accept(ref Xoshiro256StarStar random, int r, double bound, double t)
    {
        if (random.NextDouble() * bound < BoundedPropensity(r, bound, t)) return true;
        ThinningRejections++;
        return false;
    }

    /// <summary>The propensity of reaction <paramref name="r"/> at <paramref name="t"/>, checked against its bound.</summary>
    /// <exception cref="SimulationException">The propensity exceeds <paramref name="bound"/> (the bound is wrong).</exception>
    protected double BoundedPropensity(int r, double bound, double t)
    {
        // With continuous variables the propensity reads them at t (the window's dense output). Above its
        // bound it is never clipped (that would change the law): the run throws, see the class remarks.
        if (_coupled) SetContinuousAt(t);
        double a = Network.Propensity(r, State, Parameters, t);
        if (a > bound)
            throw new SimulationException(_coupled
                ? $"propensity {a} of reaction '{Network.ReactionNames[r]}' at t = {t} exceeds its bound {bound} over the window ending at {WindowEnd}: the continuous variables (rate rules) left the range their integration gave; tighter tolerances (--rtol, --atol) may help"
                : $"propensity {a} of reaction '{Network.ReactionNames[r]}' at t = {t} exceeds its bound {bound} over the window ending at {WindowEnd}");
        return a;
    }
}
