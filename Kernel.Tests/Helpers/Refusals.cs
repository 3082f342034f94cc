using Stochastic.Network;
using Stochastic.Simulation.Exact;
using Xunit;

namespace Stochastic.Tests.Helpers;

/// <summary>
/// The theories that run every exact algorithm of the catalog on one network: an algorithm restricted to
/// a class of networks (<c>spdm</c>: mass action of order ≤ 2 without time dependence) cannot run a model
/// with rate expressions, time or rate rules, so for it those tests check the refusal instead of the law.
/// </summary>
internal static class Refusals
{
    /// <summary>
    /// True when <paramref name="algorithm"/> refuses <paramref name="network"/> (<see cref="IExactAlgorithm.Refusal"/>),
    /// after asserting that <paramref name="run"/> (default: creating its simulator) throws a
    /// <see cref="SimulationException"/> that says why; false when the algorithm takes the network.
    /// </summary>
    public static bool Refuses(string algorithm, CompiledNetwork network, Action? run = null)
    {
        var chosen = ExactAlgorithms.Find(algorithm);
        if (chosen?.Refusal(network) is not { } why) return false;
        var error = Assert.Throws<SimulationException>(run ?? (() => chosen.CreateSimulator(network)));
        Assert.Contains(why, error.Message);
        return true;
    }
}
