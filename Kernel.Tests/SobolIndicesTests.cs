using Stochastic.Sensitivity;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The Sobol sequence and the Saltelli-design estimators against functions whose indices are known
/// analytically: Ishigami (a = 7, b = 0.1; Ishigami &amp; Homma 1990) and Sobol's g-function (Saltelli &amp;
/// Sobol 1995), as in Saltelli et al. 2010.
/// </summary>
public class SobolIndicesTests
{
    [Fact]
    public void SequenceStartsWithTheKnownPointsAndStratifiesEveryDimension()
    {
        // The first points of dimensions 1-2 (van der Corput and its Joe-Kuo partner), exact binary fractions.
        var s = new SobolSequence(2);
        var p = new double[2];
        double[][] expected = [[0, 0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75], [0.375, 0.375], [0.875, 0.875], [0.625, 0.125], [0.125, 0.625]];
        foreach (var e in expected) { s.Next(p); Assert.Equal(e, p); }

        // (0, m, 1)-net: the first 2^m points of every dimension put exactly one point in each interval
        // [j/2^m, (j+1)/2^m) — a property of any correct set of direction numbers (each m_i odd, < 2^i), exact.
        var all = new SobolSequence(SobolSequence.MaxDimensions);
        var points = new double[1024][];
        for (int i = 0; i < points.Length; i++) { points[i] = new double[SobolSequence.MaxDimensions]; all.Next(points[i]); }
        for (int m = 1; m <= 10; m++)
            for (int d = 0; d < SobolSequence.MaxDimensions; d++)
            {
                var cells = points.Take(1 << m).Select(x => (int)(x[d] * (1 << m))).ToArray();
                Assert.Equal(1 << m, cells.Distinct().Count());
            }
    }

    private const double A = 7, B = 0.1;

    private static double Ishigami(double[] u)
    {
        double x1 = -Math.PI + 2 * Math.PI * u[0], x2 = -Math.PI + 2 * Math.PI * u[1], x3 = -Math.PI + 2 * Math.PI * u[2];
        return Math.Sin(x1) + A * Math.Sin(x2) * Math.Sin(x2) + B * Math.Pow(x3, 4) * Math.Sin(x1);
    }

    /// <summary>Analytic first-order and total indices of the Ishigami function.</summary>
    private static (double[] First, double[] Total) IshigamiIndices()
    {
        double pi4 = Math.Pow(Math.PI, 4), pi8 = pi4 * pi4;
        double v1 = 0.5 * Math.Pow(1 + B * pi4 / 5, 2), v2 = A * A / 8, v13 = B * B * pi8 * (1.0 / 18 - 1.0 / 50);
        double v = v1 + v2 + v13;
        return ([v1 / v, v2 / v, 0], [(v1 + v13) / v, v2 / v, v13 / v]);
    }

    [Fact]
    public void IshigamiIndicesMatchTheAnalyticValues()
    {
        var design = new SaltelliDesign(3, 16384);
        var y = design.Points.Select(Ishigami).ToArray();
        var indices = SobolIndices.Analyze(design, y, bootstrap: 500, seed: 7);
        var (first, total) = IshigamiIndices();
        CheckAgainst(design, y, indices, first, total);
    }

    private static readonly double[] G = [0, 1, 4.5, 9, 99, 99, 99, 99];

    private static double GFunction(double[] u)
    {
        double g = 1;
        for (int i = 0; i < G.Length; i++) g *= (Math.Abs(4 * u[i] - 2) + G[i]) / (1 + G[i]);
        return g;
    }

    [Fact]
    public void GFunctionIndicesMatchTheAnalyticValues()
    {
        // V_i = 1 / (3 (1 + a_i)^2), V = Π(1 + V_i) − 1, S_Ti = V_i Π_{j≠i}(1 + V_j) / V.
        var vi = G.Select(a => 1 / (3 * (1 + a) * (1 + a))).ToArray();
        double product = vi.Aggregate(1.0, (p, v) => p * (1 + v)), v = product - 1;
        var first = vi.Select(x => x / v).ToArray();
        var total = vi.Select(x => x * product / (1 + x) / v).ToArray();
        var design = new SaltelliDesign(G.Length, 65536);
        var y = design.Points.Select(GFunction).ToArray();
        var indices = SobolIndices.Analyze(design, y, bootstrap: 200, seed: 7);
        CheckAgainst(design, y, indices, first, total);
    }

    /// <summary>
    /// Checks every index against its analytic value within 4 Monte Carlo standard errors, the standard error
    /// computed from the run's own summands (sd of f(B)(f(AB_i) − f(A)), resp. ½(f(A) − f(AB_i))², over √N,
    /// divided by V). On Sobol points the error is smaller than that Monte Carlo bound, so a correct estimator
    /// passes; 4 standard errors is under 0.05 here, while an estimator with A and B swapped in S_i, or S_Ti
    /// without the ½, is off by 0.1-0.5 in the large indices. The bootstrap interval must hold the estimate and
    /// be as wide as that standard error says (±1.96 SE, within a factor 1.3: 500 replicates estimate a
    /// percentile width to within ~10%).
    /// </summary>
    private static void CheckAgainst(SaltelliDesign design, double[] y, SobolFactor[] indices, double[] first, double[] total)
    {
        int k = design.Factors, n = design.BaseRows, stride = k + 2;
        var ab = Enumerable.Range(0, n).SelectMany(j => new[] { y[j * stride], y[j * stride + 1] }).ToArray();
        double mean = ab.Average(), variance = ab.Sum(x => (x - mean) * (x - mean)) / ab.Length;
        for (int i = 0; i < k; i++)
        {
            var fs = Enumerable.Range(0, n).Select(j => y[j * stride + 1] * (y[j * stride + 2 + i] - y[j * stride])).ToArray();
            var ts = Enumerable.Range(0, n).Select(j => 0.5 * Math.Pow(y[j * stride] - y[j * stride + 2 + i], 2)).ToArray();
            double seFirst = Sd(fs) / Math.Sqrt(n) / variance, seTotal = Sd(ts) / Math.Sqrt(n) / variance;
            Assert.True(4 * seFirst < 0.05 && 4 * seTotal < 0.05, $"factor {i}: tolerance too wide to test ({seFirst}, {seTotal})");
            Assert.InRange(indices[i].First, first[i] - 4 * seFirst, first[i] + 4 * seFirst);
            Assert.InRange(indices[i].Total, total[i] - 4 * seTotal, total[i] + 4 * seTotal);
            Assert.InRange(indices[i].First, indices[i].FirstLow, indices[i].FirstHigh);
            Assert.InRange(indices[i].Total, indices[i].TotalLow, indices[i].TotalHigh);
            if (seFirst > 1e-4) Assert.InRange((indices[i].FirstHigh - indices[i].FirstLow) / (2 * 1.96 * seFirst), 1 / 1.3, 1.3);
            if (seTotal > 1e-4) Assert.InRange((indices[i].TotalHigh - indices[i].TotalLow) / (2 * 1.96 * seTotal), 1 / 1.3, 1.3);
        }
    }

    private static double Sd(double[] x)
    {
        double m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Length - 1));
    }
}
