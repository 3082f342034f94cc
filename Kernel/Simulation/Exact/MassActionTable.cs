using System.Runtime.CompilerServices;
using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The propensities of a network whose every reaction is of order ≤ 2 mass action (constant,
/// unimolecular, bimolecular, homodimer), as one branch-free product a = c · x[i] · (x[j] − s) over
/// a state with a trailing slot that holds 1: a constant reads that slot twice, a unimolecular
/// reaction once, a homodimer reads its species twice with s = 1. The products are the ones
/// <see cref="CompiledNetwork.Propensity"/> forms (multiplying by 1 and subtracting 0 are exact),
/// so a method that uses the table fires the same trajectory bit for bit; it only saves the
/// per-reaction branch on the kind, which on small networks is a good share of a firing's cost.
/// </summary>
internal sealed class MassActionTable
{
    private readonly Term[] _terms;

    private MassActionTable(Term[] terms, int one, Span[] spans, Change[] changes, int[] dependents)
    {
        _terms = terms;
        One = one;
        Spans = spans;
        Changes = changes;
        Dependents = dependents;
    }

    private readonly record struct Term(double Rate, int I, int J, double Shift);

    /// <summary>Where a reaction's net changes and dependents lie in <see cref="Changes"/> and <see cref="Dependents"/>.</summary>
    /// <param name="ChangeStart">First net change.</param>
    /// <param name="ChangeEnd">One past the last net change.</param>
    /// <param name="DependentStart">First dependent reaction.</param>
    /// <param name="DependentEnd">One past the last dependent reaction.</param>
    public readonly record struct Span(int ChangeStart, int ChangeEnd, int DependentStart, int DependentEnd);

    /// <summary>A net change of one species when a reaction fires.</summary>
    /// <param name="Species">The species.</param>
    /// <param name="Amount">Its change.</param>
    public readonly record struct Change(int Species, double Amount);

    // The network's compressed rows, interleaved so that the firing loop holds three arrays in registers, not six.
    /// <summary>Per reaction, its rows in <see cref="Changes"/> and <see cref="Dependents"/>.</summary>
    public Span[] Spans { get; }

    /// <summary>Net changes, the network's order.</summary>
    public Change[] Changes { get; }

    /// <summary>Dependent reactions (the network's dependency graph).</summary>
    public int[] Dependents { get; }

    /// <summary>Index of the slot that holds 1 (the species count): the state the table reads has one more entry.</summary>
    public int One { get; }

    /// <summary>
    /// Why <paramref name="network"/> is not one of the networks this table (and <see cref="SortingPartialPropensityDirectMethod"/>)
    /// take, every reaction mass action of order ≤ 2 with a constant rate, as a clause for an error message; null when it is.
    /// </summary>
    public static string? NotMassAction(CompiledNetwork network)
    {
        if (network.HasRateRules) return "the model has continuous variables (rate rules)";
        if (DependsOnTime(network)) return "a rate depends on time";
        int r = FirstOfOtherKind(network);
        if (r < 0) return null;
        string what = network.Kinds[r] switch
        {
            PropensityKind.MassAction => "is of order 3 or more",
            PropensityKind.Functional => "has a functional rate",
            _ => "has a rate expression",
        };
        return $"reaction '{network.ReactionNames[r]}' {what}";
    }

    // The same test without the message (whose reaction names a large network builds only on demand).
    private static bool Takes(CompiledNetwork network) => !network.HasRateRules && !DependsOnTime(network) && FirstOfOtherKind(network) < 0;

    private static bool DependsOnTime(CompiledNetwork network) => network.TimeDependent || network.SmoothTime || network.Breakpoints.Length > 0;

    private static int FirstOfOtherKind(CompiledNetwork network)
    {
        for (int r = 0; r < network.ReactionCount; r++) if (network.Kinds[r] > PropensityKind.Homodimer) return r;
        return -1;
    }

    /// <summary>The table of <paramref name="network"/>, or null when some reaction is of another kind or depends on time (<see cref="NotMassAction"/>).</summary>
    public static MassActionTable? TryCreate(CompiledNetwork network)
    {
        if (!Takes(network)) return null;
        int one = network.SpeciesCount;
        var terms = new Term[network.ReactionCount];
        for (int r = 0; r < terms.Length; r++)
        {
            int r1 = network.Reactant1[r], r2 = network.Reactant2[r];
            double c = network.RateConstants[r];
            terms[r] = network.Kinds[r] switch
            {
                PropensityKind.Constant => new Term(c, one, one, 0),
                PropensityKind.Unimolecular => new Term(c, r1, one, 0),
                PropensityKind.Bimolecular => new Term(c, r1, r2, 0),
                PropensityKind.Homodimer => new Term(c, r1, r1, 1),
                _ => default,
            };
        }
        var spans = new Span[terms.Length];
        for (int r = 0; r < spans.Length; r++)
            spans[r] = new Span(network.ChangeOffsets[r], network.ChangeOffsets[r + 1], network.DependentOffsets[r], network.DependentOffsets[r + 1]);
        var changes = new Change[network.ChangeSpecies.Length];
        for (int k = 0; k < changes.Length; k++) changes[k] = new Change(network.ChangeSpecies[k], network.ChangeAmounts[k]);
        return new MassActionTable(terms, one, spans, changes, network.Dependents);
    }

    /// <summary>Propensity of reaction <paramref name="r"/> in <paramref name="x"/> (the counts followed by 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Propensity(int r, double[] x)
    {
        ref readonly Term term = ref _terms[r];
        return term.Rate * x[term.I] * (x[term.J] - term.Shift);
    }
}
