using Stochastic.Methods;
using Stochastic.Expressions;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Population;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

/// <summary>
/// Hybrid SSA / tau-leaping in the slow-scale simulator (<see cref="SlowScaleOptions.LeapEpsilon"/>)
/// against exact answers: a receptor pool R with turnover (0 → R at k_s, R → 0 at k_d) that feeds a
/// small complex C (R → C at k_on, C → 0 at k_off). The network is first order with a constant
/// inflow, so its stationary law is a product of Poissons (Jahnke &amp; Huisinga 2007):
/// R ~ Poisson(k_s/(k_d + k_on)), C ~ Poisson(k_on·E[R]/k_off), independent, and from R = C = 0 the
/// mean is E[R](t) = E[R](∞)·(1 − e^(−(k_d + k_on)t)). R's turnover (thousands of molecules) is
/// leaped; R → C and C → 0 move a handful of molecules and stay exact.
/// </summary>
public class HybridLeapingTests(ITestOutputHelper output)
{
    private static readonly SourcePosition At = new("toy", 1, 1);
    private const double Ks = 2000, Kd = 1, Kon = 0.001, Koff = 0.5, Epsilon = 0.03;
    private const double MeanR = Ks / (Kd + Kon), MeanC = Kon * MeanR / Koff;

    private static ReactionModel Turnover(double r0, double c0, double kon = Kon)
    {
        (string Name, double Value)[] parameters = [("ks", Ks), ("kd", Kd), ("kon", kon), ("koff", Koff)];
        (string Label, int[] Reactants, int[] Products, int Rate)[] reactions =
            [("syn", [], [0], 0), ("deg", [0], [], 1), ("capture", [0], [1], 2), ("loss", [1], [], 3)];
        return new ReactionModel("turnover",
            [.. parameters.Select(p => new Parameter(p.Name, new NumberExpr(p.Value, At), p.Value, At))],
            [new Species("R", new NumberExpr(r0, At), r0, false, At), new Species("C", new NumberExpr(c0, At), c0, false, At)],
            [new Observable("R_obs", [new ObservableTerm(0, 1)], At), new Observable("C_obs", [new ObservableTerm(1, 1)], At)], [],
            [.. reactions.Select(r => new Reaction(r.Label, [.. r.Reactants], [.. r.Products],
                new SymbolExpr(SymbolKind.Parameter, r.Rate, parameters[r.Rate].Name, At), RateLawKind.MassAction, 1, At))]);
    }

    private static SlowScaleSimulator Simulator(ReactionModel model, double? epsilon)
    {
        var reduced = SlowScaleReduction.Reduce(model, new SlowScaleOptions { LeapEpsilon = epsilon });
        Assert.Empty(reduced.Pairs);
        return new SlowScaleSimulator(reduced);
    }

