using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>The catalog of exact algorithms: tests and benchmarks enumerate it.</summary>
public static class ExactAlgorithms
{
    /// <summary>Every exact algorithm, default first.</summary>
    public static IReadOnlyList<IExactAlgorithm> All { get; } =
        [new DirectMethod(), new SortingDirectMethod(), new NextReactionMethod(), new CompositionRejection()];

    /// <summary>Finds an algorithm by <see cref="IExactAlgorithm.Name"/> (case-insensitive), or null.</summary>
    public static IExactAlgorithm? Find(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reaction count from which <see cref="Select"/> prefers the sorting direct method to the direct method.</summary>
    public const int SortingDirectFrom = 64;

    /// <summary>
    /// Reaction count from which <see cref="Select"/> prefers composition–rejection (cost per event independent of size).
    /// Measured: on egfr_net (3,749 reactions, 163 dependents per reaction) the dependency updates dominate and the sorting
    /// direct method is faster; on a 24,000-reaction network composition–rejection is ten times faster.
    /// </summary>
    public const int CompositionRejectionFrom = 8192;

    /// <summary>
    /// The default exact algorithm for <paramref name="network"/>, by size: the direct method for
    /// small networks, the sorting direct method for mid-size ones, composition–rejection from
    /// about ten thousand reactions. Thresholds are measured (docs/performance.md, "Large networks").
    /// </summary>
    public static IExactAlgorithm Select(CompiledNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        int n = network.ReactionCount;
        string name = n >= CompositionRejectionFrom ? "cr" : n >= SortingDirectFrom ? "sorting-direct" : "direct";
        return Find(name)!;
    }
}
