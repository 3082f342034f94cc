using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Population;
using Stochastic.Simulation.Exact;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

public class PharmacokineticsTests(ITestOutputHelper output)
{
    private static PkModel OneCompartment(double volume, double k) => new("D", "C", 1e-12, 15000, 0, volume, k, 0, 0, 1, 1, SourcePosition.None);

    [Fact]
    public void BolusAndInfusionFollowTheOneCompartmentLaw()
    {
        var model = OneCompartment(3, 0.1);
        var bolus = new PlasmaProfile(model, [new Dose("D", 6e-9, 2, 0, 1, 0, "", SourcePosition.None)]);
        Assert.Equal(0, bolus.At(1.999));
        foreach (double t in new[] { 2.0, 3, 10, 50 }) Assert.Equal(2e-9 * Math.Exp(-0.1 * (t - 2)), bolus.At(t), 1e-21);
        // Constant-rate infusion of 6 nmol over 5: C = R/(V k)·(1 − e^{−kt}) during, then decays.
        var infusion = new PlasmaProfile(model, [new Dose("D", 6e-9, 0, 0, 1, 5, "", SourcePosition.None)]);
        double rate = 6e-9 / 5, plateau = rate / (3 * 0.1);
        Assert.Equal(plateau * (1 - Math.Exp(-0.3)), infusion.At(3), 1e-21);
        Assert.Equal(plateau * (1 - Math.Exp(-0.5)) * Math.Exp(-0.1 * 7), infusion.At(12), 1e-21);
        Assert.Equal([0.0, 5.0], infusion.Breakpoints.ToArray());
        // Repeated doses superpose.
        var repeated = new PlasmaProfile(model, [new Dose("D", 6e-9, 0, 10, 3, 0, "", SourcePosition.None)]);
        Assert.Equal(2e-9 * (Math.Exp(-2.5) + Math.Exp(-1.5) + Math.Exp(-0.5)), repeated.At(25), 1e-21);
    }

    [Fact]
    public void TwoCompartmentMicroConstantsReproduceTheReportedHalfLivesAndClearance()
    {
        // Aldesleukin as Konrad et al. (1990) report it: half-lives 12.9 and 85 min, clearance 120 mL/min, plasma volume 3 L.
        var micro = PkModel.TwoCompartment(12.9, 85, 0.12, 3)!.Value;
        var model = new PkModel("IL2", "C", 1e-12, 15300, 0, 3, micro.K10, micro.K12, micro.K21, 1, 1, SourcePosition.None);
        var response = model.PlasmaPerMole();
        Assert.Equal(12.9, Math.Log(2) / response[0].Rate, 9);
        Assert.Equal(85, Math.Log(2) / response[1].Rate, 9);
        // Just after a bolus all of it is in plasma (C = dose/V), and the area under the curve is dose/CL.
        Assert.Equal(1 / 3.0, response.Sum(r => r.Coefficient), 12);
        Assert.Equal(1 / 0.12, response.Sum(r => r.Coefficient / r.Rate), 9);
        // Inconsistent numbers are refused: a clearance too high for the half-lives.
        Assert.Null(PkModel.TwoCompartment(12.9, 85, 100, 3));
    }

    [Theory]
    [InlineData("15min", 15, "time")]
    [InlineData("0.5h", 30, "time")]
    [InlineData("2d", 2880, "time")]
    [InlineData("120mL/min", 0.12, "volume/time")]
    [InlineData("600000IU/kg", 600000, "IU/bodyweight")]
    [InlineData("37ug/kg", 37e-6, "mass/bodyweight")]
    [InlineData("15.3kDa", 15300, "mass/amount")]
    [InlineData("16.4MIU/mg", 16.4e9, "IU/mass")]
    [InlineData("1e-3mol", 1e-3, "amount")]
    [InlineData("0.15/min", 0.15, "1/time")]
    public void QuantitiesConvertToBaseUnits(string text, double value, string dimension)
    {
        var q = StudyQuantity.Parse(text, out string? error);
        Assert.Null(error);
        Assert.Equal(dimension, q!.Value.Dimension);
        Assert.Equal(value, q.Value.Value, value * 1e-12);
    }

