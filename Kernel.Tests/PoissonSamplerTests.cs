using Stochastic.Lanes;
using Stochastic.Random;
using System.Runtime.Intrinsics;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The lane samplers: Poisson (inversion below 10, PTRS above) for means from 1e-6 to 1e6,
/// uniform and exponential streams, and the shared log/exp. Fixed seeds; every tolerance is a
/// stated multiple of a standard error or a critical value.
/// </summary>
public class PoissonSamplerTests
{
    private static LaneStreams Stream(ulong seed, long index)
    {
        var streams = new LaneStreams(1);
        streams.Set(0, seed, (ulong)index);
        return streams;
    }

    public static TheoryData<double> Means() => [1e-6, 1e-3, 0.1, 1, 3.7, 9.99, 10, 12.5, 47, 1000, 1e6];

    [Theory]
    [MemberData(nameof(Means))]
    public void Poisson_MeanAndVariance_WithinFiveStandardErrors(double mean)
    {
        const int n = 20000;
        var streams = Stream(11, (long)(mean * 1000));
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double k = PoissonSampler.Sample(mean, streams);
            Assert.True(k >= 0 && k == Math.Floor(k));
            sum += k; sumSq += k * k;
        }
        double m = sum / n, v = (sumSq - n * m * m) / (n - 1);
        // SE of the mean: sqrt(μ/n). SE of the sample variance of a Poisson: sqrt((μ + 2μ²)/n)
        // (fourth central moment μ + 3μ²). 5 SE: a correct sampler fails with probability < 1e-6.
        Assert.InRange(m, mean - 5 * Math.Sqrt(mean / n), mean + 5 * Math.Sqrt(mean / n));
        double seVar = Math.Sqrt((mean + 2 * mean * mean) / n);
        Assert.InRange(v, mean - 5 * seVar, mean + 5 * seVar);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(4)]
    [InlineData(9.5)]
    [InlineData(10)]
    [InlineData(33)]
    [InlineData(250)]
    [InlineData(600)] // the χ² helper's pmf recursion starts at e^{−μ}, which underflows past ~700
    public void Poisson_ChiSquareGoodnessOfFit(double mean)
    {
        const int n = 20000;
        var streams = Stream(5, (long)mean);
        var samples = new int[n];
        for (int i = 0; i < n; i++) samples[i] = (int)PoissonSampler.Sample(mean, streams);
        int max = (int)(mean + 12 * Math.Sqrt(mean) + 20);
        var (chi2, dof) = StatisticalChecks.ChiSquare(samples, StatisticalChecks.Poisson(mean), max);
        // α = 0.001 per mean (see ExactSsaLawTests for the same criterion).
        Assert.True(chi2 < StatisticalChecks.ChiSquareCritical(dof, 0.001), $"χ² = {chi2:F1} with {dof} dof");
    }

    [Fact]
    public void Poisson_EveryWidthGivesTheScalarIntegers()
    {
        // Means spanning both methods, including lanes masked off (mean 0).
        double[] means = [0, 0.3, 7, 10, 15.5, 80, 1e4, 2.5e5];
        var scalar = Draw<ScalarLanes, double>(means);
        Assert.Equal(scalar, Draw<Vector128Lanes, Vector128<double>>(means));
        Assert.Equal(scalar, Draw<Vector256Lanes, Vector256<double>>(means));
        Assert.Equal(scalar, Draw<Vector512Lanes, Vector512<double>>(means));
    }

    [Fact]
    public void SampleMany_GivesWhatOneCallPerMeanInTurnGives_DrawsIncluded()
    {
        SampleManyMatchesSample<ScalarLanes, double>();
        SampleManyMatchesSample<Vector128Lanes, Vector128<double>>();
        SampleManyMatchesSample<Vector256Lanes, Vector256<double>>();
        SampleManyMatchesSample<Vector512Lanes, Vector512<double>>();
    }

    // Fourteen means per round, as many as the IL-2 toy's reactions: per lane each mean is drawn from
    // {0 (masked off), 1e-3 … 9.9 (inversion), 10 … 300 (PTRS)} by a fixed hash, so lanes of one mean
    // mix both methods and masked lanes. The batched call must give the same integers and leave every
    // lane's stream where the calls in turn leave it (checked by the next uniform of every lane).
    private static void SampleManyMatchesSample<TL, TV>() where TL : ILanes<TV> where TV : struct
    {
        const int count = 14;
        int lanes = TL.Count;
        var batched = new LaneStreams(lanes);
        var oneByOne = new LaneStreams(lanes);
        for (int i = 0; i < lanes; i++) { batched.Set(i, 9, (ulong)i); oneByOne.Set(i, 9, (ulong)i); }
        var scratch = new PoissonScratch<TV>(count);
        var means = new TV[count];
        var masks = new TV[count];
        var results = new TV[count];
        var lane = new double[lanes];
        var expected = new double[lanes];
        var actual = new double[lanes];
        for (int round = 0; round < 300; round++)
        {
            for (int r = 0; r < count; r++)
            {
                for (int i = 0; i < lanes; i++)
                {
                    ulong h = SplitMix64.Mix((ulong)(round * 1000 + r * 10 + i));
                    lane[i] = (h % 4) switch { 0 => 0, 1 => 1e-3 * (1 + h % 9900), 2 => 0.01 * (h % 990), _ => 10 + (h >> 8) % 290 };
                }
                means[r] = TL.Load(lane);
                masks[r] = TL.LessThan(TL.Create(0), means[r]);
            }
            var source = new LaneStreamsSource(batched);
            PoissonSampler.SampleMany<TL, TV, LaneStreamsSource>(means, masks, results, scratch, ref source);
            for (int r = 0; r < count; r++)
            {
                TL.Store(PoissonSampler.Sample<TL, TV>(means[r], masks[r], oneByOne), expected);
                TL.Store(results[r], actual);
                Assert.Equal(expected, actual);
            }
        }
        var all = LaneOps.AllOnes<TL, TV>();
        TL.Store(oneByOne.NextUniform<TL, TV>(all), expected);
        TL.Store(batched.NextUniform<TL, TV>(all), actual);
        Assert.Equal(expected, actual);
    }

    private static double[] Draw<TL, TV>(double[] means) where TL : ILanes<TV> where TV : struct
    {
        // Lane i of every vector is stream (3, i mod 8 + 8·vector); 200 rounds per lane.
        int lanes = TL.Count;
        var result = new List<double>();
        for (int first = 0; first < means.Length; first += lanes)
        {
            var streams = new LaneStreams(lanes);
            for (int i = 0; i < lanes; i++) streams.Set(i, 3, (ulong)(first + i));
            var mean = TL.Load(means.AsSpan(first, lanes));
            var mask = TL.LessThan(TL.Create(0), mean);
            var buffer = new double[lanes];
            for (int round = 0; round < 200; round++)
            {
                TL.Store(PoissonSampler.Sample<TL, TV>(mean, mask, streams), buffer);
                result.AddRange(buffer);
            }
        }
        // Reorder to [lane][round] so widths compare lane by lane.
        var byLane = new double[means.Length * 200];
        for (int first = 0, idx = 0; first < means.Length; first += lanes)
            for (int round = 0; round < 200; round++)
                for (int i = 0; i < lanes; i++, idx++) byLane[(first + i) * 200 + round] = result[idx];
        return byLane;
    }

    [Fact]
    public void Uniform_IsUniformOnTwentyBins()
    {
        const int n = 100000, bins = 20;
        var s = new PhiloxStream(1, 0);
        var counts = new int[bins];
        for (int i = 0; i < n; i++) counts[(int)(s.NextDouble() * bins)]++;
        double chi2 = counts.Sum(c => (c - n / (double)bins) * (c - n / (double)bins) / (n / (double)bins));
        Assert.True(chi2 < StatisticalChecks.ChiSquareCritical(bins - 1, 0.001), $"χ² = {chi2:F1}");
    }

    [Fact]
    public void Exponential_FromLaneLog_HasUnitMeanAndVariance()
    {
        const int n = 100000;
        var s = new PhiloxStream(2, 0);
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++) { double e = -LaneLog.Invoke(1 - s.NextDouble()); sum += e; sumSq += e * e; }
        double m = sum / n, v = (sumSq - n * m * m) / (n - 1);
        // Exp(1): SE of mean 1/sqrt(n); SE of variance sqrt((μ4 − σ⁴)/n) = sqrt(8/n). 5 SE.
        Assert.InRange(m, 1 - 5 / Math.Sqrt(n), 1 + 5 / Math.Sqrt(n));
        Assert.InRange(v, 1 - 5 * Math.Sqrt(8.0 / n), 1 + 5 * Math.Sqrt(8.0 / n));
    }

    [Fact]
    public void LogAndExp_AgreeWithMath_WithinTwoUlps()
    {
        // fdlibm's log and exp are accurate below 1 ulp; two ulps leaves room for Math's own error.
        var s = new PhiloxStream(9, 0);
        for (int i = 0; i < 100000; i++)
        {
            double x = Math.Pow(2, 60 * s.NextDouble() - 30) * (1 + s.NextDouble());
            Assert.True(Math.Abs(LaneLog.Invoke(x) - Math.Log(x)) <= 2 * Math.Max(Math.BitIncrement(Math.Abs(Math.Log(x))) - Math.Abs(Math.Log(x)), double.Epsilon), $"log({x})");
            double y = -700 * s.NextDouble() + 5;
            Assert.True(Math.Abs(LaneExp.Invoke(y) - Math.Exp(y)) <= 2 * (Math.BitIncrement(Math.Exp(y)) - Math.Exp(y)), $"exp({y})");
        }
        Assert.Equal(0.0, LaneLog.Invoke(1));
        Assert.Equal(1.0, LaneExp.Invoke(0));
    }

    [Fact]
    public void LogFactorial_MatchesSumOfLogs()
    {
        // Stirling's series to 1/x⁵ past the table: relative error far below 1e-12 there.
        double sum = 0;
        for (int k = 1; k <= 2000; k++)
        {
            sum += Math.Log(k);
            Assert.True(Math.Abs(PoissonSampler.LogFactorial(k) - sum) <= 1e-12 * Math.Max(1, sum), $"k = {k}");
        }
    }
}
