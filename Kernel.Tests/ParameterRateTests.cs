using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Random;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// Rate laws that read only parameters (a ligand's capture rate at the dose, say) are evaluated by the
/// slow-scale hybrid once per restart, and their propensities formed as mass action
/// (<see cref="CompiledNetwork.ParameterRateTerm"/>). That must be the propensity the rate law gives, bit for bit,
/// and must follow the parameters when a restart changes them.
/// </summary>
public class ParameterRateTests
{
    private const string Model = """
        begin model
        begin parameters
          k 0.7
          dose 3
        end parameters
        begin seed species
          A 40
          B 25
          C 0
          D 0
        end seed species
        begin observables
          Molecules Aobs A
          Molecules Dobs D
        end observables
        begin functions
          capture() = k * dose
          byA() = k * Aobs
        end functions
        begin reaction rules
          make:   0 -> A          capture()
          first:  A -> C          capture()
          second: A + B -> C      capture()
          pair:   A + A -> D      capture()
          reads:  B -> D          byA()
          plain:  D -> 0          k
        end reaction rules
        end model
        """;

    [Fact]
    public void ParameterRateTerm_GivesTheRateLawsPropensity_BitForBit()
    {
        var network = TauLeapingSimulatorTests.Compile(Model);
        var p = network.Parameters.ToArray();
        int Reaction(string name) => Array.IndexOf(network.ReactionNames, name);
        // The rate law that reads a species, and the mass-action reaction, have no parameter-rate form.
        Assert.Null(network.ParameterRateTerm(Reaction("reads")));
        Assert.Null(network.ParameterRateTerm(Reaction("plain")));
        var random = new Xoshiro256StarStar(5, 0);
        var x = new double[network.SpeciesCount];
        foreach (string name in new[] { "make", "first", "second", "pair" })
        {
            int r = Reaction(name);
            var term = network.ParameterRateTerm(r);
            Assert.NotNull(term);
            var filled = term.Value with { Rate = network.RateAt(r, x, p, 0) };
            // Integer counts and the fractional expected counts the slow-scale engine evaluates at.
            for (int i = 0; i < 1000; i++)
            {
                for (int s = 0; s < x.Length; s++) x[s] = i % 2 == 0 ? Math.Floor(random.NextDouble() * 500) : random.NextDouble() * 500;
                Assert.Equal(BitConverter.DoubleToInt64Bits(network.Propensity(r, x, p, 1.5)),
                    BitConverter.DoubleToInt64Bits(network.PropensityAtRate(in filled, r, x, 1.5)));
            }
        }
    }

    [Fact]
    public void NegativeRate_ThrowsNamingTheReaction_AsTheRateLawDoes()
    {
        var network = TauLeapingSimulatorTests.Compile(Model);
        var p = network.Parameters.ToArray();
        p[Array.IndexOf(network.ParameterNames, "dose")] = -1;
        int r = Array.IndexOf(network.ReactionNames, "first");
        var x = new double[network.SpeciesCount];
        x[0] = 3;
        var filled = network.ParameterRateTerm(r)!.Value with { Rate = network.RateAt(r, x, p, 0) };
        var expected = Assert.ThrowsAny<StochasticException>(() => network.Propensity(r, x, p, 0));
        var actual = Assert.ThrowsAny<StochasticException>(() => network.PropensityAtRate(in filled, r, x, 0));
        Assert.Equal(expected.Message, actual.Message);
    }

    [Fact]
    public void SlowScaleSimulator_TakesTheNewRate_WhenAResumeChangesTheParameters()
    {
        // Only immigration at k·dose and the decays: started at dose 0 nothing is made; resumed at dose 3, A
        // must be made at 2.1 per unit time. A rate kept from the first parameters would make nothing.
        var reduced = SlowScaleReduction.Reduce(BnglReader.Parse(Model, "test.bngl"));
        var sim = new SlowScaleSimulator(reduced);
        var network = reduced.Network;
        int dose = Array.IndexOf(network.ParameterNames, "dose");
        var parameters = network.Parameters.ToArray();
        parameters[dose] = 0;
        var empty = new double[network.SpeciesCount];
        sim.Resume(empty, parameters, new Xoshiro256StarStar(9, 0), 0);
        sim.Advance(10);
        Assert.All(sim.State.ToArray(), n => Assert.Equal(0, n));
        parameters[dose] = 3;
        sim.Resume(empty, parameters, new Xoshiro256StarStar(9, 1), 10);
        sim.Advance(20);
        // Made in 10 time units ~ Poisson(21), so at least one molecule appeared with probability 1 − e⁻²¹.
        Assert.True(sim.State.ToArray().Sum() > 0, "nothing made after the dose was raised");
    }
}
