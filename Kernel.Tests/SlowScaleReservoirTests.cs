using System.Collections.Immutable;
using Stochastic.Expressions;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation.Exact;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

/// <summary>
/// Slow-scale groups with a reservoir species (A + G ⇄ B, G abundant) and chains: the mean-field
/// equilibrium against the exact stationary distribution, and slow fluxes against full exact SSA.
/// </summary>
public class SlowScaleReservoirTests(ITestOutputHelper output)
{
    private static readonly SourcePosition At = new("toy", 1, 1);

    private static ReactionModel Build(string[] species, double[] initial, (string Name, double Value)[] parameters,
        (string Label, int[] Reactants, int[] Products, int Rate)[] reactions, int observed)
    {
        return new ReactionModel("toy",
            [.. parameters.Select(p => new Parameter(p.Name, new NumberExpr(p.Value, At), p.Value, At))],
            [.. species.Select((s, i) => new Species(s, new NumberExpr(initial[i], At), initial[i], false, At))],
            [new Observable("Obs", [new ObservableTerm(observed, 1)], At)], [],
            [.. reactions.Select(r => new Reaction(r.Label, [.. r.Reactants], [.. r.Products],
                new SymbolExpr(SymbolKind.Parameter, r.Rate, parameters[r.Rate].Name, At), RateLawKind.MassAction, 1, At))]);
    }

    /// <summary>A + G ⇄ B (kf, kr), optionally B → C (k).</summary>
    private static ReactionModel Binding(double a0, double g0, double kf, double kr, double k) => Build(
        ["A", "G", "B", "C"], [a0, g0, 0, 0], [("kf", kf), ("kr", kr), ("k", k)],
        [("on", [0, 1], [2], 0), ("off", [2], [0, 1], 1), ("out", [2], [3], 2)], 2);

    // log of the unnormalized weight, normalized over the support by log-sum-exp.
    private static double[] Normalize(double[] logWeight)
    {
        double max = logWeight.Max();
        var w = logWeight.Select(l => Math.Exp(l - max)).ToArray();
        double sum = w.Sum();
        return [.. w.Select(v => v / sum)];
    }

    private static double LogFactorial(int n) => n < 2 ? 0 : Enumerable.Range(2, n - 1).Sum(i => Math.Log(i));

    [Fact]
    public void ReservoirPair_MeanFieldMatchesExactStationaryMean()
    {
        // A_T = 200, G_T = 400, K = kf/kr = 1/300: about 40 % of A bound, a quarter of G bound (depletion matters).
        const int aT = 200, gT = 400;
        const double kf = 1.0 / 300, kr = 1;
        var model = Binding(aT, gT, kf, kr, 0);
        var reduced = SlowScaleReduction.Reduce(model, new SlowScaleOptions { Theta = 1 });
        var pair = Assert.Single(reduced.Pairs);
        Assert.Equal(1, pair.Reservoir);
        var group = Assert.Single(reduced.Groups);
        Assert.Equal([0, 2], group.Members.ToArray());
        Assert.Equal([1], group.Reservoirs.ToArray());
        Assert.Equal([0, 1], group.Content.Select(c => c[0]));
        var y = new double[reduced.Network.SpeciesCount];
        reduced.ReduceCounts([aT, gT, 0, 0], y);
        var x = new double[4];
        reduced.ExpectedFullState(y, [kf, kr, 0], x);
        // Exact: P(b) ∝ K^b / (b! (A_T − b)! (G_T − b)!).
        var p = Normalize([.. Enumerable.Range(0, aT + 1).Select(b => b * Math.Log(kf / kr) - LogFactorial(b) - LogFactorial(aT - b) - LogFactorial(gT - b))]);
        double mean = Enumerable.Range(0, aT + 1).Sum(b => b * p[b]);
        double variance = Enumerable.Range(0, aT + 1).Sum(b => (b - mean) * (b - mean) * p[b]);
        // The exact balance is kf·E[a·g] = kr·E[b]; mean field uses kf·ā·ḡ. They differ by kf·Cov(a, g) = kf·Var(b)
        // (a = A_T − b, g = G_T − b), a relative error Var(b)/(ā·ḡ) in the balance, so |b̄_mf − E[b]| ≤ E[b]·Var(b)/(ā·ḡ)
        // to first order (the sensitivity of b̄ to the balance is below 1).
        double bound = mean * variance / ((aT - mean) * (gT - mean));
        double noDepletion = aT * kf * gT / (kr + kf * gT);
        output.WriteLine($"exact E[b] = {mean:F3} (var {variance:F2}), mean field {x[2]:F3}, bound {bound:F3}, without depletion {noDepletion:F1}; free G {x[1]:F2}");
        Assert.InRange(x[2], mean - bound, mean + bound);
        Assert.Equal(aT - x[2], x[0], 9);
        Assert.Equal(gT - x[2], x[1], 6);
        Assert.True(Math.Abs(noDepletion - mean) > 20 * bound, "the test must tell depletion apart");
    }

