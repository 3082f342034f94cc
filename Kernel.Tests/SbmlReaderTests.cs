using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Network;
using Xunit;
using static Stochastic.Tests.SbmlTestModels;

namespace Stochastic.Tests;

/// <summary>The SBML reader: MathML evaluation, species semantics, and every refusal.</summary>
public class SbmlReaderTests
{
    // Evaluates MathML through an initial assignment to parameter p.
    private static double Evaluate(string mathBody, string extra = "")
    {
        var model = SbmlReader.Parse(L3($"""
            {extra}
            <listOfParameters><parameter id="p" constant="true"/><parameter id="k" value="3" constant="true"/></listOfParameters>
            <listOfInitialAssignments><initialAssignment symbol="p">{Math(mathBody)}</initialAssignment></listOfInitialAssignments>
            """), "math.xml");
        return model.Parameters[model.ParameterIndex("p")].Value;
    }

    public static TheoryData<string, double> MathCases() => new()
    {
        { "<apply><plus/><cn>1</cn><cn>2</cn><cn>3.5</cn></apply>", 6.5 },
        { "<apply><plus/></apply>", 0 },
        { "<apply><minus/><cn>5</cn></apply>", -5 },
        { "<apply><minus/><cn>5</cn><ci> k </ci></apply>", 2 },
        { "<apply><times/><cn>2</cn><ci>k</ci><cn>4</cn></apply>", 24 },
        { "<apply><divide/><cn>1</cn><cn>4</cn></apply>", 0.25 },
        { "<apply><power/><cn>2</cn><cn>10</cn></apply>", 1024 },
        { "<apply><root/><cn>16</cn></apply>", 4 },
        { "<apply><root/><degree><cn>3</cn></degree><cn>27</cn></apply>", 3 },
        { "<apply><exp/><cn>0</cn></apply>", 1 },
        { "<apply><ln/><exponentiale/></apply>", 1 },
        { "<apply><log/><cn>1000</cn></apply>", 3 },
        { "<apply><log/><logbase><cn>2</cn></logbase><cn>8</cn></apply>", 3 },
        { "<apply><abs/><cn>-2.5</cn></apply>", 2.5 },
        { "<apply><floor/><cn>-2.5</cn></apply>", -3 },
        { "<apply><ceiling/><cn>2.1</cn></apply>", 3 },
        { "<cn type=\"e-notation\">1.5<sep/>3</cn>", 1500 },
        { "<cn type=\"rational\">1<sep/>4</cn>", 0.25 },
        { "<cn type=\"integer\"> 7 </cn>", 7 },
        { "<cn>2e-3</cn>", 0.002 },
        { "<pi/>", System.Math.PI },
        { "<true/>", 1 },
        { "<false/>", 0 },
        { "<piecewise><piece><cn>1</cn><apply><gt/><ci>k</ci><cn>5</cn></apply></piece><piece><cn>2</cn><apply><lt/><ci>k</ci><cn>5</cn></apply></piece><otherwise><cn>3</cn></otherwise></piecewise>", 2 },
        { "<piecewise><piece><cn>1</cn><false/></piece><otherwise><cn>3</cn></otherwise></piecewise>", 3 },
        { "<apply><eq/><ci>k</ci><cn>3</cn></apply>", 1 },
        { "<apply><neq/><ci>k</ci><cn>3</cn></apply>", 0 },
        { "<apply><geq/><ci>k</ci><cn>3</cn></apply>", 1 },
        { "<apply><leq/><cn>4</cn><ci>k</ci></apply>", 0 },
        { "<apply><lt/><cn>1</cn><cn>2</cn><cn>3</cn></apply>", 1 },
        { "<apply><lt/><cn>1</cn><cn>3</cn><cn>2</cn></apply>", 0 },
        { "<apply><and/><true/><apply><gt/><ci>k</ci><cn>1</cn></apply></apply>", 1 },
        { "<apply><or/><false/><false/></apply>", 0 },
        { "<apply><xor/><true/><true/><true/></apply>", 1 },
        { "<apply><xor/><true/><true/></apply>", 0 },
        { "<apply><not/><false/></apply>", 1 },
        { "<apply><ci>f</ci><ci>k</ci><cn>2</cn></apply>", 3 * 3 + 2 },
        { "<apply><ci>g</ci><cn>4</cn></apply>", 2 * (4 * 4 + 1) },
    };

