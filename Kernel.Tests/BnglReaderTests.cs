using Stochastic.Expressions;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Network;
using Xunit;

namespace Stochastic.Tests;

/// <summary>What <see cref="BnglReader"/> accepts: every construct of the subset, the symmetry factor, and the example files.</summary>
public class BnglReaderTests
{
    private static ReactionModel Parse(string text) => BnglReader.Parse(text, "test.bngl");

    private static string ExamplePath(string name) => Path.Combine(AppContext.BaseDirectory, "Reactions", "examples", name);

    [Fact]
    public void Parameters_BothForms_AndExpressionsOverEarlierOnes()
    {
        var m = Parse("""
            begin parameters
              a 2
              b = a * 3
              c=b^2 / 4 + ln(_e)   # natural log
              1 d 0.5
            end parameters
            begin seed species
              X 1
            end seed species
            begin reaction rules
              X -> 0 a
            end reaction rules
            """);
        Assert.Equal(["a", "b", "c", "d"], m.Parameters.Select(p => p.Name));
        Assert.Equal([2, 6, 10, 0.5], m.Parameters.Select(p => p.Value));
        Assert.Equal(new SourcePosition("test.bngl", 3, 3), m.Parameters[1].Position);
    }

    [Fact]
    public void SeedSpecies_ParenthesesClampingIndicesAndExpressions()
    {
        var m = Parse("""
            begin parameters
              n 10
            end parameters
            begin species
              A() n*2
              $B 5
              3 C 0
            end species
            begin reactions
              A() + B -> C() 1
            end reactions
            """);
        Assert.Equal(["A", "B", "C"], m.Species.Select(s => s.Name));
        Assert.Equal([20, 5, 0], m.Species.Select(s => s.InitialCount));
        Assert.Equal([false, true, false], m.Species.Select(s => s.Clamped));
        Assert.Equal([0, 1], m.Reactions[0].Reactants.ToArray());
        Assert.Equal([2], m.Reactions[0].Products.ToArray());
    }

    [Fact]
    public void Observables_WeightsBySpeciesRepetition_SpacesOrCommas()
    {
        var m = Parse("""
            begin seed species
              A 1
              B 2
            end seed species
            begin observables
              Molecules Total A B B
              Species   AB    A, B()
              Molecules A     A       # an observable may share its species' name, as in BioNetGen
            end observables
            begin reaction rules
              A -> B 1
            end reaction rules
            """);
        Assert.Equal(["Total", "AB", "A"], m.Observables.Select(o => o.Name));
        Assert.Equal([new ObservableTerm(0, 1), new ObservableTerm(1, 2)], m.Observables[0].Terms.ToArray());
        Assert.Equal([new ObservableTerm(0, 1), new ObservableTerm(1, 1)], m.Observables[1].Terms.ToArray());
    }

    [Fact]
    public void Functions_ReadObservablesEarlierFunctionsAndTime()
    {
        var m = Parse("""
            begin parameters
              k 2
            end parameters
            begin seed species
              A 10
            end seed species
            begin observables
              Molecules Atot A
            end observables
            begin functions
              f() = k * Atot
              g = f() + time()
              h() if(time() > 1, f, 0)
            end functions
            begin reaction rules
              A -> 0 g()
            end reaction rules
            """);
        Assert.Equal(["f", "g", "h"], m.Functions.Select(f => f.Name));
        var reaction = Assert.Single(m.Reactions);
        Assert.Equal(RateLawKind.Functional, reaction.Kind);
        var lowered = m.Lower(reaction.Rate);
        double value = ExpressionEvaluator.Evaluate(lowered, s => s.Kind switch
        {
            SymbolKind.Parameter => 2,
            SymbolKind.Species => 10,
            SymbolKind.Time => 0.5,
            _ => throw new InvalidOperationException(),
        });
        Assert.Equal(2 * 10 + 0.5, value);
    }