    [Theory]
    [InlineData("15", "needs a unit")]
    [InlineData("15furlongs", "unknown unit 'furlongs'")]
    [InlineData("mg", "expected a number with a unit")]
    public void BadQuantitiesSayWhy(string text, string message)
    {
        Assert.Null(StudyQuantity.Parse(text, out string? error));
        Assert.Contains(message, error);
    }

    // The receptor cell of LigandPoolTests (LigandPoolTests.CellModel), the ligand now dosed into plasma and exchanged with the tissue:
    // one-compartment plasma (half-life 6.931 min, k 0.1/min), tissue exchange half-time 0.6931 min
    // (k_T 1/min), partition 1. V = 6.6422e-9 L makes a bolus of 1e5 molecules 25 pM in plasma.
    private const double PlasmaMolecules = 1.6605390671738467E-19 * LigandPool.Avogadro, KEl = 0.1, KT = 1, Cells = 8;
    private static readonly double PlasmaVolume = PlasmaMolecules / (LigandPool.Avogadro * 25e-12);

    internal static string DosedStudy(string coupling = "0.1", string halfLife = "6.931471805599453min", string duration = "10", string poolKeys = "") => $$"""
        begin study
          model cell.bngl
          cells 8
          seed 11
          output_every 1
          dose_parameter L_pM
          readout Taken
          readout_time 10
          time_unit min
          dose_unit pM
          ligand_pool uptake=Taken cells_per_liter=6.02214076e11 coupling={{coupling}}{{poolKeys}}
        end study
        begin ligands
          L
        end ligands
        begin cell types
          cell  R0  200
        end cell types
        begin scenarios
          well  ligand=L duration={{duration}}
        end scenarios
        begin pharmacokinetics
          L  parameter=L_pM molar_mass=15kDa volume={{FormattableString.Invariant($"{PlasmaVolume:R}")}}L half_life={{halfLife}} exchange_half_time=0.6931471805599453min
        end pharmacokinetics
        begin dosing
          well  L  1.6605390671738467E-19mol
        end dosing
        begin fates
          any: 1
        end fates
        """;



    internal static Study Parse(string study, string model = LigandPoolTests.CellModel) => StudyReader.Parse(study, "dosed.study", _ => BnglReader.Parse(model, "cell.bngl"));

    // The same tissue as one exact network: plasma molecules P (eliminated at k_el) feed the tissue's free
    // ligand L at k_T·V_well/V_P per plasma molecule; L returns to plasma at k_T (lost to the tissue); the
    // 8 cells bind L at kon/N per molecule pair (1 pM = 1 molecule per cell here).
    private static string CoupledModel(double kon = 0.004, double koff = 0.2, double kint = 0.3, double kel = KEl, int receptors = 200, bool recycle = false)
    {
        double vWell = Cells / 6.02214076e11, feed = KT * vWell / PlasmaVolume;
        var w = new System.Text.StringBuilder();
        w.AppendLine(FormattableString.Invariant($"begin parameters\n  kon2 {kon / Cells}\n  koff {koff}\n  kint {kint}\n  kel {kel}\n  feed {feed:R}\n  kt {KT}\nend parameters"));
        w.AppendLine(FormattableString.Invariant($"begin seed species\n  P {PlasmaMolecules}\n  L 0"));
        for (int i = 0; i < Cells; i++) w.AppendLine($"  R{i} {receptors}\n  C{i} 0\n  I{i} 0");
        w.AppendLine("end seed species\nbegin reaction rules\n  P -> 0  kel\n  P -> P + L  feed\n  L -> 0  kt");
        for (int i = 0; i < Cells; i++) w.AppendLine($"  L + R{i} -> C{i}  kon2\n  C{i} -> R{i} + L  koff\n  C{i} -> {(recycle ? $"R{i} + " : "")}I{i}  kint");
        w.AppendLine("end reaction rules");
        return w.ToString();
    }

    private static readonly double[] CheckTimes = [1, 2, 5, 10];

