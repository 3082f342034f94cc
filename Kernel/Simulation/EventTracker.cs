using Stochastic.Network;

namespace Stochastic.Simulation;

/// <summary>
/// The per-run state of a model's events: each trigger's last value and the instants at which a
/// trigger can change because time passes. One per simulator (not thread-safe).
/// </summary>
/// <remarks>
/// SBML semantics, as the DSMTS tests them: an event fires when its trigger goes from false to
/// true (so a state trigger such as <c>P2 &gt; 30</c> fires again each time it is re-crossed); the
/// assignments of every event firing at one instant are computed from the state before any of
/// them is applied; after firing, triggers are evaluated again at the same instant, so events
/// may cascade (bounded by <see cref="MaxCascade"/>).
/// </remarks>
internal sealed class EventTracker
{
    /// <summary>Rounds of event firing allowed at one instant before the model is declared to loop.</summary>
    public const int MaxCascade = 1000;

    private readonly CompiledEvents _events;
    private readonly bool[] _previous;
    private readonly bool[] _fire;
    private readonly double[] _scratch;
    private readonly List<double> _candidates = [];
    private int _nextCandidate;

    private readonly bool _wholeCounts;

    /// <summary>Creates the tracker for <paramref name="events"/>; <paramref name="wholeCounts"/> is false for the ODE method (species are real amounts).</summary>
    public EventTracker(CompiledEvents events, bool wholeCounts = true)
    {
        _events = events;
        _wholeCounts = wholeCounts;
        _previous = new bool[events.Count];
        _fire = new bool[events.Count];
        _scratch = new double[events.AssignmentCount];
    }

    /// <summary>The compiled events.</summary>
    public CompiledEvents Events => _events;

    /// <summary>
    /// Starts a run at <paramref name="time"/>: sets every trigger's previous value to its initial
    /// value, then fires the events whose triggers hold now.
    /// </summary>
    /// <returns>True when an event changed the state or parameters.</returns>
    public bool Start(double[] species, double[] parameters, double time)
    {
        for (int e = 0; e < _previous.Length; e++) _previous[e] = _events.InitialValue(e);
        bool changed = Check(species, parameters, time);
        if (!changed) RecomputeCandidates(species, parameters);
        return changed;
    }

    /// <summary>
    /// Evaluates every trigger at <paramref name="time"/> and fires those that went from false to
    /// true, repeating while firing turns further triggers on.
    /// </summary>
    /// <returns>True when an event changed the state or parameters (the caller then restarts its propensities).</returns>
    /// <exception cref="SimulationException">Events keep firing at one instant, or an assignment is invalid.</exception>
    public bool Check(double[] species, double[] parameters, double time)
    {
        bool changed = false;
        for (int round = 0; ; round++)
        {
            bool any = false;
            for (int e = 0; e < _previous.Length; e++)
            {
                bool now = _events.Trigger(e, species, parameters, time);
                _fire[e] = now && !_previous[e];
                any |= _fire[e];
                _previous[e] = now;
            }
            if (!any) break;
            if (round >= MaxCascade)
                throw new SimulationException($"events keep triggering each other at t = {time} (more than {MaxCascade} rounds); the model loops");
            _events.Apply(_fire, species, parameters, time, _scratch, _wholeCounts);
            changed = true;
        }
        if (changed) RecomputeCandidates(species, parameters);
        return changed;
    }

    /// <summary>The first instant after <paramref name="now"/> at which a trigger can change because time passes, or +∞.</summary>
    public double NextTimeCandidate(double now)
    {
        var c = _candidates;
        while (_nextCandidate < c.Count && c[_nextCandidate] <= now) _nextCandidate++;
        return _nextCandidate < c.Count ? c[_nextCandidate] : double.PositiveInfinity;
    }

    // Thresholds may read parameters, which events change: recomputed after every firing.
    private void RecomputeCandidates(double[] species, double[] parameters)
    {
        _candidates.Clear();
        _events.TimeCandidates(species, parameters, _candidates);
        _candidates.Sort();
        _nextCandidate = 0;
    }
}
