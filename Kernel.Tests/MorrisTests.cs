using Stochastic.Sensitivity;
using Xunit;

namespace Stochastic.Tests;

/// <summary>Morris's design and elementary effects against functions whose effects are known exactly.</summary>
public class MorrisTests
{
    [Fact]
    public void EveryPathMovesEachFactorOnceByDeltaOnTheGrid()
    {
        var design = new MorrisDesign(factors: 5, trajectories: 50, levels: 4, seed: 3);
        Assert.Equal(2.0 / 3, design.Delta, 15);
        Assert.Equal(50 * 6, design.Points.Length);
        var grid = new[] { 0, 1.0 / 3, 2.0 / 3, 1 };
        for (int t = 0; t < 50; t++)
        {
            Assert.Equal([0, 1, 2, 3, 4], design.Moved[t].Order());
            for (int step = 0; step < 5; step++)
            {
                var before = design.Points[t * 6 + step];
                var after = design.Points[t * 6 + step + 1];
                for (int i = 0; i < 5; i++)
                {
                    Assert.Contains(grid, g => Math.Abs(g - after[i]) < 1e-12);
                    if (i == design.Moved[t][step]) Assert.Equal(design.Delta, Math.Abs(after[i] - before[i]), 12);
                    else Assert.Equal(before[i], after[i]);
                }
            }
        }
    }

    [Fact]
    public void LinearFunctionHasItsCoefficientsAsEffects()
    {
        // y = Σ c_i x_i: every elementary effect is c_i exactly, so μ = c_i, μ* = |c_i|, σ = 0.
        double[] c = [3, -2, 0, 0.5];
        var design = new MorrisDesign(4, 20, seed: 5);
        var y = design.Points.Select(x => x.Zip(c, (a, b) => a * b).Sum()).ToArray();
        var f = MorrisIndices.Analyze(design, y, bootstrap: 200);
        for (int i = 0; i < c.Length; i++)
        {
            Assert.Equal(c[i], f[i].Mu, 10);
            Assert.Equal(Math.Abs(c[i]), f[i].MuStar, 10);
            Assert.Equal(0, f[i].Sigma, 8);
            Assert.Equal(Math.Abs(c[i]), f[i].MuStarLow, 10);
            Assert.Equal(20, f[i].Effects);
        }
    }

    [Fact]
    public void InteractionShowsAsSpreadOfTheEffects()
    {
        // y = x1 x2 + x3: the effect of x1 is the value of x2 where the step is taken, which is uniform over
        // the 4 grid levels {0, 1/3, 2/3, 1} (x2 sits at its base or base + Δ with probability 1/2 each), so
        // μ*_1 = 1/2 and σ_1 tends to the sd of those levels, sqrt(5/36) = 0.3727; x3 is additive: μ* = 1, σ = 0.
        int r = 2000;
        var design = new MorrisDesign(3, r, seed: 11);
        var y = design.Points.Select(x => x[0] * x[1] + x[2]).ToArray();
        var f = MorrisIndices.Analyze(design, y, bootstrap: 500, seed: 2);
        double[] levels = [0, 1.0 / 3, 2.0 / 3, 1];
        double sdLevels = Math.Sqrt(levels.Sum(l => (l - 0.5) * (l - 0.5)) / 4);  // population sd of the level, 0.3727
        // μ* is a mean of r effects with sd 0.3727: standard error 0.0083 at r = 2000; 4 SE = 0.033.
        double se = sdLevels / Math.Sqrt(r);
        Assert.InRange(f[0].MuStar, 0.5 - 4 * se, 0.5 + 4 * se);
        Assert.InRange(f[1].MuStar, 0.5 - 4 * se, 0.5 + 4 * se);
        // The sample sd of r effects has standard error about sd / sqrt(2r) for a near-normal law; the four-point
        // law has kurtosis 1.64, so sqrt((κ − 1)/(4r))·sd = 0.0035 here; 4 of those = 0.014.
        double seSd = Math.Sqrt((1.64 - 1) / (4.0 * r)) * sdLevels;
        Assert.InRange(f[0].Sigma, sdLevels - 4 * seSd, sdLevels + 4 * seSd);
        Assert.Equal(1, f[2].MuStar, 10);
        Assert.Equal(0, f[2].Sigma, 8);
        // The bootstrap interval of μ* is ±1.96 SE wide (within 25%: 500 replicates).
        Assert.InRange((f[0].MuStarHigh - f[0].MuStarLow) / (2 * 1.96 * se), 0.75, 1.25);
    }

    [Fact]
    public void ParameterRangesParseAndMap()
    {
        var p = SensitivityParameter.Parse("K5=60:6000:log", "--param");
        Assert.Equal(new SensitivityParameter("K5", 60, 6000, true), p);
        Assert.Equal(600, p.FromUnit(0.5), 9);
        Assert.Equal(250, SensitivityParameter.Parse("fate.x=0:500", "--param").FromUnit(0.5));
        foreach (var bad in new[] { "K5", "K5=1", "K5=2:1", "K5=0:1:log", "K5=a:b", "K5=1:2:ln" })
            Assert.Throws<ModelException>(() => SensitivityParameter.Parse(bad, "--param"));
    }
}
