using System.Runtime.CompilerServices;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The direct method's reaction selection (Gillespie 1977): a running sum over the propensities
/// until it passes the target, and the total it is drawn against. Shared by <see cref="DirectMethod"/>
/// and the slow-scale simulator.
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
}
