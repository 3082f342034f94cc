using Stochastic.Network;
using Stochastic.Population;
using Stochastic.Simulation.SlowScale;
using Xunit;

namespace Stochastic.Tests;

/// <summary>The per-cell check of the slow-scale criterion (<see cref="ReducedModel.Separations"/>, <see cref="PopulationResult.SlowScaleCriterion"/>).</summary>
public class SlowScaleCriterionTests
{
    private static readonly Study Il2 = StudyReader.Read(StudyReaderTests.StudyPath);

    [Fact]
    public void SeparationsAtTheModelsInitialStateAreTheReductionsOwn()
    {
        var reduced = SlowScaleReduction.Reduce(Il2.Model, new SlowScaleOptions { Theta = 2 });
        var full = NetworkCompiler.Compile(Il2.Model);
        var sep = new double[reduced.Pairs.Length];
        reduced.Separations(full, full.InitialCounts, full.Parameters, sep);
        Assert.Equal(5, sep.Length);
        for (int k = 0; k < sep.Length; k++) Assert.Equal(reduced.Pairs[k].Separation, sep[k], 1e-9 * reduced.Pairs[k].Separation);
    }

    [Fact]
    public void ACellWithManyCd122DrainsIl2Cd25FasterThanItDissociates()
    {
        // CD25 capture (bind25) is drained by CD122 joining IL-2·CD25 at kf11·CD122 per molecule; at
        // dose 0 the pair's own rate is koff_CD25 alone. With CD122 = 8,500 (the NK median):
        // separation = koff_CD25 / (kf11 · 8,500).
        var reduced = SlowScaleReduction.Reduce(Il2.Model, new SlowScaleOptions { Theta = 2 });
        var full = NetworkCompiler.Compile(Il2.Model);
        var counts = (double[])full.InitialCounts.Clone();
        counts[Array.IndexOf(full.SpeciesNames, "CD122")] = 8500;
        var sep = new double[reduced.Pairs.Length];
        reduced.Separations(full, counts, full.Parameters, sep);
        double Parameter(string name) => full.Parameters[Il2.Model.Parameters.Select((p, i) => (p, i)).Single(q => q.p.Name == name).i];
        int bind25 = reduced.Pairs.Select((p, i) => (p, i)).Single(q => Il2.Model.Reactions[q.p.Forward].Label == "bind25").i;
        Assert.Equal(Parameter("koff_CD25") / (Parameter("kf11") * 8500), sep[bind25], 1e-9);
        Assert.True(sep[bind25] < 0.25);
    }

    [Fact]
    public void PopulationReportsCellsBelowTheta()
    {
        var nk = new Study(Il2.Model, [.. Il2.CellTypes.Where(c => c.Name == "NK")], Il2.Scenarios, Il2.Fates, Il2.Ligands, Il2.Settings);
        var options = new PopulationOptions(CellsPerType: 4, Threads: 1) { Method = PopulationMethod.SlowScale, SlowScale = new SlowScaleOptions { Theta = 2 } };
        var result = PopulationRunner.Run(nk, [nk.MakeScenario("IL2", "IL2", 300, 10)], options);
        var rows = result.SlowScaleCriterion;
        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.Equal(4, r.Cells));
        // NK CD122 is lognormal(8500, 1.15): a cell is below θ = 2 unless CD122 < koff/(2·kf11) ≈ 980,
        // which has probability Φ((ln 980 − ln 8500)/1.15) ≈ 0.03 per cell.
        var cd25 = rows.Single(r => r.Pair == "CD25 <-> L_CD25");
        Assert.True(cd25.BelowTheta >= 1 && cd25.MinimumSeparation < 2);
        Assert.StartsWith("CD25 <-> L_CD25: NK ", Assert.Single(SlowScaleCriterionRow.Summary(rows), l => l.StartsWith("CD25")));
        var report = new StringWriter();
        PopulationCsv.WriteReport(result, report);
        Assert.Contains("## Slow-scale criterion at each cell's own state", report.ToString());
        // Other engines check nothing.
        Assert.Empty(PopulationRunner.Run(nk, [nk.MakeScenario("IL2", "IL2", 300, 10)], options with { Method = PopulationMethod.Ssa }).SlowScaleCriterion);
    }
}