    [Fact]
    public void Reactions_LabelsNothingStoichiometryReversibleAndIndices()
    {
        var m = Parse("""
            begin model
            begin parameters
              kf 1
              kr 2
            end parameters
            begin seed species
              A 1
              B 1
            end seed species
            begin reaction rules
              make:  0 -> A  3
              A + A -> B  kf*2
              bind: A + B <-> B + B  kf, kr
              4 B -> 0 0.5
              1 0 -> B 1
            end reaction rules
            end model
            """);
        Assert.Equal(6, m.Reactions.Length);
        Assert.Equal("make", m.Reactions[0].Label);
        Assert.Empty(m.Reactions[0].Reactants);
        Assert.Equal([0, 0], m.Reactions[1].Reactants.ToArray());
        Assert.Equal("bind", m.Reactions[2].Label);
        Assert.Equal("_reverse_bind", m.Reactions[3].Label);
        Assert.Equal([1, 1], m.Reactions[3].Reactants.ToArray());
        Assert.Equal([0, 1], m.Reactions[3].Products.ToArray());
        Assert.Equal([1], m.Reactions[4].Reactants.ToArray());
        Assert.Empty(m.Reactions[5].Reactants);
        Assert.All(m.Reactions, r => Assert.Equal(RateLawKind.MassAction, r.Kind));
        Assert.Equal(new SourcePosition("test.bngl", 13, 3), m.Reactions[2].Position);
    }

    [Theory]
    [InlineData("A -> B", 1.0)]
    [InlineData("A + A -> B", 0.5)]
    [InlineData("A + A + A -> B", 1.0 / 6)]
    [InlineData("A + A + B + B -> 0", 0.25)]
    [InlineData("A + B -> A + A", 1.0)]
    public void StatisticalFactor_IsOneOverProductOfMultiplicityFactorials(string reaction, double factor)
    {
        var m = Parse($"begin species\n A 5\n B 5\nend species\nbegin reactions\n {reaction} 1\nend reactions\n");
        Assert.Equal(factor, m.Reactions[0].StatisticalFactor, 15);
    }

    [Fact]
    public void ReverseOfReversibleReaction_GetsTheProductsSymmetryFactor()
    {
        var m = Parse("begin species\n A 5\n B 5\nend species\nbegin reactions\n B <-> A + A 1, 1\nend reactions\n");
        Assert.Equal(1.0, m.Reactions[0].StatisticalFactor);
        Assert.Equal(0.5, m.Reactions[1].StatisticalFactor);
    }

    [Fact]
    public void FunctionalRate_KeepsTheSymmetryFactor_AndMultipliesReactantCounts()
    {
        var m = Parse("""
            begin parameters
              k 0.1
            end parameters
            begin species
              A 10
            end species
            begin observables
              Molecules Atot A
            end observables
            begin reactions
              A + A -> 0  k * Atot
            end reactions
            """);
        Assert.Equal(RateLawKind.Functional, m.Reactions[0].Kind);
        var net = NetworkCompiler.Compile(m);
        double[] x = [10];
        // BioNetGen: rate(x) · 1/2! · A(A-1) = 0.1·10 · 0.5 · 90.
        Assert.Equal(0.1 * 10 * 0.5 * 10 * 9, net.Propensity(0, x, net.Parameters, 0), 12);
    }

    [Fact]
    public void CommentsContinuationsAndBlankLines()
    {
        var m = Parse("""
            # a comment line

            begin parameters   # trailing comment
              k 1 + \
                2             # continued
            end parameters
            begin seed species
              A 1
            end seed species
            begin reaction rules
              A \
                -> 0 \
                k
            end reaction rules
            """);
        Assert.Equal(3, m.Parameters[0].Value);
        Assert.Equal(new SourcePosition("test.bngl", 11, 3), m.Reactions[0].Position);
        // The rate's position is its true place on the continued line.
        Assert.Equal(new SourcePosition("test.bngl", 13, 5), m.Reactions[0].Rate.Position);
    }

    [Fact]
    public void SimulateAction_SetsDefaultRun_OtherActionsWarn()
    {
        var m = Parse("""
            begin model
            begin species
              A 1
            end species
            begin reactions
              A -> 0 1
            end reactions
            end model
            generate_network({overwrite=>1})
            simulate({method=>"ssa", t_start=>1, t_end=>60*2,
                      n_steps=>50, suffix=>"run"})
            simulate_ode({t_end=>5})
            saveConcentrations()
            """);
        Assert.Equal(new RunSettings("ssa", 120, 50, 1), m.DefaultRun);
        Assert.Equal(3, m.Warnings.Length);
        Assert.Contains("unsupported action 'generate_network' ignored", m.Warnings[0].Message);
        Assert.Equal(new SourcePosition("test.bngl", 9, 1), m.Warnings[0].Position);
        Assert.Contains("simulate_ode", m.Warnings[1].Message);
        Assert.Contains("unsupported action 'saveConcentrations' ignored", m.Warnings[2].Message);
    }

