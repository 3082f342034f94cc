using System.Globalization;
using Stochastic.Formats;
using Stochastic.Methods;
using Stochastic.Model;
using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// Traits (the study's <c>traits</c> block): yes/no read-outs per cell, evaluated like fate rules but
/// apart from the fate, stored per cell and reported as extra columns of the fate tables.
/// </summary>
public class TraitTests
{
    // TinyStudy ends at line 26 ('end fates'): the traits block opens at line 27, its first rule is line 28.
    private static string WithTraits(string rules) => StudyReaderTests.TinyStudy + "\nbegin traits\n" + rules + "\nend traits";

    [Fact]
    public void TraitsParse_WithCellTypeListsAndConditionsAsFateRules()
    {
        var study = StudyReaderTests.ParseTiny(WithTraits("  big (A):  Xobs > 30   # comment\n  rich: X0 >= 15"));
        Assert.Equal(["big", "rich"], study.Traits.Select(t => t.Trait));
        Assert.Equal<string>(["A"], study.Traits[0].CellTypes);
        Assert.Equal("Xobs > 30", study.Traits[0].Text);
        Assert.Equal(28, study.Traits[0].Position.Line);
        Assert.True(study.Traits[0].AppliesTo("A"));
        Assert.False(study.Traits[0].AppliesTo("B"));
        Assert.Empty(study.Traits[1].CellTypes);
        Assert.True(study.Traits[1].AppliesTo("B"));
        // Fates are untouched by traits.
        Assert.Equal(["many", "some", "few", Study.Unclassified], study.FateNames);
        Assert.Empty(StudyReaderTests.ParseTiny(StudyReaderTests.TinyStudy).Traits);
    }

