using Stochastic.Formats;
using Stochastic.Population;
using Stochastic.Sensitivity;
using Xunit;

namespace Stochastic.Tests;

/// <summary>Study overrides (model parameters, rule thresholds) and design runs over a study, on the tiny birth-death study.</summary>
public class SensitivityStudyTests
{
    private static Study Tiny() => StudyReaderTests.ParseTiny(StudyReaderTests.TinyStudy);

    [Fact]
    public void ParameterOverrideReachesAMassActionRate()
    {
        // kd is the mass-action decay rate of X, folded into the compiled network: the override must rebuild
        // the model, not only the per-cell parameters. Cell type B starts at X0 = 20 with k0 = 5; at t = 20
        // E[X] = 20 e^(-20 kd) + (5/kd)(1 - e^(-20 kd)) (binomial survivors plus Poisson immigrants), with
        // variance 20 p (1 - p) + (5/kd)(1 - p), p = e^(-20 kd). With 60 cells the mean is within 4 standard
        // errors; kd = 0.2 gives 24.9 against 45.9 at the model's kd = 0.1, so a lost override fails.
        var study = Tiny();
        var changed = StudyOverrides.Apply(study, new Dictionary<string, double> { ["kd"] = 0.2 });
        Assert.Equal(0.1, study.Model.Parameters[study.Model.ParameterIndex("kd")].Value);
        Assert.Equal(0.2, changed.Model.Parameters[changed.Model.ParameterIndex("kd")].Value);
        var r = PopulationRunner.Run(changed, new PopulationOptions(CellsPerType: 60, Threads: 2, Scenarios: ["low"]));
        double kd = 0.2, p = Math.Exp(-20 * kd), lambda = 5 / kd * (1 - p);
        double mean = 20 * p + lambda, sd = Math.Sqrt(20 * p * (1 - p) + lambda);
        var x = r.Group("low", "B").Values(r.Variable("Xobs"));
        Assert.Equal(60, x.Length);
        Assert.InRange(x.Average(), mean - 4 * sd / Math.Sqrt(60), mean + 4 * sd / Math.Sqrt(60));
    }

    [Fact]
    public void ThresholdOverrideReclassifiesTheSameCells()
    {
        var study = Tiny();
        Assert.Equal(40, StudyOverrides.Current(study, "fate.many"));
        var options = new PopulationOptions(CellsPerType: 12, Threads: 2);
        var parameters = new[] { new SensitivityParameter("fate.many", 0, 1000), new SensitivityParameter("kd", 0.05, 0.2, Log: true) };
        var runner = new StudySensitivity(study, options, parameters);
        var run = runner.Run([[0.5, 0.5], [0.5, 0.5], [1, 0.5], [0, 0.5]]);
        Assert.False(run.Cancelled);
        // Common random numbers: the same point gives the same numbers, bit for bit.
        Assert.Equal(run.Values[0], run.Values[1]);
        int many = run.Names.ToList().IndexOf("cells:low:B:many"), few = run.Names.ToList().IndexOf("cells:low:B:few");
        int meanX = run.Names.ToList().IndexOf("mean:low:B:Xobs");
        // A threshold moves no molecule: the read-out is identical, only the fates change. At 1000 no cell
        // has more than 1000 copies (mean ~46); at 0 every cell with X > 0 does.
        Assert.Equal(run.Values[0][meanX], run.Values[2][meanX]);
        Assert.Equal(0, run.Values[2][many]);
        Assert.Equal(12, run.Values[2][few]);
        Assert.Equal(12, run.Values[3][many]);
        // The outputs are those of a plain run at the same values.
        var direct = PopulationRunner.Run(StudyOverrides.Apply(study, runner.Values([0.5, 0.5])), options);
        Assert.Equal(direct.Group("low", "B").FateCount("many"), run.Values[0][many]);
        Assert.Equal(direct.Group("low", "B").Values(direct.Variable("Xobs_mean")).Average(), run.Values[0][meanX]);
    }

