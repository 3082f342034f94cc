using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Exact;
using Stochastic.Validation;
using Xunit;
using static Stochastic.Tests.SbmlTestModels;

namespace Stochastic.Tests;

/// <summary>Event timing in the exact engine, for every exact algorithm.</summary>
public class ExactTrajectorySimulatorEventTests
{
    public static TheoryData<string> Algorithms() => [.. ExactAlgorithms.All.Select(a => a.Name)];

    private static DsmtsCase Case(string id) => DsmtsCase.Load(Path.Combine(DsmtsTests.SuiteDirectory, id));

    private static EnsembleResult Run(CompiledNetwork network, string algorithm, int runs, TimeGrid grid, bool keep = false) =>
        Ensemble.Run(network, ExactAlgorithms.Find(algorithm)!, new EnsembleOptions(runs, 7, grid, KeepTrajectories: keep));

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void EventAtAnOutputTime_IsAppliedBeforeThatPointIsRecorded(string algorithm)
    {
        // DSMTS 00028: time >= 25 sets X = 50; the t = 25 row is post-event in every run.
        var c = Case("00028");
        var network = NetworkCompiler.Compile(c.LoadModel());
        if (Helpers.Refusals.Refuses(algorithm, network)) return; // an SBML kinetic law is a rate expression
        var result = Run(network, algorithm, 200, c.Grid);
        Assert.Equal(50, result.Mean(25, 0));
        Assert.Equal(0, result.StandardDeviation(25, 0));
        Assert.NotEqual(0, result.StandardDeviation(24, 0));
        Assert.NotEqual(0, result.StandardDeviation(26, 0));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void EventBetweenOutputTimes_HappensAtItsExactTime(string algorithm)
    {
        // Y is a Poisson process of rate 1; at time >= 22.5 an event copies Y into X. So at t = 23,
        // Y − X counts the arrivals in (22.5, 23]: Poisson(0.5), mean 0.5 and variance 0.5. Applying
        // the event at 22 or 23 instead would give mean 1 or 0. With n = 4000 the standard error is
        // sqrt(0.5/4000) = 0.011, so ±0.05 is a 4.5σ band, and either wrong time lies 45σ away.
        var model = SbmlReader.Parse(L3($"""
            <listOfSpecies>{Species("X", 0)}{Species("Y", 0)}</listOfSpecies>
            <listOfReactions><reaction id="Arrive" reversible="false" fast="false">
              <listOfProducts><speciesReference species="Y" stoichiometry="1" constant="true"/></listOfProducts>
              <kineticLaw>{Math("<cn>1</cn>")}</kineticLaw></reaction></listOfReactions>
            <listOfEvents><event id="copy" useValuesFromTriggerTime="true">
              <trigger initialValue="false" persistent="true">{Math("<apply><geq/><csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\">t</csymbol><cn>22.5</cn></apply>")}</trigger>
              <listOfEventAssignments><eventAssignment variable="X">{Math("<ci>Y</ci>")}</eventAssignment></listOfEventAssignments>
            </event></listOfEvents>
            """), "copy.xml");
        var network = NetworkCompiler.Compile(model);
        if (Helpers.Refusals.Refuses(algorithm, network)) return;
        const int runs = 4000;
        var result = Run(network, algorithm, runs, new TimeGrid(0, 25, 26), keep: true);
        double sum = 0;
        for (int r = 0; r < runs; r++)
        {
            var x = result.Trajectory(r);
            Assert.Equal(0, x[22 * 2]); // X is still 0 at t = 22
            sum += x[23 * 2 + 1] - x[23 * 2];
        }
        Assert.InRange(sum / runs, 0.45, 0.55);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void StateEvent_FiresAgainEachTimeItsTriggerTurnsTrue(string algorithm)
    {
        // DSMTS 00033: P2 > 30 resets P = 100, P2 = 0. Without reset P2 settles near 36.5, so a
        // trigger that fired only once would leave P2 above 30 at later output times; with
        // re-firing P2 is never seen above 30, and P + 2 P2 = 100 always.
        var c = Case("00033");
        var network = NetworkCompiler.Compile(c.LoadModel());
        if (Helpers.Refusals.Refuses(algorithm, network)) return;
        const int runs = 200;
        var result = Run(network, algorithm, runs, c.Grid, keep: true);
        int resets = 0;
        for (int r = 0; r < runs; r++)
        {
            var x = result.Trajectory(r);
            for (int k = 0; k < c.Grid.Points; k++)
            {
                Assert.True(x[k * 2 + 1] <= 30, $"run {r}: P2 = {x[k * 2 + 1]} at t = {k}");
                Assert.Equal(100, x[k * 2] + 2 * x[k * 2 + 1]);
                if (k > 0 && x[k * 2 + 1] < x[(k - 1) * 2 + 1] - 10) resets++;
            }
        }
        Assert.True(resets > runs, $"only {resets} visible resets in {runs} runs");
    }

    [Fact]
    public void TriggerReadingTimeOtherwise_IsRefused()
    {
        var model = SbmlReader.Parse(L3($"""
            <listOfSpecies>{Species("X", 0)}</listOfSpecies>
            <listOfEvents><event id="wave" useValuesFromTriggerTime="true">
              <trigger initialValue="false" persistent="true">{Math("<apply><gt/><apply><sin/><csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\">t</csymbol></apply><cn>0.5</cn></apply>")}</trigger>
              <listOfEventAssignments><eventAssignment variable="X">{Math("<cn>1</cn>")}</eventAssignment></listOfEventAssignments>
            </event></listOfEvents>
            """), "wave.xml");
        // Refused when compiling (events compile with the network), so no simulator can be built from it.
        var ex = Assert.Throws<ModelException>(() => NetworkCompiler.Compile(model));
        Assert.Contains("wave", ex.Message);
    }

    [Fact]
    public void EventsFiringTogether_UseValuesFromBeforeEither_AndStrictTriggersFireJustAfter()
    {
        // At t >= 1 both events fire: a sets X = Y, b sets Y = X; values come from before both: swap.
        // c (time > 2) fires just after t = 2, so the t = 2 row is pre-event and t = 3 post-event.
        string Event(string id, string op, double at, string target, string value) => $"""
            <event id="{id}" useValuesFromTriggerTime="true"><trigger initialValue="false" persistent="true">{Math($"<apply><{op}/><csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\">t</csymbol><cn>{at}</cn></apply>")}</trigger>
              <listOfEventAssignments><eventAssignment variable="{target}">{Math(value)}</eventAssignment></listOfEventAssignments></event>
            """;
        var model = SbmlReader.Parse(L3($"""
            <listOfSpecies>{Species("X", 1)}{Species("Y", 2)}</listOfSpecies>
            <listOfEvents>{Event("a", "geq", 1, "X", "<ci>Y</ci>")}{Event("b", "geq", 1, "Y", "<ci>X</ci>")}{Event("c", "gt", 2, "X", "<cn>9</cn>")}</listOfEvents>
            """), "swap.xml");
        var result = Run(NetworkCompiler.Compile(model), ExactAlgorithms.All[0].Name, 1, new TimeGrid(0, 3, 4), keep: true);
        Assert.Equal([1, 2, 2, 1, 2, 1, 9, 1], result.Trajectory(0).ToArray());
    }
}
