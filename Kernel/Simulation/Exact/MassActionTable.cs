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

    private MassActionTable(Term[] terms, int one)
    {
        _terms = terms;
        One = one;
    }

    private readonly record struct Term(double Rate, int I, int J, double Shift);

    /// <summary>Index of the slot that holds 1 (the species count): the state the table reads has one more entry.</summary>
    public int One { get; }

    /// <summary>The table of <paramref name="network"/>, or null when some reaction is of another kind or depends on time.</summary>
    public static MassActionTable? TryCreate(CompiledNetwork network)
    {
        if (network.SmoothTime || network.Breakpoints.Length > 0 || network.HasRateRules) return null;
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
            if (network.Kinds[r] > PropensityKind.Homodimer) return null;
        }
        return new MassActionTable(terms, one);
    }

    /// <summary>Propensity of reaction <paramref name="r"/> in <paramref name="x"/> (the counts followed by 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Propensity(int r, double[] x)
    {
        ref readonly Term term = ref _terms[r];
        return term.Rate * x[term.I] * (x[term.J] - term.Shift);
    }
}