    [Theory]
    [InlineData("simulate_ssa({t_end=>10})", "ssa", 10.0, null)]
    [InlineData("simulate_ode({t_end=>10,n_steps=>5})", "ode", 10.0, 5)]
    [InlineData("simulate({method=>'ssa',t_end=>1e2});", "ssa", 100.0, null)]
    [InlineData("begin actions\nsimulate({method=>\"pla\",t_end=>3})\nend actions", "pla", 3.0, null)]
    public void SimulateVariants(string action, string method, double tEnd, int? points)
    {
        var m = Parse($"begin species\n A 1\nend species\nbegin reactions\n A -> 0 1\nend reactions\n{action}\n");
        Assert.Equal(new RunSettings(method, tEnd, points, null), m.DefaultRun);
    }

    [Fact]
    public void Read_UsesFileNameForModelAndPositions()
    {
        var m = BnglReader.Read(ExamplePath("birth-death.bngl"));
        Assert.Equal("birth-death", m.Name);
        Assert.EndsWith("birth-death.bngl", m.Reactions[0].Position.File);
    }

    [Fact]
    public void ModelLoader_PicksBnglReader_RejectsOtherExtensionsAndMissingFiles()
    {
        Assert.Equal("isomerization", ModelLoader.Load(ExamplePath("isomerization.bngl")).Name);

        var missing = Assert.Throws<ModelException>(() => ModelLoader.Load("no-such-file.bngl"));
        Assert.Equal(new SourcePosition("no-such-file.bngl", 0, 0), missing.Errors[0].Position);
        Assert.Contains("file not found", missing.Errors[0].Message);

        string other = Path.Combine(Path.GetTempPath(), $"bngl-test-{Guid.NewGuid():N}.txt");
        File.WriteAllText(other, "x");
        try
        {
            var e = Assert.Throws<ModelException>(() => ModelLoader.Load(other));
            Assert.Contains("unsupported file type '.txt'", e.Errors[0].Message);
        }
        finally
        {
            File.Delete(other);
        }
    }

    [Fact]
    public void DocumentationExample_Reads()
    {
        // The complete example at the top of docs/reaction-files.md.
        var m = Parse("""
            # Gillespie's dimerization-decay model (J. Chem. Phys. 115:1716, 2001)
            begin model

            begin parameters
              c1   1
              c2   0.002
              c3   0.5
              c4   0.04
              S10  100000
            end parameters

            begin seed species
              S1  S10
              S2  0
              S3  0
            end seed species

            begin observables
              Molecules  S1_total  S1
              Molecules  dimers    S2 S3
            end observables

            begin reaction rules
              decay:       S1 -> 0          c1
              dimerize:    S1 + S1 <-> S2   c2, c3   # forward propensity c2/2 · S1(S1-1)
              convert:     S2 -> S3         c4
            end reaction rules

            end model

            simulate({method=>"ssa", t_end=>10, n_steps=>100})
            """);
        Assert.Equal(4, m.Reactions.Length);
        Assert.Equal(0.5, m.Reactions[1].StatisticalFactor);
        Assert.Equal(new RunSettings("ssa", 10, 100, null), m.DefaultRun);
    }

    // ───────────── the example files: read, compile, and check one propensity each ─────────────

