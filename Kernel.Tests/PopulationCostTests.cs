using Stochastic.Formats;
using Stochastic.Methods;
using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The per-group cost accounting (<see cref="GroupCost"/>, <c>population --profile</c>): every firing is charged to
/// exactly one group, and the simulated cell-time is what the cells lived, in all three runners.
/// </summary>
public class PopulationCostTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-cost-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly PopulationOptions Exact = new(Threads: 2) { Method = MethodCatalog.Ssa };

    [Fact]
    public void IndependentCellsChargeEveryFiringAndTheirWholeDuration()
    {
        var study = StudyReaderTests.ParseTiny(StudyReaderTests.TinyStudy);
        var r = PopulationRunner.Run(study, Exact with { BlockSize = 3 });
        Assert.Equal(r.Events, r.Groups.Sum(g => g.Cost.Firings));
        Assert.All(r.Groups, g =>
        {
            Assert.Equal(g.Cells * g.Scenario.Duration, g.Cost.CellTime, 9);
            Assert.True(g.Cost.Firings > 0 && g.Cost.Seconds > 0);
        });
    }

    [Fact]
    public void PooledCellsChargeEveryFiringAndTheirWholeDuration()
    {
        var study = StudyReader.Parse(LigandPoolTests.PoolStudy, "pool.study", _ => BnglReader.Parse(LigandPoolTests.CellModel, "cell.bngl"));
        var r = PopulationRunner.Run(study, Exact);
        var g = Assert.Single(r.Groups);
        Assert.Equal(r.Events, g.Cost.Firings);
        // 100 coupling intervals of 0.1: the spans add up to the duration within rounding.
        Assert.Equal(g.Cells * g.Scenario.Duration, g.Cost.CellTime, 6);
    }

    [Fact]
    public void DividingCellsChargeTheCellTimeTheyLived()
    {
        // Every live cell fires Cycle at rate λ whatever its state, so the firings N(T) are a counting process with
        // intensity λ·L(t) (L: live cells) and N(T) − λ·∫L dt is a martingale of variance λ·E[∫L dt]: the recorded
        // cell-time C must satisfy |N − λC| ≤ 4·√(λC) (4 standard deviations: a false alarm about 1 in 16,000).
        // A cell-time charged per check rather than per span (×10), or only for the root cells (C ≈ 2,000 against
        // ≈ 3,400 here), is off by 10 or more standard deviations.
        const double lambda = 0.1;
        var study = LineageTests.Parse(LineageTests.GrowthStudy(200, 10, 0.1, "  divide Cyc >= 1\n  reset Cycle"), LineageTests.Model(lambda, 0));
        var r = PopulationRunner.Run(study, Exact);
        var g = Assert.Single(r.Groups);
        Assert.Equal(r.Events, g.Cost.Firings);
        double expected = lambda * g.Cost.CellTime;
        Assert.InRange(g.Cost.Firings, expected - 4 * Math.Sqrt(expected), expected + 4 * Math.Sqrt(expected));
        Assert.InRange(g.Cost.CellTime, 200 * 10.0, g.Lineage!.Cells[^1] * 10.0);
    }

    [Fact]
    public void LeapingCellsChargeTheirLeapsAndLeapedFirings()
    {
        // A birth–death pool at 1,000 copies (k0/kd), the default engine (slow-scale with leaping): at ε = 0.03 its births and deaths are leaped (a bound of
        // ε/2·1,000 = 15 consumed molecules per interval, ≥ 10 firings), so every group leaps.
        var study = StudyReaderTests.ParseTiny(StudyReaderTests.TinyStudy
            .Replace("A  X0  lognormal(10, 0.5)", "A  X0  1000").Replace("A  k0  uniform(1, 3)", "A  k0  100")
            .Replace("B  X0  20", "B  X0  1000\n  B  k0  100"));
        var r = PopulationRunner.Run(study, StudyEngine.Default.ApplyTo(new PopulationOptions(Threads: 2)));
        Assert.Equal(r.Events, r.Groups.Sum(g => g.Cost.Firings));
        Assert.Equal(r.LeapedEvents, r.Groups.Sum(g => g.Cost.LeapedFirings));
        Assert.All(r.Groups, g => Assert.InRange(g.Cost.Leaps, 1, g.Cost.LeapedFirings));
    }

    [Fact]
    public async Task ProfileWritesOneCostRowPerGroup_CostliestFirst_AndTheRunsFirings()
    {
        File.WriteAllText(Path.Combine(_dir, "tiny.bngl"), StudyReaderTests.TinyModel);
        string study = Path.Combine(_dir, "tiny.study");
        File.WriteAllText(study, StudyReaderTests.TinyStudy);
        string outDir = Path.Combine(_dir, "out");
        var (code, output, error) = await CliHarness.Run("population", study, "--method", "ssa", "--profile", "--out", outDir);
        Assert.True(code == 0, error);
        Assert.Contains("cost.csv", output);
        Assert.Contains("worker-s in the cell engines", output);
        var lines = File.ReadAllLines(Path.Combine(outDir, "cost.csv"));
        Assert.Equal("scenario,cell_type,cell_time,firings,leaped_firings,seconds,share_of_seconds,firings_per_cell_time,ns_per_firing,ms_per_cell_time,leaps", lines[0]);
        var rows = lines[1..].Select(l => l.Split(',')).ToArray();
        Assert.Equal(4, rows.Length);   // 2 scenarios x 2 cell types
        double Col(string[] r, int i) => double.Parse(r[i], System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(rows, r => Assert.Equal(8 * 20.0, Col(r, 2)));   // 8 cells x 20 time units
        Assert.All(rows, r => Assert.Equal("0", r[10]));   // exact SSA: no leaps
        Assert.Equal(rows.Select(r => Col(r, 5)).OrderByDescending(x => x), rows.Select(r => Col(r, 5)));
        // Shares are written with 6 significant digits (each below 1, so off by at most 5·10⁻⁷): their sum is 1 within rows × 5·10⁻⁷.
        Assert.InRange(rows.Sum(r => Col(r, 6)), 1 - rows.Length * 5e-7, 1 + rows.Length * 5e-7);
        // The run's total firings (report.md's first line) are the rows' sum.
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        long total = rows.Sum(r => long.Parse(r[3], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains($"{total.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} reactions fired", report);
    }
}