    [Fact]
    public void CellTypeParameterOverrideMovesTheMedianAndKeepsEachCellsPlace()
    {
        // A.X0 is lognormal(10, 0.5), B.X0 fixed at 20: the override sets the median (σ kept) or the value.
        var study = Tiny();
        Assert.Equal(10, StudyOverrides.Current(study, "A.X0"));
        var changed = StudyOverrides.Apply(study, new Dictionary<string, double> { ["A.X0"] = 30, ["B.X0"] = 35 });
        Assert.Equal(new LogNormalDistribution(30, 0.5), changed.CellTypes[0].Parameters.Single(p => p.Parameter == "X0").Distribution);
        Assert.Equal(new FixedDistribution(35), changed.CellTypes[1].Parameters.Single(p => p.Parameter == "X0").Distribution);
        Assert.Equal(study.CellTypes[0].Parameters.Single(p => p.Parameter == "k0"), changed.CellTypes[0].Parameters.Single(p => p.Parameter == "k0"));
        // Tripling the median triples every A cell's X0 (same seed, same normal score). The time average of X
        // over the 20 time units (kd = 0.1) carries X0 (1 - e^-2)/2 = 0.432 X0 of the start, so it rises by
        // 2 x 0.432 x E[X0] = 0.865 x 10 e^(0.5²/2) = 9.8 on average. Its standard error over 40 cells: the
        // time average of an immigration-death count with mean ~20 and relaxation time 10 has variance ~2·20·10/20
        // = 20 per cell, the difference of two runs ~40 (sd 6.3, /√40 = 1.0), plus the spread of the 40 cells'
        // X0 (lognormal sd 6.0 x 0.865 / √40 = 0.8): 1.3. Within 4 of those (4.6-15); an override that moved
        // nothing gives 0.
        var options = new PopulationOptions(CellsPerType: 40, Threads: 2, Scenarios: ["low"]);
        var b = PopulationRunner.Run(study, options);
        var a = PopulationRunner.Run(StudyOverrides.Apply(study, new Dictionary<string, double> { ["A.X0"] = 30 }), options);
        double rise = a.Group("low", "A").Values(a.Variable("Xobs_mean")).Average() - b.Group("low", "A").Values(b.Variable("Xobs_mean")).Average();
        Assert.InRange(rise, 9.8 - 4 * 1.3, 9.8 + 4 * 1.3);
        // B is untouched by an A override: its cells are the same, bit for bit.
        Assert.Equal(b.Group("low", "B").Values(b.Variable("Xobs_mean")), a.Group("low", "B").Values(a.Variable("Xobs_mean")));
        Assert.Throws<ModelException>(() => StudyOverrides.Apply(study, new Dictionary<string, double> { ["A.X0"] = -1 }));
    }

    [Theory]
    [InlineData("X0", "set by the study (cell type 'A'), which would override the value given here; vary its median per cell type as CELLTYPE.X0")]
    [InlineData("A.kd", "cell type 'A' does not set 'kd'")]
    [InlineData("A.k0", "has no median to move")]
    [InlineData("dose", "set by the study")]
    [InlineData("nope", "unknown parameter 'nope'")]
    [InlineData("kdd", "did you mean 'kd'?")]
    [InlineData("fate.few", "not a comparison with a number")]
    [InlineData("fate.some", "not a comparison with a number")]
    [InlineData("fate.lots", "unknown fate rule 'lots' (fate.many, fate.some, fate.few)")]
    [InlineData("lineage.divide", "the study has no lineage block")]
    public void NamesThatCannotBeSetAreRefusedWithAReason(string name, string message)
    {
        var e = Assert.Throws<ModelException>(() => new StudySensitivity(Tiny(), new PopulationOptions(), [new SensitivityParameter(name, 0, 1)]));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void TissueNumbersCanBeSet_AndTheirErrorsSayWhy()
    {
        // The dosed tissue of PharmacokineticsTests: one plasma compartment, half-life 6.93 min, exchange half-time 0.693 min.
        var study = PharmacokineticsTests.Parse(PharmacokineticsTests.DosedStudy());
        Assert.Equal(Math.Log(2) / 0.1, StudyOverrides.Current(study, "pk.L.half_life"), 9);
        Assert.Equal(Math.Log(2), StudyOverrides.Current(study, "pk.L.exchange_half_time"), 9);
        Assert.Equal(1, StudyOverrides.Current(study, "pk.L.partition"));
        Assert.Equal(6.02214076e11, StudyOverrides.Current(study, "pool.cells_per_liter"));
        var changed = StudyOverrides.Apply(study, new Dictionary<string, double>
        {
            ["pk.L.half_life"] = 20, ["pk.L.exchange_half_time"] = 5, ["pk.L.partition"] = 0.3, ["pool.cells_per_liter"] = 1e10,
        });
        var pk = changed.Settings.Pharmacokinetics.Single();
        Assert.Equal(Math.Log(2) / 20, pk.K10, 15);
        Assert.Equal(Math.Log(2) / 5, pk.TissueExchange, 15);
        Assert.Equal(0.3, pk.Partition);
        Assert.Equal(1e10, changed.Settings.LigandPool!.CellsPerLiter);
        Assert.Equal(0.1, study.Settings.Pharmacokinetics.Single().K10, 15);   // the study itself is unchanged
        // The plasma follows the new half-life: a bolus of 1 mol falls to half in 20 min.
        var plasma = new PlasmaProfile(pk, [new Dose("L", 1, 0, 0, 1, 0, "", SourcePosition.None)]);
        Assert.Equal(0.5, plasma.At(20) / plasma.At(0), 12);
        // And the run sees it: a faster exchange brings more ligand into the tissue in the first minute.
        var fast = StudyOverrides.Apply(study, new Dictionary<string, double> { ["pk.L.exchange_half_time"] = 0.1 });
        double Free(Study s) => PopulationRunner.Run(s, new PopulationOptions(Threads: 1)).LigandPools[0].Agents[0].Free[1];
        Assert.True(Free(fast) > 1.5 * Free(study), $"{Free(fast)} vs {Free(study)}");

        foreach (var (name, message) in new[]
                 {
                     ("pk.X.partition", "no agent 'X' in the pharmacokinetics block (L)"),
                     ("pk.L.volume", "expected pk.AGENT.KEY, KEY one of half_life, exchange_half_time, partition"),
                     ("pk.partition", "expected pk.AGENT.KEY"),
                 })
            Assert.Contains(message, Assert.Throws<ModelException>(() => StudyOverrides.Current(study, name)).Message);
        Assert.Contains("must be positive", Assert.Throws<ModelException>(() => StudyOverrides.Apply(study, new Dictionary<string, double> { ["pk.L.partition"] = 0 })).Message);
        Assert.Contains("the study has no ligand_pool setting", Assert.Throws<ModelException>(() => StudyOverrides.Current(Tiny(), "pool.cells_per_liter")).Message);
        Assert.Contains("the study has none", Assert.Throws<ModelException>(() => StudyOverrides.Current(Tiny(), "pk.L.half_life")).Message);
        // Aldesleukin's two compartments have no single half-life.
        var tissue = StudyReader.Read(Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "tissue.study"));
        Assert.Contains("two plasma compartments", Assert.Throws<ModelException>(() => StudyOverrides.Current(tissue, "pk.IL2.half_life")).Message);
        Assert.Equal(30, StudyOverrides.Current(tissue, "pk.IL2.exchange_half_time"), 9);
    }