    [Fact]
    public void ADosedTissueMatchesTheFullyCoupledSsa()
    {
        const int replicates = 200;
        // Reference: free tissue ligand (molecules) at the check times, then mean uptake per cell at the end.
        var network = NetworkCompiler.Compile(BnglReader.Parse(CoupledModel(), "coupled.bngl"));
        var sim = ExactAlgorithms.All[0].CreateSimulator(network);
        int l = Array.IndexOf(network.SpeciesNames, "L");
        var exact = new double[replicates][];
        for (int r = 0; r < replicates; r++)
        {
            sim.Reset(5, (ulong)r);
            var row = new double[CheckTimes.Length + 1];
            for (int k = 0; k < CheckTimes.Length; k++) { sim.Advance(CheckTimes[k]); row[k] = sim.State[l]; }
            double taken = 0;
            for (int i = 0; i < Cells; i++) taken += sim.State[Array.IndexOf(network.SpeciesNames, $"C{i}")] + sim.State[Array.IndexOf(network.SpeciesNames, $"I{i}")];
            row[^1] = taken / Cells;
            exact[r] = row;
        }

        var study = Parse(DosedStudy());
        var template = study.Scenarios[0];
        var wells = Enumerable.Range(0, replicates).Select(r => template with { Name = $"w{r}" }).ToList();
        var result = PopulationRunner.Run(study, wells, new PopulationOptions(Threads: 2));
        int takenVariable = result.Variable("Taken");
        var pooled = new double[replicates][];
        for (int r = 0; r < replicates; r++)
        {
            var trace = result.LigandPools[r];
            var ligand = trace.Agents[0];
            var row = new double[CheckTimes.Length + 1];
            // 1 pM is one molecule per cell: 8 molecules in the well.
            for (int k = 0; k < CheckTimes.Length; k++) row[k] = ligand.Free[Array.FindIndex(trace.Times, t => Math.Abs(t - CheckTimes[k]) < 1e-9)] * Cells;
            row[^1] = result.Group($"w{r}", "cell").Values(takenVariable).Average();
            pooled[r] = row;
            Assert.Equal(0, trace.Deficit);
            Assert.Equal(result.LigandPools[0].Times, trace.Times);  // the coupling schedule is the scenario's, not the well's
        }
        // The deterministic change per interval: of the mean free ligand over the wells (a single well's
        // change also holds the molecular noise of ~100 molecules).
        var times = result.LigandPools[0].Times;
        var mean = times.Select((_, j) => result.LigandPools.Average(t => t.Agents[0].Free[j])).ToArray();
        double change = 0;
        for (int j = 1; j < mean.Length; j++)
            change = Math.Max(change, Math.Abs(mean[j] - mean[j - 1]) / Math.Max(Math.Max(mean[j], mean[j - 1]), TissueWell.Resolution * mean.Max()));
        // Plasma follows the one-compartment law exactly.
        var plasma = result.LigandPools[0].Agents[0];
        for (int k = 0; k < result.LigandPools[0].Times.Length; k++)
            Assert.Equal(25 * Math.Exp(-KEl * result.LigandPools[0].Times[k]), plasma.Plasma[k], 1e-9);

        for (int c = 0; c <= CheckTimes.Length; c++)
        {
            double me = exact.Average(x => x[c]), mp = pooled.Average(x => x[c]);
            double ve = exact.Sum(x => (x[c] - me) * (x[c] - me)) / (replicates - 1), vp = pooled.Sum(x => (x[c] - mp) * (x[c] - mp)) / (replicates - 1);
            // Tolerance: 4 standard errors of the difference of two means of 200 replicates (a fixed-seed false
            // alarm below 1e-4), plus the coupling's bias: at most half the largest relative change of a free
            // concentration over one interval, of the quantity itself.
            double tolerance = 4 * Math.Sqrt(ve / replicates + vp / replicates) + change / 2 * Math.Abs(me);
            output.WriteLine(FormattableString.Invariant($"column {c}: coupled SSA {me:F3}, tissue well {mp:F3}, tolerance {tolerance:F3} (largest change per interval {change:P1})"));
            Assert.True(Math.Abs(mp - me) <= tolerance, $"column {c}: pooled {mp} vs coupled {me}, tolerance {tolerance}");
        }
        // The cells deplete the tissue below its supply, by more than the tolerance: without uptake the free
        // ligand would be 25·(k_T/(k_T−k_el))·(e^{−k_el t} − e^{−k_T t})·8 molecules.
        for (int c = 1; c < CheckTimes.Length; c++)
        {
            double t = CheckTimes[c], unDepleted = 25 * KT / (KT - KEl) * (Math.Exp(-KEl * t) - Math.Exp(-KT * t)) * Cells;
            double me = exact.Average(x => x[c]), se = Math.Sqrt(exact.Sum(x => (x[c] - me) * (x[c] - me)) / (replicates - 1) / replicates);
            Assert.True(unDepleted - me > 4 * se + change / 2 * me, $"t = {t}: free {me} vs undepleted {unDepleted}");
        }
    }

