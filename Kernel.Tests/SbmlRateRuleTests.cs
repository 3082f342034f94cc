using Stochastic.Formats;
using Stochastic.Methods;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Ode;
using Stochastic.Expressions;
using Xunit;
using static Stochastic.Tests.SbmlTestModels;

namespace Stochastic.Tests;

/// <summary>
/// SBML rate rules as continuous variables: on parameters, species (concentration semantics) and
/// compartments; integrated by <c>--method ode</c> with the reactions; run by the exact methods
/// (ContinuousCouplingTests holds their statistical criteria) and refused by the others; the range
/// stepper for thinning; and a curated BioModels model that uses them (no reactions, and an event on a
/// continuous variable: ode only).
/// </summary>
/// <remarks>
/// Tolerances are those of <see cref="OdeMethodTests"/>: 1e-6 relative (100 × the default rtol) plus
/// 1e-6 absolute, for solutions known in closed form.
/// </remarks>
public class SbmlRateRuleTests
{
    private static string BioModel => Path.Combine(AppContext.BaseDirectory, "Data", "biomodels", "BIOMD0000000127.xml");

    private static void Close(double expected, double actual, string what) =>
        Assert.True(System.Math.Abs(actual - expected) <= 1e-6 * System.Math.Abs(expected) + 1e-6, $"{what}: expected {expected:R}, got {actual:R}");

    private static EnsembleResult Ode(ReactionModel model, TimeGrid grid, OdeTolerances? tolerances = null) =>
        MethodCatalog.Ode.RunEnsemble(model, NetworkCompiler.Compile(model), new EnsembleOptions(1, 1, grid),
            MethodSettings.Default with { Ode = tolerances ?? OdeTolerances.Default });

    private static int Output(EnsembleResult result, string name) => result.OutputNames.ToList().IndexOf(name);

    // A drug at concentration D (species, hasOnlySubstanceUnits=false, in C of size 2) cleared at k by a
    // rate rule, driving production of P (a count) at kp·D: D(t) = 10·e^(−kt), P(t) = kp·10·(1 − e^(−kt))/k.
    private static readonly string Drug = L3($"""
        <listOfSpecies>
          <species id="D" compartment="C" initialConcentration="10" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/>
          {Species("P", 0)}
        </listOfSpecies>
        <listOfParameters><parameter id="k" value="0.5" constant="true"/><parameter id="kp" value="3" constant="true"/></listOfParameters>
        <listOfRules><rateRule variable="D">{Math("<apply><times/><apply><minus/><ci>k</ci></apply><ci>D</ci></apply>")}</rateRule></listOfRules>
        <listOfReactions><reaction id="make" reversible="false">
          <listOfProducts><speciesReference species="P" stoichiometry="1" constant="true"/></listOfProducts>
          <kineticLaw>{Math("<apply><times/><ci>kp</ci><ci>D</ci></apply>")}</kineticLaw>
        </reaction></listOfReactions>
        """);

    [Fact]
    public void SpeciesRateRule_IsAContinuousVariable_InConcentration_CoupledToTheReactions()
    {
        var model = SbmlReader.Parse(Drug, "drug.xml");
        var rule = Assert.Single(model.RateRules);
        Assert.Equal("D", rule.Target.Name);
        Assert.Equal(SymbolKind.Parameter, rule.Target.Kind);
        Assert.Equal(10, model.Parameters[rule.Target.Index].Value); // the concentration, as written
        Assert.True(model.Species[model.SpeciesIndex("D")].Clamped);
        Assert.Equal(20, model.Species[model.SpeciesIndex("D")].InitialCount); // its amount: 10 × size 2

        var result = Ode(model, new TimeGrid(0, 4, 9));
        for (int i = 0; i < result.Grid.Points; i++)
        {
            double t = result.Grid[i];
            Close(20 * System.Math.Exp(-0.5 * t), result.Mean(i, Output(result, "D")), $"amount of D({t})");
            Close(3 * 10 * (1 - System.Math.Exp(-0.5 * t)) / 0.5, result.Mean(i, Output(result, "P")), $"P({t})");
        }
    }