    private const string Functions = $"""
        <listOfFunctionDefinitions>
          <functionDefinition id="f"><math xmlns="{MathNs}"><lambda><bvar><ci>x</ci></bvar><bvar><ci>y</ci></bvar>
            <apply><plus/><apply><times/><ci>x</ci><ci>x</ci></apply><ci>y</ci></apply></lambda></math></functionDefinition>
          <functionDefinition id="g"><math xmlns="{MathNs}"><lambda><bvar><ci>k</ci></bvar>
            <apply><times/><cn>2</cn><apply><ci>f</ci><ci>k</ci><cn>1</cn></apply></apply></lambda></math></functionDefinition>
        </listOfFunctionDefinitions>
        """;

    [Theory]
    [MemberData(nameof(MathCases))]
    public void MathML_EvaluatesLikeItsDefinition(string math, double expected) =>
        Assert.Equal(expected, Evaluate(math, Functions), 12);

    [Fact]
    public void TimeCsymbol_ReadsTime_AndLocalParametersShadowGlobals()
    {
        var model = SbmlReader.Parse(L3($"""
            <listOfSpecies>{Species("X", 10)}</listOfSpecies>
            <listOfParameters><parameter id="k" value="3" constant="true"/></listOfParameters>
            <listOfReactions><reaction id="R" reversible="false" fast="false">
              <listOfReactants><speciesReference species="X" stoichiometry="1" constant="true"/></listOfReactants>
              <kineticLaw>{Math("<apply><times/><ci>k</ci><ci>X</ci><csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\">t</csymbol></apply>")}
                <listOfLocalParameters><localParameter id="k" value="0.5"/></listOfLocalParameters></kineticLaw>
            </reaction></listOfReactions>
            """));
        var network = NetworkCompiler.Compile(model);
        Assert.True(network.TimeDependent);
        Assert.Equal(0.5 * 10 * 4, network.Propensity(0, network.InitialCounts, network.Parameters, 4));
        Assert.Equal(3, model.Parameters[model.ParameterIndex("k")].Value);
        Assert.Equal(0.5, model.Parameters[model.ParameterIndex("R.k")].Value);
    }

    [Fact]
    public void ConcentrationSpecies_MeanCountOverSize_AndCompartmentIdIsItsSize()
    {
        // C has size 2. X (hOSU=false) starts at concentration 5 = 10 molecules; in math X means 10/2.
        var model = SbmlReader.Parse(L3($"""
            <listOfSpecies><species id="X" compartment="C" initialConcentration="5" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
            <listOfReactions><reaction id="R" reversible="false" fast="false">
              <listOfReactants><speciesReference species="X" stoichiometry="2" constant="true"/></listOfReactants>
              <kineticLaw>{Math("<apply><times/><ci>C</ci><ci>X</ci></apply>")}</kineticLaw>
            </reaction></listOfReactions>
            """));
        Assert.Equal(10, model.Species[0].InitialCount);
        Assert.Equal([0, 0], model.Reactions[0].Reactants.ToArray());
        var network = NetworkCompiler.Compile(model);
        Assert.Equal(2 * (10 / 2.0), network.Propensity(0, network.InitialCounts, network.Parameters, 0));
    }

