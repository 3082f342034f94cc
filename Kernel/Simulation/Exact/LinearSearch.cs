using System.Runtime.CompilerServices;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The direct method's reaction selection (Gillespie 1977): a running sum over the propensities
/// until it passes the target, and the total it is drawn against. Shared by <see cref="DirectMethod"/>
/// and the slow-scale simulator; <see cref="SelectInOrder"/> is the sorting direct method's search
/// (McCollum et al. 2006), shared by <see cref="SortingDirectMethod"/> and the slow-scale simulator.
/// </summary>
internal static class LinearSearch
{
    /// <summary>Σ a (re-summed now and then to clear the rounding drift of a running total).</summary>
    public static double Sum(double[] a)
    {
        double sum = 0;
        foreach (double v in a) sum += v;
        return sum;
    }

    /// <summary>The first index whose cumulative propensity exceeds <paramref name="target"/>; -1 when no propensity is positive.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Select(double[] a, double target)
    {
        int r = 0;
        double cumulative = a[0];
        while (cumulative <= target)
        {
            if (++r == a.Length) return LastPositive(a);
            cumulative += a[r];
        }
        return r;
    }

    // Reached only when rounding puts the target at the very end of the running total; -1 when
    // no propensity is positive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int LastPositive(double[] a)
    {
        for (int r = a.Length - 1; r >= 0; r--) if (a[r] > 0) return r;
        return -1;
    }

    /// <summary>The identity search order over <paramref name="n"/> reactions (search position → reaction).</summary>
    public static int[] IdentityOrder(int n)
    {
        var order = new int[n];
        ResetOrder(order);
        return order;
    }

    /// <summary>Puts <paramref name="order"/> back to the identity (a run then depends only on its seed, not on earlier runs).</summary>
    public static void ResetOrder(int[] order)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
    }

    /// <summary>
    /// The sorting direct method's selection (McCollum, Peterson, Cox, Simpson &amp; Samatova 2006,
    /// Comput. Biol. Chem. 30:39): the running sum of <paramref name="a"/> taken in the search order
    /// <paramref name="order"/> (position → reaction) until it passes <paramref name="target"/>; the
    /// reaction found then swaps places with the one before it, so that frequently firing reactions
    /// bubble to the front and the search stops early. Returns the reaction, or -1 when no propensity
    /// is positive.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SelectInOrder(double[] a, int[] order, double target)
    {
        int i = 0;
        double cumulative = a[order[0]];
        while (cumulative <= target)
        {
            if (++i == order.Length)
            {
                i = LastPositive(a, order);
                if (i < 0) return -1;
                break;
            }
            cumulative += a[order[i]];
        }
        int r = order[i];
        if (i > 0) (order[i - 1], order[i]) = (r, order[i - 1]);
        return r;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int LastPositive(double[] a, int[] order)
    {
        for (int i = order.Length - 1; i >= 0; i--) if (a[order[i]] > 0) return i;
        return -1;
    }
}
