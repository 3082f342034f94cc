using Stochastic.Methods;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Population;
using Stochastic.Simulation.Exact;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

public class LigandPoolTests(ITestOutputHelper output)
{
    // Receptor model with the ligand as a concentration (pM): R -> C at kon·L_pM per receptor,
    // C -> R (koff, ligand back to solution), C -> I (kint, ligand consumed). Taken = C + I.
    internal const string CellModel = """
        begin parameters
          L_pM  0
          kon   0.004
          koff  0.2
          kint  0.3
          R0    50
        end parameters
        begin seed species
          R  R0
          C  0
          I  0
        end seed species
        begin observables
          Molecules Taken C I
          Molecules Bound C
        end observables
        begin functions
          bind() = kon*L_pM
        end functions
        begin reaction rules
          R -> C  bind()
          C -> R  koff
          C -> I  kint
        end reaction rules
        """;

    // 6.02214076e11 cells per liter makes 1 pM one molecule per cell, so a well of N cells at
    // 25 pM holds 25·N molecules and the fully coupled model's pair rate is kon/N.
    internal const string PoolStudy = """
        begin study
          model cell.bngl
          cells 8
          seed 11
          output_every 1
          dose_parameter L_pM
          readout Taken
          readout_time 10
          dose_unit pM
          ligand_pool uptake=Taken cells_per_liter=6.02214076e11 coupling=0.1
        end study
        begin ligands
          L
        end ligands
        begin cell types
          cell  R0  50
        end cell types
        begin scenarios
          well  ligand=L dose=25 duration=10
        end scenarios
        begin fates
          any: 1
        end fates
        """;

    /// <summary>
    /// The fluid is charged each cell's expected uptake given its state, not the recorded value: a lumping engine
    /// records a draw of its fast members, and charging that draw moved ligand in and out of the fluid at every
    /// interval (the main job once saw a 100% jump of free IL-2). Here binding is the only thing that holds
    /// ligand and it is lumped (fast and undrained), so no slow reaction changes what a cell can hold: the free
    /// concentration must then be the same whatever the seed, bit for bit, while the recorded draws differ.
    /// </summary>
    [Fact]
    public void LumpedBindingChargesTheFluidItsExpectedUptake_NotTheRecordedDraw()
    {
        const string model = """
            begin parameters
              L_pM  0
              kon   0.4
              koff  20
              kx    0.5
              R0    50
            end parameters
            begin seed species
              R  R0
              C  0
              X  0
            end seed species
            begin observables
              Molecules Taken C
              Molecules Xs X
            end observables
            begin functions
              bind() = kon*L_pM
            end functions
            begin reaction rules
              R -> C  bind()
              C -> R  koff
              0 -> X  kx
            end reaction rules
            """;
        string pooled = PoolStudy.Replace("duration=10", "duration=3");
        // the pooled runner, and the lineage runner (cells that never divide)
        foreach (string text in new[] { pooled, pooled + "\nbegin lineage\n  divide Xs >= 1e9\nend lineage\n" })
        {
            var study = Parse(text, model);
            PopulationResult Go(ulong seed) => PopulationRunner.Run(study, new PopulationOptions(Seed: seed, Threads: 1)
            {
                Method = MethodCatalog.SlowScale,
                SlowScale = new Transforms.SlowScaleOptions { Theta = 2 },
            });
            var one = Go(1);
            var two = Go(2);
            Assert.Contains("lumped: R <-> C", one.Method);
            Assert.NotEqual(one.Groups[0].Values(one.Variable("Taken")), two.Groups[0].Values(two.Variable("Taken")));   // the draws differ
            Assert.True(one.LigandPools[0].FinalFreeFraction is > 0.05 and < 0.95, "the cells take part of the ligand");
            Assert.Equal(one.LigandPools[0].FreeFraction, two.LigandPools[0].FreeFraction);
        }
    }

    private const int Cells = 8, Receptors = 50, Dose = 25, Ligand = Cells * Dose;
    private const double Kon = 0.004, Koff = 0.2, Kint = 0.3, Duration = 10;
    private static readonly double[] CheckTimes = [2, 5, 10];

    private static Study Parse(string study, string model = CellModel) =>
        StudyReader.Parse(study, "pool.study", _ => BnglReader.Parse(model, "cell.bngl"));

