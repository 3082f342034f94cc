using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Exact;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// Every exact algorithm in the catalog against exact laws: Poisson (immigration–death),
/// binomial (isomerization), analytic mean and variance (linear birth–death, DSMTS criterion),
/// and the homodimer propensity convention. Seeds are fixed, so each test is deterministic; the
/// tolerances are the critical values of the stated tests, so a correct simulator fails a given
/// check with the stated small probability over seeds, and a wrong one fails it almost surely.
/// </summary>
public class ExactSsaLawTests
{
    public static TheoryData<string> Algorithms() => [.. ExactAlgorithms.All.Select(a => a.Name)];

    private static CompiledNetwork Compile(string bngl) => NetworkCompiler.Compile(BnglReader.Parse(bngl, "test.bngl"));

    /// <summary>Runs an ensemble keeping trajectories; returns the value of output 0 per run at each grid point.</summary>
    private static int[][] Samples(CompiledNetwork network, string algorithm, int runs, TimeGrid grid, ulong seed)
    {
        var result = Ensemble.Run(network, ExactAlgorithms.Find(algorithm)!, new EnsembleOptions(runs, seed, grid, KeepTrajectories: true));
        int outputs = result.OutputNames.Count;
        return [.. Enumerable.Range(0, grid.Points).Select(k => Enumerable.Range(0, runs).Select(r => (int)result.Trajectory(r)[k * outputs]).ToArray())];
    }

