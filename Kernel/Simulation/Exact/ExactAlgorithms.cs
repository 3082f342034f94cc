using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>The catalog of exact algorithms: tests and benchmarks enumerate it.</summary>
public static class ExactAlgorithms
{
    /// <summary>Every exact algorithm, default first.</summary>
    public static IReadOnlyList<IExactAlgorithm> All { get; } =
        [new DirectMethod(), new SortingDirectMethod(), new NextReactionMethod(), new CompositionRejection(), new RejectionCompositionSsa(),
         new SortingPartialPropensityDirectMethod()];

    /// <summary>Finds an algorithm by <see cref="IExactAlgorithm.Name"/> (case-insensitive), or null.</summary>
    public static IExactAlgorithm? Find(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Throws when <paramref name="algorithm"/> cannot simulate <paramref name="network"/> (<see cref="IExactAlgorithm.Refusal"/>).</summary>
    /// <exception cref="SimulationException">The algorithm refuses the network; the message says why and what to use instead.</exception>
    public static void ThrowIfRefused(IExactAlgorithm algorithm, CompiledNetwork network)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        ArgumentNullException.ThrowIfNull(network);
        if (algorithm.Refusal(network) is { } why)
            throw new SimulationException($"method '{algorithm.Name}' cannot simulate model '{network.ModelName}': {why}; use --method ssa or another exact algorithm");
    }

    /// <summary>Reaction count from which <see cref="Select"/> prefers the sorting direct method to the direct method.</summary>
    public const int SortingDirectFrom = 64;

    /// <summary>
    /// Reaction count from which <see cref="Select"/> prefers composition–rejection (cost per event independent of size).
    /// Measured: on egfr_net (3,749 reactions, 163 dependents per reaction) the dependency updates dominate and the sorting
    /// direct method is faster; on a 24,000-reaction network composition–rejection is ten times faster.
    /// </summary>
    public const int CompositionRejectionFrom = 8192;

    /// <summary>
    /// Reaction count from which <see cref="Select"/> prefers RSSA-CR (<see cref="RejectionCompositionSsa"/>) when
    /// nearly every rate is mass-action. Measured (docs/performance.md): 2–3× the sorting direct method on multisite2
    /// (288 reactions), 5× on egfr_net (3,749), 2–3× composition–rejection on a 24,000-reaction network; slower than the
    /// direct method on multistate (18 reactions).
    /// </summary>
    public const int RejectionFrom = 256;

    /// <summary>
    /// Share of the reactions one species must be a reactant of for <see cref="Select"/> to prefer the sorting
    /// partial-propensity direct method (<see cref="SortingPartialPropensityDirectMethod"/>) to RSSA-CR, from
    /// <see cref="RejectionFrom"/> reactions. Measured (docs/performance.md, "Partial propensities"): on the
    /// multisite networks, where the kinase and the phosphatase are each a reactant of 1/6 of the reactions,
    /// SPDM is 1.2–1.3× RSSA-CR with 3 sites (288 reactions) and 2–2.5× with 4 and 5 (1,536 and 7,680); on
    /// egfr_net (largest share 0.070) it is 0.7×, and on fceri_gamma2 (0.062) equal. 0.1 lies between.
    /// </summary>
    public const double HubShare = 0.1;

    /// <summary>
    /// The default exact algorithm for <paramref name="network"/>, by size: the direct method for
    /// small networks, the sorting direct method for mid-size ones; from a few hundred reactions SPDM when
    /// every reaction is mass action of order ≤ 2 without time dependence and some hub species is a reactant
    /// of at least <see cref="HubShare"/> of them, else RSSA-CR when at most a tenth of the rates are
    /// functional or expression rates (those get no bounds and are recomputed on every firing that changes
    /// them), otherwise composition–rejection from about ten thousand reactions. Thresholds are measured
    /// (docs/performance.md, "Large networks" and "Partial propensities").
    /// </summary>
    public static IExactAlgorithm Select(CompiledNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        int n = network.ReactionCount;
        string name = n >= RejectionFrom && HasHub(network) && Find("spdm")!.Refusal(network) is null ? "spdm"
            : n >= RejectionFrom && MostlyMassAction(network) ? "rssa-cr"
            : n >= CompositionRejectionFrom ? "cr"
            : n >= SortingDirectFrom ? "sorting-direct"
            : "direct";
        return Find(name)!;
    }

    // Whether some species is a reactant of at least HubShare of the reactions.
    private static bool HasHub(CompiledNetwork network)
    {
        var reactantOf = new int[network.SpeciesCount];
        for (int k = 0; k < network.ReactantSpecies.Length; k++) reactantOf[network.ReactantSpecies[k]]++;
        return network.SpeciesCount > 0 && reactantOf.Max() >= HubShare * network.ReactionCount;
    }

    private static bool MostlyMassAction(CompiledNetwork network)
    {
        int other = 0;
        foreach (var kind in network.Kinds) if (kind is PropensityKind.Functional or PropensityKind.Expression) other++;
        return other * 10 <= network.ReactionCount;
    }
}
