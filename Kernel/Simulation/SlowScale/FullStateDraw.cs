using Stochastic.Random;
using Stochastic.Transforms;

namespace Stochastic.Simulation.SlowScale;

/// <summary>
/// A draw of the full state from the slow-scale approximation's own law given the slow state: the
/// members of each group are multinomial over its total with the equilibrium shares (the expected full
/// state x̄ over the total), at the reservoirs' free counts of the fixed point. Groups without a home
/// reservoir are drawn first; then each reservoir's home group gets its total less what the groups
/// drawn before it bind of it; a reservoir that is no group's member is its total less what every
/// group holds of it. Slow species are copied. Every count is whole and every total is conserved.
/// </summary>
/// <remarks>
/// The engines record observables on such a draw, not on x̄: an observable that reads some members of a
/// group (IL-2's active receptors read the signalling complexes, not the free receptors) then has the
/// law of the full model's observable given the slow state, noise of the fast group included, which a
/// distribution test against exact SSA compares (with a few copies, x̄ itself is 0.1–1.7 where exact
/// SSA records 0, 1, 2…). The draws come from a stream of their own (<see cref="Stream"/>), so the
/// slow trajectory does not depend on them.
/// </remarks>
internal sealed class FullStateDraw
{
    private readonly ReducedNetwork _reduced;
    private readonly FastGroup[] _order; // groups without a home first, then home groups, each after the groups that bind its reservoir
    private readonly int[] _reservoirs; // reservoirs that are no group's member
    private readonly double[] _held; // per full species: molecules of it (as a reservoir) the groups drawn so far hold

    /// <summary>Stream salt: the draws' Xoshiro256** stream is (seed ⊕ salt, the cell's stream index).</summary>
    private const ulong Salt = 0x6A09E667F3BCC909UL;

    /// <summary>A draw for <paramref name="reduced"/>.</summary>
    public FullStateDraw(ReducedNetwork reduced)
    {
        _reduced = reduced;
        var groups = reduced.Groups;
        var order = groups.Where(g => g.Home < 0).ToList();
        var homes = groups.Where(g => g.Home >= 0).ToList();
        // A home group of G waits for every group binding G (a home group binding another reservoir comes first).
        while (homes.Count > 0)
        {
            int next = homes.FindIndex(h => !homes.Any(o => o != h && o.Reservoirs.Contains(h.Home)));
            if (next < 0) next = 0; // a cycle of home groups binding each other's reservoirs: drawn in order
            order.Add(homes[next]);
            homes.RemoveAt(next);
        }
        _order = [.. order];
        var members = groups.SelectMany(g => g.Members).ToHashSet();
        _reservoirs = [.. groups.SelectMany(g => g.Reservoirs).Distinct().Where(r => !members.Contains(r))];
        _held = new double[reduced.Full.SpeciesCount];
    }

    /// <summary>The draws' own stream for a cell of stream (<paramref name="seed"/>, <paramref name="streamIndex"/>).</summary>
    public static Xoshiro256StarStar Stream(ulong seed, ulong streamIndex) => new(seed ^ Salt, streamIndex);

    /// <summary>
    /// Draws the full state into <paramref name="full"/> given the reduced state <paramref name="reduced"/>
    /// and its expected full state <paramref name="expected"/> (both as the simulator keeps them).
    /// </summary>
    public void Draw(ReadOnlySpan<double> reduced, ReadOnlySpan<double> expected, Span<double> full, ref Xoshiro256StarStar random)
    {
        expected.CopyTo(full);
        if (_order.Length == 0) return;
        Array.Clear(_held);
        foreach (var g in _order)
        {
            double total = reduced[g.Total] - (g.Home >= 0 ? _held[g.Home] : 0);
            Multinomial(g, Math.Max(0, total), expected, full, ref random);
            for (int q = 0; q < g.Reservoirs.Length; q++)
                for (int i = 0; i < g.Members.Length; i++)
                    _held[g.Reservoirs[q]] += g.Content[i][q] * full[g.Members[i]];
        }
        var map = _reduced.SpeciesMap;
        foreach (int r in _reservoirs) full[r] = Math.Max(0, reduced[map[r]] - _held[r]);
    }

    // Multinomial(total, x̄_i / Σ x̄) over the group's members by sequential binomials.
    private static void Multinomial(FastGroup g, double total, ReadOnlySpan<double> expected, Span<double> full, ref Xoshiro256StarStar random)
    {
        var members = g.Members;
        double mass = 0;
        foreach (int m in members) mass += Math.Max(0, expected[m]);
        double left = Math.Round(total);
        for (int i = 0; i < members.Length; i++)
        {
            double share = Math.Max(0, expected[members[i]]);
            double k;
            if (i == members.Length - 1) k = left;
            else if (mass <= 0) k = i == 0 ? left : 0;
            else k = BinomialSampler.Sample(left, Math.Min(1, share / mass), ref random);
            full[members[i]] = k;
            left -= k;
            mass -= share;
        }
    }
}
