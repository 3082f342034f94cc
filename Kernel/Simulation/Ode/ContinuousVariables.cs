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
/// The range is the minimum and maximum of the solution at every internal step and at
/// <see cref="SamplesPerStep"/> interior points of each step on CVODE's interpolating polynomial,
/// widened on each side by <see cref="RangeMargin"/> × (rtol·max|y| + atol). The margin covers the
/// integrator's error (CVODE keeps each step's local error estimate below rtol·|y| + atol; the global
/// error of a stable problem stays within a small multiple of it) and an extremum of the polynomial
/// falling between the samples of a step. It is a safety margin for a bound, not a proof: a thinning
/// method that finds a propensity above its bound must say so (and shrink the window) rather than
/// clip it. One instance per thread; it owns native memory and must be disposed.
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
        double t = t0;
        while (t < t1)
        {
            double previous = t;
            t = _integrator.Advance(t1, t1, oneStep: true);
            for (int s = 1; s <= SamplesPerStep; s++)
            {
                double at = previous + (t - previous) * s / (SamplesPerStep + 1);
                _integrator.Interpolate(at, _y);
                Widen(_y, min, max, n);
            }
            var state = _integrator.State;
            state.CopyTo(_y);
            Widen(_y, min, max, n);
        }
        for (int i = 0; i < n; i++)
        {
            double margin = RangeMargin * (_integrator.Tolerances.Relative * Math.Max(Math.Abs(min[i]), Math.Abs(max[i])) + _integrator.Tolerances.Absolute);
            min[i] -= margin;
            max[i] += margin;
            parameters[continuous[i]] = _y[i];
        }
    }

    private static void Widen(ReadOnlySpan<double> y, Span<double> min, Span<double> max, int n)
    {
        for (int i = 0; i < n; i++)
        {
            min[i] = Math.Min(min[i], y[i]);
            max[i] = Math.Max(max[i], y[i]);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _integrator.Dispose();
}
