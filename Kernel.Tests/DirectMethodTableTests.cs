using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Simulation.Exact;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The direct method's branch-free loop for order ≤ 2 mass action (<see cref="MassActionTable"/>) is
/// only a speed-up: it must fire the same trajectory, bit for bit, as the general loop it replaces.
/// </summary>
public class DirectMethodTableTests
{
    private static CompiledNetwork Example(string name) =>
        NetworkCompiler.Compile(ModelLoader.Load(Path.Combine(AppContext.BaseDirectory, "Reactions", "examples", name)));

    // Every kind the table covers: constant (immigration), unimolecular, bimolecular, homodimer.
    [Theory]
    [InlineData("dimerization-decay.bngl", 2.0)]
    [InlineData("il2-toy.bngl", 20.0)]
    [InlineData("immigration-death.bngl", 500.0)]
    [InlineData("birth-death.bngl", 20.0)]
    public void TableLoopFiresTheGeneralLoopsTrajectory(string model, double end)
    {
        var network = Example(model);
        Assert.NotNull(MassActionTable.TryCreate(network));
        var fast = new DirectMethod().CreateSimulator(network);
        var general = new DirectMethod(massActionTable: false).CreateSimulator(network);
        for (ulong run = 0; run < 5; run++)
        {
            fast.Reset(7, run);
            general.Reset(7, run);
            // Uneven horizons and an event budget, so the loop's pending firing and early exits are crossed too.
            foreach (double t in new[] { end * 0.013, end * 0.31, end * 0.5, end })
            {
                Assert.Equal(general.Advance(t, 997), fast.Advance(t, 997));
                Assert.Equal(general.Advance(t), fast.Advance(t));
                Assert.Equal(general.State, fast.State);
                Assert.Equal(general.Time, fast.Time);
                Assert.Equal(general.NextFiringTime(), fast.NextFiringTime());
                Assert.Equal(general.RandomStream, fast.RandomStream);
            }
            Assert.True(fast.Events > 100, $"{model}: too few firings ({fast.Events}) for the comparison to mean anything");
        }
    }

    [Fact]
    public void NetworksWithOtherKindsKeepTheGeneralLoop()
    {
        // A functional rate (the IL-2 model's) and a third-order reaction (Schlögl's) have no table.
        Assert.Null(MassActionTable.TryCreate(Example("schlogl.bngl")));
        var il2 = NetworkCompiler.Compile(ModelLoader.Load(Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "il2.bngl")));
        Assert.Null(MassActionTable.TryCreate(il2));
        Assert.NotNull(MassActionTable.TryCreate(Example("il2-toy.bngl")));
    }
}