    public static TheoryData<string> Examples => new()
    {
        "birth-death.bngl", "immigration-death.bngl", "isomerization.bngl", "dimerization-decay.bngl", "schlogl.bngl", "il2-toy.bngl",
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_ReadsCompiles_AndHasASimulateAction(string file)
    {
        var m = BnglReader.Read(ExamplePath(file));
        Assert.Empty(m.Warnings);
        Assert.NotNull(m.DefaultRun);
        Assert.Equal("ssa", m.DefaultRun!.Method);
        Assert.True(m.DefaultRun.TEnd > 0);
        var net = NetworkCompiler.Compile(m);
        Assert.True(net.ReactionCount > 0);
    }

    private static (CompiledNetwork Net, double[] X) CompileExample(string file)
    {
        var net = NetworkCompiler.Compile(BnglReader.Read(ExamplePath(file)));
        return (net, (double[])net.InitialCounts.Clone());
    }

    private static int ReactionIndex(CompiledNetwork net, string name) => Array.IndexOf(net.ReactionNames, name);

    [Fact]
    public void BirthDeath_MatchesDsmts001()
    {
        var (net, x) = CompileExample("birth-death.bngl");
        Assert.Equal([100.0], x);
        Assert.Equal(0.1 * 100, net.Propensity(ReactionIndex(net, "birth"), x, net.Parameters, 0), 12);
        Assert.Equal(0.11 * 100, net.Propensity(ReactionIndex(net, "death"), x, net.Parameters, 0), 12);
        net.Fire(ReactionIndex(net, "birth"), x);
        Assert.Equal([101.0], x);
    }

    [Fact]
    public void ImmigrationDeath_MatchesDsmts002()
    {
        var (net, x) = CompileExample("immigration-death.bngl");
        Assert.Equal(1.0, net.Propensity(ReactionIndex(net, "immigration"), x, net.Parameters, 0));
        x[0] = 7;
        Assert.Equal(0.7, net.Propensity(ReactionIndex(net, "death"), x, net.Parameters, 0), 12);
    }

    [Fact]
    public void Isomerization_ForwardAndReverse()
    {
        var (net, x) = CompileExample("isomerization.bngl");
        Assert.Equal(["flip", "_reverse_flip"], net.ReactionNames);
        x[1] = 40;
        Assert.Equal(1.0 * 100, net.Propensity(0, x, net.Parameters, 0), 12);
        Assert.Equal(0.5 * 40, net.Propensity(1, x, net.Parameters, 0), 12);
    }

    [Fact]
    public void DimerizationDecay_HomodimerPropensityIsHalvedByTheSymmetryFactor()
    {
        var (net, x) = CompileExample("dimerization-decay.bngl");
        int r = ReactionIndex(net, "dimerize");
        Assert.Equal(PropensityKind.Homodimer, net.Kinds[r]);
        double s1 = 100000;
        Assert.Equal(0.002 * s1 * (s1 - 1) / 2, net.Propensity(r, x, net.Parameters, 0), 6);
    }

    [Fact]
    public void Schlogl_ReproducesTheStandardPropensities()
    {
        var (net, x) = CompileExample("schlogl.bngl");
        double a = 1e5, b = 2e5, n = 250;
        Assert.Equal([a, b, n], x);
        Assert.Equal(3e-7 / 2 * a * n * (n - 1), net.Propensity(ReactionIndex(net, "R1"), x, net.Parameters, 0), 9);
        Assert.Equal(1e-4 / 6 * n * (n - 1) * (n - 2), net.Propensity(ReactionIndex(net, "R2"), x, net.Parameters, 0), 9);
        Assert.Equal(1e-3 * b, net.Propensity(ReactionIndex(net, "R3"), x, net.Parameters, 0), 9);
        Assert.Equal(3.5 * n, net.Propensity(ReactionIndex(net, "R4"), x, net.Parameters, 0), 9);
        // Clamped buffers never change.
        net.Fire(ReactionIndex(net, "R1"), x);
        net.Fire(ReactionIndex(net, "R3"), x);
        Assert.Equal([a, b, n + 2], x);
    }

    [Fact]
    public void Il2Toy_HasElevenSpeciesAndFourteenReactions()
    {
        var (net, x) = CompileExample("il2-toy.bngl");
        Assert.Equal(11, net.SpeciesCount);
        Assert.Equal(14, net.ReactionCount);
        Assert.Equal(2e-5 * 10000 * 1000, net.Propensity(ReactionIndex(net, "bind_a"), x, net.Parameters, 0), 9);
        Assert.Contains("pSTAT5", net.OutputNames);
        Assert.Equal(new RunSettings("ssa", 200, 200, null), BnglReader.Read(ExamplePath("il2-toy.bngl")).DefaultRun);
    }
}
