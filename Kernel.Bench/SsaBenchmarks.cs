using BenchmarkDotNet.Attributes;
using Stochastic.Network;
using Stochastic.Simulation.Exact;

namespace Stochastic.Bench;

/// <summary>
/// Exact SSA events per second, one thread, one trajectory per operation: every algorithm of the
/// catalog on the dimerization–decay model (t_end 10) and the IL-2 receptor toy (t_end 200).
/// The Events/s column divides the trajectory's event count (fixed by the seed) by the mean time.
/// </summary>
[EventsPerSecondColumn]
public class SsaBenchmarks
{
    /// <summary>Model file and end time.</summary>
    public static IEnumerable<SsaCase> Cases() =>
    [
        new("examples/dimerization-decay.bngl", 10),
        new("examples/il2-toy.bngl", 200),
    ];

    /// <summary>Every exact algorithm.</summary>
    public static IEnumerable<string> AlgorithmNames() => ExactAlgorithms.All.Select(a => a.Name);

    [ParamsSource(nameof(Cases))]
    public SsaCase Case { get; set; } = null!;

    [ParamsSource(nameof(AlgorithmNames))]
    public string Algorithm { get; set; } = "direct";

    private ExactSimulator _simulator = null!;

    [GlobalSetup]
    public void Setup() => _simulator = Case.CreateSimulator(Algorithm);

    /// <summary>One trajectory from the initial state to t_end; returns the number of events.</summary>
    [Benchmark]
    public long Trajectory() => SsaCase.Run(_simulator, Case.TEnd);
}

/// <summary>A benchmark model: file under Reactions/ and end time.</summary>
public sealed record SsaCase(string File, double TEnd)
{
    /// <summary>A simulator of this model with the named algorithm.</summary>
    public ExactSimulator CreateSimulator(string algorithm) => ExactAlgorithms.Find(algorithm)!.CreateSimulator(BenchModels.Load(File));

    /// <summary>Runs one trajectory with the fixed benchmark seed; returns the events fired.</summary>
    public static long Run(ExactSimulator simulator, double tEnd)
    {
        simulator.Reset(seed: 42, streamIndex: 0);
        return simulator.Advance(tEnd);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Path.GetFileNameWithoutExtension(File)} t={TEnd}";
}
