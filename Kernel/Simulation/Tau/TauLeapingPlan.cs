using Stochastic.Network;

namespace Stochastic.Simulation.Tau;

/// <summary>
/// What adaptive tau-leaping needs from a network, precomputed once: reactant factors, net
/// changes, the consumed reactants that decide criticality, and each species' highest reaction
/// order for the g_i of Cao, Gillespie &amp; Petzold (2006). Shared by the scalar simulator and the
/// batch engine; immutable.
/// </summary>
internal sealed class TauLeapingPlan
{
    /// <summary>Builds the plan, refusing reactions whose propensity is not mass action.</summary>
    /// <exception cref="SimulationException">A functional or expression rate law.</exception>
    public TauLeapingPlan(CompiledNetwork network)
    {
        Network = network;
        int nr = network.ReactionCount, ns = network.SpeciesCount;
        for (int r = 0; r < nr; r++)
        {
            if (network.Kinds[r] is PropensityKind.Functional or PropensityKind.Expression)
                throw new SimulationException(
                    $"tau-leaping supports mass-action reactions only; reaction '{network.ReactionNames[r]}' has a {(network.Kinds[r] == PropensityKind.Functional ? "functional" : "kinetic-law")} rate (use the exact SSA)");
        }

        var consumedOffsets = new int[nr + 1];
        var consumedSpecies = new List<int>();
        var consumedAmounts = new List<double>();
        HighestOrder = new int[ns];
        HighestOrderMultiplicity = new int[ns];
        for (int r = 0; r < nr; r++)
        {
            int order = 0;
            for (int k = network.ReactantOffsets[r]; k < network.ReactantOffsets[r + 1]; k++) order += network.ReactantMultiplicities[k];
            for (int k = network.ReactantOffsets[r]; k < network.ReactantOffsets[r + 1]; k++)
            {
                int s = network.ReactantSpecies[k], m = network.ReactantMultiplicities[k];
                if (order > HighestOrder[s]) { HighestOrder[s] = order; HighestOrderMultiplicity[s] = m; }
                else if (order == HighestOrder[s]) HighestOrderMultiplicity[s] = Math.Max(HighestOrderMultiplicity[s], m);
            }
            for (int k = network.ChangeOffsets[r]; k < network.ChangeOffsets[r + 1]; k++)
            {
                if (network.ChangeAmounts[k] >= 0) continue;
                consumedSpecies.Add(network.ChangeSpecies[k]);
                consumedAmounts.Add(-network.ChangeAmounts[k]);
            }
            consumedOffsets[r + 1] = consumedSpecies.Count;
        }
        ConsumedOffsets = consumedOffsets;
        ConsumedSpecies = [.. consumedSpecies];
        ConsumedAmounts = [.. consumedAmounts];
        var reactantSpecies = new List<int>();
        for (int s = 0; s < ns; s++) if (HighestOrder[s] > 0) reactantSpecies.Add(s);
        TauSpecies = [.. reactantSpecies];

        bool weighted = true;
        foreach (var f in network.OutputExpressions) weighted &= f is null;
        OutputsAreWeightedSums = weighted;
    }

    public CompiledNetwork Network { get; }
    /// <summary>Per reaction, the species it consumes and by how much (positive), CSR.</summary>
    public int[] ConsumedOffsets { get; }
    public int[] ConsumedSpecies { get; }
    public double[] ConsumedAmounts { get; }
    /// <summary>Highest order of any reaction a species is a reactant of (0: none).</summary>
    public int[] HighestOrder { get; }
    /// <summary>How many molecules of the species that highest-order reaction needs (largest if several).</summary>
    public int[] HighestOrderMultiplicity { get; }
    /// <summary>Species that are reactants somewhere: the ones that bound the leap.</summary>
    public int[] TauSpecies { get; }
    /// <summary>True when every output is a weighted sum of species (time integrals need this).</summary>
    public bool OutputsAreWeightedSums { get; }
}
