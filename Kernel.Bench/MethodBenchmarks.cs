using BenchmarkDotNet.Attributes;
using Stochastic.Formats;
using Stochastic.Methods;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;

namespace Stochastic.Bench;

/// <summary>
/// Every method of the catalog on the same ensemble, one thread: 100 runs of the IL-2 receptor toy to
/// t = 200 (11 species, 14 reactions, abundant receptors and ligand), 11 output points, seed 1, ε = 0.03.
/// A method added to <see cref="MethodCatalog"/> is benchmarked here without further code; the
/// approximate methods trade accuracy for speed (docs/algorithms.md), so compare them with that in mind.
/// </summary>
public class MethodBenchmarks
{
    /// <summary>Every method's name.</summary>
    public static IEnumerable<string> MethodNames() => MethodCatalog.Names;

    [ParamsSource(nameof(MethodNames))]
    public string Method { get; set; } = "ssa";

    private ReactionModel _model = null!;
    private CompiledNetwork _network = null!;
    private SimulationMethod _method = null!;
    private readonly EnsembleOptions _options = new(100, 1, new TimeGrid(0, 200, 11), Threads: 1);
    private readonly MethodSettings _settings = MethodSettings.Default with { Epsilon = 0.03 };

    [GlobalSetup]
    public void Setup()
    {
        _model = ModelLoader.Load(BenchModels.Find("examples/il2-toy.bngl"));
        _network = NetworkCompiler.Compile(_model);
        _method = MethodCatalog.Get(Method);
    }

    /// <summary>The ensemble; returns the reaction firings.</summary>
    [Benchmark]
    public long Ensemble() => _method.RunEnsemble(_model, _network, _options, _settings).Counters.Events;
}
