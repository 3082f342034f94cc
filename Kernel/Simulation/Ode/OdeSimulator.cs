using Stochastic.Network;

namespace Stochastic.Simulation.Ode;

/// <summary>
/// Integrates a network's reaction rate equations and continuous variables (<see cref="RateEquations"/>)
/// with CVODE over a time grid, applying the model's events: the mean-field (deterministic) counterpart
/// of an SSA ensemble. The recorded outputs are the same as the stochastic methods' (observables, or
/// species amounts), as real numbers.
/// </summary>
/// <remarks>
/// Events: the integration stops exactly at every instant a time trigger can change (the thresholds
/// of <see cref="CompiledEvents"/>); other triggers (over species or continuous variables) are
/// evaluated after every internal step and a false-to-true change is located by bisection on CVODE's
/// interpolating polynomial to about 1e-12 relative in time. After the assignments the integrator
/// restarts from the new state (the solution is not smooth across an event). A trigger that turns
/// true and back to false within one internal step is missed.
/// </remarks>
internal sealed class OdeSimulator : IDisposable
{
    private readonly CompiledNetwork _network;
    private readonly RateEquations _equations;
    private readonly CvodeIntegrator _integrator;
    private readonly double[] _y;

    /// <summary>Creates the simulator.</summary>
    /// <exception cref="SimulationException">SUNDIALS CVODE is not installed.</exception>
    public OdeSimulator(CompiledNetwork network, OdeTolerances tolerances)
    {
        _network = network;
        _equations = new RateEquations(network, speciesVary: true);
        _integrator = new CvodeIntegrator(_equations, tolerances);
        _y = new double[_equations.Size];
    }

    /// <summary>Internal CVODE steps taken so far.</summary>
    public long Steps => _integrator.Steps;

    /// <summary>
    /// Integrates from the network's initial state over <paramref name="grid"/> and writes the outputs
    /// (row-major: point, then output) into <paramref name="outputs"/>.
    /// </summary>
    public void Run(TimeGrid grid, Span<double> outputs, CancellationToken cancellationToken = default) =>
        Run(grid, outputs, _network.InitialCounts, _network.Parameters, cancellationToken);

    /// <summary>
    /// Integrates from <paramref name="initialCounts"/> with <paramref name="parameters"/> (one population
    /// cell's) over <paramref name="grid"/> and writes the outputs (row-major: point, then output) into
    /// <paramref name="outputs"/>. Parameters act through functional rates and events, as in the exact engines.
    /// </summary>
    public void Run(TimeGrid grid, Span<double> outputs, ReadOnlySpan<double> initialCounts, ReadOnlySpan<double> parameters,
        CancellationToken cancellationToken = default)
    {
        int width = _network.OutputCount;
        var x = _equations.Species;
        var p = _equations.Parameters;
        initialCounts.CopyTo(x);
        parameters.CopyTo(p);
        double t = grid.Start;
        var tracker = _network.Events is { } events ? new EventTracker(events, wholeCounts: false) : null;
        tracker?.Start(x, p, t);
        var before = new bool[_network.Events?.Count ?? 0];
        _equations.Pack(_y);
        _integrator.Reset(t, _y);
        _network.Outputs(x, p, t, outputs[..width]);
        int k = 1;
        while (k < grid.Points)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double candidate = tracker?.NextTimeCandidate(t) ?? double.PositiveInfinity;
            double stop = Math.Min(grid.End, candidate);
            if (tracker is not null) Triggers(x, p, t, before);

            double reached;
            // A threshold one ulp ahead (time > c) is too close for CVODE to step to; the state does not change in between.
            if (stop - t <= 1e-13 * Math.Max(1, Math.Abs(stop))) reached = stop;
            else reached = tracker is null ? _integrator.Advance(grid[k], stop) : _integrator.Advance(stop, stop, oneStep: true);

            double end = reached;
            bool fire = reached >= candidate;
            if (tracker is not null && reached > t && StateTriggerTurnedOn(before, reached))
            {
                end = LocateTrigger(before, t, reached);
                fire = true;
            }

            // Grid points before the end of this stretch come from the step's interpolant; one at the end is recorded after the events.
            while (k < grid.Points && grid[k] < end)
            {
                Interpolate(grid[k], reached);
                _network.Outputs(x, p, grid[k], outputs.Slice(k * width, width));
                k++;
            }
            Interpolate(end, reached);
            t = end;
            if (fire && tracker!.Check(x, p, t))
            {
                _equations.Pack(_y);
                _integrator.Reset(t, _y);
            }
            else if (end < reached)
            {
                // The located trigger fired nothing (it raced another change): restart from the located instant.
                _equations.Pack(_y);
                _integrator.Reset(t, _y);
            }
            while (k < grid.Points && grid[k] <= t)
            {
                _network.Outputs(x, p, grid[k], outputs.Slice(k * width, width));
                k++;
            }
        }
    }

    // Sets the species and parameters to the solution at t (the integrator's own state at the step's end).
    private void Interpolate(double t, double reached)
    {
        if (t == reached || t == _integrator.Time) _equations.Unpack(_integrator.State);
        else
        {
            _integrator.Interpolate(t, _y);
            _equations.Unpack(_y);
        }
    }

    private void Triggers(double[] x, double[] p, double t, bool[] values)
    {
        var events = _network.Events!;
        for (int e = 0; e < values.Length; e++) values[e] = events.Trigger(e, x, p, t);
    }

    private bool StateTriggerTurnedOn(bool[] before, double t)
    {
        Interpolate(t, t);
        var events = _network.Events!;
        for (int e = 0; e < before.Length; e++)
            if (!before[e] && events.Trigger(e, _equations.Species, _equations.Parameters, t)) return true;
        return false;
    }

    // Bisection on the step's interpolant for the first instant a trigger turns on; returns a time at which it is on.
    private double LocateTrigger(bool[] before, double lo, double hi)
    {
        var events = _network.Events!;
        for (int i = 0; i < 200 && hi - lo > 1e-12 * Math.Max(1, Math.Abs(hi)); i++)
        {
            double mid = 0.5 * (lo + hi);
            _integrator.Interpolate(mid, _y);
            _equations.Unpack(_y);
            bool on = false;
            for (int e = 0; e < before.Length && !on; e++) on = !before[e] && events.Trigger(e, _equations.Species, _equations.Parameters, mid);
            if (on) hi = mid; else lo = mid;
        }
        return hi;
    }

    /// <inheritdoc />
    public void Dispose() => _integrator.Dispose();
}