    private static (double Mean, double Variance) Moments(double[] v)
    {
        double mean = v.Average();
        return (mean, v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
    }

    [Fact]
    public void LeapedTurnover_KeepsTheStationaryPoissonLaws()
    {
        // Start at the stationary means and run 20 time units: 20 relaxation times of R, 10 of C.
        const int runs = 10_000;
        var sim = Simulator(Turnover(Math.Round(MeanR), Math.Round(MeanC)), Epsilon);
        var r = new double[runs];
        var c = new double[runs];
        long events = 0, leaped = sim.LeapedFirings;
        for (int i = 0; i < runs; i++)
        {
            sim.Reset(11, (ulong)i);
            sim.Advance(20);
            r[i] = sim.State[0];
            c[i] = sim.State[1];
            events += sim.Events;
        }
        leaped = sim.LeapedFirings - leaped;
        var (mr, vr) = Moments(r);
        var (mc, vc) = Moments(c);
        output.WriteLine($"R: mean {mr:F2} var {vr:F1} (Poisson {MeanR:F2}); C: mean {mc:F3} var {vc:F3} (Poisson {MeanC:F3}); {leaped:N0} of {events:N0} firings leaped in {sim.Leaps:N0} leaps, {sim.LeapCorrections} corrections");
        // The turnover must actually be leaped (it is ~99.9% of the firings).
        Assert.True(leaped > 0.99 * events, $"only {leaped} of {events} firings leaped");
        // Means: leaping keeps the stationary mean of a first-order network exact (each step is
        // proportional to the distance from it), so 4 standard errors (sqrt(λ/n)) of the sample mean.
        Assert.InRange(mr, MeanR - 4 * Math.Sqrt(MeanR / runs), MeanR + 4 * Math.Sqrt(MeanR / runs));
        Assert.InRange(mc, MeanC - 4 * Math.Sqrt(MeanC / runs), MeanC + 4 * Math.Sqrt(MeanC / runs));
        // Variances: the sample variance of Poisson(λ) has standard error sqrt((λ + 2λ²)/n) (fourth
        // central moment λ(1 + 3λ)). R's may also be inflated by the leap, by about k·τ with the
        // estimated midpoint, at most ε/2 (LeapPartition: a·τ ≤ ε/2·x for R → 0); C is not leaped,
        // so only the standard error.
        double seR = Math.Sqrt((MeanR + 2 * MeanR * MeanR) / runs), seC = Math.Sqrt((MeanC + 2 * MeanC * MeanC) / runs);
        Assert.InRange(vr, MeanR - 4 * seR, MeanR * (1 + Epsilon / 2) + 4 * seR);
        Assert.InRange(vc, MeanC - 4 * seC, MeanC + 4 * seC);
        // The check tells apart explicit leaping over half of R's lifetime (k·τ = 0.5: variance × 4/3),
        // which the ε rule alone allows here ((ε·x)²/σ² = 0.9 lifetimes at equilibrium).
        Assert.True(MeanR / (1 - 0.25) > MeanR * (1 + Epsilon / 2) + 4 * seR);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExactDecays_KeepThePoissonLaws_OverLongIntervals(bool functionalRate)
    {
        // ∅ → X (α = 50), X → Y (k₁ = 0.3), X → ∅ (k₂ = 0.2), nothing reads Y: X's decays are exact
        // (binomial survival of the molecules present and of the leaped births, uniform in time), so
        // no consumption bound holds them and ε = 0.2 lets an interval run over K·τ ≈ 2 lifetimes,
        // where a Poisson leap of the decays would be far off (variance × 2 at k·τ = 2, unstable
        // beyond). From empty, X(t) is Poisson(α/K·(1 − e^(−Kt))) and Y(t) Poisson(α·k₁/K·(t −
        // (1 − e^(−Kt))/K)) exactly; at t = 2 and 20. With functionalRate the loss's rate is a BNGL
        // function of parameters only (a functional rate that is constant), which is a decay too.
        const double alpha = 50, k1 = 0.3, k2 = 0.2, k = k1 + k2;
        const int runs = 8000;
        string loss = functionalRate ? "kloss()" : "k2";
        var model = BnglReader.Parse($$"""
            begin model
            begin parameters
              alpha 50
              k1    0.3
              k2    0.2
            end parameters
            begin species
              X 0
              Y 0
            end species
            begin functions
              kloss() = k2*alpha/50
            end functions
            begin reaction rules
              syn:  0 -> X   alpha
              toY:  X -> Y   k1
              loss: X -> 0   {{loss}}
            end reaction rules
            end model
            """, "decays.bngl");
        var sim = Simulator(model, 0.2);
        double[] times = [2, 20];
        var x = times.Select(_ => new double[runs]).ToArray();
        var y = times.Select(_ => new double[runs]).ToArray();
        long events = 0;
        for (int i = 0; i < runs; i++)
        {
            sim.Reset(13, (ulong)i);
            for (int h = 0; h < times.Length; h++)
            {
                sim.Advance(times[h]);
                x[h][i] = sim.State[0];
                y[h][i] = sim.State[1];
            }
            events += sim.Events;
        }
        double leapsPerRun = (double)sim.Leaps / runs;
        output.WriteLine($"{sim.LeapedFirings:N0} of {events:N0} firings leaped, {leapsPerRun:F1} leaps per run of 20 time units");
        Assert.True(sim.LeapedFirings > 0.9 * events, $"only {sim.LeapedFirings} of {events} firings leaped");
        // (The first firings, while X holds fewer than 10 molecules, are exact.) Long intervals: the
        // consumption bound (k·τ ≤ ε/2 = 0.1) would need ≥ 100 leaps per run.
        Assert.True(leapsPerRun < 50, $"{leapsPerRun:F1} leaps per run");
        for (int h = 0; h < times.Length; h++)
        {
            double t = times[h], lx = alpha / k * (1 - Math.Exp(-k * t)), ly = alpha * k1 / k * (t - (1 - Math.Exp(-k * t)) / k);
            foreach (var (v, lambda, name) in new[] { (x[h], lx, "X"), (y[h], ly, "Y") })
            {
                var (mean, variance) = Moments(v);
                output.WriteLine($"t = {t}: {name} mean {mean:F2} var {variance:F1} (Poisson {lambda:F2})");
                // 5 standard errors of the sample mean (sqrt(λ/n)) and variance (sqrt((λ + 2λ²)/n)):
                // a correct simulator fails one of the eight with probability < 1e-5.
                double seMean = Math.Sqrt(lambda / runs), seVariance = Math.Sqrt((lambda + 2 * lambda * lambda) / runs);
                Assert.InRange(mean, lambda - 5 * seMean, lambda + 5 * seMean);
                Assert.InRange(variance, lambda - 5 * seVariance, lambda + 5 * seVariance);
            }
        }
    }

    [Fact]
    public void LeapedTurnover_FollowsTheMeanFromEmpty()
    {
        // From R = C = 0, recorded at t = 0.5, 1 and 3 (each horizon closes a leap interval).
        const int runs = 4000;
        double[] times = [0.5, 1, 3];
        var sim = Simulator(Turnover(0, 0), Epsilon);
        var r = times.Select(_ => new double[runs]).ToArray();
        for (int i = 0; i < runs; i++)
        {
            sim.Reset(12, (ulong)i);
            for (int k = 0; k < times.Length; k++)
            {
                sim.Advance(times[k]);
                Assert.Equal(times[k], sim.Time);
                r[k][i] = sim.State[0];
            }
        }
        for (int k = 0; k < times.Length; k++)
        {
            double t = times[k], mean = MeanR * (1 - Math.Exp(-(Kd + Kon) * t));
            // R(t) is Poisson(mean) exactly (the first-order network from zero), so 4 standard errors;
            // plus the mean error of plain (Euler) leaping at k·τ ≤ ε, ε/2·k·t·e^(−k·t) of E[R](∞), a
            // bound: the estimated midpoint makes the error second order, and k·τ ≤ ε/2.
            double tolerance = 4 * Math.Sqrt(mean / runs) + Epsilon / 2 * Kd * t * Math.Exp(-Kd * t) * MeanR;
            var (m, _) = Moments(r[k]);
            output.WriteLine($"t = {t}: mean {m:F2}, exact {mean:F2}, tolerance {tolerance:F2}");
            Assert.InRange(m, mean - tolerance, mean + tolerance);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void EpsilonOutsideZeroToOne_IsRefused(double epsilon)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SlowScaleReduction.Reduce(Turnover(10, 0), new SlowScaleOptions { LeapEpsilon = epsilon }));
        Assert.Contains("leap epsilon must be in (0, 1)", e.Message);
    }

    [Fact]
    public void WithoutEpsilon_NothingIsLeaped_AndRunsAreReproducible()
    {
        var exact = Simulator(Turnover(2000, 4), null);
        exact.Reset(3, 0);
        exact.Advance(2);
        Assert.Equal(0, exact.LeapedFirings);
        var a = Simulator(Turnover(2000, 4), Epsilon);
        var b = Simulator(Turnover(2000, 4), Epsilon);
        a.Reset(3, 7);
        b.Reset(3, 7);
        a.Advance(1);
        a.Advance(2);
        b.Advance(1);
        b.Advance(2);
        Assert.Equal(a.State, b.State);
        Assert.True(a.LeapedFirings > 0);
    }

    [Fact]
    public void RestartBetweenHorizons_KeepsTheLeapsMadeSoFar()
    {
        // An event-style restart in the middle of a leap interval (after single exact firings) must
        // not drop the leaped firings: the mean stays on the exact curve (tolerance as above). Faster
        // capture (k_on = 0.05) puts several exact firings inside each leap interval.
        const int runs = 2000;
        const double kon = 0.05;
        var sim = Simulator(Turnover(0, 0, kon), Epsilon);
        var r = new double[runs];
        long leaped = sim.LeapedFirings;
        for (int i = 0; i < runs; i++)
        {
            sim.Reset(13, (ulong)i);
            sim.Advance(0.5);
            for (int k = 0; k < 10; k++)
            {
                sim.Advance(0.95, maxEvents: 1);
                sim.Restart(sim.Time);
            }
            sim.Advance(1);
            r[i] = sim.State[0];
        }
        Assert.True(sim.LeapedFirings > leaped);
        double rate = Kd + kon, mean = Ks / rate * (1 - Math.Exp(-rate));
        double tolerance = 4 * Math.Sqrt(mean / runs) + Epsilon / 2 * rate * Math.Exp(-rate) * Ks / rate;
        output.WriteLine($"mean {r.Average():F2}, exact {mean:F2}, tolerance {tolerance:F2}");
        Assert.InRange(r.Average(), mean - tolerance, mean + tolerance);
    }

    // Two cells per type, one thread, slow-scale θ = 2 with leaping.
    private static PopulationOptions Leaping(ulong seed, string scenario) =>
        new(CellsPerType: 2, Seed: seed, Threads: 1, Scenarios: [scenario])
        {
            Method = MethodCatalog.SlowScale,
            SlowScale = new SlowScaleOptions { Theta = 2, LeapEpsilon = Epsilon },
        };

    [Fact]
    public void Il2Population_WithLeaping_DoesNotDependOnThreads()
    {
        var study = StudyReader.Read(StudyReaderTests.StudyPath);
        var options = Leaping(seed: 9, scenario: "PD1IL2v");
        var one = PopulationRunner.Run(study, options);
        var two = PopulationRunner.Run(study, options with { Threads = 2 });
        Assert.True(one.LeapedEvents > 0);
        Assert.Equal(one.Events, two.Events);
        Assert.Equal(one.LeapedEvents, two.LeapedEvents);
        foreach (var (a, b) in one.Groups.Zip(two.Groups))
            for (int v = 0; v < one.VariableNames.Length; v++) Assert.Equal(a.Values(v).ToArray(), b.Values(v).ToArray());
    }

    [Fact]
    public void PooledIl2Wells_WithLeaping_AreReproducibleAndConserveTheLigand()
    {
        // A shared ligand pool pauses and resumes every cell at each coupling time: leap intervals
        // must close there and resume cleanly. At 1e6 cells/mL the 12 cells take part of the IL-2,
        // not all (at 1e7/mL they use it up within a day, and the free amount is then held at 0).
        string text = File.ReadAllText(StudyReaderTests.StudyPath).Replace("  dose_unit      pM", "  dose_unit      pM\n  ligand_pool    uptake=LigandTaken cells_per_liter=1e9 coupling=30");
        var study = StudyReader.Parse(text, StudyReaderTests.StudyPath,
            m => Formats.ModelLoader.Load(Path.Combine(Path.GetDirectoryName(StudyReaderTests.StudyPath)!, m)));
        var options = Leaping(seed: 4, scenario: "IL2");
        var one = PopulationRunner.Run(study, options);
        var two = PopulationRunner.Run(study, options with { Threads = 2 });
        Assert.True(one.LeapedEvents > 0);
        Assert.Equal(one.LigandPools[0].FreeFraction, two.LigandPools[0].FreeFraction);
        // The fluid is charged each cell's expected uptake given its state (the recorded LigandTaken is a draw
        // of the lumped members around it): what the fluid lost is what the cells were charged, exactly.
        var trace = one.LigandPools[0];
        double uptake = one.Groups.Sum(g => trace.UptakePerCell[g.CellTypeIndex] * g.Cells);
        Assert.Equal(1 - uptake / trace.InitialMolecules, trace.FinalFreeFraction, 9);
        Assert.InRange(one.LigandPools[0].FinalFreeFraction, 0.05, 0.95);
    }
}
