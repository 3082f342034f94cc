using Stochastic.Expressions;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Tests.Helpers;
using Xunit;

namespace Stochastic.Tests;

public class BioNetGenNetReaderTests
{
    internal static string NetworkPath(string name) => Path.Combine(AppContext.BaseDirectory, "Reactions", "networks", name);

    private static ModelException Fails(string text) => Assert.Throws<ModelException>(() => BioNetGenNetReader.Parse(text, "bad.net"));

    [Fact]
    public void ReadsMultistate()
    {
        var model = BioNetGenNetReader.Read(NetworkPath("multistate.net"));
        Assert.Equal("multistate", model.Name);
        Assert.Equal(9, model.Parameters.Length);
        Assert.Equal(9, model.Species.Length);
        Assert.Equal(18, model.Reactions.Length);
        Assert.Equal("A(Y~U,r)", model.Species[2].Name);
        Assert.Equal(5360, model.Species[2].InitialCount);
        Assert.Equal(0, model.Species[3].InitialCount);
        var first = model.Reactions[0];
        Assert.Equal([0, 1], first.Reactants.ToArray());
        Assert.Equal([3], first.Products.ToArray());
        Assert.Equal(RateLawKind.MassAction, first.Kind);
        Assert.Equal(1.0, first.StatisticalFactor);
        Assert.Equal(["A_P", "A_unbound_P", "A_bound_P", "RLA_P"], model.Observables.Select(o => o.Name));
        Assert.Equal([6, 7, 8], model.Observables[0].Terms.Select(t => t.Species));
    }

    [Fact]
    public void ReadsEgfrWithStatisticalFactorsAndWeightedGroups()
    {
        var model = BioNetGenNetReader.Read(NetworkPath("egfr_net.net"));
        Assert.Equal((43, 356, 3749, 13), (model.Parameters.Length, model.Species.Length, model.Reactions.Length, model.Observables.Length));
        var network = NetworkCompiler.Compile(model);
        // Reaction 5: "7,7 8 0.5*kp2": a homodimerization whose rate carries the 1/2.
        Assert.Equal(PropensityKind.Homodimer, network.Kinds[4]);
        Assert.Equal(0.5 * 5.556e-06, network.RateConstants[4], 15);
        // Reaction 7: "8 9 2*kp3".
        Assert.Equal(2 * 0.5, network.RateConstants[6], 15);
        var dimers = model.Observables[0];
        Assert.Equal("Dimers", dimers.Name);
        Assert.Equal(new ObservableTerm(7, 2), dimers.Terms[0]);
        Assert.StartsWith("egf(r!1).egf(r!2).egfr(", model.Species[7].Name);
    }

    [Fact]
    public void ReadsNullSpeciesAsNothing()
    {
        var model = BioNetGenNetReader.Read(NetworkPath("birth-death.net"));
        Assert.Empty(model.Reactions[0].Reactants);
        Assert.Equal([0], model.Reactions[0].Products.ToArray());
        Assert.Empty(model.Reactions[1].Products);
        Assert.Equal("A()", model.Species[0].Name);
    }

    [Fact]
    public void ParametersAreExpressionsOverEarlierParameters_AndClampedSpeciesKeepTheirName()
    {
        var model = BioNetGenNetReader.Parse("""
            begin parameters
                1 a 2
                2 b a*3+1 # Constant
                3 c = b/2
            end parameters
            begin species
                1 $L(r) b
                2 R(l) c
            end species
            begin reactions
                1 1,2 2,2 a
            end reactions
            """, "p.net");
        Assert.Equal([2.0, 7.0, 3.5], model.Parameters.Select(p => p.Value));
        Assert.True(model.Species[0].Clamped);
        Assert.Equal("L(r)", model.Species[0].Name);
        Assert.Equal(7, model.Species[0].InitialCount);
        // 3.5 molecules is rounded (with a warning), since SSA counts are integers.
        Assert.Equal(4, model.Species[1].InitialCount);
        Assert.Single(model.Warnings);
        var network = NetworkCompiler.Compile(model);
        Assert.Equal([1], network.ChangeSpecies); // L + R -> 2R: the clamped ligand is not consumed
    }

