using BenchmarkDotNet.Attributes;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Batch;

namespace Stochastic.Bench;

/// <summary>
/// Tau-leaping, scalar width vs the batch engine's widest width (same algorithm, same model, same
/// cells, bit-identical results), one and two threads. Divide cells × leaps per cell by the time for
/// cell-leaps per second; state per cell is (species + reactions) doubles of input plus the
/// recorded grid.
/// </summary>
public class TauLeapingBenchmarks
{
    private CompiledNetwork _network = null!;
    private TimeGrid _grid = null!;

    /// <summary>Model file and end time.</summary>
    [Params("dimerization-decay.bngl", "il2-toy.bngl")]
    public string Model { get; set; } = "";

    /// <summary>Cells simulated.</summary>
    [Params(1000)]
    public int Cells { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _network = BenchModels.Load(Path.Combine("examples", Model));
        _grid = new TimeGrid(0, Model.StartsWith("il2") ? 200 : 10, 101);
    }

    private SimulationCounters Run(SimdWidth width, int threads) =>
        BatchSimulator.Run(_network, new BatchOptions(Cells, 1, _grid, Threads: threads, Width: width)).TotalCounters();

    [Benchmark(Baseline = true)] public SimulationCounters Scalar1Thread() => Run(SimdWidth.Scalar, 1);
    [Benchmark] public SimulationCounters Batch1Thread() => Run(SimdWidth.Auto, 1);
    /// <summary>Four double lanes (AVX2), whatever the widest width here is.</summary>
    [Benchmark] public SimulationCounters Vector256x1Thread() => Run(SimdWidth.Vector256, 1);
    [Benchmark] public SimulationCounters Batch2Threads() => Run(SimdWidth.Auto, 2);
}
