using Stochastic.Formats;
using Stochastic.Model;
using Xunit;

namespace Stochastic.Tests;

/// <summary>What <see cref="BnglReader"/> rejects: one test per error kind, each checking the exact line, column and message.</summary>
public class BnglErrorTests
{
    private const string File = "bad.bngl";

    private static IReadOnlyList<ModelError> Errors(string text) =>
        Assert.Throws<ModelException>(() => BnglReader.Parse(text, File)).Errors;

    /// <summary>Asserts that <paramref name="text"/> has exactly one error, at <paramref name="line"/>:<paramref name="column"/>, whose message contains <paramref name="fragment"/>.</summary>
    private static void AssertError(string text, int line, int column, string fragment)
    {
        var errors = Errors(text);
        var error = Assert.Single(errors);
        Assert.Equal(new SourcePosition(File, line, column), error.Position);
        Assert.Contains(fragment, error.Message);
    }

    /// <summary>A valid model with <paramref name="parameters"/>, <paramref name="species"/> and <paramref name="reactions"/> lines; parameters start on line 2, species on line 5, reactions on line 8.</summary>
    private static string Model(string parameters = "k 1", string species = "A 10", string reactions = "A -> 0 k") => $"""
        begin parameters
        {parameters}
        end parameters
        begin seed species
        {species}
        end seed species
        begin reaction rules
        {reactions}
        end reaction rules
        """;

    [Fact]
    public void Model_Helper_IsValid() => Assert.Single(BnglReader.Parse(Model(), File).Reactions);

    [Fact]
    public void UnknownSpecies_InReaction() =>
        AssertError(Model(reactions: " A -> Bx k"), 8, 7, "unknown species 'Bx'");

    [Fact]
    public void UnknownSpecies_InObservable() =>
        AssertError(Model() + "\nbegin observables\n Molecules T A Q\nend observables", 11, 16, "unknown species 'Q'");

    [Fact]
    public void UnknownParameter_InRate() =>
        AssertError(Model(reactions: " A -> 0 kx"), 8, 9, "unknown parameter, observable or function 'kx'");

    [Fact]
    public void UnknownParameter_InInitialCount() =>
        AssertError(Model(species: " A n0"), 5, 4, "unknown parameter 'n0'");

    [Fact]
    public void SpeciesInRate_IsExplained() =>
        AssertError(Model(reactions: " A -> 0 k*A"), 8, 11, "'A' is a species");

    [Fact]
    public void DuplicateName_ParameterAndSpecies() =>
        AssertError(Model(parameters: "A 1\nk 2"), 6, 1, "duplicate name 'A': already defined as a parameter at line 2");

    [Fact]
    public void DuplicateName_TwoParameters() =>
        AssertError(Model(parameters: "k 1\n  k 2"), 3, 3, "duplicate name 'k'");

    [Fact]
    public void DuplicateName_FunctionAndObservable() =>
        AssertError(Model() + "\nbegin observables\n Molecules f A\nend observables\nbegin functions\n f() = 1\nend functions", 14, 2, "already defined as an observable at line 11");

    [Fact]
    public void UnclosedBlock_ReportedAtItsBegin()
    {
        AssertError("begin parameters\n k 1\nbegin seed species\n A 1\nend seed species\nbegin reactions\n A -> 0 k\nend reactions", 1, 1,
            "block 'parameters' is not closed (missing 'end parameters')");
        AssertError(Model() + "\n  begin observables\n Molecules T A", 10, 3, "block 'observables' is not closed");
    }

    [Fact]
    public void UnclosedModel() =>
        AssertError("begin model\n" + Model(), 1, 1, "'begin model' is not closed");

    [Fact]
    public void MisspelledBlock_SuggestsTheRightName()
    {
        var errors = Errors("begin paramters\n k 1\nend paramters\n" + Model(parameters: ""));
        Assert.Equal(new SourcePosition(File, 1, 7), errors[0].Position);
        Assert.Equal("unknown block 'paramters'; did you mean 'parameters'?", errors[0].Message);
    }

