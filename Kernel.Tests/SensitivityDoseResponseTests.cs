using System.Globalization;
using Stochastic.Formats;
using Stochastic.Population;
using Stochastic.Sensitivity;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

/// <summary>
/// EC50s and EC50 ratios as outputs of a sensitivity design (<c>sensitivity --dose-response</c>), on a
/// one-step binding model whose EC50 has a closed form.
/// </summary>
public sealed class SensitivityDoseResponseTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-sens-dr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // R + L <-> C with a bath ligand: each of the R0 receptors is an independent two-state chain, so a
    // cell's bound count at time T is Binomial(R0, p(L, T)) with
    // p = kon L / (kon L + koff) · (1 − exp(−(kon L + koff) T)), and at equilibrium the EC50 is Kd = koff / kon.
    // koff is a per-cell-type number (used through a function, as a per-cell parameter must be); 'unused'
    // enters nothing.
    private const string Model = """
        begin parameters
          L_pM    0
          kon     0.004
          koff    0.2
          R0      50
          unused  1
        end parameters
        begin seed species
          R  R0
          C  0
        end seed species
        begin observables
          Molecules Bound C
        end observables
        begin functions
          bind() = kon*L_pM
          unbind() = koff
        end functions
        begin reaction rules
          R -> C  bind()
          C -> R  unbind()
        end reaction rules
        """;

    private const string StudyText = """
        begin study
          model bind.bngl
          cells 30
          seed 5
          output_every 5
          dose_parameter L_pM
          readout Bound
          readout_time 30
          time_unit min
          dose_unit pM
        end study
        begin ligands
          L
        end ligands
        begin cell types
          low   koff  0.2
          high  koff  0.4
        end cell types
        begin scenarios
          well  ligand=L dose=25 duration=30
        end scenarios
        begin fates
          any: 1
        end fates
        """;

    private const double Kon = 0.004, R0 = 50, T = 30;

    private string StudyPath()
    {
        File.WriteAllText(Path.Combine(_dir, "bind.bngl"), Model);
        string path = Path.Combine(_dir, "bind.study");
        File.WriteAllText(path, StudyText);
        return path;
    }

    /// <summary>The exact mean bound count at each dose, and the EC50 the routine reads off it (what the estimate converges to with many cells).</summary>
    private static double ExactEc50(double[] doses, double koff) =>
        DoseResponse.Ec50(doses, [.. doses.Select(d => R0 * Kon * d / (Kon * d + koff) * (1 - Math.Exp(-(Kon * d + koff) * T)))], 0);

    /// <summary>
    /// Morris μ of log10 EC50(high)/EC50(low) against the exact one of the same design. Factors: low.koff and
    /// high.koff, each log-uniform over 0.1–0.4 (Kd 25–100 pM), and 'unused'. The exact output at a point is
    /// log10 of the ratio of the routine's EC50s of the exact mean curves, ≈ log10(koff_high / koff_low), so
    /// μ ≈ +log10 4 = 0.602 for high.koff and −0.602 for low.koff (per unit of the normalized range), and
    /// exactly 0 for 'unused': the same seed gives the same cells, bit for bit (common random numbers).
    /// Tolerance: a dose's mean fraction bound is the mean of 30 cells × 50 independent receptors, sd at
    /// most √(0.25/1500) = 0.0129; the EC50 interpolates log-linearly between the two doses around the half
    /// maximum, a third of a decade apart (h = 0.768 in ln) where p rises by ≥ 0.19, so sd(ln EC50) ≤
    /// h · 0.0129 · √2 / 0.19 = 0.074 (the maximum, at p ≈ 0.99, adds little), sd(log10 EC50) ≤ 0.032 and
    /// sd(log10 ratio) ≤ 0.046. An effect is a difference of two points over Δ = 2/3: sd ≤ √2 · 0.046 / (2/3)
    /// = 0.097, taking the points as independent (common random numbers only make them closer); μ over
    /// r = 8 paths has sd ≤ 0.034, and μ must be within 4 of those of the exact μ. A design that lost the
    /// override, or the ratio's direction, is off by 0.6 or 1.2.
    /// </summary>
    [Fact]
    public void MorrisEffectOfKdOnTheEc50RatioMatchesTheClosedForm()
    {
        var study = StudyReader.Read(StudyPath());
        double[] doses = DoseResponse.LogSpaced(1, 10000, 13);
        var parameters = new[] { new SensitivityParameter("low.koff", 0.1, 0.4, Log: true), new SensitivityParameter("high.koff", 0.1, 0.4, Log: true), new SensitivityParameter("unused", 0.5, 2) };
        var runner = new StudySensitivity(study, new PopulationOptions(Threads: 2), parameters, new DoseResponseDesign(["L"], doses, [T]));
        var design = new MorrisDesign(3, 8, 4, seed: 3);
        var run = runner.Run(design.Points);
        Assert.False(run.Cancelled);
        Assert.Equal(["ec50:L:30:low", "log10_ec50:L:30:low", "ec50:L:30:high", "log10_ec50:L:30:high", "ec50_ratio:L:30:high/low", "log10_ec50_ratio:L:30:high/low"], run.Names);
        int ratio = run.Names.ToList().IndexOf("log10_ec50_ratio:L:30:high/low");
        var exact = design.Points.Select(u => runner.Values(u)).Select(x => Math.Log10(ExactEc50(doses, x["high.koff"]) / ExactEc50(doses, x["low.koff"]))).ToArray();
        var measured = MorrisIndices.Analyze(design, run.Column(ratio), bootstrap: 0);
        var truth = MorrisIndices.Analyze(design, exact, bootstrap: 0);
        log.WriteLine($"μ measured {string.Join(", ", measured.Select(f => f.Mu.ToString("F4", CultureInfo.InvariantCulture)))}; exact {string.Join(", ", truth.Select(f => f.Mu.ToString("F4", CultureInfo.InvariantCulture)))}");
        // The closed form: EC50 ≈ Kd, so the exact μ is ±log10 4 up to the interpolation between doses.
        Assert.InRange(truth[1].Mu, 0.55, 0.65);
        Assert.InRange(truth[0].Mu, -0.65, -0.55);
        for (int i = 0; i < 2; i++) Assert.InRange(measured[i].Mu, truth[i].Mu - 4 * 0.034, truth[i].Mu + 4 * 0.034);
        Assert.Equal(0, measured[2].MuStar);
        Assert.All(measured, f => Assert.Equal(8, f.Effects));
        // The point's outputs are the EC50s of a plain dose-response run at its values.
        var direct = DoseResponse.Run(StudyOverrides.Apply(study, runner.Values(design.Points[5])), ["L"], doses, new PopulationOptions(Threads: 1), new DoseResponseSettings([T], Bootstrap: 0));
        Assert.Equal(direct.Curves.Select(c => c.Ec50), [run.Values[5][0], run.Values[5][2]]);
        Assert.Equal(direct.Ratios.Single().Ratio, run.Values[5][4]);
    }

    /// <summary>
    /// An EC50 the doses do not bracket is NaN, counted per output in morris.csv and named on stderr; the
    /// effects it enters are left out. Doses 30–30,000 pM: at Kd = 25 pM (koff 0.1, the grid's lowest
    /// level) the lowest dose already gives p = 0.54 (with binding at T = 30 min, 1 − e^−6.6 complete), above
    /// the half maximum 0.495, so that EC50 is NaN; at the next level, Kd = 39.7 pM, p(30) = 0.43, 5 sd
    /// (0.0128) below the half, 0.499, so it is bracketed. The NaN points are then exactly those at which
    /// low.koff is 0.1.
    /// </summary>
    [Fact]
    public async Task UnbracketedEc50sAreCountedAndTheirEffectsLeftOut()
    {
        string study = StudyPath(), outDir = Path.Combine(_dir, "out");
        var (code, _, error) = await CliHarness.Run("sensitivity", study, "--dose-response", "--doses", "30:30000:7", "--times", "30",
            "--cells", "30", "--param", "low.koff=0.1:0.4:log", "--param", "high.koff=0.2:0.4:log", "--trajectories", "6", "--threads", "2", "--bootstrap", "100", "--out", outDir);
        Assert.True(code == 0, error);
        var design = File.ReadAllLines(Path.Combine(outDir, "design.csv"));
        var header = design[0].Split(',');
        int koff = Array.IndexOf(header, "low.koff"), ec50 = Array.IndexOf(header, "ec50:L:30:low"), ratio = Array.IndexOf(header, "ec50_ratio:L:30:high/low");
        var rows = design[1..].Select(l => l.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        int atLowest = rows.Count(r => Math.Abs(r[koff] - 0.1) < 1e-9);
        Assert.InRange(atLowest, 1, rows.Length - 1);
        Assert.Equal(rows.Select(r => Math.Abs(r[koff] - 0.1) < 1e-9), rows.Select(r => double.IsNaN(r[ec50])));
        Assert.Equal(rows.Select(r => double.IsNaN(r[ec50])), rows.Select(r => double.IsNaN(r[ratio])));
        // morris.csv: nan_points per output, and the effects left: a path's step counts only when both its points are numbers.
        var morris = File.ReadAllLines(Path.Combine(outDir, "morris.csv"));
        Assert.Equal("output,parameter,mu,mu_star,mu_star_low,mu_star_high,sigma,effects,nan_points", morris[0]);
        int k = 2, paths = 6;
        foreach (var (parameter, column) in new[] { ("low.koff", koff), ("high.koff", Array.IndexOf(header, "high.koff")) })
        {
            int effects = 0;
            for (int t = 0; t < paths; t++)
                for (int s = 0; s < k; s++)
                {
                    var before = rows[t * (k + 1) + s];
                    var after = rows[t * (k + 1) + s + 1];
                    if (before[column] != after[column] && !double.IsNaN(before[ratio]) && !double.IsNaN(after[ratio])) effects++;
                }
            var line = morris.Single(l => l.StartsWith($"ec50_ratio:L:30:high/low,{parameter},", StringComparison.Ordinal)).Split(',');
            Assert.Equal(effects.ToString(CultureInfo.InvariantCulture), line[7]);
            Assert.Equal(atLowest.ToString(CultureInfo.InvariantCulture), line[8]);
        }
        Assert.All(morris.Where(l => l.StartsWith("ec50:L:30:high,", StringComparison.Ordinal)), l => Assert.EndsWith(",0", l));
        Assert.Contains($"ec50:L:30:low at {atLowest} of {rows.Length}", error);
    }

    [Fact]
    public void CellTypesRunInTheOrderGiven_TheFirstTheReference()
    {
        var study = StudyReader.Read(StudyPath());
        var restricted = new DoseResponseDesign(["L"], [1, 10], CellTypes: ["high", "low"]).Restrict(study);
        Assert.Equal(["high", "low"], restricted.CellTypes.Select(c => c.Name));
        Assert.Equal(["low"], new DoseResponseDesign(["L"], [1, 10], CellTypes: ["low"]).Restrict(study).CellTypes.Select(c => c.Name));
        Assert.Same(study, new DoseResponseDesign(["L"], [1, 10]).Restrict(study));
        // Outputs per ligand and time: each cell type's EC50, then each ratio over the first; an unbracketed
        // EC50 stays NaN in its log and in every ratio it enters (never imputed).
        double[] doses = [1, 10];
        DoseResponseCurve Curve(string type, double time, double ec50) => new("L", type, doses, [0, 1], [0, 0], 0, ec50) { Time = time };
        var result = new DoseResponseResult(
            [Curve("high", 30, 20), Curve("low", 30, double.NaN), Curve("high", 60, 10), Curve("low", 60, 40)],
            [new Ec50Ratio("L", 30, "low", "high", double.NaN, double.NaN, double.NaN, 0, 0), new Ec50Ratio("L", 60, "low", "high", 4, double.NaN, double.NaN, 0, 0)],
            [30, 60], 0);
        var outputs = DoseResponseOutputs.Read(result);
        Assert.Equal(["ec50:L:30:high", "log10_ec50:L:30:high", "ec50:L:30:low", "log10_ec50:L:30:low", "ec50_ratio:L:30:low/high", "log10_ec50_ratio:L:30:low/high",
            "ec50:L:60:high", "log10_ec50:L:60:high", "ec50:L:60:low", "log10_ec50:L:60:low", "ec50_ratio:L:60:low/high", "log10_ec50_ratio:L:60:low/high"], outputs.Select(o => o.Name));
        Assert.Equal([20, Math.Log10(20), double.NaN, double.NaN, double.NaN, double.NaN, 10, 1, 40, Math.Log10(40), 4, Math.Log10(4)], outputs.Select(o => o.Value));
    }

    [Fact]
    public async Task BadDoseResponseOptionsGiveOneLine()
    {
        string study = StudyPath(), outDir = Path.Combine(_dir, "bad");
        foreach (var (args, message) in new (string[], string)[]
                 {
                     (["--doses", "1:100:3"], "--doses needs --dose-response"),
                     (["--cell-type", "mid"], "unknown cell type 'mid'"),
                     (["--dose-response", "--scenario", "well"], "--scenario sets the study's scenarios"),
                     (["--dose-response", "--duration", "5"], "--duration sets the study's scenarios"),
                     (["--dose-response", "--cell-type", "mid"], "unknown cell type 'mid'"),
                     (["--dose-response", "--cell-type", "low", "low"], "given twice"),
                     (["--dose-response", "--ligand", "X"], "unknown ligand 'X'"),
                     (["--dose-response", "--doses", "1:100"], "--doses must be from:to:count"),
                     (["--dose-response", "--doses", "100:1:3"], "0 < from < to"),
                     (["--dose-response", "--times", "0"], "--times must be positive"),
                 })
        {
            var (code, _, error) = await CliHarness.Run(["sensitivity", study, "--param", "low.koff=0.1:0.4", "--trajectories", "2", "--out", outDir, .. args]);
            Assert.Equal(1, code);
            Assert.Single(error.Trim().Split('\n'));
            Assert.Contains(message, error);
        }
    }
}
