using Stochastic.Methods;
using Stochastic.Simulation.Cells;
using Stochastic.Formats;
using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The batch tau-leaping engine as the population layer's cell simulator: it agrees with the exact
/// engine on a small IL-2 population and its results do not depend on threads or block sizes.
/// </summary>
[Trait("Category", "Batch")]
public class BatchCellSimulatorTests
{
    // One cell type (bystander CD8: few receptors, so the exact reference stays cheap) under IL-2 wt
    // at 300 pM for 20 min (a third of the readout time, to keep the test short; pSTAT5 is rising).
    private static (Study Study, Scenario Scenario) SmallIl2Study()
    {
        var full = StudyReader.Read(StudyReaderTests.StudyPath);
        var bystander = full.CellTypes.Single(c => c.Name == "bystander");
        var study = new Study(full.Model, [bystander], [], full.Fates, full.Ligands, full.Settings);
        return (study, study.MakeScenario("IL2@300", "IL2", 300, 20));
    }

    [Fact]
    public void Il2Population_AgreesWithExactEngine_ByKolmogorovSmirnov()
    {
        var (study, scenario) = SmallIl2Study();
        const int cells = 120;
        var options = new PopulationOptions(CellsPerType: cells, Seed: 11, Threads: 2);
        var batch = PopulationRunner.Run(study, [scenario], options with { Method = MethodCatalog.Batch });
        var exact = PopulationRunner.Run(study, [scenario], options);
        Assert.StartsWith("batch", batch.Method);
        Assert.Equal("exact SSA", exact.Method);
        // Same cells (parameters and initial counts come from the seed, not the engine): the
        // comparison is of the engines only. Two-sample KS, α = 0.001 per comparison, D_crit =
        // 1.949·sqrt(2/120) = 0.252 (asymptotic, conservative for integer counts); 3 comparisons.
        double critical = ExactAlgorithmAgreementTests.KsCritical(0.001, cells);
        foreach (var name in new[] { "pSTAT5_obs", "Active", "CD25_surface" })
        {
            int v = batch.Variable(name);
            var a = batch.Group(scenario.Name, "bystander").Values(v).ToArray();
            var b = exact.Group(scenario.Name, "bystander").Values(v).ToArray();
            Assert.True(b.Distinct().Count() > 5, $"{name} barely varies");
            double d = ExactAlgorithmAgreementTests.KolmogorovSmirnov(a, b);
            Assert.True(d < critical, $"{name} at 20 min: D = {d:F3} ≥ {critical:F3}");
        }
    }

    [Fact]
    public void BatchPopulation_DoesNotDependOnThreadsOrBlockSize()
    {
        var study = StudyReaderTests.ParseTiny(StudyReaderTests.TinyStudy);
        var batch = new PopulationOptions(CellsPerType: 21) { Method = MethodCatalog.Batch };
        var a = PopulationRunner.Run(study, batch with { Threads = 1, BlockSize = 1 });
        var b = PopulationRunner.Run(study, batch with { Threads = 2, BlockSize = 13 });
        var c = PopulationRunner.Run(study, batch with { Threads = 2 });
        Assert.StartsWith("batch", a.Method);
        for (int g = 0; g < a.Groups.Count; g++)
            for (int v = 0; v < a.VariableNames.Length; v++)
            {
                Assert.Equal(a.Groups[g].Values(v), b.Groups[g].Values(v));
                Assert.Equal(a.Groups[g].Values(v), c.Groups[g].Values(v));
            }
        // The engines differ (a test that can fail): the exact engine gives other trajectories.
        var exact = PopulationRunner.Run(study, new PopulationOptions(CellsPerType: 21, Threads: 2));
        Assert.Equal("exact SSA", exact.Method);
        int x = a.Variable("Xobs");
        Assert.NotEqual(a.Groups[0].Values(x), exact.Groups[0].Values(x));
    }
}