    // The same cells sharing ONE explicit ligand species L (molecules): L + R_i -> C_i at kon/N
    // per molecule pair, C_i -> R_i + L, C_i -> I_i. Simulated by the exact SSA, it is the reference.
    private static string CoupledModel(int[] receptors)
    {
        int cells = receptors.Length;
        var w = new System.Text.StringBuilder();
        w.AppendLine("begin parameters");
        w.AppendLine(FormattableString.Invariant($"  kon2 {Kon / cells}\n  koff {Koff}\n  kint {Kint}"));
        w.AppendLine("end parameters\nbegin seed species");
        w.AppendLine($"  L {Dose * cells}");
        for (int i = 0; i < cells; i++) w.AppendLine($"  R{i} {receptors[i]}\n  C{i} 0\n  I{i} 0");
        w.AppendLine("end seed species\nbegin reaction rules");
        for (int i = 0; i < cells; i++) w.AppendLine($"  L + R{i} -> C{i}  kon2\n  C{i} -> R{i} + L  koff\n  C{i} -> I{i}  kint");
        w.AppendLine("end reaction rules");
        return w.ToString();
    }

    /// <summary>Per replicate: free ligand fraction at <see cref="CheckTimes"/>, then mean uptake per cell at the end.</summary>
    private static double[][] Coupled(int replicates, int[]? receptors = null)
    {
        receptors ??= [.. Enumerable.Repeat(Receptors, Cells)];
        int cells = receptors.Length, ligand = Dose * cells;
        var network = NetworkCompiler.Compile(BnglReader.Parse(CoupledModel(receptors), "coupled.bngl"));
        var sim = ExactAlgorithms.All[0].CreateSimulator(network);
        int l = Array.IndexOf(network.SpeciesNames, "L");
        var rows = new double[replicates][];
        for (int r = 0; r < replicates; r++)
        {
            sim.Reset(77, (ulong)r);
            var row = new double[CheckTimes.Length + 1];
            for (int k = 0; k < CheckTimes.Length; k++)
            {
                sim.Advance(CheckTimes[k]);
                row[k] = sim.State[l] / ligand;
            }
            double taken = 0;
            for (int i = 0; i < cells; i++) taken += sim.State[Array.IndexOf(network.SpeciesNames, $"C{i}")] + sim.State[Array.IndexOf(network.SpeciesNames, $"I{i}")];
            row[^1] = taken / cells;
            rows[r] = row;
        }
        return rows;
    }

    /// <summary>
    /// Per replicate well: as <see cref="Coupled"/>; the largest relative change of the mean free ligand
    /// over one interval (the deterministic drift; a single well's also holds the molecular noise of a
    /// 200-molecule pool); and the largest change any well reported.
    /// </summary>
    private static (double[][] Rows, double Drift, double Reported) Pooled(int replicates, double coupling, double outputEvery = 1)
    {
        var study = Parse(PoolStudy.Replace("output_every 1", FormattableString.Invariant($"output_every {outputEvery}")));
        var wells = Enumerable.Range(0, replicates).Select(r => study.MakeScenario($"w{r}", "L", Dose, Duration)).ToList();
        var result = PopulationRunner.Run(study, wells, new PopulationOptions(Threads: 2) { Coupling = coupling });
        int taken = result.Variable("Taken");
        var rows = new double[replicates][];
        for (int r = 0; r < replicates; r++)
        {
            var trace = result.LigandPools[r];
            Assert.Equal($"w{r}", trace.Scenario);
            Assert.Equal(Ligand, trace.InitialMolecules, 9);
            var row = new double[CheckTimes.Length + 1];
            for (int k = 0; k < CheckTimes.Length; k++)
            {
                int at = Array.FindIndex(trace.Times, t => Math.Abs(t - CheckTimes[k]) < 1e-9);
                row[k] = at >= 0 ? trace.FreeFraction[at] : double.NaN;
            }
            row[^1] = result.Group($"w{r}", "cell").Values(taken).Average();
            rows[r] = row;
        }
        var times = result.LigandPools[0].Times;
        var mean = times.Select((_, j) => result.LigandPools.Average(t => t.FreeFraction[j])).ToArray();
        double drift = 0;
        for (int j = 1; j < mean.Length; j++) drift = Math.Max(drift, Math.Abs(mean[j] - mean[j - 1]) / mean[j - 1]);
        return (rows, drift, result.LigandPools.Max(t => t.MaxRelativeChange));
    }

    private static (double Mean, double Variance) Moments(double[][] rows, int column)
    {
        double mean = rows.Average(r => r[column]);
        return (mean, rows.Sum(r => (r[column] - mean) * (r[column] - mean)) / (rows.Length - 1));
    }