    [Fact]
    public void ADepletedTissueWithABoundLigandBufferMatchesTheFullyCoupledSsa()
    {
        // A steady supply (plasma half-life 10⁴ min, 25 pM) into cells that bind fast and tightly and consume what they
        // bind (internalized at 0.5/min, the receptor recycled): at the free ligand's steady ~6.7 pM the cells hold about
        // 5 bound ligands per free one, binding relaxes at about 1.8/min, within the 2-min interval, and uptake outpaces
        // the supply (25 pM without uptake). Charged one interval late, the buffer's filling and emptying makes the free
        // ligand alternate between intervals (from 13 to 21 pM here); counted as a buffer (bound=Bound) it does not.
        const double kon = 0.05, koff = 1, kint = 0.5, kel = 0.693147180559945e-4;
        string model = LigandPoolTests.CellModel.Replace("kon   0.004", "kon   0.05").Replace("koff  0.2", "koff  1").Replace("kint  0.3", "kint  0.5")
            .Replace("C -> I  kint", "C -> R + I  kint");
        // Checked in the depleted steady state, from 5 min (the fluid fills and the cells' buffer with it in the first minutes).
        double[] times = [.. Enumerable.Range(5, 26).Select(i => (double)i)];
        const int replicates = 100;
        // Free ligand (pM: one molecule per cell) at each time, per replicate.
        var network = NetworkCompiler.Compile(BnglReader.Parse(CoupledModel(kon, koff, kint, kel, recycle: true), "coupled.bngl"));
        var sim = ExactAlgorithms.All[0].CreateSimulator(network);
        int l = Array.IndexOf(network.SpeciesNames, "L");
        var exact = new double[replicates][];
        for (int r = 0; r < replicates; r++)
        {
            sim.Reset(5, (ulong)r);
            exact[r] = new double[times.Length];
            for (int k = 0; k < times.Length; k++) { sim.Advance(times[k]); exact[r][k] = sim.State[l] / Cells; }
        }
        (double[][] Free, double Change) Pooled(string keys)
        {
            var study = Parse(DosedStudy("2", "10000min", "30", keys), model);
            var wells = Enumerable.Range(0, replicates).Select(r => study.Scenarios[0] with { Name = $"w{r}" }).ToList();
            var result = PopulationRunner.Run(study, wells, new PopulationOptions(Threads: 2));
            // Only the buffered coupling keeps within what the fluid holds; the plain one overdraws it every other interval.
            if (keys.Length > 0) Assert.All(result.LigandPools, p => Assert.Equal(0, p.Deficit));
            // The deterministic change per interval: of the mean free ligand over the wells, over the intervals checked.
            var all = result.LigandPools[0].Times;
            var mean = all.Select((_, j) => result.LigandPools.Average(p => p.Agents[0].Free[j])).ToArray();
            double change = 0;
            for (int j = Array.FindIndex(all, x => x >= times[0] - 1e-9); j < mean.Length; j++)
                change = Math.Max(change, Math.Abs(mean[j] - mean[j - 1]) / Math.Max(Math.Max(mean[j], mean[j - 1]), TissueWell.Resolution * mean.Max()));
            return ([.. result.LigandPools.Select(p => times.Select(t => p.Agents[0].Free[Array.FindIndex(p.Times, x => Math.Abs(x - t) < 1e-9)]).ToArray())], change);
        }
        var (buffered, change) = Pooled(" bound=Bound");
        var (plain, plainChange) = Pooled("");
        output.WriteLine(FormattableString.Invariant($"largest change of the mean free ligand per interval: buffered {change:P1}, plain {plainChange:P1}"));
        int plainOff = 0;
        for (int k = 0; k < times.Length; k++)
        {
            double me = exact.Average(x => x[k]), mb = buffered.Average(x => x[k]), mp = plain.Average(x => x[k]);
            double ve = exact.Sum(x => (x[k] - me) * (x[k] - me)) / (replicates - 1), vb = buffered.Sum(x => (x[k] - mb) * (x[k] - mb)) / (replicates - 1);
            // As in the test above: 4 standard errors of the difference of two means of 100 replicates (a false alarm
            // below 1e-4 per time; 26 times, below 2e-3 in all), plus the coupling's bias, at most half the largest
            // relative change of the mean free ligand over one interval, of the quantity.
            double tolerance = 4 * Math.Sqrt(ve / replicates + vb / replicates) + change / 2 * me;
            output.WriteLine(FormattableString.Invariant($"t = {times[k]}: coupled {me:F3}, buffered {mb:F3} (tolerance {tolerance:F3}), plain {mp:F3}"));
            Assert.True(Math.Abs(mb - me) <= tolerance, $"t = {times[k]}: buffered {mb} vs coupled {me}, tolerance {tolerance}");
            if (Math.Abs(mp - me) > tolerance) plainOff++;
        }
        // Without the buffer the same well is off at most times (it alternates about twice the true level): the check
        // tells the two couplings apart.
        Assert.True(plainOff >= times.Length / 2, $"the plain coupling is off at only {plainOff} of {times.Length} times");
    }

