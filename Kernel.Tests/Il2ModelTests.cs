using Stochastic.Methods;
using Stochastic.Formats;
using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The shipped IL-2 model against MODEL.md §4, at sizes that keep the suite fast (few cells,
/// short runs). Full-size numbers are in docs/il2-results.md. Thresholds are set well inside the
/// effects the model produces at full size, so that sampling noise at these sizes cannot flip
/// them (each comment gives the full-size value).
/// </summary>
public class Il2ModelTests
{
    private static Study Reduced(params string[] cellTypes)
    {
        var study = StudyReader.Read(StudyReaderTests.StudyPath);
        return new Study(study.Model, [.. study.CellTypes.Where(c => cellTypes.Contains(c.Name))], study.Scenarios, study.Fates, study.Ligands, study.Settings);
    }

    private static readonly double[] Doses = [3, 10, 30, 100, 300, 1000, 3000, 10000];

    [Fact]
    public void TregsRespondToIl2AtLowerDoseAndIl2vRemovesThePreference()
    {
        var study = Reduced("Treg", "bystander");
        var curves = DoseResponse.Run(study, ["IL2", "IL2v"], Doses, new PopulationOptions(CellsPerType: 6, Threads: 2));
        double Ec(string ligand, string cell) => curves.Single(c => c.Ligand == ligand && c.CellType == cell).Ec50;
        // Full size (docs/il2-results.md, 100 cells, 12 doses, rate equations at the fitted constants): IL-2
        // Treg 27 pM vs bystander CD8 1.2 nM (43x); IL-2v Treg 1.7 nM vs bystander 2.1 nM (~1x).
        // Threshold 6.7: at this size (6 cells, these 8 doses, exact SSA) the ratio over master seeds 1-8 was
        // 11.5-37.3, ln(ratio) mean 3.15 (geometric mean 23), sd 0.41; 6.7 = 23 x exp(-3 x 0.41), three
        // sampling sd below the centre. (With the hand-calibrated constants the centre was 55 and the threshold 14.)
        Assert.True(Ec("IL2", "bystander") / Ec("IL2", "Treg") > 6.7, $"IL-2 EC50s Treg {Ec("IL2", "Treg")}, CD8 {Ec("IL2", "bystander")}");
        double ratio = Ec("IL2v", "bystander") / Ec("IL2v", "Treg");
        Assert.InRange(ratio, 1 / 4.0, 4.0);
        Assert.True(Ec("IL2v", "Treg") > 3 * Ec("IL2", "Treg"));
    }

    [Fact]
    public void Pd1Il2vPrefersPd1PositiveCellsUnlessPd1IsBlocked()
    {
        var study = Reduced("stem_like", "bystander");
        var options = new PopulationOptions(CellsPerType: 6, Threads: 2);
        var scenarios = new[]
        {
            study.MakeScenario("pd1il2v", "PD1IL2v", 100, 60),
            study.MakeScenario("pd1il2v_block", "PD1IL2v", 100, 60, new Dictionary<string, double> { ["aPD1_nM"] = 100 }),
        };
        var r = PopulationRunner.Run(study, scenarios, options);
        int pS = r.Variable("pSTAT5_obs");
        double Mean(string s, string c) => r.Group(s, c).Values(pS).Average() + 1;  // +1: one molecule, avoids 0/0
        // Full size: stem-like (PD-1 ~5,000) vs PD-1- bystander at 100 pM, ratio > 20.
        Assert.True(Mean("pd1il2v", "stem_like") > 10 * Mean("pd1il2v", "bystander"));
        // With 100 nM blocking anti-PD-1 (97% occupancy) the cis route is gone: stem-like pSTAT5 drops
        // by more than 5x (full size > 10x).
        Assert.True(Mean("pd1il2v", "stem_like") > 5 * Mean("pd1il2v_block", "stem_like"));
    }

    [Fact]
    public void Stat5LowersToxAndCd25LagsIl2()
    {
        var study = Reduced("stem_like");
        var block = new Dictionary<string, double> { ["aPD1_nM"] = 100 };
        var scenarios = new[]
        {
            study.MakeScenario("aPD1", "none", 0, 720, block),
            study.MakeScenario("IL2_aPD1", "IL2", 300, 720, block),
        };
        var r = PopulationRunner.Run(study, scenarios, new PopulationOptions(CellsPerType: 8, Threads: 2));
        int tox = r.Variable("Tox_obs"), cd25 = r.Variable("CD25_surface");
        double Median(string s, int v) => PopulationResult.Quantile(r.Group(s, "stem_like").Values(v), 0.5);
        // Same antigen, same PD-1 blockade: IL-2's pSTAT5 represses TCR-induced Tox synthesis (K_S_tox,
        // 0.01 of the STAT5 pool) and drives the Teff program, which represses Tox.
        Assert.True(Median("IL2_aPD1", tox) < 0.7 * Median("aPD1", tox));
        // CD25 is induced by pSTAT5 over hours (t1/2 5 h): at 12 h it is several-fold the resting ~100.
        Assert.True(Median("IL2_aPD1", cd25) > 3 * Median("aPD1", cd25));
    }

    [Fact]
    public void Figure3FateOrderingsOfStemLikeCells()
    {
        // MODEL.md s4.5 on 20 stem-like cells over 48 h (slow-scale SSA, theta 10, as the study is
        // run). The same cells (parameters) enter every scenario, so the comparisons are paired.
        // Thresholds: the statistic's range over master seeds 1-6 at this size (fitted receptor constants)
        // is given with each; every threshold is at least 3 of its sampling sd away from that range's centre.
        var study = Reduced("stem_like");
        var block = new Dictionary<string, double> { ["aPD1_nM"] = 100 };
        var scenarios = new[]
        {
            study.MakeScenario("aPD1", "none", 0, 2880, block),
            study.MakeScenario("IL2", "IL2", 300, 2880),
            study.MakeScenario("IL2_aPD1", "IL2", 300, 2880, block),
            study.MakeScenario("IL2v_aPD1", "IL2v", 300, 2880, block),
            // PD1-IL2v at an antibody-like 10 nM, where its arm blocks most PD-1 (docs/il2-results.md).
            study.MakeScenario("PD1IL2v", "PD1IL2v", 10000, 2880),
        };
        var options = new PopulationOptions(CellsPerType: 20, Threads: 2)
        {
            Method = MethodCatalog.SlowScale,
            SlowScale = new Transforms.SlowScaleOptions { Theta = 10 },
        };
        var r = PopulationRunner.Run(study, scenarios, options);
        int eff = r.Variable("Eff_obs");
        double Mean(string s) => r.Group(s, "stem_like").Values(eff).Average();
        double Median(string s) => PopulationResult.Quantile(r.Group(s, "stem_like").Values(eff), 0.5);

        // Effector molecules (Eff_obs) follow the Teff program (docs/il2-model.md, "Exhaustion circuit").
        // PD-1 blockade alone: mostly terminally exhausted (20/20 for every seed 1-6).
        Assert.True(r.Group("aPD1", "stem_like").FateCount("terminal") >= 16);
        // IL-2 alone: the effector program barely starts while PD-L1 damps the TCR. Median ratio to
        // IL-2 + blockade 0.10-0.20 over seeds 1-6 (medians 21-47 vs 205-234).
        Assert.True(Median("IL2") < 0.4 * Median("IL2_aPD1"), $"median effector IL-2 {Median("IL2")}, IL-2 + aPD1 {Median("IL2_aPD1")}");
        // IL-2v + blockade: less effector output than IL-2 wt + blockade. Mean ratio 0.63-0.76 (mean
        // 0.69, sd 0.05; with the hand-calibrated constants 0.46-0.56); 0.84 is 3 sd above.
        Assert.True(Mean("IL2v_aPD1") < 0.84 * Mean("IL2_aPD1"), $"mean effector IL-2v + aPD1 {Mean("IL2v_aPD1")}, IL-2 + aPD1 {Mean("IL2_aPD1")}");
        // PD1-IL2v (10 nM, its arm blocking most PD-1) against IL-2 wt + blockade: mean ratio 0.96-1.03
        // (mean 1.00, sd 0.024) over seeds 1-6, so in this 48-h bath the two are about equal. Asserted as
        // non-inferiority at 0.89, more than 3 sd below the mean: a margin of 11%, wider than the 5% this test
        // had with the earlier, memoryless circuit (ratio 1.01-1.11).
        Assert.True(Mean("PD1IL2v") > 0.89 * Mean("IL2_aPD1"), $"mean effector PD1-IL2v {Mean("PD1IL2v")}, IL-2 + aPD1 {Mean("IL2_aPD1")}");
    }

    /// <summary>
    /// The study's engine (its <c>engine</c> line) against full exact SSA where the reduction is most
    /// exposed: Tregs at 4 pM IL-2, below their EC50, after 30 min. Slow-scale SSA at θ = 2 lumps pairs whose
    /// drain is up to half their relaxation rate (CD25 capture: a captured IL-2 is taken on by CD122 at a
    /// third of the rate it leaves CD25, with the hand-calibrated kf11), which overstates the flux into the
    /// signaling complexes; a saturating dose hides it. Measured with θ = 2: +38% (24.4 vs 17.7 copies,
    /// hand-calibrated constants) and +32% (12.6 vs 9.6, fitted constants), 8.3 and 7.5 paired SE
    /// (docs/il2-results.md, "Slow-scale error"). The same 200 cells (same parameters) run by both engines;
    /// the paired difference's standard error is ≈ 0.4 copies. Allowed: 4 such SE plus the reduction's stated
    /// 5% of the exact mean (≈ 2.1 in all), against the 3.1 a θ = 2 engine is off by (checked: the test
    /// fails with theta=2 in the study file).
    /// </summary>
    [Fact]
    public void StudyEngineAgreesWithExactSsaForTregsBelowTheirEc50()
    {
        var study = Reduced("Treg");
        var scenarios = new[] { study.MakeScenario("IL2_4pM", "IL2", 4, 30) };
        var options = new PopulationOptions(CellsPerType: 200, Threads: 2);
        var engine = PopulationRunner.Run(study, scenarios, study.Settings.Engine.ApplyTo(options));
        var exact = PopulationRunner.Run(study, scenarios, options with { Method = MethodCatalog.Ssa });
        double[] a = engine.Group("IL2_4pM", "Treg").Values(engine.Variable("pSTAT5_obs"));
        double[] b = exact.Group("IL2_4pM", "Treg").Values(exact.Variable("pSTAT5_obs"));
        var (mean, se) = StatisticalChecks.MeanAndStandardError([.. a.Zip(b, (x, y) => x - y)]);
        Assert.True(Math.Abs(mean) <= 4 * se + 0.05 * b.Average(), $"pSTAT5 engine {a.Average():F2} vs exact {b.Average():F2}: paired difference {mean:F2} ± {se:F2}");
    }

    /// <summary>
    /// The study engine (slow-scale θ = 10 with leaping) against full exact SSA on the same 100 cells per case,
    /// 2 h, across cell types and doses (docs/il2-results.md, "Slow-scale error", the θ = 10 table). Allowed, as
    /// in the T-reg test above: 4 paired standard errors plus the reduction's stated 5% of the exact mean, per
    /// observable (pSTAT5 now and time-averaged, surface CD122, active receptors). Measured: within 2.6% and
    /// 2.3 SE everywhere while the reservoir rule kept NK cells' CD122–γc chain exact under IL-2v; with the rule at
    /// the free count at equilibrium it is lumped there (188× fewer firings) and NK pSTAT5 reads +1.7–2.3%, active
    /// receptors +2.1% (2.6–6.8 paired SE), as the same chain already did in NK cells at 300 pM (+4%) and in Treg and
    /// terminal cells at 2 nM (+2.5–3.6%). Long: the exact side of NK cells at 2 nM fires ~5·10⁸ times per case.
    /// </summary>
    [Theory]
    [Trait("Category", "Long")]
    [InlineData("NK", "IL2v", 2000.0)]
    [InlineData("NK", "IL2", 2000.0)]
    [InlineData("NK", "IL2", 100.0)]
    [InlineData("Treg", "IL2", 2000.0)]
    [InlineData("stem_like", "IL2", 2000.0)]
    [InlineData("terminal", "IL2", 2000.0)]
    public void StudyEngineAgreesWithExactSsaAcrossCellTypesAndDoses(string cellType, string ligand, double dose)
    {
        var study = Reduced(cellType);
        var scenarios = new[] { study.MakeScenario("s", ligand, dose, 120) };
        var options = new PopulationOptions(CellsPerType: 100, Threads: 2);
        var engine = PopulationRunner.Run(study, scenarios, study.Settings.Engine.ApplyTo(options));
        var exact = PopulationRunner.Run(study, scenarios, options with { Method = MethodCatalog.Ssa });
        foreach (var v in new[] { "pSTAT5_obs", "pSTAT5_obs_mean", "CD122_surface", "Active" })
        {
            double[] a = engine.Group("s", cellType).Values(engine.Variable(v));
            double[] b = exact.Group("s", cellType).Values(exact.Variable(v));
            var (mean, se) = StatisticalChecks.MeanAndStandardError([.. a.Zip(b, (x, y) => x - y)]);
            Assert.True(Math.Abs(mean) <= 4 * se + 0.05 * b.Average(), $"{v}: engine {a.Average():F2} vs exact {b.Average():F2}: paired difference {mean:F2} ± {se:F2}");
        }
    }

    [Fact]
    public void Pd1Il2vSignalsLessInTregsThanIl2()
    {
        // MODEL.md s4.5: PD1-IL2v with less Treg signaling than IL-2 wt. At 30 pM (low dose, where
        // Tregs respond to IL-2 but PD1-IL2v finds only their ~1,000 PD-1) over 48 h, 20 Tregs, slow-scale
        // θ = 10 (θ = 2 overstates Treg signaling at such doses; docs/il2-results.md, "Slow-scale error"): the
        // ratio of mean time-averaged pSTAT5 was 0.45-0.68 over seeds 1-6 (mean 0.55, sd 0.095) at the fitted
        // constants; threshold 0.85 is 3.1 sd above the mean.
        var study = Reduced("Treg");
        var scenarios = new[] { study.MakeScenario("IL2", "IL2", 30, 2880), study.MakeScenario("PD1IL2v", "PD1IL2v", 30, 2880) };
        var options = new PopulationOptions(CellsPerType: 20, Threads: 2)
        {
            Method = MethodCatalog.SlowScale,
            SlowScale = new Transforms.SlowScaleOptions { Theta = 10 },
        };
        var r = PopulationRunner.Run(study, scenarios, options);
        int pS = r.Variable("pSTAT5_obs_mean");
        double Mean(string s) => r.Group(s, "Treg").Values(pS).Average();
        Assert.True(Mean("PD1IL2v") < 0.85 * Mean("IL2"), $"Treg mean pSTAT5 PD1-IL2v {Mean("PD1IL2v")}, IL-2 {Mean("IL2")}");
    }
}