    [Fact]
    public void PooledWellsMatchTheFullyCoupledSsaAndALongIntervalDoesNot()
    {
        const int replicates = 200;
        var exact = Coupled(replicates);
        var (pooled, change, _) = Pooled(replicates, 0.1);
        var (pooledLong, _, reportedLong) = Pooled(replicates, Duration, Duration);
        // The short interval keeps the mean free ligand within the recommended change per interval;
        // the whole run as one interval does not, and every well reports it.
        Assert.True(change <= LigandPool.RecommendedMaxRelativeChange, $"max change {change}");
        Assert.True(reportedLong > 0.5, $"max change {reportedLong}");
        output.WriteLine(FormattableString.Invariant($"drift per interval {change:F4}; reported by the one-interval wells {reportedLong:F3}"));

        var (final, _) = Moments(exact, CheckTimes.Length - 1);
        Assert.InRange(final, 0.3, 0.7); // the ligand is substantially depleted (about 62%)
        for (int c = 0; c <= CheckTimes.Length; c++)
        {
            var (me, ve) = Moments(exact, c);
            var (mp, vp) = Moments(pooled, c);
            var (ml, _) = Moments(pooledLong, c == CheckTimes.Length ? c : CheckTimes.Length - 1);
            // Tolerance: 4 standard errors of the difference of two independent means of 200 replicates
            // (a fixed-seed false alarm below 1e-4), plus the coupling's deterministic bias: each
            // interval's uptake is off by at most about half the interval's relative change of the free
            // ligand, so the uptake so far (1 − free fraction, or uptake per cell in molecules) is off by
            // at most change/2 of itself.
            double se = Math.Sqrt(ve / replicates + vp / replicates);
            double taken = c == CheckTimes.Length ? me : 1 - me;
            double tolerance = 4 * se + change / 2 * taken;
            output.WriteLine(FormattableString.Invariant($"column {c}: coupled {me:F4}, pooled {mp:F4}, tolerance {tolerance:F4} (4 SE {4 * se:F4}); one interval, at the end: {ml:F4}"));
            Assert.True(Math.Abs(mp - me) <= tolerance, $"column {c}: pooled {mp} vs coupled {me}, tolerance {tolerance}");
            // One interval for the whole run (the cells see one predicted average throughout) is far
            // off at the end: the implicit uptake keeps it within ~30% (the explicit coupling this
            // replaced was off by more than 10 tolerances), still several tolerances away.
            if (c >= CheckTimes.Length - 1)
                Assert.True(Math.Abs(ml - me) > 4 * tolerance, $"column {c}: long interval {ml} vs coupled {me}, tolerance {tolerance}");
        }
    }

    // Two cell types with fixed receptor numbers, 4 simulated cells each; the mix makes the well 6
    // cells of 'few' and 2 of 'many' (weights 1.5 and 0.5).
    private static string MixStudy(string mix) => PoolStudy
        .Replace("cells 8", "cells 4")
        .Replace("coupling=0.1", "coupling=0.1" + mix)
        .Replace("  cell  R0  50", "  few   R0  50\n  many  R0  150");

    /// <summary>Per well, the free ligand fraction at <see cref="CheckTimes"/>; and the largest relative change of the mean free ligand over one interval.</summary>
    private static (double[][] Rows, double Drift) PooledMix(int replicates, string mix)
    {
        var study = Parse(MixStudy(mix));
        var wells = Enumerable.Range(0, replicates).Select(r => study.MakeScenario($"w{r}", "L", Dose, Duration)).ToList();
        var result = PopulationRunner.Run(study, wells, new PopulationOptions(Threads: 2));
        var mean = result.LigandPools[0].Times.Select((_, j) => result.LigandPools.Average(t => t.FreeFraction[j])).ToArray();
        double drift = 0;
        for (int j = 1; j < mean.Length; j++) drift = Math.Max(drift, Math.Abs(mean[j] - mean[j - 1]) / mean[j - 1]);
        return ([.. result.LigandPools.Select(trace => CheckTimes.Select(t => trace.FreeFraction[Array.FindIndex(trace.Times, x => Math.Abs(x - t) < 1e-9)]).ToArray())], drift);
    }

