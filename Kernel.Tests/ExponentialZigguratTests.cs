using Stochastic.Random;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

/// <summary>
/// <see cref="ExponentialZiggurat"/> against the exact Exp(1) law: binned χ² with the tail beyond the base strip
/// (r ≈ 7.697, where the sampler switches to inversion) in a bin of its own, and the mean and variance. Fixed
/// seeds; the critical values are quantiles of the statistics' laws at 1 − 10⁻⁴.
/// </summary>
public class ExponentialZigguratTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    public void Draws_FollowTheExponentialLaw(ulong seed)
    {
        // 100 bins of probability 1/100 each (edges −ln(1 − k/100)); the last, [ln 100, ∞), split at r into the
        // part the layers cover and the tail (probability e^−r ≈ 4.5·10⁻⁴, 453 expected of 10⁶): 101 cells,
        // 100 degrees of freedom. Critical value 161.3 = χ²₁₀₀ quantile at 1 − 10⁻⁴ (its density integrated
        // numerically), so a correct sampler fails 1 seed in 10⁴. A layer of the wrong area (each holds 1/256 of the
        // mass) or a wrong wedge test moves the counts of the bins it covers by far more than their ±√(10⁴) noise.
        const int n = 1_000_000, bins = 100;
        const double r = 7.69711747013104972;
        var rng = new Xoshiro256StarStar(seed, 7);
        var counts = new long[bins + 1];
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double x = ExponentialZiggurat.Next(ref rng);
            Assert.True(x >= 0 && double.IsFinite(x));
            sum += x;
            sumSq += x * x;
            int b = (int)Math.Min(bins - 1, Math.Floor((1 - Math.Exp(-x)) * bins)); // the CDF 1 − e^−x, binned
            if (x >= r) b = bins;
            counts[b]++;
        }
        double chi2 = 0;
        for (int b = 0; b <= bins; b++)
        {
            double p = b < bins - 1 ? 1.0 / bins : b == bins - 1 ? 1.0 / bins - Math.Exp(-r) : Math.Exp(-r);
            double expected = n * p;
            chi2 += (counts[b] - expected) * (counts[b] - expected) / expected;
        }
        output.WriteLine($"chi2 = {chi2:F1}, tail {counts[bins]} (expected {n * Math.Exp(-r):F0})");
        Assert.True(chi2 < 161.3, $"chi2 = {chi2:F1}");

        // Mean 1 and variance 1: standard errors 1/√n and √(8/n) (fourth central moment 9); 5 SE fails with
        // probability < 10⁻⁶ each.
        double mean = sum / n, variance = (sumSq - n * mean * mean) / (n - 1);
        Assert.InRange(mean, 1 - 5 / Math.Sqrt(n), 1 + 5 / Math.Sqrt(n));
        Assert.InRange(variance, 1 - 5 * Math.Sqrt(8.0 / n), 1 + 5 * Math.Sqrt(8.0 / n));
    }

    [Fact]
    public void FarTail_FollowsTheExponentialLaw()
    {
        // Beyond r the sampler returns r + Exp(1) by inversion: P(X > r + 2 | X > r) = e^−2. Of 4·10⁶ draws about
        // 1,810 exceed r; the count beyond r + 2 given that is binomial(k, e^−2 ≈ 0.135): 5 standard errors.
        const int n = 4_000_000;
        const double r = 7.69711747013104972;
        var rng = new Xoshiro256StarStar(3, 0);
        long beyondR = 0, beyondR2 = 0;
        for (int i = 0; i < n; i++)
        {
            double x = ExponentialZiggurat.Next(ref rng);
            if (x >= r) beyondR++;
            if (x >= r + 2) beyondR2++;
        }
        double pTail = Math.Exp(-r);
        Assert.InRange(beyondR, n * pTail - 5 * Math.Sqrt(n * pTail), n * pTail + 5 * Math.Sqrt(n * pTail));
        double q = Math.Exp(-2);
        Assert.InRange(beyondR2, beyondR * q - 5 * Math.Sqrt(beyondR * q * (1 - q)), beyondR * q + 5 * Math.Sqrt(beyondR * q * (1 - q)));
    }
}