    [Fact]
    public void Chain_IsMultinomialWithReservoirWeights()
    {
        // X ⇄ Y (k1 = 2, k1r = 1), Y + G ⇄ Z (k2 = 0.01, k2r = 1): weights 1 : 2 : 2·0.01·g; T = 60, G_T = 150.
        const int total = 60, gT = 150;
        double w1 = 2, k2 = 0.01;
        var model = Build(["X", "Y", "G", "Z"], [total, 0, gT, 0], [("k1", 2), ("k1r", 1), ("k2", k2), ("k2r", 1)],
            [("xy", [0], [1], 0), ("yx", [1], [0], 1), ("on", [1, 2], [3], 2), ("off", [3], [1, 2], 3)], 3);
        var reduced = SlowScaleReduction.Reduce(model, new SlowScaleOptions { Theta = 1 });
        var group = Assert.Single(reduced.Groups);
        Assert.Equal([0, 1, 3], group.Members.ToArray());
        Assert.Equal([0, 0, 1], group.Content.Select(c => c[0]));
        var y = new double[reduced.Network.SpeciesCount];
        reduced.ReduceCounts([total, 0, gT, 0], y);
        var x = new double[4];
        reduced.ExpectedFullState(y, [2, 1, k2, 1], x);
        // Exact: P(x, y, z) ∝ w1^y (w1 k2)^z / (x! y! z! (G_T − z)!), x + y + z = T.
        var states = new List<(int Y, int Z)>();
        var logs = new List<double>();
        for (int z = 0; z <= total; z++)
            for (int yy = 0; yy + z <= total; yy++)
            {
                states.Add((yy, z));
                logs.Add(yy * Math.Log(w1) + z * Math.Log(w1 * k2) - LogFactorial(total - yy - z) - LogFactorial(yy) - LogFactorial(z) - LogFactorial(gT - z));
            }
        var p = Normalize([.. logs]);
        double ez = states.Select((s, i) => s.Z * p[i]).Sum(), ey = states.Select((s, i) => s.Y * p[i]).Sum();
        double vz = states.Select((s, i) => (s.Z - ez) * (s.Z - ez) * p[i]).Sum();
        // As for the single pair: the balance of Y + G ⇄ Z is off by Cov(y, g) = −Cov(y, z) ≤ sqrt(Var(y) Var(z)) relative to
        // ȳ·ḡ; bounded here by Var(z)·(1 + ȳ/z̄)/(ȳ·ḡ), which covers |Cov(y, z)| ≤ Var(z)·ȳ/z̄ for the multinomial-like split.
        double bound = ez * vz * (1 + ey / ez) / (ey * (gT - ez));
        output.WriteLine($"exact E[z] = {ez:F3}, E[y] = {ey:F3}; mean field z {x[3]:F3}, y {x[1]:F3}; bound {bound:F3}");
        Assert.InRange(x[3], ez - bound, ez + bound);
        Assert.InRange(x[1], ey - bound, ey + bound);
        Assert.Equal(total, x[0] + x[1] + x[3], 9);
        Assert.Equal(2 * x[0], x[1], 9); // X ⇄ Y carries no reservoir: y/x = k1/k1r exactly.
    }