    [Fact]
    public void AMixedWellMatchesTheFullyCoupledSsaOfThatComposition()
    {
        const int replicates = 200;
        var exact = Coupled(replicates, [50, 50, 50, 50, 50, 50, 150, 150]);
        var (mixed, drift) = PooledMix(replicates, " mix=few:1.5,many:0.5");
        var (equal, _) = PooledMix(replicates, "");
        Assert.True(drift <= LigandPool.RecommendedMaxRelativeChange, $"max change {drift}");
        for (int c = 0; c < CheckTimes.Length; c++)
        {
            var (me, ve) = Moments(exact, c);
            var (mp, vp) = Moments(mixed, c);
            var (mq, _) = Moments(equal, c);
            // As in the test above: 4 standard errors of the difference of two means of 200 wells,
            // plus the coupling bias (at most half the largest change per interval, of the uptake).
            double tolerance = 4 * Math.Sqrt(ve / replicates + vp / replicates) + drift / 2 * (1 - me);
            output.WriteLine(FormattableString.Invariant($"t = {CheckTimes[c]}: coupled 6 few + 2 many {me:F4}, pooled with mix {mp:F4} (tolerance {tolerance:F4}), pooled 4 + 4 {mq:F4}"));
            Assert.True(Math.Abs(mp - me) <= tolerance, $"t = {CheckTimes[c]}: pooled {mp} vs coupled {me}, tolerance {tolerance}");
            // Without the mix the well is 4 + 4 and takes more (800 receptors instead of 600): the
            // check tells the two apart.
            Assert.True(me - mq > tolerance, $"t = {CheckTimes[c]}: equal mix {mq} vs coupled {me}, tolerance {tolerance}");
        }
    }

    [Fact]
    public void MixWeightsAreScaledToMeanOne_AndEqualWeightsChangeNothing()
    {
        var pool = Parse(MixStudy(" mix=many:3,few:1")).Settings.LigandPool!;
        Assert.Equal([0.5, 1.5], pool.Weights.ToArray());
        var options = new PopulationOptions(Threads: 1);
        var plain = PopulationRunner.Run(Parse(MixStudy("")), options);
        var same = PopulationRunner.Run(Parse(MixStudy(" mix=few:2,many:2")), options);
        Assert.Equal(plain.LigandPools[0].FreeFraction, same.LigandPools[0].FreeFraction);
        // The well's cell types share its fluid: running some of them would be another experiment, and is refused.
        var chosen = Assert.Throws<ArgumentException>(() => PopulationRunner.Run(Parse(MixStudy("")), options with { CellTypes = ["few"] }));
        Assert.Contains("shared ligand pool", chosen.Message);
        // The free ligand is what the weighted cells left.
        var mixed = PopulationRunner.Run(Parse(MixStudy(" mix=few:1,many:3")), options);
        int taken = mixed.Variable("Taken");
        double uptake = 0.5 * mixed.Group("well", "few").Values(taken).Sum() + 1.5 * mixed.Group("well", "many").Values(taken).Sum();
        Assert.Equal(1 - uptake / mixed.LigandPools[0].InitialMolecules, mixed.LigandPools[0].FinalFreeFraction, 9);
        var report = new StringWriter();
        PopulationCsv.WriteReport(mixed, report);
        Assert.Contains("each simulated cell stands for this many cells: few 0.5, many 1.5.", report.ToString());
    }

