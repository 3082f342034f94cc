using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Exact;

namespace Stochastic.Cli;

/// <summary>The simulation methods the command line offers, by <c>--method</c> name.</summary>
internal static class Methods
{
    /// <summary>Every name <c>--method</c> accepts, for help text and errors.</summary>
    public static IReadOnlyList<string> Names { get; } = ["ssa", .. ExactAlgorithms.All.Select(a => a.Name)];

    /// <summary>Help text of the <c>--method</c> option.</summary>
    public static string Help =>
        $"ssa (exact; the algorithm is chosen for the network's size), or one of: {string.Join(", ", ExactAlgorithms.All.Select(a => a.Name))}";

    /// <summary>
    /// Maps a method name to a factory of per-thread trajectory simulators for a compiled network.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown method.</exception>
    public static Func<CompiledNetwork, ITrajectorySimulator> Resolve(string method)
    {
        if (string.Equals(method, "ssa", StringComparison.OrdinalIgnoreCase))
            return network => new ExactTrajectorySimulator(network, ExactAlgorithms.Select(network));
        var exact = ExactAlgorithms.Find(method)
            ?? throw new ArgumentOutOfRangeException(nameof(method), $"unknown method '{method}' (expected {string.Join(", ", Names)})");
        return network => new ExactTrajectorySimulator(network, exact);
    }
}
