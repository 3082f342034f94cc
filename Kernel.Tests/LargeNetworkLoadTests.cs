using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation.Exact;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The load path of large .net files: the dependency graph built on first use equals the graph from its
/// definition, RSSA-CR runs without building it, and <c>stochastic check</c>'s findings (rewritten without
/// per-reaction collections) are the ones the definitions give.
/// </summary>
public class LargeNetworkLoadTests
{
    /// <summary>Reaction k depends on j when j changes (net, unclamped) a species that k's propensity reads.</summary>
    private static HashSet<int> DefinedDependents(CompiledNetwork net, int j)
    {
        var changed = new HashSet<int>();
        for (int k = net.ChangeOffsets[j]; k < net.ChangeOffsets[j + 1]; k++) changed.Add(net.ChangeSpecies[k]);
        var result = new HashSet<int>();
        for (int r = 0; r < net.ReactionCount; r++)
        {
            for (int k = net.ReactantOffsets[r]; k < net.ReactantOffsets[r + 1]; k++)
                if (changed.Contains(net.ReactantSpecies[k])) result.Add(r);
            foreach (var symbol in Stochastic.Expressions.ExpressionEvaluator.Symbols(net.RateExpressions[r]))
                if (symbol.Kind == Stochastic.Expressions.SymbolKind.Species && changed.Contains(symbol.Index)) result.Add(r);
        }
        return result;
    }

    [Fact]
    public void DependencyGraph_IsBuiltOnFirstUse_AndIsTheDefinedOne()
    {
        var net = NetworkCompiler.Compile(BioNetGenNetReader.Read(BioNetGenNetReaderTests.NetworkPath("multisite2.net")));
        Assert.False(net.HasDependencyGraph);
        for (int j = 0; j < net.ReactionCount; j++)
        {
            var listed = net.Dependents[net.DependentOffsets[j]..net.DependentOffsets[j + 1]];
            Assert.Equal(listed.Length, listed.Distinct().Count());
            Assert.True(DefinedDependents(net, j).SetEquals(listed), $"reaction {j}");
        }
        Assert.True(net.HasDependencyGraph);
    }

    [Fact]
    public void FunctionalRates_EnterTheGraph_ThroughTheSpeciesTheyRead()
    {
        // Reaction 2's rate is a function of group G = species 2, which reaction 1 produces: 1 -> 2 is an edge
        // although species 2 is no reactant of reaction 2.
        const string text = """
            begin parameters
                1 k 1
            end parameters
            begin species
                1 A 10
                2 B 0
                3 C 5
            end species
            begin groups
                1 G 2
            end groups
            begin functions
                1 f() k*G
            end functions
            begin reactions
                1 1 2 k
                2 3 0 f
            end reactions
            """;
        var net = NetworkCompiler.Compile(BioNetGenNetReader.Parse(text, "f.net"));
        for (int j = 0; j < net.ReactionCount; j++)
            Assert.True(DefinedDependents(net, j).SetEquals(net.Dependents[net.DependentOffsets[j]..net.DependentOffsets[j + 1]]), $"reaction {j}");
        Assert.Contains(1, net.Dependents[net.DependentOffsets[0]..net.DependentOffsets[1]]);
    }

    [Fact]
    public void RssaCr_RunsWithoutTheDependencyGraph()
    {
        var net = NetworkCompiler.Compile(BioNetGenNetReader.Read(BioNetGenNetReaderTests.NetworkPath("egfr_net.net")));
        var sim = new RejectionCompositionSsa().CreateSimulator(net);
        sim.Reset(42, 0);
        Assert.True(sim.Advance(1) > 0);
        Assert.False(net.HasDependencyGraph);
    }

    [Fact]
    public void Check_FindsZeroRates_UnusedParameters_AndSpeciesNothingChanges()
    {
        // A is a catalyst only (net change 0 in reaction 1): neither produced nor consumed. D starts at 0 and
        // is only consumed. Reactions 2 and 3 have rate 0 (a number; a parameter of value 0); reaction 4's 0.5*kz
        // is 0 too. kunused is read by nothing; k by a statistical factor expression only.
        const string text = """
            begin parameters
                1 k 1
                2 kz 0
                3 kunused 3
            end parameters
            begin species
                1 A 10
                2 B 5
                3 C 0
                4 D 0
            end species
            begin reactions
                1 1,2 1,3 2*k
                2 3 2 0
                3 4 0 kz
                4 3,3 2 0.5*kz
            end reactions
            """;
        var model = BioNetGenNetReader.Parse(text, "d.net");
        var findings = ModelDiagnostics.Check(model).Select(f => $"{f.Position.Line}: {f.Message}").ToArray();
        Assert.Equal(
        [
            "14: reaction has rate 0 and never fires",
            "15: reaction has rate 0 and never fires",
            "16: reaction has rate 0 and never fires",
            "7: species 'A' is neither produced nor consumed by any reaction",
            "10: species 'D' starts at 0 and nothing produces it",
            "4: parameter 'kunused' is never used",
        ], findings);
    }
}
