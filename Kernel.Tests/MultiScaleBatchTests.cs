using Stochastic.Methods;
using Stochastic.Population;
using Stochastic.Simulation;
using Stochastic.Simulation.Batch;
using Stochastic.Simulation.Cells;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The multi-scale batch engine's lanes: a cell's trajectory is the same at every lane width, block size,
/// position in its block and thread count (CI reruns this category without AVX-512, AVX2 and intrinsics,
/// so every width's hardware path and the software fallbacks are compared with the scalar reference).
/// </summary>
[Trait("Category", "Batch")]
public class MultiScaleBatchTests
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.Vector128, SimdWidth.Vector256, SimdWidth.Vector512];

    // NK cells under IL-2 (reservoirs: CD122 and γc, nested; much leaped) and terminal cells under
    // PD1-IL2v (PD-1 capture leaped in PD-1-high cells), 6 h: enough for hundreds of leap intervals
    // and exact firings per cell, short enough for the default run.
    public static TheoryData<string, string> Groups => new() { { "IL2", "NK" }, { "PD1IL2v", "terminal" } };

    private static (CellBlock Block, Simulation.TimeGrid Grid, Transforms.ReducedNetwork Reduced) Setup(string scenarioName, string cellType, int cells)
    {
        var (study, _) = MultiScaleBatchCells.Study;
        var scenario = study.Scenarios.Single(s => s.Name == scenarioName);
        int type = study.CellTypes.ToList().FindIndex(c => c.Name == cellType);
        var reduced = MultiScaleBatchCells.Reduction(scenario, study.CellTypes[type]);
        return (MultiScaleBatchCells.Block(scenario, type, 0, cells), new TimeGrid(0, 360, 13), reduced);
    }

    private static double[] Run(Transforms.ReducedNetwork reduced, CellBlock block, TimeGrid grid, SimdWidth width, out SimulationCounters counters)
    {
        var sim = new MultiScaleCellSimulator(reduced, width);
        var record = new double[block.Count * grid.Points * sim.OutputNames.Count];
        sim.Simulate(block, grid, record);
        counters = sim.Counters;
        return record;
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void CellTrajectory_IsIdenticalAtEveryWidth(string scenario, string cellType)
    {
        // 11 cells: a full vector and a padded tail at every width above 1.
        var (block, grid, reduced) = Setup(scenario, cellType, 11);
        var reference = Run(reduced, block, grid, SimdWidth.Scalar, out var work);
        // Can fail: the cells differ from one another, leaps and exact firings both happened.
        int perCell = reference.Length / block.Count;
        Assert.NotEqual(reference.AsSpan(0, perCell).ToArray(), reference.AsSpan(perCell, perCell).ToArray());
        Assert.True(work.LeapedFirings > 0 && work.Events > work.LeapedFirings, $"exact {work.Events - work.LeapedFirings}, leaped {work.LeapedFirings}");
        foreach (var width in Widths.Skip(1))
        {
            var record = Run(reduced, block, grid, width, out var counters);
            Assert.Equal(reference, record);
            Assert.Equal(work.Events, counters.Events);
            Assert.Equal(work.LeapedFirings, counters.LeapedFirings);
        }
    }

    [Fact]
    public void CellTrajectory_DoesNotDependOnBlockOrPosition()
    {
        var (block, grid, reduced) = Setup("IL2", "NK", 10);
        var reference = Run(reduced, block, grid, SimdWidth.Auto, out _);
        int perCell = reference.Length / block.Count;
        // The same cells reversed, and cells 3, 7 alone and in a block with others, at the widest width.
        int[] reversed = [.. Enumerable.Range(0, 10).Reverse()];
        var back = Run(reduced, MultiScaleBatchCells.Pick(block, reversed), grid, SimdWidth.Auto, out _);
        for (int i = 0; i < 10; i++) Assert.Equal(reference.AsSpan(reversed[i] * perCell, perCell).ToArray(), back.AsSpan(i * perCell, perCell).ToArray());
        int[] some = [7, 3];
        var pair = Run(reduced, MultiScaleBatchCells.Pick(block, some), grid, SimdWidth.Vector256, out _);
        for (int i = 0; i < some.Length; i++) Assert.Equal(reference.AsSpan(some[i] * perCell, perCell).ToArray(), pair.AsSpan(i * perCell, perCell).ToArray());
    }

    [Fact]
    public void Population_DoesNotDependOnThreadsOrBlockSize()
    {
        var (study, _) = MultiScaleBatchCells.Study;
        var engine = study.Settings.Engine with { Method = MethodCatalog.MultiScale };
        var options = engine.ApplyTo(new PopulationOptions(CellsPerType: 9, Scenarios: ["IL2"]));
        var short6h = study.MakeScenario("IL2_6h", "IL2", 300, 360);
        var a = PopulationRunner.Run(study, [short6h], options with { Threads = 1, BlockSize = 4 });
        var b = PopulationRunner.Run(study, [short6h], options with { Threads = 2, BlockSize = 32 });
        Assert.StartsWith("multiscale: slow-scale SSA", a.Method);
        Assert.True(a.LeapedEvents > 0);
        for (int g = 0; g < a.Groups.Count; g++)
            for (int v = 0; v < a.VariableNames.Length; v++)
                Assert.Equal(a.Groups[g].Values(v), b.Groups[g].Values(v));
    }
}