    [Theory]
    [InlineData("  well  L  1.6605390671738467E-19mol", "  well  L  1.6605390671738467E-19mol at=5min every=2min doses=3 infusion=3min", "dosed.study:26:3: an infusion must end before the next dose starts")]
    [InlineData("  well  L  1.6605390671738467E-19mol", "  well  X  1mg", "dosed.study:26:9: agent 'X' has no pharmacokinetics (the 'pharmacokinetics' block defines L)")]
    [InlineData("  well  L  1.6605390671738467E-19mol", "  wel  L  1mg", "dosed.study:26:3: unknown scenario 'wel'; did you mean 'well'?")]
    [InlineData("  well  L  1.6605390671738467E-19mol", "  well  L  1mg/kg", "dosed.study:26:12: a dose per kg needs the study setting 'body_weight'")]
    [InlineData("  well  L  1.6605390671738467E-19mol", "  well  L  600IU", "dosed.study:26:12: a dose in IU needs 'potency=…'")]
    [InlineData("  well  L  1.6605390671738467E-19mol", "  well  L  1mg evry=2h", "dosed.study:26:16: unknown dosing key 'evry'; did you mean 'every'?")]
    [InlineData("  well  ligand=L duration=10", "  well  ligand=L dose=5 duration=10", "dosed.study:26:3: scenario 'well' sets dose=5 and doses 'L'")]
    [InlineData("half_life=6.931471805599453min", "half_life=7furlongs", "dosed.study:23:")]
    [InlineData("molar_mass=15kDa ", "", "dosed.study:23:3: pharmacokinetics of 'L' need 'molar_mass=…'")]
    [InlineData("  time_unit min\n", "", "dosed.study:22:3: pharmacokinetics need a time_unit of s, min, h or d")]
    public void DosingErrorsHavePositions(string original, string replacement, string expected)
    {
        string text = DosedStudy().Replace(original, replacement);
        var e = Assert.Throws<ModelException>(() => Parse(text));
        Assert.Contains(e.Errors, x => x.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void DosingNeedsATissue()
    {
        var e = Assert.Throws<ModelException>(() => Parse(DosedStudy().Replace("  ligand_pool uptake=Taken cells_per_liter=6.02214076e11 coupling=0.1\n", "")));
        Assert.Contains(e.Errors, x => x.Message.StartsWith("dosing needs a 'ligand_pool' setting", StringComparison.Ordinal));
    }

    [Fact]
    public void ADosedScenariosReductionsAreJudgedAtTheConcentrationsItPassesThrough()
    {
        var study = StudyReader.Read(Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "tissue.study"));
        var pool = study.Settings.LigandPool!;
        int dose = study.Model.ParameterIndex(study.Settings.DoseParameter);
        List<(int Parameter, double Value)[]> Levels(string name) => CoupledWell.Concentrations(study, study.Scenarios.Single(s => s.Name == name), pool, dose, 0);
        Assert.Empty(Levels("untreated"));
        // Without IL-2 the antibody leads: the ligand stays at 0 and the antibody's levels rise.
        var antibody = Levels("aPD1");
        Assert.All(antibody, l => Assert.Equal(0, l.Single(x => x.Parameter == dose).Value));
        var il2 = Levels("IL2").Select(l => l.Single(x => x.Parameter == dose).Value).ToArray();
        Assert.Equal(6, il2.Length);
        Assert.Equal(il2.Order(), il2);
        // The fluid without uptake, integrated here on its own (dC_T/dt = k_T·(ρ·C_plasma − C_T), exponential Euler at
        // 0.01 min, 10⁶ steps over the week): the last level is the peak of 5-min interval averages, so within the
        // tissue well's 5% interval tolerance below the true peak; the middle of the six is the time-weighted median of the
        // concentration while there is any, within 15% (interval averages against instants, and the quantile falls
        // between two intervals' values).
        var pk = study.Settings.Pharmacokinetics.Single(m => m.Agent == "IL2");
        var scenario = study.Scenarios.Single(s => s.Name == "IL2");
        var plasma = new PlasmaProfile(pk, scenario.Doses);
        const double dt = 0.01;
        var values = new List<double>();
        double c = 0, peak = 0;
        for (double t = 0; t < scenario.Duration; t += dt)
        {
            double target = pk.Partition * plasma.At(t + dt / 2) / pk.ParameterMolar;
            c = target + (c - target) * Math.Exp(-pk.TissueExchange * dt);
            peak = Math.Max(peak, c);
            if (c > 0) values.Add(c);
        }
        values.Sort();
        Assert.InRange(il2[^1], 0.95 * peak, peak);
        Assert.InRange(il2[2] / values[values.Count / 2], 0.85, 1.15);
    }

    [Fact]
    public void TheShippedTissueStudyConvertsTheLabelDoses()
    {
        var study = StudyReader.Read(Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "tissue.study"));
        var il2 = study.Settings.Pharmacokinetics.Single(m => m.Agent == "IL2");
        // Aldesleukin's reported half-lives come back out of the micro-constants (minutes).
        Assert.Equal([12.9, 85], il2.PlasmaPerMole().Select(r => Math.Round(Math.Log(2) / r.Rate, 6)).ToArray());
        var scenario = study.Scenarios.Single(s => s.Name == "IL2_aPD1");
        var dose = scenario.Doses.Single(d => d.Agent == "IL2");
        Assert.Equal((14, 480.0, 15.0), (dose.Count, dose.Every, dose.Infusion));
        // 600,000 IU/kg × 70 kg at 16.4 MIU/mg is 2.56 mg, / 15,300 g/mol = 167.4 nmol per infusion.
        Assert.Equal(600000 * 70 / 16.4e9 / 15300, dose.Moles, 1e-15);
        var antibody = scenario.Doses.Single(d => d.Agent == "aPD1");
        Assert.Equal(0.240 / 146000, antibody.Moles, 1e-15);
        Assert.Equal(25 * 1440, Math.Log(2) / study.Settings.Pharmacokinetics.Single(m => m.Agent == "aPD1").K10, 6);
        // Peak plasma of the 240 mg infusion ≈ dose/V = 1.64 µmol / 6.6 L = 249 nM (slightly less: 30 min of elimination).
        var plasma = new PlasmaProfile(study.Settings.Pharmacokinetics.Single(m => m.Agent == "aPD1"), scenario.Doses);
        Assert.InRange(plasma.At(30) * 1e9, 248, 249.1);
    }
}
