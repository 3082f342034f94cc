using Stochastic.Simulation;

namespace Stochastic.Validation;

/// <summary>Which DSMTS test a failure belongs to.</summary>
public enum DsmtsTest
{
    /// <summary>The mean test: Z = sqrt(n)(X̄ − μ)/σ in the mean range.</summary>
    Mean,
    /// <summary>The standard-deviation test: Y = sqrt(n/2)(S²/σ² − 1) in the sd range.</summary>
    StandardDeviation,
}

/// <summary>
/// One failed check: a statistic outside its range, or, where σ = 0, a sample that is not exactly
/// the analytic value (then <see cref="Statistic"/> is NaN).
/// </summary>
/// <param name="Time">The output time.</param>
/// <param name="Variable">The species.</param>
/// <param name="Test">Mean or standard-deviation test.</param>
/// <param name="Statistic">Z or Y; NaN where σ = 0.</param>
/// <param name="Sample">Sample mean or sample standard deviation.</param>
/// <param name="Expected">μ or σ.</param>
public readonly record struct DsmtsFailure(double Time, string Variable, DsmtsTest Test, double Statistic, double Sample, double Expected);

/// <summary>
/// The outcome of one DSMTS case: the sample mean and standard deviation of every checked species
/// at every output time, the DSMTS statistics Z_t = sqrt(n)(X̄_t − μ_t)/σ_t and
/// Y_t = sqrt(n/2)(S_t²/σ_t² − 1), and the failures. Where σ_t = 0 the sample mean must equal μ_t
/// and the sample standard deviation must be 0 exactly.
/// </summary>
public sealed class DsmtsCaseResult
{
    private readonly double[] _mean, _sd;
    private readonly List<DsmtsFailure> _failures = [];

    internal DsmtsCaseResult(DsmtsCase @case, string method, int runs, ulong seed, TimeSpan wall, SimulationCounters counters, double[] mean, double[] sd)
    {
        Case = @case;
        Method = method;
        Runs = runs;
        Seed = seed;
        Wall = wall;
        Counters = counters;
        _mean = mean;
        _sd = sd;
        int nv = @case.Variables.Count;
        var (zLow, zHigh) = @case.Settings.MeanRange;
        var (yLow, yHigh) = @case.Settings.SdRange;
        for (int p = 0; p < @case.Times.Count; p++)
        {
            for (int v = 0; v < nv; v++)
            {
                double mu = @case.ExpectedMean(p, v), sigma = @case.ExpectedStandardDeviation(p, v);
                double m = mean[p * nv + v], s = sd[p * nv + v];
                double t = @case.Times[p];
                string name = @case.Variables[v];
                if (sigma == 0)
                {
                    if (m != mu) _failures.Add(new DsmtsFailure(t, name, DsmtsTest.Mean, double.NaN, m, mu));
                    if (s != 0) _failures.Add(new DsmtsFailure(t, name, DsmtsTest.StandardDeviation, double.NaN, s, sigma));
                    continue;
                }
                double z = Z(m, mu, sigma, runs), y = Y(s, sigma, runs);
                // NaN statistics (a NaN sample) fail too.
                if (!(z > zLow && z < zHigh)) _failures.Add(new DsmtsFailure(t, name, DsmtsTest.Mean, z, m, mu));
                if (!(y > yLow && y < yHigh)) _failures.Add(new DsmtsFailure(t, name, DsmtsTest.StandardDeviation, y, s, sigma));
            }
        }
        MeanFailures = _failures.Count(f => f.Test == DsmtsTest.Mean);
        StandardDeviationFailures = _failures.Count - MeanFailures;
    }

    /// <summary>Z = sqrt(n)(X̄ − μ)/σ, the DSMTS mean statistic.</summary>
    public static double Z(double sampleMean, double mu, double sigma, int runs) => Math.Sqrt(runs) * (sampleMean - mu) / sigma;

    /// <summary>Y = sqrt(n/2)(S²/σ² − 1), the DSMTS standard-deviation statistic.</summary>
    public static double Y(double sampleSd, double sigma, int runs) => Math.Sqrt(runs / 2.0) * (sampleSd * sampleSd / (sigma * sigma) - 1);

    /// <summary>The case.</summary>
    public DsmtsCase Case { get; }
    /// <summary>The method's name.</summary>
    public string Method { get; }
    /// <summary>Runs n in the ensemble.</summary>
    public int Runs { get; }
    /// <summary>Master seed.</summary>
    public ulong Seed { get; }
    /// <summary>Wall-clock time of the ensemble.</summary>
    public TimeSpan Wall { get; }
    /// <summary>Work done (reaction firings, leaps).</summary>
    public SimulationCounters Counters { get; }
    /// <summary>Number of failed mean checks.</summary>
    public int MeanFailures { get; }
    /// <summary>Number of failed standard-deviation checks.</summary>
    public int StandardDeviationFailures { get; }
    /// <summary>Every failed check, in time order.</summary>
    public IReadOnlyList<DsmtsFailure> Failures => _failures;

    /// <summary>Sample mean of variable <paramref name="variable"/> at time index <paramref name="point"/>.</summary>
    public double Mean(int point, int variable) => _mean[point * Case.Variables.Count + variable];

    /// <summary>Sample standard deviation of variable <paramref name="variable"/> at time index <paramref name="point"/>.</summary>
    public double StandardDeviation(int point, int variable) => _sd[point * Case.Variables.Count + variable];

    /// <summary>
    /// The largest |X̄/μ − 1| and |S/σ − 1| over points where μ and σ are nonzero: the accuracy measure
    /// the DSMTS guide (section 4) suggests for approximate methods (values above 0.02 indicate poor accuracy).
    /// </summary>
    public (double Mean, double StandardDeviation) MaxRelativeDeviation()
    {
        double dm = 0, ds = 0;
        for (int p = 0; p < Case.Times.Count; p++)
            for (int v = 0; v < Case.Variables.Count; v++)
            {
                double mu = Case.ExpectedMean(p, v), sigma = Case.ExpectedStandardDeviation(p, v);
                if (mu != 0) dm = Math.Max(dm, Math.Abs(Mean(p, v) / mu - 1));
                if (sigma != 0) ds = Math.Max(ds, Math.Abs(StandardDeviation(p, v) / sigma - 1));
            }
        return (dm, ds);
    }
}
