using System.Globalization;
using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// Replicate runs summarized (<see cref="ReplicateSummary"/>, <c>stochastic replicates</c>): the t interval against a
/// hand computation and its coverage, fate tables read back with file:line:column errors, rows aligned across
/// runs or refused, and the command on real runs of a small lineage study.
/// </summary>
public sealed class ReplicateSummaryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-replicates-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Statistic_IsTheMeanWithItsStudentTInterval()
    {
        // 1..5: mean 3, sd √2.5; t(0.975, 4) = 2.7764451051977987 (tables), half-width t·sd/√5.
        var s = ReplicateStatistic.Of([1, 2, 3, 4, 5]);
        double half = 2.7764451051977987 * Math.Sqrt(2.5) / Math.Sqrt(5);
        Assert.Equal(5, s.Count);
        Assert.Equal(3, s.Mean, 12);
        Assert.Equal(Math.Sqrt(2.5), s.SD, 12);
        Assert.Equal(3 - half, s.Low, 9);
        Assert.Equal(3 + half, s.High, 9);
        Assert.Equal((1, 5), (s.Min, s.Max));
        // clipped to the quantity's range: a count's mean is not negative
        var counts = ReplicateStatistic.Of([0, 0, 9], lower: 0);
        Assert.Equal(0, counts.Low);
        Assert.True(counts.High > 9);
        var one = ReplicateStatistic.Of([4]);
        Assert.True(double.IsNaN(one.Low) && double.IsNaN(one.High) && one.SD == 0);
    }

    [Fact]
    public void Statistic_IntervalCoversTheTrueMeanAtItsLevel()
    {
        // 4,000 sets of 4 normal replicates (mean 10, sd 3): the 95% t interval covers 10 in 95% of them.
        // Binomial SD of the coverage sqrt(0.95·0.05/4000) = 0.0034; the bound 0.95 ± 0.0138 is 4 SD. A normal
        // quantile (1.96) in place of t(0.975, 3) = 3.18 would cover only ~86%, far outside it.
        var random = new System.Random(20261206);
        int covered = 0, sets = 4000;
        for (int k = 0; k < sets; k++)
        {
            var x = new double[4];
            for (int i = 0; i < x.Length; i++) x[i] = 10 + 3 * StatisticalChecks.NormalQuantile(random.NextDouble());
            var s = ReplicateStatistic.Of(x);
            if (s.Low <= 10 && 10 <= s.High) covered++;
        }
        Assert.InRange(covered / (double)sets, 0.95 - 0.0138, 0.95 + 0.0138);
    }

    private const string Fates = """
        scenario,cell_type,fate,cells,fraction,ci_low,ci_high,start_cells,lytic
        a,T,hi,6,0.6,0.3,0.8,4,2
        a,T,lo,4,0.4,0.2,0.7,4,
        b,T,hi,0,0,0,1,4,0
        b,T,lo,0,0,0,1,4,
        """;

    [Fact]
    public void FateTable_ReadsRowsTraitsAndStartCells()
    {
        var t = FateTable.Parse(Fates, "f.csv");
        Assert.Equal(["lytic"], t.TraitNames);
        Assert.Equal(4, t.Rows.Count);
        var r = t.Rows[0];
        Assert.Equal(("a", "T", (double?)null, "hi", 6.0, (double?)4, 2), (r.Scenario, r.CellType, r.Time, r.Fate, r.Cells, r.StartCells, r.Line));
        Assert.Equal([2.0], r.Traits);
        Assert.Null(t.Rows[1].Traits[0]);
    }

    [Theory]
    [InlineData("scenario,cell_type,fate\na,T,hi\n", "f.csv:1:1", "no column 'cells'")]
    [InlineData("scenario,cell_type,fate,cells\na,T,hi,many\n", "f.csv:2:8", "'many' is not a non-negative number")]
    [InlineData("scenario,cell_type,fate,cells\na,T,hi,-1\n", "f.csv:2:8", "not a non-negative number")]
    [InlineData("scenario,cell_type,fate,cells\na,T,hi\n", "f.csv:2:1", "3 fields; the header has 4")]
    [InlineData("scenario,cell_type,fate,cells\n", "f.csv:1:1", "no rows")]
    public void FateTable_BadInput_SaysWhere(string text, string where, string message)
    {
        var e = Assert.ThrowsAny<StochasticException>(() => FateTable.Parse(text, "f.csv"));
        Assert.Contains(where, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Summary_AveragesRowByRow_FractionsOverRunsWithLiveCells()
    {
        var first = FateTable.Parse(Fates, "1.csv");
        var second = FateTable.Parse(Fates.Replace("a,T,hi,6,", "a,T,hi,2,").Replace("b,T,hi,0,0,0,1,4,0", "b,T,hi,3,1,0.4,1,4,1"), "2.csv");
        var rows = ReplicateSummary.Fates([first, second]);
        Assert.Equal(4, rows[0].Cells.Mean);                       // (6 + 2) / 2
        Assert.Equal((0.6 + 2.0 / 6) / 2, rows[0].Fraction!.Value.Mean, 12);
        Assert.Equal(1.5, rows[2].Cells.Mean);
        Assert.Equal(1, rows[2].Fraction!.Value.Count);            // b is extinct in the first run: its fraction is not 0/0
        Assert.Equal(1, rows[2].Fraction!.Value.Mean);
        Assert.Equal(0.5, rows[2].Traits[0]!.Value.Mean);
        Assert.Null(rows[1].Traits[0]);
        var fold = ReplicateSummary.Expansion([first, second]);
        Assert.Equal(((6 + 4) / 4.0 + (2 + 4) / 4.0) / 2, fold.Single(f => f.Scenario == "a").Fold.Mean, 12);
        Assert.Equal(3 / 4.0 / 2, fold.Single(f => f.Scenario == "b").Fold.Mean, 12);
    }

    [Theory]
    [InlineData("a,T,lo,4,", "a,T,mid,4,", "2.csv:3", "a/T/mid, where 1.csv:3 has a/T/lo")]
    [InlineData("a,T,hi,6,0.6,0.3,0.8,4,", "a,T,hi,6,0.6,0.3,0.8,5,", "2.csv:2", "started with 5 cells")]
    [InlineData("\nb,T,lo,0,0,0,1,4,", "", "2.csv", "3 rows, while 1.csv has 4")]
    public void Summary_RefusesTablesThatAreNotReplicates(string from, string to, string where, string message)
    {
        var e = Assert.Throws<SimulationException>(() => ReplicateSummary.Fates([FateTable.Parse(Fates, "1.csv"), FateTable.Parse(Fates.Replace(from, to), "2.csv")]));
        Assert.Contains(where, e.Message);
        Assert.Contains(message, e.Message);
        Assert.Throws<SimulationException>(() => ReplicateSummary.Fates([FateTable.Parse(Fates, "1.csv")]));
    }

    private async Task<string> Run(string name, params string[] options)
    {
        string study = Path.Combine(_dir, "plots.study");
        if (!File.Exists(study))
        {
            File.WriteAllText(Path.Combine(_dir, "cell.bngl"), LineagePlotTests.Model);
            File.WriteAllText(study, LineagePlotTests.Study(lineage: true));
        }
        string outDir = Path.Combine(_dir, name);
        var (code, _, error) = await CliHarness.Run(["population", study, "--out", outDir, "--threads", "1", .. options]);
        Assert.True(code == 0, error);
        return outDir;
    }

    private static double Cells(string fatesCsv, int row) =>
        double.Parse(File.ReadAllLines(fatesCsv)[row].Split(',')[3], CultureInfo.InvariantCulture);

    [Fact]
    public async Task Command_SummarizesRunsOfDifferentSeeds_AndRefusesWhatIsNotAReplicate()
    {
        string[] runs = [await Run("s1", "--seed", "1"), await Run("s2", "--seed", "2"), await Run("s3", "--seed", "3")];
        string outDir = Path.Combine(_dir, "rep");
        var (code, output, error) = await CliHarness.Run(["replicates", .. runs, "--out", outDir]);
        Assert.True(code == 0, error);
        Assert.Contains("3 replicate runs (seeds 1, 2, 3)", output);
        foreach (string name in new[] { "fates.csv", "expansion.csv", "fates_time.csv", "fates_time.png", "report.md" })
            Assert.True(File.Exists(Path.Combine(outDir, name)), $"{name} not written");
        // row by row the mean of the runs' own fates.csv (the runs differ, or the test would show nothing)
        var lines = File.ReadAllLines(Path.Combine(outDir, "fates.csv"));
        Assert.StartsWith("scenario,cell_type,fate,replicates,cells,cells_sd,cells_low,cells_high", lines[0]);
        int rows = File.ReadAllLines(Path.Combine(runs[0], "fates.csv")).Length - 1;
        Assert.Equal(rows + 1, lines.Length);
        bool differ = false;
        for (int r = 1; r <= rows; r++)
        {
            var values = runs.Select(d => Cells(Path.Combine(d, "fates.csv"), r)).ToArray();
            differ |= values.Distinct().Count() > 1;
            // written with 6 significant digits: within 5e-6 of the value, relatively
            double mean = values.Average(), written = double.Parse(lines[r].Split(',')[4], CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(written - mean) <= 5e-6 * Math.Abs(mean), $"row {r}: {written} written, the runs' mean is {mean}");
        }
        Assert.True(differ, "the three seeds gave the same fates: nothing was tested");

        // the same seed twice is the same run, not a replicate
        string again = await Run("s1b", "--seed", "1");
        (code, _, error) = await CliHarness.Run("replicates", runs[0], again, "--out", Path.Combine(_dir, "same"));
        Assert.Equal(1, code);
        Assert.Contains("the same seed (1)", error);
        Assert.Single(error.Trim().Split('\n'));
        // another setting
        string fewer = await Run("c2", "--seed", "4", "--cells", "2");
        (code, _, error) = await CliHarness.Run("replicates", runs[0], fewer, "--out", Path.Combine(_dir, "other"));
        Assert.Equal(1, code);
        Assert.Contains("not a replicate", error);
        // one run is no spread
        (code, _, error) = await CliHarness.Run("replicates", runs[0], "--out", Path.Combine(_dir, "one"));
        Assert.Equal(1, code);
        Assert.Contains("at least 2", error);
    }
}
