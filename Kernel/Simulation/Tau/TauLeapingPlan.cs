using Stochastic.Expressions;
using Stochastic.Network;

namespace Stochastic.Simulation.Tau;

/// <summary>
/// What adaptive tau-leaping needs from a network, precomputed once: reactant factors, net
/// changes, the consumed reactants that decide criticality, the reactions whose propensity goes
/// through a compiled rate function, and each bounded species' order for the g_i of Cao,
/// Gillespie &amp; Petzold (2006). Shared by the scalar simulator and the batch engine; immutable.
/// </summary>
/// <remarks>
/// Function rates (BioNetGen functional rates, SBML kinetic laws) generalize the step selection of
/// Cao et al. (2006), which bounds the relative change of every reactant species so that every
/// mass-action propensity changes by at most about ε·a_j. A rate function may read species that are
/// not reactants of its reaction (a Hill term in another species, say); their change moves the
/// propensity too, so every species read by any rate function is bounded as well. For such a species
/// that is not a reactant anywhere, g_i = 1 (the propensity's relative change is taken as at most the
/// species' relative change, exact for a linear dependence and an over-estimate for saturating ones
/// such as Hill functions with n ≤ 1; steeper functions are covered by choosing a smaller ε); a species
/// that is also a reactant keeps its highest-order g_i. A time-dependent rate is held at its value at
/// the start of each leap.
/// </remarks>
internal sealed class TauLeapingPlan
{
    /// <summary>Builds the plan.</summary>
    public TauLeapingPlan(CompiledNetwork network)
    {
        Network = network;
        int nr = network.ReactionCount, ns = network.SpeciesCount;
        var functionReactions = new List<int>();
        var functionRead = new bool[ns];
        for (int r = 0; r < nr; r++)
        {
            if (network.Kinds[r] is not (PropensityKind.Functional or PropensityKind.Expression)) continue;
            functionReactions.Add(r);
            foreach (var symbol in ExpressionEvaluator.Symbols(network.RateExpressions[r]))
                if (symbol.Kind == SymbolKind.Species) functionRead[symbol.Index] = true;
        }
        FunctionReactions = [.. functionReactions];

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
        for (int s = 0; s < ns; s++)
        {
            // A species only read by a rate function: g = 1 (see remarks).
            if (HighestOrder[s] == 0 && functionRead[s]) { HighestOrder[s] = 1; HighestOrderMultiplicity[s] = 1; }
            if (HighestOrder[s] > 0) reactantSpecies.Add(s);
        }
        TauSpecies = [.. reactantSpecies];

        // The net changes again, species by species, each species' entries in reaction order.
        var bySpecies = new List<(int Reaction, double Amount)>[ns];
        for (int i = 0; i < ns; i++) bySpecies[i] = [];
        for (int r = 0; r < nr; r++)
            for (int k = network.ChangeOffsets[r]; k < network.ChangeOffsets[r + 1]; k++)
                bySpecies[network.ChangeSpecies[k]].Add((r, network.ChangeAmounts[k]));
        ChangedOffsets = new int[ns + 1];
        for (int i = 0; i < ns; i++) ChangedOffsets[i + 1] = ChangedOffsets[i] + bySpecies[i].Count;
        ChangedBy = [.. bySpecies.SelectMany(list => list.Select(e => e.Reaction))];
        ChangedAmounts = [.. bySpecies.SelectMany(list => list.Select(e => e.Amount))];

        bool weighted = true;
        foreach (var f in network.OutputExpressions) weighted &= f is null;
        OutputsAreWeightedSums = weighted;
    }

    public CompiledNetwork Network { get; }
    /// <summary>Per reaction, the species it consumes and by how much (positive), CSR.</summary>
    public int[] ConsumedOffsets { get; }
    public int[] ConsumedSpecies { get; }
    public double[] ConsumedAmounts { get; }
    /// <summary>
    /// The net changes by species, CSR over species: species s is changed by reaction
    /// <c>ChangedBy[k]</c> by <c>ChangedAmounts[k]</c> for k in [ChangedOffsets[s], ChangedOffsets[s+1]),
    /// in reaction order. Sums over a species' changes taken in this order add the same terms in the
    /// same order as a pass over the reactions' changes, so they round the same.
    /// </summary>
    public int[] ChangedOffsets { get; }
    public int[] ChangedBy { get; }
    public double[] ChangedAmounts { get; }
    /// <summary>Reactions whose propensity goes through <see cref="CompiledNetwork.RateFunctions"/> (functional and expression kinds).</summary>
    public int[] FunctionReactions { get; }
    /// <summary>Order for g_i: highest order of any reaction a species is a reactant of; 1 for a species only read by a rate function; 0: neither.</summary>
    public int[] HighestOrder { get; }
    /// <summary>How many molecules of the species that highest-order reaction needs (largest if several).</summary>
    public int[] HighestOrderMultiplicity { get; }
    /// <summary>Species that are reactants somewhere or read by a rate function: the ones that bound the leap.</summary>
    public int[] TauSpecies { get; }
    /// <summary>True when every output is a weighted sum of species (time integrals need this).</summary>
    public bool OutputsAreWeightedSums { get; }
}
