using Stochastic.Formats;
using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

/// <summary>Per-cell parameter draws, in particular correlated parameters (Gaussian copula).</summary>
public class CellParameterSamplerTests
{
    // Four per-cell parameters, all read through a functional rate.
    private const string Model = """
        begin parameters
          a 1
          b 1
          c 1
          d 1
          dose 0
        end parameters
        begin seed species
          X 0
        end seed species
        begin observables
          Molecules Xobs X
        end observables
        begin functions
          syn() = a + b + c + d + dose
        end functions
        begin reaction rules
          0 -> X  syn()
          X -> 0  0.1
        end reaction rules
        """;

    private static Study Parse(string correlations) => StudyReader.Parse($$"""
        begin study
          model m.bngl
          readout Xobs
        end study
        begin ligands
          none
        end ligands
        begin cell types
          T  a  lognormal(10, 0.5)
          T  b  uniform(1, 3)
          T  c  lognormal(3, 0.8)
          T  d  normal(5, 1)
        {{correlations}}
        end cell types
        begin scenarios
          s  ligand=none duration=1
        end scenarios
        begin fates
          all: 1
        end fates
        """, "test.study", _ => BnglReader.Parse(Model, "m.bngl"));

    /// <summary>Parameters a, b, c, d of <paramref name="cells"/> cells of type T (columns of the result).</summary>
    private static double[][] Draw(Study study, int cells)
    {
        var sampler = new CellParameterSampler(study.Model);
        var names = new[] { "a", "b", "c", "d" };
        var columns = names.Select(_ => new double[cells]).ToArray();
        var parameters = new double[study.Model.Parameters.Length];
        var counts = new double[study.Model.Species.Length];
        for (int cell = 0; cell < cells; cell++)
        {
            sampler.Sample(2024, study.Scenarios[0], study.CellTypes[0], 0, cell, parameters, counts);
            for (int k = 0; k < names.Length; k++) columns[k][cell] = parameters[study.Model.ParameterIndex(names[k])];
        }
        return columns;
    }

    private static double Pearson(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.Sqrt(sxx * syy);
    }