    [Fact]
    public void CompartmentRateRule_DilutesItsSpecies()
    {
        // V grows linearly (dV/dt = g); X = 100 molecules read as a concentration X/V drives 0 → P at k·X/V:
        // P(t) = k·100/g · ln(1 + g·t/V0).
        var model = SbmlReader.Parse($"""
            <?xml version="1.0" encoding="UTF-8"?>
            <sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" level="3" version="1">
              <model id="growth">
                <listOfCompartments><compartment id="V" size="1" spatialDimensions="3" constant="false"/></listOfCompartments>
                <listOfSpecies>
                  <species id="X" compartment="V" initialAmount="100" hasOnlySubstanceUnits="false" boundaryCondition="true" constant="false"/>
                  <species id="P" compartment="V" initialAmount="0" hasOnlySubstanceUnits="true" boundaryCondition="false" constant="false"/>
                </listOfSpecies>
                <listOfParameters><parameter id="g" value="0.5" constant="true"/><parameter id="k" value="0.1" constant="true"/></listOfParameters>
                <listOfRules><rateRule variable="V">{Math("<ci>g</ci>")}</rateRule></listOfRules>
                <listOfReactions><reaction id="make" reversible="false">
                  <listOfProducts><speciesReference species="P" stoichiometry="1" constant="true"/></listOfProducts>
                  <kineticLaw>{Math("<apply><times/><ci>k</ci><ci>X</ci></apply>")}</kineticLaw>
                </reaction></listOfReactions>
              </model>
            </sbml>
            """, "growth.xml");
        var result = Ode(model, new TimeGrid(0, 10, 11));
        for (int i = 0; i < result.Grid.Points; i++)
        {
            double t = result.Grid[i];
            Close(1 + 0.5 * t, result.Mean(i, Output(result, "V")), $"V({t})");
            Close(0.1 * 100 / 0.5 * System.Math.Log(1 + 0.5 * t), result.Mean(i, Output(result, "P")), $"P({t})");
        }
    }

    [Fact]
    public void InexactMethods_RefuseRateRules_NamingTheRule_AndPointingToExactAndOde()
    {
        var model = SbmlReader.Parse(Drug, "drug.xml");
        var network = NetworkCompiler.Compile(model);
        Assert.True(network.HasRateRules);
        foreach (var method in MethodCatalog.All.Where(m => !m.IsDeterministic && !m.IsExact))
        {
            var ex = Assert.Throws<ModelException>(() => method.RunEnsemble(model, network, new EnsembleOptions(2, 1, new TimeGrid(0, 1, 2)), MethodSettings.Default));
            Assert.Contains("rate rule for 'D'", ex.Message);
            Assert.Contains("--method ssa", ex.Message);
            Assert.Contains("--method ode", ex.Message);
            Assert.Equal("drug.xml", ex.Errors[0].Position.File);
            Assert.True(ex.Errors[0].Position.Line > 1, method.Name);
            if (method.SimulatesCells)
                Assert.Contains("population cells", Assert.Throws<ModelException>(() => method.CreateCellEngine(model, network, MethodSettings.Default)).Message);
        }
    }

    [Fact]
    public void ExactMethods_RunRateRules_ButPopulationCellsRefuseThem()
    {
        // P is made at kp·D(t) with D(t) = 10·e^(−kt): Poisson with mean Λ(t) = kp·10·(1 − e^(−kt))/k. With
        // n = 2,000 runs the mean at t = 4 is within 4 standard errors √(Λ/n) (a check that every exact
        // method runs the model; ContinuousCouplingTests holds the full criteria).
        var model = SbmlReader.Parse(Drug, "drug.xml");
        var network = NetworkCompiler.Compile(model);
        double lambda = 3 * 10 * (1 - System.Math.Exp(-0.5 * 4)) / 0.5;
        foreach (var method in MethodCatalog.All.Where(m => m.IsExact))
        {
            var options = new EnsembleOptions(2_000, 5, new TimeGrid(0, 4, 3));
            // spdm takes mass action with constant rates only: it refuses the model before any run.
            if (Tests.Helpers.Refusals.Refuses(method.Name, network, () => method.RunEnsemble(model, network, options, MethodSettings.Default))) continue;
            var result = method.RunEnsemble(model, network, options, MethodSettings.Default);
            double mean = result.Mean(2, Output(result, "P"));
            Assert.True(System.Math.Abs(mean - lambda) < 4 * System.Math.Sqrt(lambda / 2_000), $"{method.Name}: mean P(4) = {mean}, expected {lambda}");
            Close(20 * System.Math.Exp(-0.5 * 4), result.Mean(2, Output(result, "D")), $"{method.Name}: amount of D(4)");
            var ex = Assert.Throws<ModelException>(() => method.CreateCellEngine(model, network, MethodSettings.Default));
            Assert.Contains("rate rule for 'D'", ex.Message);
            Assert.Contains("population cells", ex.Message);
        }
    }

