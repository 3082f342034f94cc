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
        Assert.Equal(7, sep.Length);
        for (int k = 0; k < sep.Length; k++) Assert.Equal(reduced.Pairs[k].Separation, sep[k], 1e-9 * reduced.Pairs[k].Separation);
    }

    [Fact]
    public void ACellWithManyDimericComplexesDrainsCd25FasterThanItsCaptureRelaxes()
    {
        // CD25 capture (bind25) relaxes at koff_CD25 per molecule at dose 0; CD25 joining IL-2·CD122·γc
        // (trimer25) drains free CD25 at kf2D·L_CD122_gc per molecule (lig_CD25 = 1), the largest drain when
        // a cell holds 10,000 dimeric complexes: separation koff_CD25 / (kf2D · 10,000) = 0.59.
        var reduced = SlowScaleReduction.Reduce(Il2.Model, new SlowScaleOptions { Theta = 2 });
        var full = NetworkCompiler.Compile(Il2.Model);
        var counts = (double[])full.InitialCounts.Clone();
        counts[Array.IndexOf(full.SpeciesNames, "L_CD122_gc")] = 10000;
        var sep = new double[reduced.Pairs.Length];
        reduced.Separations(full, counts, full.Parameters, sep);
        double Parameter(string name) => full.Parameters[Il2.Model.Parameters.Select((p, i) => (p, i)).Single(q => q.p.Name == name).i];
        int bind25 = reduced.Pairs.Select((p, i) => (p, i)).Single(q => Il2.Model.Reactions[q.p.Forward].Label == "bind25").i;
        Assert.Equal(Parameter("koff_CD25") / (Parameter("kf2D") * 10000), sep[bind25], 1e-9);
        Assert.True(sep[bind25] < 2);
    }

    [Fact]
    public void AReservoirScarcerThanItsBindersIsBelowTheta()
    {
        // CD122 is the reservoir of IL-2·CD25 + CD122 ⇄ IL-2·CD25·CD122, whose group holds every CD25: with
        // CD122 = 500 and CD25 = 5,000 the abundance is 500 / 5,000 = 0.1, below θ whatever the rates.
        var reduced = SlowScaleReduction.Reduce(Il2.Model, new SlowScaleOptions { Theta = 2 });
        var full = NetworkCompiler.Compile(Il2.Model);
        var counts = (double[])full.InitialCounts.Clone();
        counts[Array.IndexOf(full.SpeciesNames, "CD122")] = 500;
        counts[Array.IndexOf(full.SpeciesNames, "CD25")] = 5000;
        var sep = new double[reduced.Pairs.Length];
        reduced.Separations(full, counts, full.Parameters, sep);
        int rec122 = reduced.Pairs.Select((p, i) => (p, i)).Single(q => Il2.Model.Reactions[q.p.Forward].Label == "rec122").i;
        Assert.Equal(0.1, sep[rec122], 1e-12);
        // At the model's own state (CD122 510, CD25 20) the abundance is 25.5, below the rates' 264: the pair's recorded separation.
        Assert.Equal(510.0 / 20, reduced.Pairs[rec122].Separation, 1e-9);
    }

    [Fact]
    public void PopulationReportsCellsBelowTheta()
    {
        var treg = new Study(Il2.Model, [.. Il2.CellTypes.Where(c => c.Name == "Treg")], Il2.Scenarios, Il2.Fates, Il2.Ligands, Il2.Settings);
        var options = new PopulationOptions(CellsPerType: 4, Threads: 1) { Method = PopulationMethod.SlowScale, SlowScale = new SlowScaleOptions { Theta = 2 } };
        var result = PopulationRunner.Run(treg, [treg.MakeScenario("IL2", "IL2", 300, 10)], options);
        var rows = result.SlowScaleCriterion;
        Assert.Equal(7, rows.Count);
        Assert.All(rows, r => Assert.Equal(4, r.Cells));
        // Treg CD122 is lognormal(660, 0.7), CD25 lognormal(3480, 0.8): CD122 is at least 2 × CD25 (θ = 2) with
        // probability Φ(ln(660/6960)/sqrt(0.7² + 0.8²)) = Φ(−2.2) ≈ 0.014 per cell, so nearly every cell is below.
        var rec122 = rows.Single(r => r.Pair == "L_CD25 + CD122 <-> L_CD25_CD122");
        Assert.True(rec122.BelowTheta >= 1 && rec122.MinimumSeparation < 2);
        Assert.StartsWith("L_CD25 + CD122 <-> L_CD25_CD122: Treg ", Assert.Single(SlowScaleCriterionRow.Summary(rows), l => l.StartsWith("L_CD25 + CD122")));
        var report = new StringWriter();
        PopulationCsv.WriteReport(result, report);
        Assert.Contains("## Slow-scale criterion at each cell's own state", report.ToString());
        // Other engines check nothing.
        Assert.Empty(PopulationRunner.Run(treg, [treg.MakeScenario("IL2", "IL2", 300, 10)], options with { Method = PopulationMethod.Ssa }).SlowScaleCriterion);
    }
}