    private static double StandardDeviation(double[] x)
    {
        double m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Length - 1));
    }

    // Every statistical check below allows 4.5 standard errors of its estimate (two-sided
    // probability of a false failure ~7e-6 per check with a normal estimate), at a fixed seed.
    private const double Se = 4.5;

    [Fact]
    public void CorrelatedParametersHaveTheStatedCorrelationAndUnchangedMarginals()
    {
        const int n = 20_000;
        var study = Parse("  T  correlation(a, c)  0.6\n  T  correlation(b, d)  -0.5");
        var draws = Draw(study, n);
        double[] lnA = [.. draws[0].Select(v => Math.Log(v))], lnC = [.. draws[2].Select(v => Math.Log(v))];
        // Scores of the uniform b (Φ⁻¹ of its position in [1, 3)) and of the normal d (5 SD above its truncation).
        double[] zB = [.. draws[1].Select(v => Gaussian.Quantile((v - 1) / 2))], zD = [.. draws[3].Select(v => v - 5)];

        // Correlation of the scores: Fisher's z = atanh(r) is ~normal with standard error 1/sqrt(n - 3).
        double fisherSe = 1 / Math.Sqrt(n - 3);
        Assert.InRange(Math.Atanh(Pearson(lnA, lnC)) - Math.Atanh(0.6), -Se * fisherSe, Se * fisherSe);
        Assert.InRange(Math.Atanh(Pearson(zB, zD)) - Math.Atanh(-0.5), -Se * fisherSe, Se * fisherSe);

        // Lognormal marginals: the sample median of ln X has standard error sqrt(pi/2) sigma/sqrt(n),
        // the sample SD of ln X about sigma/sqrt(2(n - 1)).
        foreach (var (ln, median, sigma) in new[] { (lnA, 10.0, 0.5), (lnC, 3.0, 0.8) })
        {
            double medianSe = Math.Sqrt(Math.PI / 2) * sigma / Math.Sqrt(n);
            Assert.InRange(PopulationResult.Quantile(ln, 0.5) - Math.Log(median), -Se * medianSe, Se * medianSe);
            double sdSe = sigma / Math.Sqrt(2.0 * (n - 1));
            Assert.InRange(StandardDeviation(ln) - sigma, -Se * sdSe, Se * sdSe);
        }
        // Uniform(1, 3) marginal: mean 2, SD 2/sqrt(12); its mean has standard error SD/sqrt(n), and
        // every value lies in [1, 3].
        double uniformSd = 2 / Math.Sqrt(12);
        Assert.InRange(draws[1].Average() - 2, -Se * uniformSd / Math.Sqrt(n), Se * uniformSd / Math.Sqrt(n));
        Assert.All(draws[1], v => Assert.InRange(v, 1, 3));
        // Normal(5, 1) marginal: mean within 4.5 standard errors 1/sqrt(n), SD within 4.5 x 1/sqrt(2(n-1)).
        Assert.InRange(draws[3].Average() - 5, -Se / Math.Sqrt(n), Se / Math.Sqrt(n));
        Assert.InRange(StandardDeviation(draws[3]) - 1, -Se / Math.Sqrt(2.0 * (n - 1)), Se / Math.Sqrt(2.0 * (n - 1)));
    }

    [Fact]
    public void AZeroCorrelationReproducesTheIndependentDrawsExactly()
    {
        var independent = Draw(Parse(""), 1000);
        var zero = Draw(Parse("  T  correlation(a, c)  0\n  T  correlation(b, d)  0"), 1000);
        for (int k = 0; k < 4; k++) Assert.Equal(independent[k], zero[k]);
    }

    [Fact]
    public void ACorrelationChangesOnlyTheLaterParameterItNames()
    {
        // Scores come from the same stream positions as the plain draws, and the Cholesky factor's
        // first row is (1, 0): a (first of the pair) and the uncorrelated b and d keep their values.
        var independent = Draw(Parse(""), 200);
        var correlated = Draw(Parse("  T  correlation(c, a)  0.6"), 200);
        Assert.Equal(independent[0], correlated[0]);
        Assert.Equal(independent[1], correlated[1]);
        Assert.Equal(independent[3], correlated[3]);
        Assert.NotEqual(independent[2], correlated[2]);
    }

    [Fact]
    public void DrawsDependOnlyOnSeedCellTypeAndCell()
    {
        var study = Parse("  T  correlation(a, c)  0.6");
        var all = Draw(study, 50);
        var sampler = new CellParameterSampler(study.Model);
        var parameters = new double[study.Model.Parameters.Length];
        var counts = new double[study.Model.Species.Length];
        sampler.Sample(2024, study.Scenarios[0], study.CellTypes[0], 0, 37, parameters, counts);
        Assert.Equal(all[2][37], parameters[study.Model.ParameterIndex("c")]);
    }

    [Fact]
    public void StandardNormalFunctionsMatchReferenceValues()
    {
        // Reference values: Python statistics.NormalDist (Φ⁻¹ by Wichura's AS241, Φ by erfc).
        Assert.Equal(0.975, Gaussian.Cdf(1.959963984540054), 14);
        Assert.Equal(0.15865525393145707, Gaussian.Cdf(-1), 14);
        Assert.Equal(0.5, Gaussian.Cdf(0), 15);
        // Acklam's approximation: relative error below 1.15e-9 (1.13e-9 measured on a grid of 1e5 p).
        foreach (var (p, z) in new[] { (0.975, 1.959963984540054), (0.01, -2.3263478740408408), (1e-10, -6.361340902404056), (0.5, 0.0) })
            Assert.Equal(z, Gaussian.Quantile(p), 1.15e-9 * Math.Max(1, Math.Abs(z)));
        Assert.True(double.IsFinite(Gaussian.Quantile(0)) && double.IsFinite(Gaussian.Quantile(1)));
    }
}
