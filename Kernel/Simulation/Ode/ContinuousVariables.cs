using Stochastic.Network;

namespace Stochastic.Simulation.Ode;

/// <summary>
/// The deterministic half of a stochastic simulation with continuous variables (SBML rate rules):
/// between two reaction firings the species counts are fixed, so the continuous variables follow an
/// ODE alone. <see cref="Advance"/> integrates them over one window [t0, t1] and returns, besides their
/// values at t1, the range each took over the window, which is what a thinning method needs to bound
/// the propensities that read them over that window.
/// </summary>
/// <remarks>
/// The range: each internal step is cut into <see cref="SamplesPerStep"/> + 1 pieces at which CVODE's
/// interpolating polynomial gives the value y and the derivative y'. On a piece of length δ with end
/// values y_a, y_b and end derivatives y'_a, y'_b, the maximum is bounded by
/// min(y_a + max(y'_a, 0)·δ/2, y_b + max(−y'_b, 0)·δ/2) (the minimum likewise): exact when the
/// solution is a quadratic on the piece, and a slight overestimate for a smooth solution on a piece
/// much shorter than its curvature scale, so an extremum between the samples is caught. The bounds are
/// then widened on each side by <see cref="RangeMargin"/> × (rtol·max|y| + atol) for the integrator's
/// own error (CVODE keeps each step's local error estimate below rtol·|y| + atol; the global error of a
/// stable problem stays within a small multiple of it). A safety margin for a bound, not a proof: a
/// thinning method that meets a propensity above its bound must say so (and shrink the window) rather
/// than clip it. One instance per thread; it owns native memory and must be disposed.
/// </remarks>
internal sealed class ContinuousVariables : IDisposable
{
    /// <summary>Interior points of each internal step at which the interpolant is sampled for the range.</summary>
    public const int SamplesPerStep = 4;

    /// <summary>Multiple of the integrator's error tolerance added to each side of the range.</summary>
    public const double RangeMargin = 10;

    private readonly CompiledNetwork _network;
    private readonly RateEquations _equations;
    private readonly CvodeIntegrator _integrator;
    private readonly double[] _y;
    private double[] _a, _b, _da, _db;

    /// <summary>Creates the integrator of <paramref name="network"/>'s continuous variables.</summary>
    /// <exception cref="ArgumentException">The network has no rate rules.</exception>
    /// <exception cref="SimulationException">SUNDIALS CVODE is not installed.</exception>
    public ContinuousVariables(CompiledNetwork network, OdeTolerances? tolerances = null)
    {
        if (!network.HasRateRules) throw new ArgumentException($"model '{network.ModelName}' has no continuous variables", nameof(network));
        _network = network;
        _equations = new RateEquations(network, speciesVary: false);
        _integrator = new CvodeIntegrator(_equations, tolerances ?? OdeTolerances.Default);
        _y = new double[_equations.Size];
        _a = new double[_equations.Size];
        _b = new double[_equations.Size];
        _da = new double[_equations.Size];
        _db = new double[_equations.Size];
    }

    /// <summary>The continuous variables, by model parameter index (the order of the range arrays).</summary>
    public ReadOnlySpan<int> Parameters => _network.ContinuousParameters;

    /// <summary>
    /// Advances the continuous variables from <paramref name="t0"/> to <paramref name="t1"/> with the
    /// species held at <paramref name="counts"/>.
    /// </summary>
    /// <param name="counts">Species counts, fixed over the window.</param>
    /// <param name="parameters">Parameter values at t0; the continuous ones are overwritten with their values at t1.</param>
    /// <param name="t0">Start of the window.</param>
    /// <param name="t1">End of the window (after <paramref name="t0"/>).</param>
    /// <param name="min">Per continuous variable (order of <see cref="Parameters"/>): a lower bound over [t0, t1].</param>
    /// <param name="max">Per continuous variable: an upper bound over [t0, t1].</param>
    /// <exception cref="SimulationException">The integration failed.</exception>
    public void Advance(double[] counts, double[] parameters, double t0, double t1, Span<double> min, Span<double> max)
    {
        if (!(t1 > t0)) throw new ArgumentOutOfRangeException(nameof(t1), $"the window [{t0}, {t1}] is empty");
        var continuous = _network.ContinuousParameters;
        int n = continuous.Length;
        counts.AsSpan().CopyTo(_equations.Species);
        parameters.AsSpan().CopyTo(_equations.Parameters);
        _equations.Pack(_y);
        for (int i = 0; i < n; i++) min[i] = max[i] = _y[i];
        _integrator.Reset(t0, _y);
        // The value and derivative at the start of the current piece.
        _y.AsSpan(0, n).CopyTo(_a);
        _equations.Derivatives(t0, _y, _da);
        double t = t0;
        while (t < t1)
        {
            double previous = t;
            t = _integrator.Advance(t1, t1, oneStep: true);
            double ta = previous;
            for (int s = 1; s <= SamplesPerStep + 1; s++)
            {
                double tb = s == SamplesPerStep + 1 ? t : previous + (t - previous) * s / (SamplesPerStep + 1);
                if (s == SamplesPerStep + 1) _integrator.State.CopyTo(_b);
                else _integrator.Interpolate(tb, _b);
                _integrator.InterpolateDerivative(tb, _db);
                Bound(tb - ta, min, max, n);
                (_a, _b) = (_b, _a);
                (_da, _db) = (_db, _da);
                ta = tb;
            }
        }
        for (int i = 0; i < n; i++)
        {
            double margin = RangeMargin * (_integrator.Tolerances.Relative * Math.Max(Math.Abs(min[i]), Math.Abs(max[i])) + _integrator.Tolerances.Absolute);
            min[i] -= margin;
            max[i] += margin;
            parameters[continuous[i]] = _a[i];
        }
    }

    // Widens [min, max] by the bound of one piece from its end values (_a, _b) and derivatives (_da, _db).
    private void Bound(double delta, Span<double> min, Span<double> max, int n)
    {
        double half = 0.5 * delta;
        for (int i = 0; i < n; i++)
        {
            double ya = _a[i], yb = _b[i], da = _da[i], db = _db[i];
            double upper = Math.Min(ya + Math.Max(da, 0) * half, yb + Math.Max(-db, 0) * half);
            double lower = Math.Max(ya - Math.Max(-da, 0) * half, yb - Math.Max(db, 0) * half);
            max[i] = Math.Max(max[i], Math.Max(upper, Math.Max(ya, yb)));
            min[i] = Math.Min(min[i], Math.Min(lower, Math.Min(ya, yb)));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _integrator.Dispose();
}