    // χ² level per comparison. With three comparisons per test the family-wise false-failure
    // rate over seeds is below 0.3%; a 5% error in any rate moves the means by many standard
    // errors at n = 4000 and pushes χ² far past the critical value.
    private const double Alpha = 0.001;

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void ImmigrationDeath_IsPoisson_AtSeveralTimes(string algorithm)
    {
        // 0 -> X at α, X -> 0 at μ from X(0) = 0: X(t) ~ Poisson(α/μ (1 − e^{−μt})).
        const double alpha = 10, mu = 0.5;
        var network = Compile($"begin parameters\nalpha {alpha}\nmu {mu}\nend parameters\nbegin species\nX 0\nend species\nbegin reactions\n0 -> X alpha\nX -> 0 mu\nend reactions\n");
        var grid = new TimeGrid(0, 10, 21);
        var samples = Samples(network, algorithm, 4000, grid, seed: 11);
        foreach (int k in new[] { 1, 4, 20 })
        {
            double t = grid[k], mean = alpha / mu * (1 - Math.Exp(-mu * t));
            var (chi, dof) = StatisticalChecks.ChiSquare(samples[k], StatisticalChecks.Poisson(mean), 80);
            Assert.True(chi < StatisticalChecks.ChiSquareCritical(dof, Alpha), $"t={t}: χ²={chi:F1} with {dof} dof (Poisson mean {mean:F3})");
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Isomerization_IsBinomial_AtSeveralTimes(string algorithm)
    {
        // A <-> B from A = N: each molecule is independently an A with p(t) = kr/(kf+kr) + kf/(kf+kr) e^{−(kf+kr)t}.
        const int n = 100;
        const double kf = 1, kr = 0.5;
        var network = Compile($"begin parameters\nkf {kf}\nkr {kr}\nend parameters\nbegin species\nA {n}\nB 0\nend species\nbegin reactions\nA <-> B kf, kr\nend reactions\n");
        var grid = new TimeGrid(0, 5, 26);
        var samples = Samples(network, algorithm, 4000, grid, seed: 12);
        foreach (int k in new[] { 1, 5, 25 })
        {
            double t = grid[k], p = kr / (kf + kr) + kf / (kf + kr) * Math.Exp(-(kf + kr) * t);
            var (chi, dof) = StatisticalChecks.ChiSquare(samples[k], StatisticalChecks.Binomial(n, p), n);
            Assert.True(chi < StatisticalChecks.ChiSquareCritical(dof, Alpha), $"t={t}: χ²={chi:F1} with {dof} dof (p = {p:F4})");
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void LinearBirthDeath_PassesDsmtsCriterion(string algorithm)
    {
        // DSMTS 001-01 written in BNGL: X -> 2X at λ, X -> 0 at μ, X(0) = 100.
        // Mean X0 e^{(λ−μ)t}; variance X0 (λ+μ)/(λ−μ) e^{(λ−μ)t} (e^{(λ−μ)t} − 1).
        // Criterion (Evans, Gillespie & Wilkinson 2008): Z = √n (X̄ − μ)/σ in (−3, 3) and
        // Y = √(n/2) (S²/σ² − 1) in (−5, 5) at all 51 times. n = 10,000 as the suite asks; the
        // chance that a correct simulator leaves Z's band at one of 50 correlated points is a few
        // percent, and the fixed seed makes the outcome reproducible. A 2% error in λ shifts the
        // mean at t = 50 by about 10% of it, i.e. Z ≈ 20.
        const double x0 = 100, lambda = 0.1, mu = 0.11;
        const int runs = 10_000;
        var network = Compile($"begin parameters\nlambda {lambda}\nmu {mu}\nend parameters\nbegin species\nX {x0}\nend species\nbegin reactions\nX -> X + X lambda\nX -> 0 mu\nend reactions\n");
        var grid = new TimeGrid(0, 50, 51);
        var result = Ensemble.Run(network, ExactAlgorithms.Find(algorithm)!, new EnsembleOptions(runs, 2008, grid));
        for (int k = 0; k < grid.Points; k++)
        {
            double t = grid[k], g = Math.Exp((lambda - mu) * t);
            double mean = x0 * g, variance = x0 * (lambda + mu) / (lambda - mu) * g * (g - 1);
            double m = result.Mean(k, 0), s = result.StandardDeviation(k, 0);
            if (variance == 0)
            {
                Assert.Equal(mean, m);
                Assert.Equal(0, s);
                continue;
            }
            double z = Math.Sqrt(runs) * (m - mean) / Math.Sqrt(variance);
            double y = Math.Sqrt(runs / 2.0) * (s * s / variance - 1);
            Assert.True(Math.Abs(z) < 3, $"t={t}: Z = {z:F2}");
            Assert.True(Math.Abs(y) < 5, $"t={t}: Y = {y:F2}");
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Homodimer_UsesHalfTheRateConstant(string algorithm)
    {
        // A + A -> B with k = 1 from A = 2: BioNetGen's propensity k/2·A(A−1) = 1, so
        // P(B = 1 at t = 1) = 1 − e^{−1} = 0.632. Without the symmetry factor it would be
        // 1 − e^{−2} = 0.865. n = 4000: standard error 0.0076; the bound is 4 standard errors
        // (two-sided level 6e-5) and the alternative is 30 standard errors away.
        var network = Compile("begin parameters\nk 1\nend parameters\nbegin species\nA 2\nB 0\nend species\nbegin reactions\nA + A -> B k\nend reactions\nbegin observables\nMolecules B B\nend observables\n");
        Assert.Equal(1.0 * 2 * 1 / 2, network.Propensity(0, [2, 0], network.Parameters, 0));
        const int runs = 4000;
        var samples = Samples(network, algorithm, runs, new TimeGrid(0, 1, 2), seed: 13);
        double fraction = samples[1].Count(b => b == 1) / (double)runs;
        double p = 1 - Math.Exp(-1), se = Math.Sqrt(p * (1 - p) / runs);
        Assert.InRange(fraction, p - 4 * se, p + 4 * se);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Ensemble_IsBitIdentical_ForAnyThreadCount(string algorithm)
    {
        var network = Compile("begin parameters\nc1 1\nc2 0.002\nc3 0.5\nc4 0.04\nend parameters\nbegin species\nS1 1000\nS2 0\nS3 0\nend species\nbegin reactions\nS1 -> 0 c1\nS1 + S1 -> S2 c2\nS2 -> S1 + S1 c3\nS2 -> S3 c4\nend reactions\n");
        var grid = new TimeGrid(0, 5, 11);
        var one = Ensemble.Run(network, ExactAlgorithms.Find(algorithm)!, new EnsembleOptions(100, 7, grid, Threads: 1, KeepTrajectories: true));
        var two = Ensemble.Run(network, ExactAlgorithms.Find(algorithm)!, new EnsembleOptions(100, 7, grid, Threads: 2, KeepTrajectories: true));
        Assert.Equal(one.Counters, two.Counters);
        for (int k = 0; k < grid.Points; k++)
        for (int j = 0; j < one.OutputNames.Count; j++)
        {
            Assert.Equal(one.Mean(k, j), two.Mean(k, j));
            Assert.Equal(one.StandardDeviation(k, j), two.StandardDeviation(k, j));
        }
        for (int r = 0; r < 100; r++) Assert.True(one.Trajectory(r).SequenceEqual(two.Trajectory(r)), $"run {r} differs");
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void ClampedSpecies_NeverChange_AndStateAtGridTimeIsAfterLastFiring(string algorithm)
    {
        var network = Compile("begin parameters\nk 0.01\nend parameters\nbegin species\n$S 500\nX 0\nend species\nbegin reactions\nS -> X k\nend reactions\n");
        var sim = ExactAlgorithms.Find(algorithm)!.CreateSimulator(network);
        sim.Reset(3, 0);
        sim.Advance(100);
        Assert.Equal(500, sim.State[0]);
        Assert.Equal(sim.Events, sim.State[1]);
        Assert.True(sim.Time <= 100 && sim.NextFiringTime() > 100);
    }
}
