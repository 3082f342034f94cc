using BenchmarkDotNet.Attributes;
using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Simulation.Exact;

namespace Stochastic.Bench;

/// <summary>
/// Events per second of every exact algorithm in the catalog on the published BioNetGen networks
/// (Reactions/networks): multistate to t = 1000, multisite2 to t = 100, egfr_net to t = 10 (the
/// end times of Loman et al. 2023). One trajectory per invocation; the result is the event count,
/// so events/s = result / mean time.
/// </summary>
public class LargeNetworkSimulationBenchmarks
{
    private CompiledNetwork _network = null!;
    private ExactSimulator _simulator = null!;

    /// <summary>Network file and end time.</summary>
    [Params("multistate.net@1000", "multisite2.net@100", "egfr_net.net@10")]
    public string Case { get; set; } = "";

    /// <summary>Algorithm name from the catalog.</summary>
    [ParamsSource(nameof(AlgorithmNames))]
    public string Algorithm { get; set; } = "";

    /// <summary>Every algorithm in <see cref="ExactAlgorithms.All"/>.</summary>
    public static IEnumerable<string> AlgorithmNames => ExactAlgorithms.All.Select(a => a.Name);

    private double EndTime => double.Parse(Case[(Case.IndexOf('@') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Loads and compiles the network once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string file = Case[..Case.IndexOf('@')];
        _network = NetworkCompiler.Compile(BioNetGenNetReader.Read(Path.Combine(AppContext.BaseDirectory, "Reactions", "networks", file)));
        _simulator = ExactAlgorithms.Find(Algorithm)!.CreateSimulator(_network);
    }

    /// <summary>One trajectory from t = 0 to the end time; returns the number of events fired.</summary>
    [Benchmark]
    public long Trajectory()
    {
        _simulator.Reset(42, 0); // fixed stream: the event count is the same every invocation
        return _simulator.Advance(EndTime);
    }
}

/// <summary>Time and memory to read and compile each network file (fceri_gamma2: 58,276 reactions), and a synthetic 60,000-reaction network.</summary>
[MemoryDiagnoser]
public class LargeNetworkLoadBenchmarks
{
    private string _text = "";

    /// <summary>File in Reactions/networks, or <c>synthetic-60000</c>.</summary>
    [Params("multistate.net", "multisite2.net", "egfr_net.net", "fceri_gamma2.net", "synthetic-60000")]
    public string Network { get; set; } = "";

    /// <summary>Reads the text once, so the benchmark measures parsing and compiling, not the disk.</summary>
    [GlobalSetup]
    public void Setup() => _text = Network.StartsWith("synthetic-", StringComparison.Ordinal)
        ? Stochastic.Tests.Helpers.SyntheticNetFile.Create(int.Parse(Network["synthetic-".Length..], System.Globalization.CultureInfo.InvariantCulture))
        : File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reactions", "networks", Network));

    /// <summary>Parse and compile.</summary>
    [Benchmark]
    public CompiledNetwork LoadAndCompile() => NetworkCompiler.Compile(BioNetGenNetReader.Parse(_text, Network));
}
