using Stochastic.Cli;
using Stochastic.Formats;
using Stochastic.Population;
using Stochastic.Random;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

/// <summary>
/// Dose-response read at several times of one run, and the percentile-bootstrap intervals of its
/// means, EC50s and EC50 ratios (DoseResponse, the dose-response command).
/// </summary>
public sealed class DoseResponseIntervalTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-dr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ---- coverage on a synthetic curve whose EC50 is known ----

    private static readonly double[] SyntheticDoses = DoseResponse.LogSpaced(1, 1e4, 9);
    private const double Top = 100, HillEc50 = 100, Noise = 30;

    private static double Hill(double dose) => Top * dose / (dose + HillEc50);

    private static double Gaussian(ref Xoshiro256StarStar rng) =>
        Math.Sqrt(-2 * Math.Log(rng.NextOpenDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>One synthetic experiment: <paramref name="cells"/> cells per dose, each the Hill curve plus Gaussian cell-to-cell noise (sd 30% of the top).</summary>
    private static (double[] Baseline, double[][] Doses) Synthetic(int cells, ulong stream)
    {
        var rng = new Xoshiro256StarStar(2024, stream);
        double[] Cells(double mean)
        {
            var x = new double[cells];
            for (int i = 0; i < cells; i++) x[i] = mean + Noise * Gaussian(ref rng);
            return x;
        }
        return (Cells(0), [.. SyntheticDoses.Select(d => Cells(Hill(d)))]);
    }

    /// <summary>
    /// The 95% interval covers the true EC50 in 95% of experiments, within binomial error. The truth is
    /// what the EC50 routine gives on the noise-free mean curve at the same doses (the quantity the
    /// estimate converges to with many cells: 2.2% below the Hill curve's own EC50 here, as the top dose
    /// reaches 99% of the top and the routine interpolates log-linearly). R = 400 experiments of 40 cells per dose, B = 1000 replicates each: the
    /// number covered is Binomial(400, p); with p = 0.95 its sd is √(400·0.95·0.05) = 4.36, so the
    /// measured coverage must lie within 0.95 ± 3·0.0109 = [0.917, 0.983] (a 3-sigma band: a correct
    /// interval fails it with probability ~0.3%; the seeds are fixed, so the test is deterministic).
    /// </summary>
    [Fact]
    public void PercentileIntervalCoversTheTrueEc50()
    {
        double truth = DoseResponse.Ec50(SyntheticDoses, [.. SyntheticDoses.Select(Hill)], 0);
        Assert.InRange(truth / HillEc50, 0.97, 0.99);
        const int Experiments = 400;
        int covered = 0, unbracketed = 0;
        double width = 0;
        for (int e = 0; e < Experiments; e++)
        {
            var (baseline, doses) = Synthetic(40, (ulong)e);
            var interval = DoseResponse.BootstrapEc50(SyntheticDoses, baseline, doses, 1000, (ulong)e, threads: 2);
            if (interval.Low <= truth && truth <= interval.High) covered++;
            unbracketed += interval.Unbracketed;
            width += Math.Log(interval.High / interval.Low) / Experiments;
        }
        double coverage = (double)covered / Experiments;
        double sigma = Math.Sqrt(0.95 * 0.05 / Experiments);
        log.WriteLine($"coverage {coverage:F4} ({covered}/{Experiments}), band [{0.95 - 3 * sigma:F3}, {0.95 + 3 * sigma:F3}], mean width ×{Math.Exp(width):F2}, unbracketed replicates {unbracketed}");
        Assert.InRange(coverage, 0.95 - 3 * sigma, 0.95 + 3 * sigma);
    }

    [Fact]
    public void UnbracketedReplicatesAreCountedAndLeftOut()
    {
        // A curve that barely rises: many replicates put their half-maximum at the lowest dose.
        var rng = new Xoshiro256StarStar(7, 0);
        double[] Flat(double mean) => [.. Enumerable.Range(0, 6).Select(_ => mean + 20 * Gaussian(ref rng))];
        var interval = DoseResponse.BootstrapEc50([1, 10, 100], Flat(0), [Flat(1), Flat(3), Flat(5)], 500, 3, threads: 1);
        Assert.InRange(interval.Unbracketed, 1, 499);
        Assert.Equal(interval.Unbracketed, interval.ReplicateEc50s.Count(double.IsNaN));
        var finite = interval.ReplicateEc50s.Where(double.IsFinite).ToArray();
        Assert.Equal(PopulationResult.Quantile(finite, 0.025), interval.Low);
        Assert.Equal(PopulationResult.Quantile(finite, 0.975), interval.High);
    }

    [Fact]
    public void SameSeedSameIntervals_AnyThreadCount()
    {
        var (baseline, doses) = Synthetic(15, 99);
        var a = DoseResponse.BootstrapEc50(SyntheticDoses, baseline, doses, 800, 5, threads: 1);
        var b = DoseResponse.BootstrapEc50(SyntheticDoses, baseline, doses, 800, 5, threads: 4);
        Assert.Equal(a.ReplicateEc50s, b.ReplicateEc50s);
        Assert.Equal((a.Low, a.High), (b.Low, b.High));
        var c = DoseResponse.BootstrapEc50(SyntheticDoses, baseline, doses, 800, 6, threads: 4);
        Assert.NotEqual(a.ReplicateEc50s, c.ReplicateEc50s);
        Assert.Equal(a.Ec50, c.Ec50);
    }

    // ---- a small study: one receptor binding a bath ligand ----

    private const string Model = """
        begin parameters
          L_pM  0
          kon   0.004
          koff  0.2
          R0    50
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
        end functions
        begin reaction rules
          R -> C  bind()
          C -> R  koff
        end reaction rules
        """;

    private const string StudyText = """
        begin study
          model cell.bngl
          cells 8
          seed 11
          output_every 1
          dose_parameter L_pM
          readout Bound
          readout_time 4
          time_unit min
          dose_unit pM
        end study
        begin ligands
          L
          M  kon=0.001
        end ligands
        begin cell types
          low   R0  lognormal(50, 0.3)
          high  R0  lognormal(150, 0.3)
        end cell types
        begin scenarios
          well  ligand=L dose=25 duration=4
        end scenarios
        begin fates
          any: 1
        end fates
        """;

    private string StudyPath()
    {
        File.WriteAllText(Path.Combine(_dir, "cell.bngl"), Model);
        string path = Path.Combine(_dir, "bind.study");
        File.WriteAllText(path, StudyText);
        return path;
    }

    private static readonly double[] Doses = DoseResponse.LogSpaced(1, 1000, 5);

    [Fact]
    public void TheDefaultTimeIsTheReadoutTime_AndReadsAsThePopulationRunDoes()
    {
        var study = StudyReader.Read(StudyPath());
        var options = new PopulationOptions(CellsPerType: 6, Threads: 2);
        var result = DoseResponse.Run(study, ["L"], Doses, options, new DoseResponseSettings(Bootstrap: 100));
        Assert.Equal([4.0], result.Times);
        Assert.Equal(2, result.Curves.Count);
        Assert.All(result.Curves, c => Assert.Equal(4, c.Time));
        // The same cells as a population run of the same scenarios: the same streams, read at the end.
        var scenarios = Doses.Select(d => study.MakeScenario(FormattableString.Invariant($"L@{d:R}"), "L", d, 4)).ToList();
        var population = PopulationRunner.Run(study, scenarios, options);
        int bound = population.Variable("Bound");
        foreach (var c in result.Curves)
            for (int i = 0; i < Doses.Length; i++)
                Assert.Equal(population.Group(scenarios[i].Name, c.CellType).Values(bound).Average(), c.Mean[i], 12);
        // The curves without intervals are the same curves.
        var plain = DoseResponse.Run(study, ["L"], Doses, options);
        Assert.Equal(result.Curves.Select(c => c.Ec50), plain.Select(c => c.Ec50));
        Assert.All(plain, c => Assert.True(double.IsNaN(c.Ec50Low) && c.Replicates == 0));
    }

    [Fact]
    public void SeveralTimesOfOneRun_LaterTimesMatchALongerRun()
    {
        var study = StudyReader.Read(StudyPath());
        var options = new PopulationOptions(CellsPerType: 5, Threads: 1);
        var several = DoseResponse.Run(study, ["L", "M"], Doses, options, new DoseResponseSettings([2, 4.5, 1], Bootstrap: 200));
        Assert.Equal([1.0, 2, 4.5], several.Times);
        Assert.Equal(2 * 3 * 2, several.Curves.Count);
        // Ratios: every other cell type against the first, per ligand and time.
        Assert.Equal(2 * 3, several.Ratios.Count);
        Assert.All(several.Ratios, r => Assert.Equal(("high", "low"), (r.CellType, r.Reference)));
        foreach (var r in several.Ratios)
        {
            double low = several.Curves.Single(c => c.Ligand == r.Ligand && c.Time == r.Time && c.CellType == "low").Ec50;
            double high = several.Curves.Single(c => c.Ligand == r.Ligand && c.Time == r.Time && c.CellType == "high").Ec50;
            Assert.Equal(high / low, r.Ratio, 12);
        }
        // The last time is the end of each cell's run: the same numbers as a run read at that time alone
        // (the grids differ, 0.5 against 0.9, which the exact SSA's trajectories do not depend on).
        var alone = DoseResponse.Run(study, ["L", "M"], Doses, options, new DoseResponseSettings([4.5], Bootstrap: 200));
        foreach (var c in alone.Curves)
            Assert.Equal(c.Mean, several.Curves.Single(x => x.Ligand == c.Ligand && x.CellType == c.CellType && x.Time == 4.5).Mean);
        // Threads do not change a number.
        var threaded = DoseResponse.Run(study, ["L", "M"], Doses, options with { Threads = 3 }, new DoseResponseSettings([2, 4.5, 1], Bootstrap: 200));
        Assert.Equal(several.Curves.Select(c => (c.Ec50, c.Ec50Low, c.Ec50High)), threaded.Curves.Select(c => (c.Ec50, c.Ec50Low, c.Ec50High)));
        Assert.Equal(several.Ratios, threaded.Ratios);
        Assert.All(several.Curves, c => Assert.True(c.MeanLow.Zip(c.MeanHigh).All(p => p.First <= p.Second)));
    }

    [Theory]
    [InlineData("30,60,120,240", 30.0, 9)]   // the IL-2 study's times on its output_every 30 grid
    [InlineData("60", 30.0, 3)]              // the default: the study's grid to readout_time
    [InlineData("45,100", 10.0, 21)]         // off the study's grid: the coarsest finer grid, a step of 5
    [InlineData("1,2,4.5", 1.0, 10)]         // 4.5 / 9 steps = 0.5
    public void TheReadoutGridHoldsEveryTime(string times, double interval, int points)
    {
        double[] t = [.. times.Split(',').Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture))];
        var grid = DoseResponse.ReadoutGrid(t, interval);
        Assert.Equal(points, grid.Points);
        Assert.All(t, x => Assert.Contains(grid.Times(), g => Math.Abs(g - x) < 1e-9));
    }

    [Fact]
    public void TimesOffTheGridAreRefused()
    {
        var study = StudyReader.Read(StudyPath());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            DoseResponse.Run(study, ["L"], Doses, new PopulationOptions(CellsPerType: 1), new DoseResponseSettings([1, Math.PI])));
        Assert.Contains("share no recording grid", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DoseResponse.Run(study, ["L"], Doses, new PopulationOptions(CellsPerType: 1), new DoseResponseSettings([0])));
    }

    // ---- the command ----

    [Fact]
    public async Task TimesGiveATimeColumnAndOneRowPerTime()
    {
        string path = StudyPath(), dir = Path.Combine(_dir, "several");
        var (code, output, error) = await CliHarness.Run("dose-response", path, "--ligand", "L", "--doses", "1:1000:4", "--times", "1,2,4",
            "--cells", "4", "--bootstrap", "100", "--threads", "2", "--out", dir);
        Assert.True(code == 0, error);
        Assert.Contains("ec50_ratios.csv", output);
        var ec50 = File.ReadAllLines(Path.Combine(dir, "ec50.csv"));
        Assert.Equal("ligand,cell_type,time_min,ec50_pM,ec50_low,ec50_high,replicates,unbracketed", ec50[0]);
        Assert.Equal(["1", "1", "2", "2", "4", "4"], ec50[1..].Select(l => l.Split(',')[2]));
        Assert.All(ec50[1..], l => Assert.Equal("100", l.Split(',')[6]));
        var curves = File.ReadAllLines(Path.Combine(dir, "dose_response.csv"));
        Assert.Equal("ligand,cell_type,time_min,dose_pM,pstat5_mean,pstat5_sd,pstat5_mean_low,pstat5_mean_high", curves[0]);
        Assert.Equal(3 * 2 * 5, curves.Length - 1);
        var ratios = File.ReadAllLines(Path.Combine(dir, "ec50_ratios.csv"));
        Assert.Equal("ligand,time_min,cell_type,reference,ratio,low,high,replicates,unbracketed", ratios[0]);
        Assert.Equal(["L,1,high,low", "L,2,high,low", "L,4,high,low"], ratios[1..].Select(l => string.Join(',', l.Split(',')[..4])));
        Assert.True(new FileInfo(Path.Combine(dir, "dose_response.png")).Length > 0);

        // Without --times: the study's readout_time; --bootstrap 0: no intervals.
        dir = Path.Combine(_dir, "default");
        (code, _, error) = await CliHarness.Run("dose-response", path, "--ligand", "L", "--doses", "1:1000:4", "--cells", "3", "--bootstrap", "0", "--out", dir);
        Assert.True(code == 0, error);
        ec50 = File.ReadAllLines(Path.Combine(dir, "ec50.csv"));
        Assert.Equal(["4", "4"], ec50[1..].Select(l => l.Split(',')[2]));
        Assert.All(ec50[1..], l => Assert.EndsWith(",NaN,NaN,0,0", l));
    }

    [Theory]
    [InlineData("30,abc", "error: --times must be positive numbers separated by commas, e.g. 30,60,120,240; got '30,abc'")]
    [InlineData("0,60", "error: --times must be positive numbers separated by commas, e.g. 30,60,120,240; got '0,60'")]
    [InlineData("60,", "error: --times must be positive numbers separated by commas, e.g. 30,60,120,240; got '60,'")]
    [InlineData("1,3.14159", "error: the read-out times 1, 3.14159 share no recording grid finer than the study's output_every (1); give times on a common step")]
    public async Task BadTimesAreOneReadableLine(string times, string expected)
    {
        var (code, output, error) = await CliHarness.Run("dose-response", StudyPath(), "--times", times, "--cells", "1", "--out", Path.Combine(_dir, "bad"));
        Assert.Equal(CliApp.InputError, code);
        Assert.Equal(expected, error.Trim());
        Assert.DoesNotContain("wrote", output);
    }

    [Fact]
    public async Task NegativeBootstrapIsRefused()
    {
        var (code, _, error) = await CliHarness.Run("dose-response", StudyPath(), "--bootstrap", "-1", "--out", Path.Combine(_dir, "bad"));
        Assert.Equal(CliApp.InputError, code);
        Assert.StartsWith("error: --bootstrap must be 0 or more, got -1", error.Trim()); // the CLI's one check of every count option
    }
}
