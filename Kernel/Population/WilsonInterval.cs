namespace Stochastic.Population;

/// <summary>
/// Wilson score interval for a binomial proportion (Wilson 1927, JASA 22:209): good coverage
/// even for proportions near 0 or 1 and small counts, unlike the normal (Wald) interval.
/// </summary>
internal static class WilsonInterval
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The interval for <paramref name="successes"/> out of <paramref name="trials"/>; (0, 1) when there are no trials.</summary>
    public static (double Low, double High) Compute(int successes, int trials, double z = Z95)
    {
        if (trials <= 0) return (0, 1);
        double n = trials, p = successes / n, z2 = z * z;
        double center = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        // At 0 (or n) successes the bound is exactly 0 (or 1); the formula leaves a rounding residue there.
        return (successes <= 0 ? 0 : Math.Max(0, center - half), successes >= trials ? 1 : Math.Min(1, center + half));
    }

    /// <summary>
    /// The interval for a (weighted) proportion <paramref name="p"/> at an effective sample size
    /// <paramref name="n"/> (Kish's (Σw)²/Σw²; a whole number of trials gives <see cref="Compute(int, int, double)"/>).
    /// </summary>
    public static (double Low, double High) Compute(double p, double n, double z = Z95)
    {
        if (!(n > 0)) return (0, 1);
        double z2 = z * z;
        double center = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(Math.Max(0, p * (1 - p)) / n + z2 / (4 * n * n));
        return (p <= 0 ? 0 : Math.Max(0, center - half), p >= 1 ? 1 : Math.Min(1, center + half));
    }
}