    [Fact]
    public void FunctionRatesAreFunctional()
    {
        var model = BioNetGenNetReader.Parse("""
            begin parameters
                1 k 0.5
            end parameters
            begin functions
                1 f() k*Atot/(1+Atot)
            end functions
            begin species
                1 A() 10
                2 B() 0
            end species
            begin reactions
                1 1 2 f #_R1
                2 2 1 k
            end reactions
            begin groups
                1 Atot 1
            end groups
            """, "f.net");
        Assert.Equal(RateLawKind.Functional, model.Reactions[0].Kind);
        Assert.Equal(RateLawKind.MassAction, model.Reactions[1].Kind);
        var network = NetworkCompiler.Compile(model);
        Assert.Equal(PropensityKind.Functional, network.Kinds[0]);
        double[] x = [10, 0];
        Assert.Equal(0.5 * 10 / 11.0 * 10, network.Propensity(0, x, network.Parameters, 0), 12);
    }

    [Theory]
    [InlineData("begin species\n 1 A() 1\nend species\nbegin reactions\n 1 1,3 1 1\nend reactions\n", "bad.net:5:6", "unknown species index 3")]
    [InlineData("begin species\n 1 A() 1\nend species\nbegin reactions\n 1 1 1\nend reactions\n", "bad.net:5:", "expected the reaction's rate")]
    [InlineData("begin species\n 1 A() 1\nend species\nbegin reactions\n 1 1 1 kx\nend reactions\n", "bad.net:5:8", "unknown name 'kx'")]
    [InlineData("begin species\n 1 A() 1\nend species\nbegin reactions\n 1 1 x 2\nend reactions\n", "bad.net:5:6", "'x' is not a species index")]
    [InlineData("begin species\n 1 A() 1\n 3 B() 1\nend species\n", "bad.net:3:2", "out of sequence")]
    [InlineData("begin species\n 1 A() -1\nend species\n", "bad.net:2:8", "must be finite and non-negative")]
    [InlineData("begin species\n 1 A() 1\n", "bad.net:1:1", "is not closed")]
    [InlineData("1 A() 1\n", "bad.net:1:1", "text outside any block")]
    [InlineData("begin parameters\n 1 k 1/0\nend parameters\nbegin species\nend species\n", "bad.net:2:7", "division by zero")]
    [InlineData("begin parameters\n x k 1\nend parameters\n", "bad.net:2:2", "parameter index")]
    [InlineData("begin species\n 1 A() 1\nend species\nbegin groups\n 1 G 1,2*9\nend groups\n", "bad.net:5:10", "unknown species index 9")]
    [InlineData("begin species\n 1 A() 1\nend species\nbegin reactions\n 1 0,1 1 1\nend reactions\n", "bad.net:5:4", "null species")]
    [InlineData("begin parameters\nend parameters\n", "bad.net", "no 'begin species' block")]
    public void ReportsErrorsWithPositions(string text, string position, string message)
    {
        var error = Fails(text).Errors[0];
        Assert.True(error.ToString().StartsWith(position, StringComparison.Ordinal), error.ToString());
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void ReportsEveryBadLine()
    {
        var e = Fails("begin species\n 1 A() 1\nend species\nbegin reactions\n 1 1,7 1 1\n 2 1 1 q\nend reactions\n");
        Assert.Equal(2, e.Errors.Count);
        Assert.Equal((5, 6), (e.Errors[0].Position.Line, e.Errors[0].Position.Column));
        Assert.Equal(6, e.Errors[1].Position.Line);
    }

    [Fact]
    public void LoadsAndCompilesASixtyThousandReactionNetworkWithLittleMemory()
    {
        string text = SyntheticNetFile.Create(60_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var network = NetworkCompiler.Compile(BioNetGenNetReader.Parse(text, "synthetic.net"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(60_000, network.ReactionCount);
        Assert.Equal(6_000, network.SpeciesCount);
        Assert.Equal(PropensityKind.Homodimer, network.Kinds[3]);
        Assert.All(network.RateFunctions, f => Assert.Null(f)); // no expression compiled for mass action
        // Bound: 2 KB per reaction (120 MB) is five times below what BioNetGen's run_network uses for a
        // network this size (~600 MB); the reader and compiler measure about 0.8 KB per reaction
        // (docs/performance.md). Allocation counts are deterministic, so this is not a timing test.
        Assert.InRange(allocated, 0, 2048L * 60_000);
    }
}