    [Fact]
    public void AssignmentRule_SetsOutput_AndBoundarySpeciesIsClamped()
    {
        var model = SbmlReader.Parse(L3($"""
            <listOfSpecies>{Species("X", 7)}{Species("Y", 0)}{Species("B", 3, boundary: true)}</listOfSpecies>
            <listOfRules><assignmentRule variable="Y">{Math("<apply><times/><cn>2</cn><ci>X</ci></apply>")}</assignmentRule></listOfRules>
            <listOfReactions><reaction id="R" reversible="false" fast="false">
              <listOfReactants><speciesReference species="B" stoichiometry="1" constant="true"/></listOfReactants>
              <listOfProducts><speciesReference species="X" stoichiometry="1" constant="true"/></listOfProducts>
              <kineticLaw>{Math("<ci>Y</ci>")}</kineticLaw>
            </reaction></listOfReactions>
            """));
        Assert.Equal(14, model.Species[1].InitialCount);
        Assert.True(model.Species[2].Clamped);
        var network = NetworkCompiler.Compile(model);
        Assert.Equal(14, network.Propensity(0, network.InitialCounts, network.Parameters, 0));
        var outputs = new double[3];
        network.Outputs(network.InitialCounts, network.Parameters, 0, outputs);
        Assert.Equal([7, 14, 3], outputs);
        var x = (double[])network.InitialCounts.Clone();
        network.Fire(0, x);
        Assert.Equal([8, 14, 3], x); // B is a boundary species: the reaction never changes it
    }

    private const string OneSpecies = "<listOfSpecies><species id=\"X\" compartment=\"C\" initialAmount=\"1\" hasOnlySubstanceUnits=\"true\" boundaryCondition=\"false\" constant=\"false\"/></listOfSpecies>";

    private static string Reaction(string attributes = "reversible=\"false\" fast=\"false\"", string reactant = "<speciesReference species=\"X\" stoichiometry=\"1\" constant=\"true\"/>", string law = "<kineticLaw><math xmlns=\"" + MathNs + "\"><ci>X</ci></math></kineticLaw>") =>
        $"<listOfReactions><reaction id=\"R1\" {attributes}><listOfReactants>{reactant}</listOfReactants>{law}</reaction></listOfReactions>";