    [Fact]
    public void ExactMethods_RefuseATriggerThatReadsAContinuousVariable()
    {
        // Izhikevich's model (BIOMD0000000127) resets v when v crosses 30: between firings (it has no
        // reactions) nothing would see the crossing, so the exact methods refuse it and point to ode.
        var model = SbmlReader.Read(BioModel);
        var network = NetworkCompiler.Compile(model);
        foreach (var method in MethodCatalog.All.Where(m => m.IsExact))
        {
            var ex = Assert.Throws<ModelException>(() => method.RunEnsemble(model, network, new EnsembleOptions(2, 1, new TimeGrid(0, 1, 2)), MethodSettings.Default));
            Assert.Contains("continuous variable 'v'", ex.Message);
            Assert.Contains("--method ode", ex.Message);
        }
    }

    [Fact]
    public void BothRuleKinds_OnOneVariable_AreRefused()
    {
        var ex = Assert.Throws<ModelException>(() => SbmlReader.Parse(L3($"""
            <listOfParameters><parameter id="p" value="1" constant="false"/></listOfParameters>
            <listOfRules>
              <assignmentRule variable="p">{Math("<cn>2</cn>")}</assignmentRule>
              <rateRule variable="p">{Math("<cn>1</cn>")}</rateRule>
            </listOfRules>
            """), "both.xml"));
        Assert.Contains("both an assignment rule and a rate rule", ex.Message);
    }

    [Fact]
    public void ContinuousVariables_AdvanceWithCountsFixed_AndBoundTheirRange()
    {
        // X' = cos(t)·n with n = 2 molecules held fixed: X(t) = 2·sin(t); over [0, 3] it peaks at 2 (t = π/2),
        // between the window's ends, so the range must come from inside the steps.
        var model = SbmlReader.Parse(L3($"""
            <listOfSpecies>{Species("n", 2, boundary: true)}</listOfSpecies>
            <listOfParameters><parameter id="X" value="0" constant="false"/></listOfParameters>
            <listOfRules><rateRule variable="X">{Math("<apply><times/><apply><cos/><csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\">t</csymbol></apply><ci>n</ci></apply>")}</rateRule></listOfRules>
            """), "sine.xml");
        var network = NetworkCompiler.Compile(model);
        using var continuous = new ContinuousVariables(network);
        Assert.Equal([model.ParameterIndex("X")], continuous.Parameters.ToArray());
        var parameters = (double[])network.Parameters.Clone();
        double[] min = new double[1], max = new double[1];
        continuous.Advance(network.InitialCounts, parameters, 0, 3, min, max);
        Close(2 * System.Math.Sin(3), parameters[model.ParameterIndex("X")], "X(3)");
        // The bounds hold the true range [0, 2] and overestimate it by little: the piecewise-quadratic
        // bound adds ≈ 2e-5 at the peak (pieces of a fifth of a step), the margin RangeMargin × (rtol·2 + atol) ≈ 2e-7.
        Assert.InRange(max[0], 2, 2 + 1e-4);
        Assert.InRange(min[0], -1e-4, 0);
        // Dense output inside the window (what thinning reads at a candidate's time): within the same
        // 1e-6 of 2·sin(t), at the ends exactly the values the window started and ended with.
        var at = (double[])network.Parameters.Clone();
        int x = model.ParameterIndex("X");
        for (int i = 0; i <= 300; i++)
        {
            double t = 3.0 * i / 300;
            continuous.ValueAt(t, at);
            Close(2 * System.Math.Sin(t), at[x], $"X({t})");
        }
        continuous.ValueAt(3, at);
        Assert.Equal(parameters[x], at[x]);
        Assert.Throws<ArgumentOutOfRangeException>(() => continuous.ValueAt(3.5, at));
    }

