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
/// <para>
/// Dense output: <see cref="Advance"/> keeps the samples (time, value, derivative) it takes, and
/// <see cref="ValueAt"/> gives the value at any time of the last window by cubic Hermite
/// interpolation between the two samples around it. Its error on a piece of length δ is at most
/// δ⁴/384 · max|y⁗|; the pieces are a fifth of an integrator step, whose own local error is held
/// below rtol·|y| + atol, so for the smooth solutions CVODE resolves it stays at or below the
/// integrator's error, well inside the range's margin.
/// </para>
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
    // Dense output of the last window: sample times, and per sample n values then n derivatives.
    private double[] _sampleTimes = new double[16];
    private double[] _samples = [];
    private int _sampleCount;

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
        _samples = new double[16 * 2 * Math.Max(1, _equations.Size)];
    }

    /// <summary>Start of the last window <see cref="Advance"/> integrated.</summary>
    public double WindowStart { get; private set; } = double.NaN;

    /// <summary>End of the last window <see cref="Advance"/> integrated.</summary>
    public double WindowEnd { get; private set; } = double.NaN;

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
        // The value and derivative at the start of the current piece.
        _y.AsSpan(0, n).CopyTo(_a);
        _equations.Derivatives(t0, _y, _da);
        _sampleCount = 0;
        Record(t0);
        WindowStart = t0;
        WindowEnd = t1;
        if (t1 - t0 <= ShortWindow * Math.Max(1, Math.Abs(t0)))
        {
            // Too short for CVODE to start (its first step would be below the resolution of t): one
            // Euler step, whose error O((t1 − t0)²·y'') is far below any tolerance at this length.
            double delta = t1 - t0;
            for (int i = 0; i < n; i++)
            {
                double y1 = _a[i] + _da[i] * delta;
                min[i] = Math.Min(_a[i], y1);
                max[i] = Math.Max(_a[i], y1);
                _a[i] = y1;
            }
            Record(t1);
            Widen(min, max, n, continuous, parameters);
            return;
        }
        _integrator.Reset(t0, _y);
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
                Record(tb);
            }
        }
        Widen(min, max, n, continuous, parameters);
    }

    /// <summary>Windows at most this long relative to max(1, |t0|) take one Euler step instead of CVODE.</summary>
    private const double ShortWindow = 1e-11;

    // Widens the range by the margin and writes the values at the window's end (_a) into the parameters.
    private void Widen(Span<double> min, Span<double> max, int n, int[] continuous, double[] parameters)
    {
        for (int i = 0; i < n; i++)
        {
            double margin = RangeMargin * (_integrator.Tolerances.Relative * Math.Max(Math.Abs(min[i]), Math.Abs(max[i])) + _integrator.Tolerances.Absolute);
            min[i] -= margin;
            max[i] += margin;
            parameters[continuous[i]] = _a[i];
        }
    }

    // Keeps the sample at t: the value _a and derivative _da (the start of the next piece).
    private void Record(double t)
    {
        int n = _network.ContinuousParameters.Length;
        if (_sampleCount == _sampleTimes.Length)
        {
            Array.Resize(ref _sampleTimes, 2 * _sampleTimes.Length);
            Array.Resize(ref _samples, 2 * _samples.Length);
        }
        _sampleTimes[_sampleCount] = t;
        int at = _sampleCount * 2 * n;
        _a.AsSpan(0, n).CopyTo(_samples.AsSpan(at, n));
        _da.AsSpan(0, n).CopyTo(_samples.AsSpan(at + n, n));
        _sampleCount++;
    }

    /// <summary>
    /// Writes into <paramref name="parameters"/> the continuous variables' values at <paramref name="t"/>
    /// within the last window (dense output, see the remarks); other entries are left alone.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> lies outside the last window.</exception>
    public void ValueAt(double t, double[] parameters)
    {
        if (!(t >= WindowStart && t <= WindowEnd))
            throw new ArgumentOutOfRangeException(nameof(t), $"t = {t} lies outside the window [{WindowStart}, {WindowEnd}] last integrated");
        var continuous = _network.ContinuousParameters;
        int n = continuous.Length;
        // The piece [t_k, t_k+1] that holds t.
        int k = Array.BinarySearch(_sampleTimes, 0, _sampleCount, t);
        if (k >= 0)
        {
            for (int i = 0; i < n; i++) parameters[continuous[i]] = _samples[k * 2 * n + i];
            return;
        }
        k = Math.Clamp(~k - 1, 0, _sampleCount - 2);
        double ta = _sampleTimes[k], h = _sampleTimes[k + 1] - ta;
        double s = (t - ta) / h, s2 = s * s, s3 = s2 * s;
        double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
        int a = k * 2 * n, b = (k + 1) * 2 * n;
        for (int i = 0; i < n; i++)
            parameters[continuous[i]] = h00 * _samples[a + i] + h10 * h * _samples[a + n + i] + h01 * _samples[b + i] + h11 * h * _samples[b + n + i];
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