    public static TheoryData<string, string, string> Refusals() => new()
    {
        { "has a rate rule", L3(OneSpecies + $"<listOfRules><rateRule variable=\"X\">{Math("<cn>1</cn>")}</rateRule></listOfRules>" + Reaction()), "'X'" },
        { "rate rule for 'k'", L3(OneSpecies + $"<listOfParameters><parameter id=\"k\" value=\"1\" constant=\"true\"/></listOfParameters><listOfRules><rateRule variable=\"k\">{Math("<cn>1</cn>")}</rateRule></listOfRules>"), "is constant" },
        { "algebraic rule", L3(OneSpecies + $"<listOfRules><algebraicRule>{Math("<cn>1</cn>")}</algebraicRule></listOfRules>"), "algebraic rule" },
        { "reversible", L3(OneSpecies + Reaction("reversible=\"true\" fast=\"false\"")), "R1" },
        { "fast", L3(OneSpecies + Reaction("reversible=\"false\" fast=\"true\"")), "R1" },
        { "stoichiometry 1.5", L3(OneSpecies + Reaction(reactant: "<speciesReference species=\"X\" stoichiometry=\"1.5\" constant=\"true\"/>")), "R1" },
        { "kinetic law", L3(OneSpecies + Reaction(law: "")), "R1" },
        { "delay", L3(OneSpecies + $"<listOfEvents><event id=\"E1\" useValuesFromTriggerTime=\"true\"><trigger initialValue=\"false\" persistent=\"true\">{Math("<true/>")}</trigger><delay>{Math("<cn>1</cn>")}</delay></event></listOfEvents>"), "E1" },
        { "priority", L3(OneSpecies + $"<listOfEvents><event id=\"E2\" useValuesFromTriggerTime=\"true\"><trigger initialValue=\"false\" persistent=\"true\">{Math("<true/>")}</trigger><priority>{Math("<cn>1</cn>")}</priority></event></listOfEvents>"), "E2" },
        { "delay", L3(OneSpecies + Reaction(law: $"<kineticLaw>{Math("<apply><csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/delay\">d</csymbol><ci>X</ci><cn>1</cn></apply>")}</kineticLaw>")), "R1" },
        { "factorial", L3(OneSpecies + Reaction(law: $"<kineticLaw>{Math("<apply><factorial/><ci>X</ci></apply>")}</kineticLaw>")), "R1" },
        { "constraints", L3(OneSpecies + $"<listOfConstraints><constraint>{Math("<true/>")}</constraint></listOfConstraints>"), "constraint" },
        { "required", L3(OneSpecies, " xmlns:comp=\"http://www.sbml.org/sbml/level3/version1/comp/version1\" comp:required=\"true\""), "comp" },
        { "unknown identifier", L3(OneSpecies + Reaction(law: $"<kineticLaw>{Math("<ci>nope</ci>")}</kineticLaw>")), "nope" },
        { "whole", L3("<listOfSpecies><species id=\"X\" compartment=\"C\" initialAmount=\"1.5\" hasOnlySubstanceUnits=\"true\" boundaryCondition=\"false\" constant=\"false\"/></listOfSpecies>"), "'X'" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void UnsupportedConstructs_AreRefused_WithThePlaceAndTheId(string construct, string sbml, string id)
    {
        var ex = Assert.Throws<ModelException>(() => SbmlReader.Parse(sbml, "refuse.xml"));
        var error = Assert.Single(ex.Errors);
        Assert.Contains(construct, error.Message);
        Assert.Contains(id, error.Message);
        Assert.Equal("refuse.xml", error.Position.File);
        Assert.True(error.Position.Line > 1 && error.Position.Column > 0, error.ToString());
    }

    [Fact]
    public void Dtd_AndExternalEntities_AreRefused()
    {
        string secret = Path.Combine(Path.GetTempPath(), $"sbml-secret-{Guid.NewGuid():N}.txt");
        File.WriteAllText(secret, "SECRET");
        try
        {
            string xxe = $"""
                <?xml version="1.0"?>
                <!DOCTYPE sbml [ <!ENTITY xxe SYSTEM "file://{secret}"> ]>
                <sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" level="3" version="1"><model id="&xxe;"/></sbml>
                """;
            var ex = Assert.Throws<ModelException>(() => SbmlReader.Parse(xxe, "xxe.xml"));
            Assert.Contains("DTD", ex.Message);
            Assert.DoesNotContain("SECRET", ex.Message);
            Assert.Equal(2, ex.Errors[0].Position.Line);

            string path = Path.Combine(Path.GetTempPath(), $"sbml-bomb-{Guid.NewGuid():N}.xml");
            File.WriteAllText(path, "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>\n<sbml>&lol2;</sbml>");
            try { Assert.Throws<ModelException>(() => ModelLoader.Load(path)); }
            finally { File.Delete(path); }
        }
        finally { File.Delete(secret); }
    }

    [Fact]
    public void MalformedXml_AndWrongLevel_AreModelExceptions()
    {
        var bad = Assert.Throws<ModelException>(() => SbmlReader.Parse("<sbml>\n  <model>\n</sbml>", "bad.xml"));
        Assert.Equal(3, bad.Errors[0].Position.Line);
        var level = Assert.Throws<ModelException>(() => SbmlReader.Parse("<sbml xmlns=\"http://www.sbml.org/sbml/level1\" level=\"1\" version=\"2\"><model/></sbml>", "l1.xml"));
        Assert.Contains("Level 1", level.Message);
    }

    [Fact]
    public void SeveralErrors_AreReportedTogether()
    {
        var ex = Assert.Throws<ModelException>(() => SbmlReader.Parse(L3(OneSpecies
            + $"<listOfParameters><parameter id=\"k\" value=\"1\" constant=\"true\"/></listOfParameters><listOfRules><rateRule variable=\"k\">{Math("<cn>1</cn>")}</rateRule></listOfRules>"
            + Reaction("reversible=\"true\" fast=\"false\"")), "two.xml"));
        Assert.Equal(2, ex.Errors.Count);
    }
}
