using Stochastic.Random;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The binomial sampler (waiting time below n·p = 10, BTRS above, p folded at ½) against the exact
/// law: χ² goodness of fit at α = 0.001 and mean and variance within 5 standard errors, fixed seeds.
/// </summary>
public class BinomialSamplerTests
{
    // Both regimes, their border (n·p = 9.9 and 10), p above ½, tiny p and large n.
    public static TheoryData<int, double> Cases() => new()
    {
        { 1, 0.3 }, { 7, 0.5 }, { 40, 0.01 }, { 450, 0.022 }, { 99, 0.1 }, { 100, 0.1 }, { 300, 0.0861 },
        { 450, 0.0861 }, { 2000, 0.35 }, { 50, 0.93 }, { 100000, 0.0004 }, { 1000000, 0.6 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Binomial_ChiSquareGoodnessOfFit(int n, double p)
    {
        const int samples = 40000;
        var random = new Xoshiro256StarStar(5, (ulong)(n * 7919 + (int)(p * 1e4)));
        var values = new List<int>(samples);
        double sum = 0, sumSq = 0;
        for (int i = 0; i < samples; i++)
        {
            double k = BinomialSampler.Sample(n, p, ref random);
            Assert.True(k >= 0 && k <= n && k == Math.Floor(k), $"{k} is not a count in [0, {n}]");
            values.Add((int)k);
            sum += k;
            sumSq += k * k;
        }
        double mean = n * p, variance = n * p * (1 - p);
        double m = sum / samples, v = (sumSq - samples * m * m) / (samples - 1);
        // SE of the mean sqrt(npq/N); of the sample variance sqrt((μ₄ − σ⁴)/N) with the binomial's
        // μ₄ = npq(1 + 3(n − 2)pq). 5 SE: a correct sampler fails with probability < 1e-6 each.
        double mu4 = variance * (1 + 3 * (n - 2) * p * (1 - p));
        Assert.InRange(m, mean - 5 * Math.Sqrt(variance / samples), mean + 5 * Math.Sqrt(variance / samples));
        Assert.InRange(v, variance - 5 * Math.Sqrt((mu4 - variance * variance) / samples), variance + 5 * Math.Sqrt((mu4 - variance * variance) / samples));
        if (n > 5000) return; // the χ² pmf below sums k terms per value; the moments cover large n
        var (chi2, dof) = StatisticalChecks.ChiSquare(values, StatisticalChecks.Binomial(n, p), n);
        Assert.True(chi2 < StatisticalChecks.ChiSquareCritical(Math.Max(dof, 1), 0.001), $"χ² = {chi2:F1} with {dof} dof");
    }

    [Fact]
    public void Binomial_EdgeCases()
    {
        var random = new Xoshiro256StarStar(1, 0);
        Assert.Equal(0, BinomialSampler.Sample(0, 0.5, ref random));
        Assert.Equal(0, BinomialSampler.Sample(100, 0, ref random));
        Assert.Equal(100, BinomialSampler.Sample(100, 1, ref random));
        Assert.Equal(0, BinomialSampler.Sample(100, double.NaN, ref random));
        Assert.Equal(100, BinomialSampler.Sample(100, 1.5, ref random));
    }
}