    [Fact]
    public void ReservoirWithAHomeGroupAndAGroupWithTwoReservoirs_MatchExactStationaryMeans()
    {
        // G ⇄ Gs (K1 = 1) makes {G, Gs} the home group of reservoir G; X + G ⇄ XG (Kb = 0.01) and XG + R ⇄ XGR
        // (K2 = 0.01, R a plain reservoir) make {X, XG, XGR} a group binding two reservoirs. X_T = 60, G_T = 150, R_T = 200.
        const int xT = 60, gT = 150, rT = 200;
        const double k1 = 1, kb = 0.01, k2 = 0.01;
        (string, int[], int[], int)[] home = [("gs", [1], [2], 0), ("sg", [2], [1], 1)];
        (string, int[], int[], int)[] binding = [("on", [0, 1], [3], 2), ("off", [3], [0, 1], 3), ("on2", [3, 4], [5], 4), ("off2", [5], [3, 4], 5)];
        (string, double)[] parameters = [("k1", k1), ("k1r", 1), ("kf", kb), ("kr", 1), ("kf2", k2), ("kr2", 1)];
        string[] names = ["X", "G", "Gs", "XG", "R", "XGR"];
        double[] initial = [xT, gT, 0, 0, rT, 0];
        var model = Build(names, initial, parameters, [.. home, .. binding], 5);
        var reduced = SlowScaleReduction.Reduce(model, new SlowScaleOptions { Theta = 1 });
        Assert.Equal(3, reduced.Pairs.Length);
        Assert.Equal(2, reduced.Groups.Length);
        var homeGroup = Assert.Single(reduced.Groups, g => g.Home >= 0);
        Assert.Equal(1, homeGroup.Home);
        var bound = Assert.Single(reduced.Groups, g => g.Home < 0);
        Assert.Equal([1, 4], bound.Reservoirs.ToArray());
        Assert.Equal(["00", "10", "11"], bound.Content.Select(c => string.Concat(c)));
        var x = MeanField(reduced, [.. parameters.Select(p => p.Item2)], initial);

        // Exact: P ∝ K1^s Kb^b1 (Kb K2)^b2 / (x! g! s! b1! b2! r!), x = X_T − b1 − b2, g = G_T − s − b1 − b2, r = R_T − b2.
        var states = new List<(int B1, int B2, int S)>();
        var logs = new List<double>();
        for (int b1 = 0; b1 <= xT; b1++)
            for (int b2 = 0; b1 + b2 <= xT; b2++)
                for (int sv = 0; sv + b1 + b2 <= gT; sv++)
                {
                    states.Add((b1, b2, sv));
                    logs.Add(sv * Math.Log(k1) + b1 * Math.Log(kb) + b2 * Math.Log(kb * k2) - LogFactorial(xT - b1 - b2) - LogFactorial(gT - sv - b1 - b2)
                        - LogFactorial(sv) - LogFactorial(b1) - LogFactorial(b2) - LogFactorial(rT - b2));
                }
        var p = Normalize([.. logs]);
        double E(Func<(int B1, int B2, int S), double> f) => states.Select((st, i) => f(st) * p[i]).Sum();
        double eb1 = E(st => st.B1), eb2 = E(st => st.B2), es = E(st => st.S);
        double ex = xT - eb1 - eb2, eg = gT - es - eb1 - eb2, er = rT - eb2;
        // Mean field replaces E[x·g] by x̄·ḡ in the balance of X + G ⇄ XG and E[b1·r] by b̄1·r̄ in that of XG + R ⇄ XGR:
        // relative errors |Cov(x, g)|/(x̄·ḡ) and |Cov(b1, r)|/(b̄1·r̄) (G ⇄ Gs is first order, exact). To first order
        // each mean is off by at most its value times their sum (the sensitivity of a mean to a balance is below 1).
        double covXg = E(st => (xT - st.B1 - st.B2 - ex) * (gT - st.S - st.B1 - st.B2 - eg));
        double covB1r = E(st => (st.B1 - eb1) * (rT - st.B2 - er));
        double relative = Math.Abs(covXg) / (ex * eg) + Math.Abs(covB1r) / (eb1 * er);
        output.WriteLine($"exact XG {eb1:F3} XGR {eb2:F3} Gs {es:F3} G {eg:F3}; mean field {x[3]:F3} {x[5]:F3} {x[2]:F3} {x[1]:F3}; relative bound {relative:G3}");
        Assert.InRange(x[3], eb1 * (1 - relative), eb1 * (1 + relative));
        Assert.InRange(x[5], eb2 * (1 - relative), eb2 * (1 + relative));
        Assert.InRange(x[2], es * (1 - relative), es * (1 + relative));
        Assert.InRange(x[1], eg * (1 - relative), eg * (1 + relative));
        Assert.Equal(x[1] * k1, x[2], 9); // the home group's split is exact given g
        Assert.Equal(gT, x[1] + x[2] + x[3] + x[5], 6);
        Assert.Equal(xT, x[0] + x[3] + x[5], 9);

        // Without the home group (no G ⇄ Gs) twice as much G would be free: the test tells the home group apart.
        var flat = SlowScaleReduction.Reduce(Build(names, initial, parameters, binding, 5), new SlowScaleOptions { Theta = 1 });
        double withoutHome = MeanField(flat, [.. parameters.Select(p => p.Item2)], initial)[3];
        Assert.True(Math.Abs(withoutHome - eb1) > 10 * relative * eb1, $"{withoutHome} vs {eb1}");
    }

    private static double[] MeanField(ReducedNetwork reduced, double[] parameters, double[] initial)
    {
        var y = new double[reduced.Network.SpeciesCount];
        reduced.ReduceCounts(initial, y);
        var x = new double[initial.Length];
        reduced.ExpectedFullState(y, parameters, x);
        return x;
    }

