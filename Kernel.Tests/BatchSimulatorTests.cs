using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Batch;
using Stochastic.Simulation.Tau;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The batch engine's reproducibility contract: a cell's integer trajectory is bit-identical for
/// every lane width (each forced explicitly in-process, Vector512 included, which runs in software
/// where the CPU lacks it), batch size, thread count and position, and equals the scalar
/// <see cref="TauLeapingSimulator"/> run through <see cref="Ensemble"/>. CI reruns this category with
/// DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0, so the narrower hardware and pure software
/// paths are compared too.
/// </summary>
[Trait("Category", "Batch")]
public class BatchSimulatorTests
{
    private const int CellCount = 23;

    // Cells differ in initial counts and rates, so lanes of one vector are in different modes
    // (leaping, SSA steps, critical firings, rejections) in the same iteration.
    private static void Vary(int cell, Span<double> x, Span<double> c)
    {
        for (int s = 0; s < x.Length; s++) x[s] = Math.Floor(x[s] * (0.02 + 0.07 * (cell % 15)));
        for (int r = 0; r < c.Length; r++) c[r] *= 0.5 + 0.1 * ((cell * 7 + r) % 11);
    }

    public static TheoryData<string, double> Models() => new()
    {
        { "dimerization-decay.bngl", 4 },
        { "schlogl.bngl", 4 },
        { "il2-toy.bngl", 10 },
    };

    private static BatchResult Run(CompiledNetwork network, double tEnd, SimdWidth width, int batch, int threads, long[]? streams = null, CellSetup? setup = null) =>
        BatchSimulator.Run(network, new BatchOptions(CellCount, 5, new TimeGrid(0, tEnd, 9), Threads: threads, Width: width, BatchSize: batch, IntegrateOutputs: true) { Streams = streams }, setup ?? Vary);