    [Fact]
    public void UnknownBlock_WithoutSuggestion() =>
        AssertError(Model() + "\nbegin compartments\nend compartments", 10, 7, "unknown block 'compartments'");

    [Fact]
    public void EndThatDoesNotMatch() =>
        AssertError("begin parameters\n k 1\nend species\n" + Model(parameters: ""), 3, 1, "'end species' does not match 'begin parameters' at line 1");

    [Fact]
    public void EndWithoutBegin() =>
        AssertError(Model() + "\nend observables", 10, 1, "'end observables' without a matching 'begin observables'");

    [Theory]
    [InlineData(" k 1.2.3", "malformed number '1.2.3'")]
    [InlineData(" k 1e", "malformed number '1e'")]
    [InlineData(" k 3x", "malformed number '3x'")]
    public void MalformedNumber(string parameter, string message) =>
        AssertError(Model(parameters: parameter), 2, 4, message);

    [Theory]
    [InlineData(" A -> 0 -1", "rate '-1' is -1; a rate constant must be finite and non-negative")]
    [InlineData(" A -> 0 k - 2", "rate 'k - 2' is -1")]
    [InlineData(" A -> 0 exp(1000)", "is infinite")]
    [InlineData(" A -> 0 sqrt(-1)", "is not a number")]
    public void NegativeOrNonFiniteRate_AtTheRate(string reaction, string message) =>
        AssertError(Model(reactions: reaction), 8, 9, message);

    [Fact]
    public void NegativeReverseRate_AtTheReverseRate() =>
        AssertError(Model(species: "A 1\nB 1", reactions: "A <-> B k,  -k"), 9, 13, "rate '-k' is -1");

    [Fact]
    public void CyclicParameters()
    {
        AssertError(Model(parameters: "k 1\n a = b + 1\n b = 2 * a"), 3, 6, "cyclic parameter definition: a -> b -> a");
        AssertError(Model(parameters: "k 1\na a"), 3, 3, "cyclic parameter definition: a -> a");
    }

    [Fact]
    public void ParameterUsedBeforeItsDefinition() =>
        AssertError(Model(parameters: "k b\nb 2"), 2, 3, "parameter 'b' is used before it is defined (line 3)");

    [Fact]
    public void DivisionByZeroInParameter() =>
        AssertError(Model(parameters: "k 1\nz  1/(k-1)"), 3, 5, "division by zero");

    [Fact]
    public void NonFiniteParameter() =>
        AssertError(Model(parameters: "k 1\nbig 1e308*10"), 3, 5, "parameter 'big' is infinite");

