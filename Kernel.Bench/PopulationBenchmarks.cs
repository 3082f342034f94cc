using BenchmarkDotNet.Attributes;
using Stochastic.Methods;
using Stochastic.Formats;
using Stochastic.Population;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;

namespace Stochastic.Bench;

/// <summary>
/// The IL-2 study's cell engines on the same cells, one thread: exact SSA (the baseline, full
/// detail) against the slow-scale SSA at θ = 10 and θ = 2 (fast binding and γc recruitment at
/// partial equilibrium), and at θ = 2 with hybrid leaping (ε = 0.03) of the slow reactions among
/// abundant species, whose scalar baseline is the same simulator without it. One operation = 4 cells of each of the 6 cell types under one scenario
/// for 12 h (24 cells, 288 cell-hours); divide 288 by the time for cell-hours per second.
/// </summary>
public class PopulationBenchmarks
{
    private Study _study = null!;
    private Scenario _scenario = null!;

    /// <summary>Ligand of the scenario (300 pM, no anti-PD-1).</summary>
    [Params("IL2", "PD1IL2v")]
    public string Ligand { get; set; } = "IL2";

    [GlobalSetup]
    public void Setup()
    {
        _study = StudyReader.Read(BenchModels.Find(Path.Combine("il2", "study.study")));
        _scenario = _study.MakeScenario(Ligand, Ligand, 300, 720);
    }

    private long Run(SimulationMethod method, double theta = SlowScaleOptions.DefaultTheta, double? leap = null) =>
        PopulationRunner.Run(_study, [_scenario], new PopulationOptions(CellsPerType: 4, Seed: 7, Threads: 1)
        {
            Method = method,
            SlowScale = new SlowScaleOptions { Theta = theta, LeapEpsilon = leap },
        }).Events;

    /// <summary>Full detail, exact SSA (direct method).</summary>
    [Benchmark(Baseline = true)] public long ExactSsa() => Run(MethodCatalog.Ssa);

    /// <summary>Slow-scale SSA at the default θ = 10.</summary>
    [Benchmark] public long SlowScaleTheta10() => Run(MethodCatalog.SlowScale);

    /// <summary>Slow-scale SSA at θ = 2, every slow reaction exact.</summary>
    [Benchmark] public long SlowScaleTheta2() => Run(MethodCatalog.SlowScale, 2);

    /// <summary>Slow-scale SSA at θ = 2 with hybrid leaping, ε = 0.03 (the main job's setting).</summary>
    [Benchmark] public long SlowScaleTheta2Leap() => Run(MethodCatalog.SlowScale, 2, 0.03);
}
