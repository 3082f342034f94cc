using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

public class PopulationRunnerTests
{
    [Fact]
    public void ResultsDoNotDependOnThreadsOrBlockSize()
    {
        var study = StudyReaderTests.ParseTiny(StudyReaderTests.TinyStudy);
        var a = PopulationRunner.Run(study, new PopulationOptions(Threads: 1, BlockSize: 1));
        var b = PopulationRunner.Run(study, new PopulationOptions(Threads: 2, BlockSize: 3));
        Assert.Equal(a.Groups.Count, b.Groups.Count);
        for (int g = 0; g < a.Groups.Count; g++)
        {
            for (int v = 0; v < a.VariableNames.Length; v++) Assert.Equal(a.Groups[g].Values(v), b.Groups[g].Values(v));
            Assert.Equal(a.Groups[g].Fates(), b.Groups[g].Fates());
        }
        // A different seed gives different cells (a test that can fail).
        var c = PopulationRunner.Run(study, new PopulationOptions(Seed: 99, Threads: 2));
        Assert.NotEqual(a.Groups[0].Values(0), c.Groups[0].Values(0));
    }

    [Fact]
    public void ChosenCellTypesRunTheSameCellsAsTheWholeRun()
    {
        var study = StudyReaderTests.ParseTiny(StudyReaderTests.TinyStudy);
        Assert.True(study.CellTypes.Length >= 2);
        var whole = PopulationRunner.Run(study, new PopulationOptions(Threads: 2));
        string last = study.CellTypes[^1].Name;
        // The last cell type alone: its streams are indexed by its place in the study, so its cells are those of the whole run.
        var part = PopulationRunner.Run(study, new PopulationOptions(Threads: 2) { CellTypes = [last] });
        Assert.Equal(study.Scenarios.Length, part.Groups.Count);
        foreach (var g in part.Groups)
        {
            Assert.Equal(last, g.CellType.Name);
            var same = whole.Group(g.Scenario.Name, last);
            for (int v = 0; v < part.VariableNames.Length; v++) Assert.Equal(same.Values(v), g.Values(v));
            Assert.Equal(same.Fates(), g.Fates());
            // A test that can fail: another cell type's cells differ.
            Assert.NotEqual(whole.Group(g.Scenario.Name, study.CellTypes[0].Name).Values(0), g.Values(0));
        }
        var error = Assert.ThrowsAny<StochasticException>(() => PopulationRunner.Run(study, new PopulationOptions() { CellTypes = ["nope"] }));
        Assert.Contains("unknown cell type 'nope'", error.Message);
    }

    [Fact]
    public void CellsShareParametersAcrossScenariosAndFatesFollowRules()
    {
        var study = StudyReaderTests.ParseTiny(StudyReaderTests.TinyStudy);
        var r = PopulationRunner.Run(study, new PopulationOptions(CellsPerType: 20, Threads: 2));
        int x0 = r.Variable("Xobs_max");
        // Cell type B starts at 20 and has k0 = 5, kd = 0.1: its steady state is 50 (low) or 100 (high).
        var high = r.Group("high", "B");
        Assert.Equal(20, high.Completed);
        foreach (var fate in high.Fates()) Assert.NotEqual(r.FateNames.Count - 1, fate);
        var (fraction, low, hi) = high.FateFraction("many");
        Assert.InRange(fraction, low, hi);
        Assert.True(x0 >= 0);
        // Scenario 'high' adds 5 to the synthesis rate: mean X rises (by ~+50 at steady state; after
        // 20 time units, +5 * (1 - e^-2)/0.1 = 43). 20 cells with sd ~ 8 each give a standard error of
        // ~2.5 per group; a rise of more than 20 is > 5 standard errors below the expected 43.
        int mean = r.Variable("Xobs_mean");
        Assert.True(r.Group("high", "B").Values(mean).Average() > r.Group("low", "B").Values(mean).Average() + 10);
    }

    private const string ScopedFates = """
        begin fates
          high (B):  Xobs > 40
          typeA (A): 1
          low:       Xobs < 10
        end fates
        """;

    private static Study ScopedStudy()
    {
        string text = StudyReaderTests.TinyStudy;
        return StudyReaderTests.ParseTiny(text[..text.IndexOf("begin fates", StringComparison.Ordinal)] + ScopedFates);
    }