    [Fact]
    public void SlowFluxOutOfReservoirGroup_AgreesWithFullExactSsa()
    {
        // A + G ⇄ B fast (kf·G = 10, kr = 10: separation 200 against B → C at k = 0.1); C(t) at t = 5.
        const int a0 = 100, g0 = 1000, runs = 400;
        const double kf = 0.01, kr = 10, k = 0.1, t = 5;
        var model = Binding(a0, g0, kf, kr, k);
        var reduced = SlowScaleReduction.Reduce(model);
        Assert.Single(reduced.Pairs);
        var full = NetworkCompiler.Compile(model);
        var exact = new DirectMethod().CreateSimulator(full);
        var slow = new SlowScaleSimulator(reduced);
        int c = reduced.SpeciesMap[3];
        var y0 = new double[reduced.Network.SpeciesCount];
        reduced.ReduceCounts([a0, g0, 0, 0], y0);
        double[] a = new double[runs], b = new double[runs];
        long exactEvents = 0, slowEvents = 0;
        for (int r = 0; r < runs; r++)
        {
            exact.Reset(11, (ulong)r);
            exact.Advance(t);
            a[r] = exact.State[3];
            exactEvents += exact.Events;
            slow.Reset(11, (ulong)r, y0);
            slow.Advance(t);
            b[r] = slow.State[c];
            slowEvents += slow.Events;
        }
        double ma = a.Average(), mb = b.Average();
        double va = a.Sum(v => (v - ma) * (v - ma)) / (runs - 1), vb = b.Sum(v => (v - mb) * (v - mb)) / (runs - 1);
        // Mean: 4 standard errors of the difference of two independent means (false alarm 6e-5), plus the O(1/θ)
        // bias of the equilibrium assumption, 1/200 of the mean, plus the reservoir tolerance's bound on the
        // bias of B's share, (1 − π)·δ with π = 1/2 at the start (kf·G/kr = 1), which C's flux inherits.
        double delta = reduced.Options.ReservoirTolerance;
        double tolerance = 4 * Math.Sqrt((va + vb) / runs) + ma / 200 + 0.5 * delta * ma;
        double d = ExactAlgorithmAgreementTests.KolmogorovSmirnov(a, b);
        double critical = ExactAlgorithmAgreementTests.KsCritical(0.001, runs);
        output.WriteLine($"C(5): exact {ma:F2} (var {va:F1}, {exactEvents / runs} events/run), slow-scale {mb:F2} (var {vb:F1}, {slowEvents / runs} events/run); KS D = {d:F3} (critical {critical:F3})");
        Assert.InRange(mb, ma - tolerance, ma + tolerance);
        Assert.True(d < critical, $"D = {d:F3}");
        Assert.True(slowEvents * 10 < exactEvents, "the fast pair must not fire in the slow-scale run");
    }

    [Fact]
    public void Refusals_AreReported()
    {
        // 2B → C takes two molecules from the group {A, B}: refused. A reservoir left with fewer than θ free molecules at
        // equilibrium with the group: 100 A, 105 G, K = kf/kr = 10 per molecule, so the free count u solves
        // u + 100·Ku/(1 + Ku) = 105, i.e. 10u² − 49u − 105 = 0, u = 6.51: below θ = 10 and above 5.
        var twoFromGroup = Build(["A", "G", "B", "C"], [100, 1000, 0, 0], [("kf", 0.01), ("kr", 10), ("k", 0.001)],
            [("on", [0, 1], [2], 0), ("off", [2], [0, 1], 1), ("dimerize", [2, 2], [3], 2)], 2);
        var r1 = SlowScaleReduction.Reduce(twoFromGroup);
        Assert.Empty(r1.Pairs);
        Assert.Contains(r1.Notes, n => n.Contains("two molecules from the group"));
        var scarce = Binding(100, 105, 10, 1, 0.001);
        var r2 = SlowScaleReduction.Reduce(scarce);
        Assert.Empty(r2.Pairs);
        output.WriteLine(string.Join("\n", r1.Notes.Concat(r2.Notes)));
        Assert.Contains(r2.Notes, n => n.Contains("reservoir G"));
        Assert.Equal((49 + Math.Sqrt(49 * 49 + 4 * 10 * 105)) / 20, Assert.Single(SlowScaleReduction.Reduce(scarce, new SlowScaleOptions { Theta = 5 }).Pairs).Separation, 1e-6);
        // With 500 G and K = 0.02 the free count solves 0.02u² − 7u − 500 = 0: u = 410.85, which is the pair's separation
        // (its rate criterion, (kf·G + kr)/k = 1.1·10⁵, is far above it).
        var plenty = Assert.Single(SlowScaleReduction.Reduce(Binding(100, 500, 0.2, 10, 0.001)).Pairs);
        Assert.Equal((7 + Math.Sqrt(49 + 4 * 0.02 * 500)) / 0.04, plenty.Separation, 1e-6);
    }
}