    public static TheoryData<string, string> Errors => new()
    {
        { "  big (A, BB): Xobs > 30", "test.study:28:11: unknown cell type 'BB' in trait 'big'; did you mean 'B'?" },
        { "  big (A, Tcell): Xobs > 30", "test.study:28:11: unknown cell type 'Tcell' in trait 'big' (the study defines A, B)" },
        { "  big (A, A): Xobs > 30", "test.study:28:11: cell type 'A' is listed twice in trait 'big'" },
        { "  big (A,): Xobs > 30", "test.study:28:10: empty cell-type name in the list of trait 'big'" },
        { "  big: Xob > 30", "test.study:28:8: unknown name 'Xob' in trait 'big'; did you mean 'Xobs'?" },
        { "  big: Qq > 30", "test.study:28:8: unknown name 'Qq' in trait 'big' (a trait reads observables" },
        { "  big: Xobs > ", "test.study:28:14: expression ends too early" },
        { "  big (A):", "test.study:28:3: trait 'big' needs a condition, e.g. 'big: Lytic_obs >= 20'" },
        { "  many: Xobs > 30", "test.study:28:3: trait 'many' has the name of a fate" },
        { "  unclassified: Xobs > 30", "test.study:28:3: trait 'unclassified' has the name of a fate" },
        { "  cells: Xobs > 30", "test.study:28:3: trait 'cells' has the name of a column of fates.csv" },
        { "  big: Xobs > 30\n  big: Xobs > 1", "test.study:29:3: trait 'big' is defined twice (first at line 28)" },
        { "  (A): Xobs > 30", "test.study:28:3: expected a trait name" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void ErrorsHavePositions(string rules, string expected)
    {
        var e = Assert.Throws<ModelException>(() => StudyReaderTests.ParseTiny(WithTraits(rules)));
        Assert.Contains(e.Errors, x => x.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void AMisspelledBlockSuggestsTraits()
    {
        var e = Assert.Throws<ModelException>(() => StudyReaderTests.ParseTiny(StudyReaderTests.TinyStudy + "\nbegin trait\n  big: Xobs > 30\nend trait"));
        Assert.Contains(e.Errors, x => x.ToString().StartsWith("test.study:27:7: unknown block 'trait'; did you mean 'traits'?", StringComparison.Ordinal));
    }

    [Fact]
    public void EvaluateTraits_ReadsTheCellsVariables_AndIsFalseWhereTheTraitDoesNotApply()
    {
        var study = StudyReaderTests.ParseTiny(WithTraits("  big (A): Xobs > 30\n  any: Xobs_max > 30"));
        var names = CellVariables.Names(["Xobs"]);
        var variables = new double[names.Length + study.Model.Parameters.Length];
        var traits = new bool[2];
        variables[Array.IndexOf(names, "Xobs")] = 50;
        variables[Array.IndexOf(names, "Xobs_max")] = 50;
        PopulationRunner.EvaluateTraits(study, "A", variables, traits);
        Assert.Equal([true, true], traits);
        PopulationRunner.EvaluateTraits(study, "B", variables, traits);
        Assert.Equal([false, true], traits);
        variables[Array.IndexOf(names, "Xobs")] = 10;
        PopulationRunner.EvaluateTraits(study, "A", variables, traits);
        Assert.Equal([false, true], traits);
    }

    [Fact]
    public void EachCellsTraitFollowsItsOwnVariables_ApartFromItsFate()
    {
        var study = StudyReaderTests.ParseTiny(WithTraits("  big (A): Xobs > 30"));
        var r = PopulationRunner.Run(study, new PopulationOptions(CellsPerType: 20, Threads: 2));
        int xobs = r.Variable("Xobs");
        bool sawTrue = false, sawFalse = false;
        foreach (var g in r.Groups)
        {
            var traits = g.Traits("big");
            if (g.CellType.Name == "B")
            {
                Assert.False(g.TraitApplies("big"));
                Assert.All(traits, t => Assert.Null(t));
                Assert.True(double.IsNaN(g.TraitCount("big")));
                Assert.True(double.IsNaN(g.TraitFraction("big").Fraction));
                continue;
            }
            Assert.True(g.TraitApplies("big"));
            var x = g.Values(xobs);
            var fates = g.Fates();
            Assert.Equal(x.Select(v => (bool?)(v > 30)), traits);
            sawTrue |= traits.Any(t => t == true);
            sawFalse |= traits.Any(t => t == false);
            Assert.Equal(traits.Count(t => t == true), g.TraitCount("big"));
            foreach (var fate in study.FateNamesFor("A"))
            {
                int f = r.FateNames.ToList().IndexOf(fate);
                int n = fates.Count(q => q == f), k = fates.Where((q, i) => q == f && traits[i] == true).Count();
                Assert.Equal(k, g.TraitCount("big", fate));
                var (p, lo, hi) = g.TraitFraction("big", fate);
                if (n == 0) { Assert.True(double.IsNaN(p)); continue; }
                Assert.Equal((double)k / n, p);
                Assert.True(lo <= p && p <= hi);
            }
        }
        Assert.True(sawTrue && sawFalse, "the tiny study gives both values");

        // fates.csv: one column per trait, the cells of the row's fate with it; empty for a type it does not apply to.
        var csv = new StringWriter();
        PopulationCsv.WriteFates(r, csv);
        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("scenario,cell_type,fate,cells,fraction,ci_low,ci_high,big", lines[0].TrimEnd('\r'));
        foreach (var row in lines.Skip(1).Select(l => l.TrimEnd('\r').Split(',')))
        {
            Assert.Equal(8, row.Length);
            var g = r.Group(row[0], row[1]);
            Assert.Equal(row[1] == "A" ? g.TraitCount("big", row[2]).ToString(CultureInfo.InvariantCulture) : "", row[7]);
        }

        var report = new StringWriter();
        PopulationCsv.WriteReport(r, report);
        string text = report.ToString();
        Assert.Contains("## Traits", text);
        Assert.Contains("| scenario | cell type | trait | all cells | many | some | few | unclassified |", text);
        Assert.Contains("| high | A | big | ", text);
        Assert.DoesNotContain("| high | B | big | ", text);
    }

    [Fact]
    public void WithoutTraitsTheFateTablesAreAsBefore_AndTraitsOnlyAddColumns()
    {
        var plain = StudyReaderTests.ParseTiny(StudyReaderTests.TinyStudy);
        var traits = StudyReaderTests.ParseTiny(WithTraits("  big (A): Xobs > 30\n  any: 1"));
        var options = new PopulationOptions(CellsPerType: 10, Threads: 2);
        var a = PopulationRunner.Run(plain, options);
        var b = PopulationRunner.Run(traits, options);
        string Fates(PopulationResult r) { var w = new StringWriter(); PopulationCsv.WriteFates(r, w); return w.ToString(); }
        string Report(PopulationResult r) { var w = new StringWriter(); PopulationCsv.WriteReport(r, w); return w.ToString(); }
        string without = Fates(a);
        Assert.StartsWith("scenario,cell_type,fate,cells,fraction,ci_low,ci_high" + Environment.NewLine, without);
        Assert.DoesNotContain("## Traits", Report(a));
        // The same cells and fates: stripping the two trait columns gives the file without traits.
        var stripped = Fates(b).Split(Environment.NewLine).Select(l => l.Length == 0 ? l : string.Join(",", l.Split(',')[..^2]));
        Assert.Equal(without, string.Join(Environment.NewLine, stripped));
        // The report gains only its Traits section.
        string report = Report(b);
        int start = report.IndexOf(Environment.NewLine + "## Traits", StringComparison.Ordinal);
        int end = report.IndexOf(Environment.NewLine + "## Median", StringComparison.Ordinal);
        Assert.Equal(Report(a), report[..start] + report[end..]);
    }

    [Fact]
    public void PooledRunsStoreTraits()
    {
        string text = LineageTests.PoolStudy("");
        text = text[..text.IndexOf("begin lineage", StringComparison.Ordinal)] + "begin traits\n  binds (a): Bound > 2\n  all: 1\nend traits\n";
        var study = LineageTests.Parse(text, LineageTests.PoolModel);
        var r = PopulationRunner.Run(study, new PopulationOptions(Threads: 2) { Method = MethodCatalog.Ssa });
        Assert.NotEmpty(r.LigandPools);
        int bound = r.Variable("Bound");
        foreach (var g in r.Groups)
        {
            Assert.Equal(g.Completed, g.TraitCount("all"));
            if (g.CellType.Name == "b") { Assert.All(g.Traits("binds"), t => Assert.Null(t)); continue; }
            Assert.Equal(g.Values(bound).Select(v => (bool?)(v > 2)), g.Traits("binds"));
            // 'bound' fate and 'binds' trait read the same condition: every bound cell binds, no other does.
            Assert.Equal(g.FateCount("bound"), g.TraitCount("binds", "bound"));
            Assert.Equal(0, g.TraitCount("binds", "other"));
        }
    }

    [Fact]
    public void WithALineage_TraitCountsAreWeighted_AtEveryRecordedTime()
    {
        // Pure birth capped at 60 simulated cells: thinning gives the cells unequal weights. A is split
        // binomially at each division, so 'rich' (A ≥ 20) differs between cells; 'all' holds for every cell.
        var study = LineageTests.Parse(
            LineageTests.GrowthStudy(40, 20, 0.1, "  divide Cyc >= 1\n  reset Cycle\n  cap 60") + "\nbegin traits\n  rich: Aobs >= 20\n  all: 1\nend traits",
            LineageTests.Model(0.1, 0));
        var r = PopulationRunner.Run(study, new PopulationOptions(Seed: 7, Threads: 2) { Method = MethodCatalog.Ssa });
        var g = r.Groups.Single();
        var l = g.Lineage!;
        Assert.True(l.Cells[^1] > l.Simulated[^1] + 1, "thinned: the weights exceed 1");
        int last = l.Times.Length - 1, n = study.Traits.Length;
        Assert.Equal(2, l.TraitCount);
        for (int f = 0; f < r.FateNames.Count; f++)
        {
            string fate = r.FateNames[f];
            // 'all' weighs every cell of the fate: its count is the weighted fate count, at every time.
            for (int k = 0; k <= last; k++) Assert.Equal(l.FateCells[k][f], l.TraitCells[k][f * n + 1]);
            Assert.Equal(l.FateCells[last][f], g.TraitCount("all", fate), 6);
            Assert.Equal(l.TraitCells[last][f * n], g.TraitCount("rich", fate), 6);
        }
        Assert.Equal(l.Cells[^1], g.TraitCount("all"), 6);
        double rich = g.TraitCount("rich");
        Assert.True(rich > 0 && rich < l.Cells[^1]);
        // Fractions are weighted, with the interval at Kish's effective sample size, as the fate fractions.
        var (p, lo, hi) = g.TraitFraction("rich");
        Assert.Equal(rich / l.Cells[^1], p, 12);
        var (elo, ehi) = WilsonInterval.Compute(p, l.EffectiveCells(last));
        Assert.Equal(elo, lo, 12);
        Assert.Equal(ehi, hi, 12);

        // fates_time.csv and fates.csv: the trait columns after the others; 'all' equals 'cells' row by row.
        var w = new StringWriter();
        PopulationCsv.WriteFatesOverTime(r, w);
        var rows = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(x => x.TrimEnd('\r').Split(',')).ToList();
        Assert.Equal("scenario,cell_type,time,fate,cells,fraction,low,high,rich,all", string.Join(",", rows[0]));
        Assert.Equal(l.Times.Length * r.FateNames.Count, rows.Count - 1);
        Assert.All(rows.Skip(1), row => Assert.Equal(row[4], row[9]));
        w = new StringWriter();
        PopulationCsv.WriteFates(r, w);
        rows = [.. w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(x => x.TrimEnd('\r').Split(','))];
        Assert.Equal("scenario,cell_type,fate,cells,fraction,ci_low,ci_high,start_cells,rich,all", string.Join(",", rows[0]));
        Assert.All(rows.Skip(1), row => Assert.Equal(row[3], row[9]));
        var report = new StringWriter();
        PopulationCsv.WriteReport(r, report);
        Assert.Contains("| s | cell | rich | " + string.Create(CultureInfo.InvariantCulture, $"{p:F2} ({lo:F2}–{hi:F2})"), report.ToString());
    }

    [Fact]
    public void TheTissueStudyReadsCytolyticApartFromTheFates()
    {
        var study = StudyReader.Read(Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "tissue.study"));
        var trait = Assert.Single(study.Traits);
        Assert.Equal("cytolytic", trait.Trait);
        Assert.Equal<string>(["stem_like", "terminal"], trait.CellTypes);
        Assert.Equal("Lytic_obs >= 20", trait.Text);
        Assert.DoesNotContain("cytolytic", study.FateNames);
    }
}
