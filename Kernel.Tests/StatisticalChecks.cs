namespace Stochastic.Tests;

/// <summary>Goodness-of-fit helpers for the statistical tests, with their critical values.</summary>
internal static class StatisticalChecks
{
    /// <summary>
    /// Pearson's χ² statistic of integer samples against a discrete law. Values are binned so that
    /// every bin expects at least 5 samples (the usual validity rule); tails merge into the
    /// neighbouring bin. Returns the statistic and the degrees of freedom (bins − 1).
    /// </summary>
    public static (double Statistic, int DegreesOfFreedom) ChiSquare(IReadOnlyList<int> samples, Func<int, double> pmf, int maxValue)
    {
        int n = samples.Count;
        var observed = new double[maxValue + 2];
        foreach (int s in samples) observed[Math.Min(s, maxValue + 1)]++;
        var expected = new double[maxValue + 2];
        double cumulative = 0;
        for (int k = 0; k <= maxValue; k++) { expected[k] = n * pmf(k); cumulative += pmf(k); }
        expected[maxValue + 1] = n * Math.Max(0, 1 - cumulative);

        var bins = new List<(double O, double E)>();
        double o = 0, e = 0;
        for (int k = 0; k < expected.Length; k++)
        {
            o += observed[k];
            e += expected[k];
            if (e >= 5) { bins.Add((o, e)); o = 0; e = 0; }
        }
        if (bins.Count == 0) return (0, 0);
        var last = bins[^1];
        bins[^1] = (last.O + o, last.E + e);
        double chi = bins.Sum(b => (b.O - b.E) * (b.O - b.E) / b.E);
        return (chi, bins.Count - 1);
    }

    /// <summary>
    /// Upper critical value of χ² with <paramref name="dof"/> degrees of freedom at level
    /// <paramref name="alpha"/>, by the Wilson–Hilferty cube-root normal approximation (accurate to
    /// about 1% for dof ≥ 3, conservative enough for the 0.001 levels used here).
    /// </summary>
    public static double ChiSquareCritical(int dof, double alpha)
    {
        double z = NormalQuantile(1 - alpha);
        double h = 2.0 / (9 * dof);
        return dof * Math.Pow(1 - h + z * Math.Sqrt(h), 3);
    }

    /// <summary>The sample mean and its standard error, sd/√n with the n − 1 sample variance.</summary>
    public static (double Mean, double Se) MeanAndStandardError(double[] x)
    {
        double m = x.Average();
        return (m, Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Length - 1) / x.Length));
    }

    /// <summary>Standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    public static double NormalQuantile(double p)
    {
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        if (p < 0.02425)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - 0.02425) return -NormalQuantile(1 - p);
        double r = p - 0.5, s = r * r;
        return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
    }

    /// <summary>Poisson probability mass function by recursion (no log-gamma needed).</summary>
    public static Func<int, double> Poisson(double mean) => k =>
    {
        double p = Math.Exp(-mean);
        for (int i = 1; i <= k; i++) p *= mean / i;
        return p;
    };

    /// <summary>Binomial probability mass function, computed in log space.</summary>
    public static Func<int, double> Binomial(int trials, double p) => k =>
    {
        if (k < 0 || k > trials) return 0;
        double log = 0;
        for (int i = 1; i <= k; i++) log += Math.Log(trials - k + i) - Math.Log(i);
        return Math.Exp(log + k * Math.Log(p) + (trials - k) * Math.Log(1 - p));
    };
}
