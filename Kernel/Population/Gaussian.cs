namespace Stochastic.Population;

/// <summary>The standard normal distribution function Φ and its inverse (for the Gaussian copula of uniform parameters).</summary>
internal static class Gaussian
{
    /// <summary>ln √(2π).</summary>
    private const double LnSqrtTwoPi = 0.91893853320467274178;

    /// <summary>
    /// Φ(<paramref name="x"/>) by Marsaglia's Taylor series Φ(x) = ½ + φ(x)(x + x³/3 + x⁵/(3·5) + …)
    /// (Marsaglia 2004, J Stat Softw 11(4)); absolute error about 1e-15. Beyond |x| = 8.3 (Φ below
    /// 2⁻⁵³) it returns 0 or 1.
    /// </summary>
    public static double Cdf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < -8.3) return 0;
        if (x > 8.3) return 1;
        double q = x * x, s = x, t = 0, b = x, i = 1;
        while (s != t) s = (t = s) + (b *= q / (i += 2));
        return Math.Clamp(0.5 + s * Math.Exp(-0.5 * q - LnSqrtTwoPi), 0, 1);
    }

    /// <summary>
    /// Φ⁻¹(<paramref name="p"/>) by Acklam's rational approximation (relative error below 1.15e-9),
    /// central region for 0.02425 ≤ p ≤ 0.97575, tail form outside. p is clamped to [2⁻⁵⁴, 1 − 2⁻⁵³]
    /// so that a uniform draw of exactly 0 gives a finite score.
    /// </summary>
    public static double Quantile(double p)
    {
        const double Low = 0.02425, Tiny = 1.0 / (1UL << 54);
        p = Math.Clamp(p, Tiny, 1 - 2 * Tiny);  // 1 - 2⁻⁵⁴ would round to 1
        if (p < Low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            return (((((C0 * q + C1) * q + C2) * q + C3) * q + C4) * q + C5) / ((((D0 * q + D1) * q + D2) * q + D3) * q + 1);
        }
        if (p > 1 - Low)
        {
            double q = Math.Sqrt(-2 * Math.Log(1 - p));
            return -(((((C0 * q + C1) * q + C2) * q + C3) * q + C4) * q + C5) / ((((D0 * q + D1) * q + D2) * q + D3) * q + 1);
        }
        double r = p - 0.5, r2 = r * r;
        return (((((A0 * r2 + A1) * r2 + A2) * r2 + A3) * r2 + A4) * r2 + A5) * r
            / (((((B0 * r2 + B1) * r2 + B2) * r2 + B3) * r2 + B4) * r2 + 1);
    }

    private const double A0 = -3.969683028665376e+01, A1 = 2.209460984245205e+02, A2 = -2.759285104469687e+02,
        A3 = 1.383577518672690e+02, A4 = -3.066479806614716e+01, A5 = 2.506628277459239e+00;
    private const double B0 = -5.447609879822406e+01, B1 = 1.615858368580409e+02, B2 = -1.556989798598866e+02,
        B3 = 6.680131188771972e+01, B4 = -1.328068155288572e+01;
    private const double C0 = -7.784894002430293e-03, C1 = -3.223964580411365e-01, C2 = -2.400758277161838e+00,
        C3 = -2.549732539343734e+00, C4 = 4.374664141464968e+00, C5 = 2.938163982698783e+00;
    private const double D0 = 7.784695709041462e-03, D1 = 3.224671290700398e-01, D2 = 2.445134137142996e+00,
        D3 = 3.754408661907416e+00;
}