    [Fact]
    public void BioModel127_Loads_WithItsTwoRateRules()
    {
        var model = SbmlReader.Read(BioModel);
        Assert.Equal(["v", "U"], model.RateRules.Select(r => r.Target.Name));
        Assert.Equal(2, model.Events.Length);
        Assert.DoesNotContain(ModelDiagnostics.Check(model), w => w.Message.Contains("'a'") || w.Message.Contains("'b'"));
        var network = NetworkCompiler.Compile(model);
        Assert.Equal(["v", "U"], network.OutputNames);
    }

    [Fact]
    public void BioModel127_Ode_RestsThenSpikesWithAdaptation_AsPublished()
    {
        // Izhikevich 2003, Fig. 2 (RS): at rest until the stimulus (v = −70, U = bv = −14 is an equilibrium
        // for i = 0, exactly), then regular spiking whose interspike intervals lengthen (adaptation):
        // every spike resets v to c = −65 and raises U by d = 8.
        var model = SbmlReader.Read(BioModel);
        var result = Ode(model, new TimeGrid(0, 300, 3001));
        int v = Output(result, "v"), u = Output(result, "U");
        var spikes = new List<double>();
        for (int i = 0; i < result.Grid.Points; i++)
        {
            if (result.Grid[i] <= 10) Assert.Equal(-70, result.Mean(i, v));
            Assert.True(result.Mean(i, v) <= 30 + 1e-6, $"v({result.Grid[i]}) = {result.Mean(i, v)} above the threshold");
            if (i > 0 && result.Mean(i, u) - result.Mean(i - 1, u) > 4) spikes.Add(result.Grid[i]);
        }
        Assert.True(spikes.Count >= 4, $"{spikes.Count} spikes");
        double first = spikes[1] - spikes[0], last = spikes[^1] - spikes[^2];
        Assert.True(last > first, $"interspike intervals {first} then {last}: no adaptation");

        // Against CVODE at rtol 1e-11: the spike times agree to about 1e-4 ms (the default rtol 1e-8 over
        // 300 ms, spikes located to 1e-12 relative). On the upstroke (v up to 300 mV/ms) that is up to
        // ~0.03 mV, so v is compared below −40 mV (slopes up to ~20 mV/ms: 2e-3 mV) to 1e-2 mV, and U
        // (slow, jumps only at spikes) everywhere to 1e-3.
        var reference = Ode(model, new TimeGrid(0, 300, 3001), new OdeTolerances(1e-11, 1e-12));
        for (int i = 0; i < result.Grid.Points; i++)
        {
            Assert.True(System.Math.Abs(result.Mean(i, u) - reference.Mean(i, u)) < 1e-3, $"U({result.Grid[i]}): {result.Mean(i, u)} vs {reference.Mean(i, u)}");
            if (reference.Mean(i, v) < -40)
                Assert.True(System.Math.Abs(result.Mean(i, v) - reference.Mean(i, v)) < 1e-2, $"v({result.Grid[i]}): {result.Mean(i, v)} vs {reference.Mean(i, v)}");
        }
    }

    [Fact]
    public async Task BioModel127_Check_SummarizesIt_AndSimulateOdeRunsIt()
    {
        var (code, output, error) = await CliHarness.Run("check", BioModel);
        Assert.True(code == 0, error);
        Assert.Contains("2 rate rules", output);
        Assert.Contains("v, U", output);
        Assert.DoesNotContain("'a' is never used", output);

        string csv = Path.Combine(Directory.CreateTempSubdirectory("stochastic-ode-").FullName, "izh.csv");
        (code, _, error) = await CliHarness.Run("simulate", BioModel, "--method", "ode", "--t-end", "100", "--points", "11", "--out", csv);
        Assert.True(code == 0, error);
        var lines = File.ReadAllLines(csv);
        Assert.StartsWith("time,v-mean,U-mean", lines[0]);
        Assert.Equal(12, lines.Length);

        (code, _, error) = await CliHarness.Run("simulate", BioModel, "--method", "ssa", "--t-end", "100", "--out", csv);
        Assert.NotEqual(0, code);
        Assert.Contains("continuous variable 'v'", error);
        Assert.Contains("--method ode", error);
        Assert.DoesNotContain("   at ", error); // one readable line, no stack trace
    }
}
