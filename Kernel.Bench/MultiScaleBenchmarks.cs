using BenchmarkDotNet.Attributes;
using Stochastic.Formats;
using Stochastic.Methods;
using Stochastic.Population;
using Stochastic.Simulation.Batch;
using Stochastic.Transforms;

namespace Stochastic.Bench;

/// <summary>
/// The multi-scale batch engine against today's population engine on the same cells: the scalar
/// slow-scale hybrid (θ = 2, leaping at ε = 0.03, the study's engine; the baseline), the multi-scale batch
/// engine at the scalar width (one lane) and at the widest width the hardware accelerates, on 1 and 2
/// threads. One operation = 16 cells of each of the 6 cell types under one scenario (300 pM) for 12 h
/// (96 cells, 1,152 cell-hours; 16 cells fill two 8-lane vectors); cell-hours per core-second =
/// 1,152 / (time × threads) when the threads are busy.
/// </summary>
public class MultiScaleBenchmarks
{
    private Study _study = null!;
    private Scenario _scenario = null!;

    /// <summary>Ligand of the scenario (300 pM, no anti-PD-1).</summary>
    [Params("IL2", "PD1IL2v")]
    public string Ligand { get; set; } = "IL2";

    /// <summary>Worker threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        _study = StudyReader.Read(BenchModels.Find(Path.Combine("il2", "study.study")));
        _scenario = _study.MakeScenario(Ligand, Ligand, 300, 720);
    }

    private long Run(SimulationMethod method) =>
        PopulationRunner.Run(_study, [_scenario], new PopulationOptions(CellsPerType: 16, Seed: 7, Threads: Threads, BlockSize: 16)
        {
            Method = method,
            SlowScale = new SlowScaleOptions { Theta = 2, LeapEpsilon = 0.03 },
        }).Events;

    /// <summary>Today's population engine: the scalar slow-scale hybrid, one cell at a time.</summary>
    [Benchmark(Baseline = true)] public long SlowScaleHybrid() => Run(MethodCatalog.SlowScale);

    /// <summary>The multi-scale batch engine at the scalar width (one lane).</summary>
    [Benchmark] public long MultiScaleScalar() => Run(new MultiScaleMethod(SimdWidth.Scalar));

    /// <summary>The multi-scale batch engine at the widest accelerated width (Vector512 with AVX-512).</summary>
    [Benchmark] public long MultiScaleWidest() => Run(MethodCatalog.MultiScale);
}