    private static void AssertSameCell(BatchResult expected, int expectedCell, BatchResult actual, int actualCell, string what)
    {
        Assert.True(expected.Trajectory(expectedCell).SequenceEqual(actual.Trajectory(actualCell)), $"{what}: cell {expectedCell} trajectory differs");
        Assert.Equal(expected.Counters(expectedCell), actual.Counters(actualCell));
        for (int o = 0; o < expected.OutputNames.Count; o++)
            Assert.Equal(expected.Integral(expectedCell, o), actual.Integral(actualCell, o));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Cells_AreIdentical_ForEveryWidthBatchSizeAndThreadCount(string model, double tEnd)
    {
        var network = TauLeapingSimulatorTests.Example(model);
        var reference = Run(network, tEnd, SimdWidth.Scalar, 1, 1);
        Assert.True(reference.TotalCounters().Leaps > 0);
        (SimdWidth Width, int Batch, int Threads)[] variants =
        [
            (SimdWidth.Scalar, 7, 2), (SimdWidth.Vector128, 7, 1), (SimdWidth.Vector128, 64, 2),
            (SimdWidth.Vector256, 1, 1), (SimdWidth.Vector256, 7, 2), (SimdWidth.Vector256, 64, 1),
            (SimdWidth.Vector512, 7, 1), (SimdWidth.Vector512, 64, 2), (SimdWidth.Auto, 64, 2),
        ];
        foreach (var (width, batch, threads) in variants)
        {
            var result = Run(network, tEnd, width, batch, threads);
            for (int c = 0; c < CellCount; c++) AssertSameCell(reference, c, result, c, $"{width}/{batch}/{threads}");
        }
    }

    [Fact]
    public void FunctionalRatesWithPerCellParameters_AreIdenticalForEveryWidthBatchSizeAndThreadCount()
    {
        var network = TauLeapingSimulatorTests.Compile(TauLeapingFunctionalRateTests.RegulatedSynthesis);
        int p = network.Parameters.Length;
        // Per-cell parameters spread the Hill maximum and threshold, so lanes sit in different modes.
        var parameters = new double[CellCount * p];
        for (int c = 0; c < CellCount; c++)
        {
            network.Parameters.CopyTo(parameters, c * p);
            for (int j = 0; j < p; j++) parameters[c * p + j] *= 0.3 + 0.1 * ((c * 5 + j) % 13);
        }
        BatchResult RunWith(SimdWidth width, int batch, int threads) =>
            BatchSimulator.Run(network, new BatchOptions(CellCount, 5, new TimeGrid(0, 10, 9), Threads: threads, Width: width, BatchSize: batch, IntegrateOutputs: true)
            { Parameters = parameters }, (cell, x, c) => x[1] = 50 * (cell % 7));
        var reference = RunWith(SimdWidth.Scalar, 1, 1);
        Assert.True(reference.TotalCounters().Leaps > 0);
        // Cells differ (a test that can fail): parameters matter.
        Assert.False(reference.Trajectory(0).SequenceEqual(reference.Trajectory(1)));
        foreach (var (width, batch, threads) in new[] { (SimdWidth.Vector128, 7, 2), (SimdWidth.Vector256, 64, 1), (SimdWidth.Vector256, 5, 2), (SimdWidth.Vector512, 7, 2), (SimdWidth.Auto, 64, 2) })
        {
            var result = RunWith(width, batch, threads);
            for (int c = 0; c < CellCount; c++) AssertSameCell(reference, c, result, c, $"functional {width}/{batch}/{threads}");
        }
    }

    [Fact]
    public void Cells_AreIdentical_WhateverTheirPosition()
    {
        var network = TauLeapingSimulatorTests.Example("dimerization-decay.bngl");
        var reference = Run(network, 4, SimdWidth.Vector256, 64, 1);
        // Cell i of the shuffled run is cell π(i) of the reference: same stream, same setup.
        int[] perm = [.. Enumerable.Range(0, CellCount).Select(i => (i * 10 + 3) % CellCount)];
        var shuffled = Run(network, 4, SimdWidth.Vector256, 8, 2, [.. perm.Select(p => (long)p)], (cell, x, c) => Vary(perm[cell], x, c));
        for (int i = 0; i < CellCount; i++) AssertSameCell(reference, perm[i], shuffled, i, "shuffled");
    }

    [Fact]
    public void ScalarSimulatorThroughEnsemble_EqualsBatchCells()
    {
        var network = TauLeapingSimulatorTests.Example("dimerization-decay.bngl");
        var grid = new TimeGrid(0, 2, 5);
        var ensemble = Ensemble.Run(() => new TauLeapingSimulator(network), new EnsembleOptions(40, 8, grid, Threads: 2, KeepTrajectories: true));
        var batch = BatchSimulator.Run(network, new BatchOptions(40, 8, grid, Width: SimdWidth.Vector256));
        for (int c = 0; c < 40; c++) Assert.True(ensemble.Trajectory(c).SequenceEqual(batch.Trajectory(c)), $"run {c}");
        var summary = batch.ToEnsembleResult();
        Assert.Equal(ensemble.Counters, summary.Counters);
        for (int k = 0; k < grid.Points; k++)
            for (int o = 0; o < network.OutputCount; o++)
            {
                Assert.Equal(ensemble.Mean(k, o), summary.Mean(k, o));
                Assert.Equal(ensemble.StandardDeviation(k, o), summary.StandardDeviation(k, o));
            }
    }

    [Fact]
    public void BadCellSetup_Throws()
    {
        var network = TauLeapingSimulatorTests.Example("dimerization-decay.bngl");
        var options = new BatchOptions(3, 1, new TimeGrid(0, 1, 2));
        Assert.Throws<SimulationException>(() => BatchSimulator.Run(network, options, (cell, x, c) => x[0] = cell == 2 ? 1.5 : x[0]));
        Assert.Throws<SimulationException>(() => BatchSimulator.Run(network, options, (cell, x, c) => c[0] = -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchSimulator.Run(network, options with { Epsilon = 0 }));
    }
}