    [Theory]
    [InlineData("A 2.5", "initial count of 'A' is 2.5; it must be a whole number")]
    [InlineData("A -3", "initial count of 'A' is -3; it must not be negative")]
    [InlineData("A 1e16", "must be below 2^53")]
    [InlineData("A 9007199254740993", "must be below 2^53")] // reads as 2^53: not the count written
    [InlineData("A 1/0", "division by zero")]
    public void BadInitialCount(string species, string message)
    {
        var error = Assert.Single(Errors(Model(species: species)));
        Assert.Equal(5, error.Position.Line);
        Assert.Equal(species.Contains('/') ? 4 : 3, error.Position.Column);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void LargestExactCount_IsAccepted() =>
        Assert.Equal(9007199254740991.0, BnglReader.Parse(Model(species: "A 2^53-1"), File).Species[0].InitialCount);

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n# only a comment\n")]
    public void EmptyFile(string text) => AssertError(text, 0, 0, "empty file");

    [Fact]
    public void NoReactions() =>
        AssertError("begin parameters\n k 1\nend parameters", 0, 0, "file has no reactions");

    [Fact]
    public void ReactionWithoutArrow() =>
        AssertError(Model(species: "A 1\nB 1", reactions: "  A + B  B  k"), 9, 3, "reaction has no arrow");

    [Fact]
    public void ReversibleReactionWithOneRate() =>
        AssertError(Model(species: "A 1\nB 1", reactions: "A <-> B k"), 9, 9, "a reversible reaction ('<->') needs two rates 'kf, kr'; found 1");

    [Fact]
    public void IrreversibleReactionWithTwoRates() =>
        AssertError(Model(reactions: "A -> 0 k, k"), 8, 8, "a reaction ('->') needs one rate; found 2");

    [Fact]
    public void ReactionWithoutRate() =>
        AssertError(Model(reactions: "A -> 0"), 8, 7, "reaction has no rate");

    [Fact]
    public void MoleculeComponents_AreNotSupported() =>
        AssertError(Model(species: "A(b) 1"), 5, 2, "molecule components are not supported");

    [Fact]
    public void FunctionUsedBeforeItsDefinition_AndCyclicFunctions()
    {
        string Functions(string body) => Model() + $"\nbegin functions\n{body}\nend functions";
        AssertError(Functions("f() = g()\ng() = 1"), 11, 7, "function 'g' is used before it is defined (line 12)");
        AssertError(Functions("f() = 1 + g()\ng() = f()"), 11, 11, "cyclic function definition: f -> g -> f");
    }

    [Fact]
    public void TextOutsideBlocks() =>
        AssertError(Model() + "\nA 10", 10, 1, "expected 'begin <block>' or an action");

    [Fact]
    public void SimulateWithBadOptions()
    {
        AssertError(Model() + "\nsimulate({method=>\"ssa\",t_end=>\"x\"})", 10, 32, "'t_end' must be a number");
        AssertError(Model() + "\nsimulate({method=>\"ssa\",t_end=>10,n_steps=>2.5})", 10, 44, "'n_steps' must be a positive whole number");
        AssertError(Model() + "\nsimulate({t_start=>5,t_end=>1})", 10, 1, "t_end (1) must be greater than t_start (5)");
    }

    [Fact]
    public void DuplicateReactionLabel() =>
        AssertError(Model(reactions: "r: A -> 0 k\nr: 0 -> A k"), 9, 1, "duplicate reaction label 'r' (first used at line 8)");

    [Fact]
    public void SeveralErrors_AreReportedTogether_InSourceOrder()
    {
        var errors = Errors("""
            begin parameters
              k 1.2.3
              j = 1/0
            end parameters
            begin seed species
              A 1.5
            end seed species
            begin reaction rules
              A -> Q k
              A -> 0 -2
            end reaction rules
            """);
        Assert.Equal(
            [(2, 5, "malformed number"), (3, 8, "division by zero"), (6, 5, "whole number"), (9, 8, "unknown species 'Q'"), (10, 10, "rate '-2'")],
            errors.Select(e => (e.Position.Line, e.Position.Column, Fragment(e.Message))).ToList());

        static string Fragment(string message) =>
            new[] { "malformed number", "division by zero", "whole number", "unknown species 'Q'", "rate '-2'" }.First(message.Contains);
    }

    [Fact]
    public void ReferencesToABadParameter_DoNotCascade()
    {
        // 'k' has an error; the species and the rate that use it report nothing more.
        var error = Assert.Single(Errors(Model(parameters: "k 1.2.3", species: "A k", reactions: "A -> 0 k")));
        Assert.Contains("malformed number", error.Message);
    }

    [Fact]
    public void Read_MissingFile()
    {
        var e = Assert.Throws<ModelException>(() => BnglReader.Read("does-not-exist.bngl"));
        Assert.Equal(new SourcePosition("does-not-exist.bngl", 0, 0), e.Errors[0].Position);
        Assert.Equal("file not found", e.Errors[0].Message);
    }

    [Fact]
    public void ErrorsFormatAsFileLineColumn()
    {
        var e = Assert.Throws<ModelException>(() => BnglReader.Parse(Model(reactions: " A -> Bx k"), File));
        Assert.StartsWith("bad.bngl:8:7: unknown species 'Bx'", e.Message);
    }
}