    [Fact]
    public async Task CoupledStudy_WithAnEngineThatCannotResumeCells_IsRefusedInOneLine()
    {
        // population and sensitivity share this refusal (EngineOptions.RefusesCoupledStudy): a shared ligand pool needs
        // cells that pause at every coupling time, which the batch engine's cells cannot.
        string study = Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "tissue.study");
        string dir = Path.Combine(Path.GetTempPath(), "stochastic-sens-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (var args in new[]
            {
                new[] { "population", study, "--method", "batch", "--out", Path.Combine(dir, "p") },
                ["sensitivity", study, "--param", "K_tcf_rep=250:1000:log", "--method", "batch", "--trajectories", "2", "--out", Path.Combine(dir, "s")],
            })
            {
                var (code, _, error) = await CliHarness.Run(args);
                Assert.Equal(1, code);
                Assert.Single(error.Trim().Split('\n'));
                Assert.Contains("error: the study has a shared ligand pool, which needs cells that pause and resume; use --method ", error);
                Assert.Contains(", not batch", error);
                Assert.False(Directory.Exists(Path.Combine(dir, args[0] == "population" ? "p" : "s")));
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task CommandWritesTheDesignIndicesAndPlots()
    {
        string dir = Path.Combine(Path.GetTempPath(), "stochastic-sens-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "tiny.bngl"), StudyReaderTests.TinyModel);
            File.WriteAllText(Path.Combine(dir, "tiny.study"), StudyReaderTests.TinyStudy);
            string study = Path.Combine(dir, "tiny.study"), outDir = Path.Combine(dir, "out");
            var (code, output, error) = await CliHarness.Run("sensitivity", study, "--param", "kd=0.05:0.2:log", "--param", "fate.many=20:60",
                "--trajectories", "3", "--cells", "4", "--method", "ssa", "--output", "cells:low:B:many", "--out", outDir);
            Assert.True(code == 0, error);
            Assert.Contains("1 outputs", output);
            var morris = File.ReadAllLines(Path.Combine(outDir, "morris.csv"));
            Assert.Equal("output,parameter,mu,mu_star,mu_star_low,mu_star_high,sigma,effects,nan_points", morris[0]);
            Assert.Equal(3, morris.Length);
            Assert.Equal(1 + 3 * 3, File.ReadAllLines(Path.Combine(outDir, "design.csv")).Length);
            Assert.True(File.Exists(Path.Combine(outDir, "morris_cells_low_B_many.png")));

            // The same design analysed again from design.csv, without running the study: the same indices.
            File.Copy(Path.Combine(outDir, "design.csv"), Path.Combine(dir, "design.csv"));
            (code, _, error) = await CliHarness.Run("sensitivity", study, "--param", "kd=0.05:0.2:log", "--param", "fate.many=20:60",
                "--trajectories", "3", "--output", "cells:low:B:*", "--from-design", Path.Combine(dir, "design.csv"), "--out", Path.Combine(dir, "again"));
            Assert.True(code == 0, error);
            var again = File.ReadAllLines(Path.Combine(dir, "again", "morris.csv"));
            Assert.Equal(morris[1..], again.Where(l => l.StartsWith("cells:low:B:many,", StringComparison.Ordinal)));
            // Another design (other paths) is refused.
            (code, _, error) = await CliHarness.Run("sensitivity", study, "--param", "kd=0.05:0.2:log", "--param", "fate.many=20:60",
                "--trajectories", "3", "--design-seed", "2", "--from-design", Path.Combine(dir, "design.csv"), "--out", Path.Combine(dir, "again"));
            Assert.Equal(1, code);
            Assert.Contains("not the same design", error);

            (code, _, error) = await CliHarness.Run("sensitivity", study, "--param", "kd=0.05:0.2:log", "--param", "fate.many=20:60", "--design", "sobol",
                "--samples", "4", "--cells", "2", "--method", "ssa", "--output", "cells:low:B:many", "--out", outDir);
            Assert.True(code == 0, error);
            Assert.Equal(1 + 2, File.ReadAllLines(Path.Combine(outDir, "sobol.csv")).Length);
            Assert.Equal(1 + 4 * 4, File.ReadAllLines(Path.Combine(outDir, "design.csv")).Length);
            Assert.True(File.Exists(Path.Combine(outDir, "sobol_cells_low_B_many.png")));

            // Only cell type B: the same cells as in the whole design, so B's columns are the same and A's are gone.
            string onlyB = Path.Combine(dir, "only-b");
            (code, _, error) = await CliHarness.Run("sensitivity", study, "--param", "kd=0.05:0.2:log", "--param", "fate.many=20:60", "--design", "sobol",
                "--samples", "4", "--cells", "2", "--method", "ssa", "--cell-type", "B", "--output", "cells:low:B:many", "--out", onlyB);
            Assert.True(code == 0, error);
            var whole = File.ReadAllLines(Path.Combine(outDir, "design.csv")).Select(l => l.Split(',')).ToArray();
            var part = File.ReadAllLines(Path.Combine(onlyB, "design.csv")).Select(l => l.Split(',')).ToArray();
            Assert.DoesNotContain(part[0], name => name.Contains(":A:", StringComparison.Ordinal));
            Assert.Equal(whole[0].Count(name => name.Contains(":B:", StringComparison.Ordinal)), part[0].Count(name => name.Contains(":B:", StringComparison.Ordinal)));
            for (int k = 0; k < part[0].Length; k++)
            {
                int w = Array.IndexOf(whole[0], part[0][k]);
                Assert.True(w >= 0, part[0][k]);
                Assert.Equal(whole.Select(row => row[w]), part.Select(row => row[k]));
            }
            Assert.Equal(File.ReadAllLines(Path.Combine(outDir, "sobol.csv")), File.ReadAllLines(Path.Combine(onlyB, "sobol.csv")));
            // In a well with a shared fluid the cell types are not independent: choosing some is refused, in one line.
            (code, _, error) = await CliHarness.Run("sensitivity", Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "tissue.study"),
                "--param", "K_tcf_rep=250:1000:log", "--cell-type", "stem_like", "--trajectories", "2", "--out", onlyB);
            Assert.Equal(1, code);
            Assert.Single(error.Trim().Split('\n'));
            Assert.Contains("--cell-type: the study has a shared ligand pool", error);

            // Bad input: one line, exit code 1.
            foreach (var args in new[]
                     {
                         new[] { "--param", "X0=1:2" }, ["--param", "kd=2:1"], ["--param", "kd=0.1:0.2", "--output", "nothing:*"],
                         ["--param", "kd=0.1:0.2", "--cap", "5"],
                     })
            {
                (code, _, error) = await CliHarness.Run(["sensitivity", study, "--cells", "2", "--trajectories", "2", "--method", "ssa", "--out", outDir, .. args]);
                Assert.Equal(1, code);
                Assert.Single(error.Trim().Split('\n'));
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