    [Theory]
    [InlineData(" mix=fews:1,many:1", "pool.study:10:75: unknown cell type 'fews' in ligand_pool mix; did you mean 'few'?")]
    [InlineData(" mix=few:1", "pool.study:10:75: ligand_pool mix must give every cell type a weight; missing many")]
    [InlineData(" mix=few:1,many:-2", "pool.study:10:86: ligand_pool mix weight of 'many' must be a number ≥ 0; found '-2'")]
    [InlineData(" mix=few:0,many:0", "pool.study:10:75: ligand_pool mix weights are all 0")]
    [InlineData(" mix=few:1,many", "pool.study:10:81: expected TYPE:WEIGHT in ligand_pool mix; found 'many'")]
    [InlineData(" mix=few:1,few:1,many:1", "pool.study:10:81: cell type 'few' is given twice in ligand_pool mix")]
    public void MixErrorsHavePositions(string mix, string expected)
    {
        var e = Assert.Throws<ModelException>(() => Parse(MixStudy(mix)));
        Assert.Contains(e.Errors, x => x.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    // Two cell types in one well (the second has more receptors, per cell), a short run.
    private static string MixedStudy(string coupling = "0.5") => PoolStudy
        .Replace("coupling=0.1", $"coupling={coupling}")
        .Replace("  cell  R0  50", "  cell  R0  lognormal(50, 0.3)\n  sink  R0  lognormal(150, 0.3)")
        .Replace("duration=10", "duration=6")
        .Replace("  any: 1", "  dosed: L_pM == 25\n  other: 1");

    [Theory]
    [InlineData("ssa")]
    [InlineData("slow-scale")]
    public void PooledRunsDoNotDependOnThreadsOrBlockSize(string name)
    {
        var method = MethodCatalog.Get(name);
        var study = Parse(MixedStudy());
        var a = PopulationRunner.Run(study, new PopulationOptions(Threads: 1, BlockSize: 1) { Method = method });
        var b = PopulationRunner.Run(study, new PopulationOptions(Threads: 2, BlockSize: 3) { Method = method });
        Assert.Equal(2, a.Groups.Count);
        for (int g = 0; g < a.Groups.Count; g++)
            for (int v = 0; v < a.VariableNames.Length; v++) Assert.Equal(a.Groups[g].Values(v), b.Groups[g].Values(v));
        var trace = Assert.Single(a.LigandPools);
        Assert.Equal(trace.FreeFraction, b.LigandPools[0].FreeFraction);
        Assert.Equal(16, trace.Cells);
        // One shortest interval (1/64 of 0.5) while the cells' uptake is unknown, then intervals of at
        // most 0.5 that stop at every recorded time (1, 2, …, 6).
        Assert.Equal([0, 0.5 / 64, 0.5 + 0.5 / 64, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6], trace.Times);
        Assert.Equal(1, trace.FreeFraction[0]);
        // Both cell types draw from the one pool: the free ligand falls, and it is what they took.
        int taken = a.Variable("Taken");
        double uptake = a.Groups.Sum(g => g.Values(taken).Sum());
        Assert.Equal(1 - uptake / trace.InitialMolecules, trace.FinalFreeFraction, 9);
        Assert.InRange(trace.FinalFreeFraction, 0.05, 0.9);
        // Fate rules see the scenario's dose, not the last interval's concentration.
        Assert.All(a.Groups, g => Assert.Equal(g.Cells, g.FateCount("dosed")));
        // A different coupling interval gives a different run (a test that can fail).
        var c = PopulationRunner.Run(study, new PopulationOptions(Threads: 2) { Method = method, Coupling = 0.25 });
        Assert.NotEqual(trace.FreeFraction[^1], c.LigandPools[0].FreeFraction[^1]);
    }

    [Fact]
    public void ReportAndCsvShowThePool()
    {
        var result = PopulationRunner.Run(Parse(MixedStudy()), new PopulationOptions(CellsPerType: 3, Threads: 1) { Coupling = 2 });
        var csv = new StringWriter();
        PopulationCsv.WriteLigand(result, csv);
        var lines = csv.ToString().TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(["scenario,time,agent,parameter,plasma,free,free_ligand_fraction", "well,0,L,L_pM,0,25,1"], lines[..2]);
        Assert.Equal(9, lines.Length); // times 0, 2/64 (uptake unknown until then), and the recorded times 1 … 6
        var report = new StringWriter();
        PopulationCsv.WriteReport(result, report);
        Assert.Contains("## Tissue and shared ligand", report.ToString());
        Assert.Contains("coupling intervals of at most 2 time unit", report.ToString());
        Assert.Contains("(above 5 %)", report.ToString());
    }

    [Theory]
    [InlineData("", "a shorter --coupling helps; where the cells hold more bound ligand than the fluid holds free, name it with 'bound='")]
    [InlineData(" bound=Bound", "a shorter --coupling (a few percent per interval) is advised")]
    public async Task TheCliWarnsOfALongIntervalAndSaysWhatHelps(string key, string advice)
    {
        string dir = Directory.CreateTempSubdirectory("stochastic-pool-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "cell.bngl"), CellModel);
            File.WriteAllText(Path.Combine(dir, "pool.study"), MixedStudy("2" + key));
            var (code, _, error) = await CliHarness.Run("population", Path.Combine(dir, "pool.study"), "--cells", "3", "--threads", "1", "--out", Path.Combine(dir, "out"));
            Assert.True(code == 0, error);
            Assert.Contains("warning: scenario well: a free concentration changed by up to ", error);
            Assert.Contains($"(above 5 %); {advice}", error);
            string report = File.ReadAllText(Path.Combine(dir, "out", "report.md"));
            Assert.Equal(key.Length > 0, report.Contains("the ligand they hold on their surface (`Bound`) is the fluid's buffer"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TheBatchEngineIsRefusedAndCouplingNeedsAPool()
    {
        var study = Parse(MixedStudy());
        var e = Assert.Throws<NotSupportedException>(() => PopulationRunner.Run(study, new PopulationOptions(Threads: 1) { Method = MethodCatalog.Batch }));
        Assert.Contains("cannot pause and resume", e.Message);
        // Dose-response curves are per cell type at a bath concentration: the pool is not used there.
        var curves = DoseResponse.Run(study, ["L"], [1, 10], new PopulationOptions(CellsPerType: 2, Threads: 1) { Method = MethodCatalog.Batch });
        Assert.Equal(2, curves.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => PopulationRunner.Run(study, new PopulationOptions(Threads: 1) { Coupling = 0 }));
        var unpooled = Parse(MixedStudy().Replace("  ligand_pool uptake=Taken cells_per_liter=6.02214076e11 coupling=0.5\n", ""));
        Assert.Null(unpooled.Settings.LigandPool);
        Assert.Throws<ArgumentException>(() => PopulationRunner.Run(unpooled, new PopulationOptions(Threads: 1) { Coupling = 1 }));
        Assert.Empty(PopulationRunner.Run(unpooled, new PopulationOptions(CellsPerType: 2, Threads: 1)).LigandPools);
    }

    public static TheoryData<string, string> Errors => new()
    {
        { "uptake=Taken", "pool.study:10:22: uptake 'Takn' is not an observable of the model; did you mean 'Taken'?" },
        { "cells_per_liter=6.02214076e11", "pool.study:10:44: ligand_pool 'cells_per_liter' must be a positive number; found '-1'" },
        { "coupling=0.1", "pool.study:10:58: unknown ligand_pool key 'couplin'; did you mean 'coupling'?" },
        { "coupling=0.1", "pool.study:10:3: ligand_pool needs 'coupling=…'" },
        { "coupling=0.1", "pool.study:10:77: bound 'Bund' is not an observable of the model; did you mean 'Bound'?" },
        { "dose_unit pM", "pool.study:10:3: ligand_pool needs 'dose_molar=…' (molar concentration of one dose unit): dose_unit 'ng/mL' is not a molar unit" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void ErrorsHavePositions(string original, string expected)
    {
        string replacement = original switch
        {
            "uptake=Taken" => "uptake=Takn",
            "cells_per_liter=6.02214076e11" => "cells_per_liter=-1",
            "dose_unit pM" => "dose_unit ng/mL",
            _ => expected.Contains("couplin'") ? "couplin=0.1" : expected.Contains("Bund") ? "coupling=0.1 bound=Bund" : "",
        };
        string text = PoolStudy.Replace(original, replacement);
        Assert.NotEqual(PoolStudy, text);
        var e = Assert.Throws<ModelException>(() => Parse(text));
        Assert.Contains(e.Errors, x => x.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void ADerivedParameterOfTheDoseIsAnError()
    {
        string model = CellModel.Replace("  R0    50", "  R0    50\n  conc  = 2*L_pM");
        var e = Assert.Throws<ModelException>(() => Parse(PoolStudy, model));
        Assert.Contains(e.Errors, x => x.ToString().StartsWith("pool.study:10:3: 'L_pM' changes during the run, but parameter 'conc'", StringComparison.Ordinal));
        // An explicit dose unit conversion is accepted in place of a molar unit name.
        var study = Parse(PoolStudy.Replace("dose_unit pM", "dose_unit molecules").Replace("coupling=0.1", "coupling=0.1 dose_molar=1e-12"));
        Assert.Equal(1, study.Settings.LigandPool!.MoleculesPerCellPerDoseUnit, 12);
    }

    [Fact]
    public void Il2StudyAcceptsAPoolOnLigandTaken()
    {
        string text = File.ReadAllText(StudyReaderTests.StudyPath).Replace("  dose_unit      pM", "  dose_unit      pM\n  ligand_pool    uptake=LigandTaken cells_per_liter=1e10 coupling=5");
        var study = StudyReader.Parse(text, StudyReaderTests.StudyPath,
            m => ModelLoader.Load(Path.Combine(Path.GetDirectoryName(StudyReaderTests.StudyPath)!, m)));
        var pool = study.Settings.LigandPool!;
        Assert.Equal(("LigandTaken", 5.0), (pool.Uptake, pool.Coupling));
        // The model header: 1 pM is 60 molecules per cell at 1e7 cells/mL.
        Assert.Equal(60.2214076, pool.MoleculesPerCellPerDoseUnit, 9);
    }
}
