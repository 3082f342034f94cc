using Stochastic.Formats;
using Stochastic.Methods;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Xunit;

namespace Stochastic.Tests;

public sealed class MethodCatalogTests
{
    [Fact]
    public void EveryMethod_HasAUniqueName_ItsPaper_AndWhenToUseIt()
    {
        Assert.Equal(MethodCatalog.All.Count, MethodCatalog.Names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(MethodCatalog.All, m =>
        {
            Assert.False(string.IsNullOrWhiteSpace(m.Summary), m.Name);
            Assert.False(string.IsNullOrWhiteSpace(m.Paper), m.Name);
            Assert.False(string.IsNullOrWhiteSpace(m.WhenToUse), m.Name);
            Assert.Same(m, MethodCatalog.Find(m.Name.ToUpperInvariant()));
        });
        // Every exact algorithm is an entry, and every entry that is not exact says what it reads.
        Assert.All(Simulation.Exact.ExactAlgorithms.All, a => Assert.True(MethodCatalog.Find(a.Name)?.IsExact));
        Assert.All(MethodCatalog.All.Where(m => !m.IsExact), m => Assert.NotEqual(MethodNeeds.None, m.Needs));
    }

    [Fact]
    public void UnknownMethod_IsAModelError_ListingTheMethods()
    {
        var ex = Assert.Throws<ModelException>(() => MethodCatalog.Get("nope", "--method"));
        Assert.Contains("unknown method 'nope'", ex.Message);
        Assert.Contains(string.Join(", ", MethodCatalog.Names), ex.Message);
    }

    [Fact]
    public void MethodsThatDoNotSimulateCells_SayWhichDo()
    {
        var model = BnglReader.Parse(FastPair, "pair.bngl");
        var ex = Assert.Throws<NotSupportedException>(() => MethodCatalog.Tau.CreateCellEngine(model, NetworkCompiler.Compile(model), MethodSettings.Default));
        Assert.Contains("slow-scale", ex.Message);
    }

    // A ⇄ B at kf = kr = 1000 (separation (kf + kr)/k = 20,000 from the drain B → 0 at k = 0.1), so
    // slow-scale lumps the pair and T = A + B loses molecules at k·π_B = 0.05 each: T(10) is
    // Binomial(100, e^(−0.5)) up to the reduction's O(1/separation) error (≈ 10⁻⁴ relative).
    private const string FastPair = """
        begin model
        begin parameters
          kf 1000
          kr 1000
          k 0.1
        end parameters
        begin seed species
          A 100
          B 0
        end seed species
        begin observables
          Molecules Total A B
        end observables
        begin reaction rules
          flip: A <-> B kf, kr
          loss: B -> 0 k
        end reaction rules
        end model
        """;

    [Fact]
    public void SlowScaleEnsemble_MatchesTheBinomialLawOfTheLumpedPair()
    {
        var model = BnglReader.Parse(FastPair, "pair.bngl");
        var network = NetworkCompiler.Compile(model);
        const int runs = 2000;
        var result = MethodCatalog.SlowScale.RunEnsemble(model, network, new EnsembleOptions(runs, 11, new TimeGrid(0, 10, 2)), MethodSettings.Default);
        double p = Math.Exp(-0.5), mean = 100 * p;
        // Tolerance: 4 standard errors of the mean of 2,000 binomial draws (σ = √(100·p·(1 − p)) = 4.9),
        // two-sided α ≈ 6·10⁻⁵; the reduction's own error (≈ 0.006 molecules) is far below it.
        double tolerance = 4 * Math.Sqrt(100 * p * (1 - p) / runs);
        int total = result.OutputNames.ToList().IndexOf("Total");
        Assert.InRange(result.Mean(1, total), mean - tolerance, mean + tolerance);
        // Nearly every firing of the full model was a fast flip: the lumped run fires only the losses.
        Assert.True(result.Counters.Events < runs * 100);
    }

    [Fact]
    public void SlowScaleEnsemble_RefusesAModelWithEvents()
    {
        var model = SbmlReader.Read(Path.Combine(DsmtsTests.SuiteDirectory, "00028", "00028-sbml-l3v1.xml"));
        var ex = Assert.Throws<ModelException>(() => MethodCatalog.SlowScale.RunEnsemble(model, NetworkCompiler.Compile(model),
            new EnsembleOptions(10, 1, new TimeGrid(0, 1, 2)), MethodSettings.Default));
        Assert.Contains("events", ex.Message);
    }
}