    [Fact]
    public void ClassifyTakesTheFirstRuleThatAppliesToTheCellType()
    {
        var study = ScopedStudy();
        var names = CellVariables.Names(["Xobs"]);
        var variables = new double[names.Length + study.Model.Parameters.Length];
        int x = Array.IndexOf(names, "Xobs");
        string Fate(string cellType, double xobs)
        {
            variables[x] = xobs;
            return study.FateNames[PopulationRunner.Classify(study, cellType, variables, study.FateNames)];
        }
        // 'high' matches X = 50 but applies to B only, so an A cell gets the next applicable rule.
        Assert.Equal("typeA", Fate("A", 50));
        Assert.Equal("high", Fate("B", 50));
        Assert.Equal("low", Fate("B", 5));
        Assert.Equal(Study.Unclassified, Fate("B", 30));
    }

    [Fact]
    public void FateTablesListPerCellTypeTheFatesItsRulesCanGive()
    {
        var study = ScopedStudy();
        var r = PopulationRunner.Run(study, new PopulationOptions(CellsPerType: 6, Threads: 2));
        int typeA = r.FateNames.ToList().IndexOf("typeA");
        Assert.All(r.Groups.Where(g => g.CellType.Name == "A"), g => Assert.All(g.Fates(), f => Assert.Equal(typeA, f)));
        Assert.All(r.Groups.Where(g => g.CellType.Name == "B"), g => Assert.DoesNotContain(typeA, g.Fates()));

        var csv = new StringWriter();
        PopulationCsv.WriteFates(r, csv);
        var rows = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(["typeA", "low", Study.Unclassified], rows.Where(c => c[0] == "low" && c[1] == "A").Select(c => c[2]));
        Assert.Equal(["high", "low", Study.Unclassified], rows.Where(c => c[0] == "low" && c[1] == "B").Select(c => c[2]));
        Assert.Equal("6", rows.Single(c => c[0] == "high" && c[1] == "A" && c[2] == "typeA")[3]);

        var report = new StringWriter();
        PopulationCsv.WriteReport(r, report);
        Assert.Contains("| low | A | 6 | — | 1.00 (", report.ToString());
    }

    [Fact]
    public void CancellationKeepsFinishedCells()
    {
        var study = StudyReaderTests.ParseTiny(StudyReaderTests.TinyStudy);
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.CellsDone >= 4) cts.Cancel(); });
        var r = PopulationRunner.Run(study, new PopulationOptions(CellsPerType: 50, Threads: 1, BlockSize: 2), progress: progress, cancellationToken: cts.Token);
        Assert.True(r.Cancelled);
        int done = r.Groups.Sum(g => g.Completed);
        Assert.InRange(done, 4, 199);
    }

    private sealed class SyncProgress(Action<PopulationProgress> action) : IProgress<PopulationProgress>
    {
        public void Report(PopulationProgress value) => action(value);
    }

    [Fact]
    public void WilsonIntervalMatchesPublishedValue()
    {
        // Newcombe (1998, Stat Med 17:857) Table I: 81/263 → 0.2553–0.3662 (Wilson score).
        var (lo, hi) = WilsonInterval.Compute(81, 263);
        Assert.Equal(0.2553, lo, 4);
        Assert.Equal(0.3662, hi, 4);
        Assert.Equal((0.0, 1.0), WilsonInterval.Compute(0, 0));
        // Newcombe Table I: 0/20 → 0–0.1611; the bound at 0 is exactly 0 (and at n/n exactly 1, by symmetry).
        var (lo0, hi0) = WilsonInterval.Compute(0, 20);
        Assert.Equal(0.0, lo0);
        Assert.Equal(0.1611, hi0, 4);
        var (lo1, hi1) = WilsonInterval.Compute(20, 20);
        Assert.Equal(1 - 0.1611, lo1, 4);
        Assert.Equal(1.0, hi1);
    }

    [Fact]
    public void Ec50InterpolatesLogLinearly()
    {
        double ec50 = DoseResponse.Ec50([1, 10, 100], [0, 50, 100], 0);
        Assert.Equal(10, ec50, 9);
        Assert.Equal(Math.Sqrt(10), DoseResponse.Ec50([1, 10, 100], [25, 75, 100], 0), 9);
        Assert.True(double.IsNaN(DoseResponse.Ec50([1, 10], [80, 100], 0)));
    }
}
