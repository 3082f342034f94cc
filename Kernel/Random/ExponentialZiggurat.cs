using System.Runtime.CompilerServices;

namespace Stochastic.Random;

/// <summary>
/// Exponential variates of rate 1 by the ziggurat method (Marsaglia &amp; Tsang 2000, "The Ziggurat Method for
/// Generating Random Variables", J. Stat. Softw. 5(8)), 256 layers, from one 64-bit draw in 98.9 % of calls and
/// without a logarithm there; for the loops where <c>−ln u</c> is a measured share of the time (RSSA-CR's trials).
/// </summary>
/// <remarks>
/// The density e^(−x) is covered by 256 regions of equal area v: a base strip (the rectangle [0, r] × [0, e^(−r)]
/// and the tail beyond r) and 255 rectangles [0, x_i] × [e^(−x_i), e^(−x_(i−1))]. A draw picks a region by its low
/// 8 bits and a point x uniform in the region's width by its top 53 bits (the two are disjoint bits, unlike the
/// paper's 32-bit version, which reuses the index bits); x is returned at once when it lies left of the next
/// region's edge, where the whole rectangle is under the curve. Otherwise the wedge is tested against e^(−x) with
/// a second uniform, and the base strip's tail returns r + Exp(1) by inversion (memorylessness). Each step is
/// exact for the tables' regions; the tables follow the paper's recursion x_(i−1) = −ln(v / x_i + e^(−x_i)) from
/// x_255 = r = 7.69711747013104972 with v = 3.949659822581572·10⁻³. Not a stream any other sampler uses: a change
/// of sampler changes the trajectories of the code that takes it.
/// </remarks>
internal static class ExponentialZiggurat
{
    private const double R = 7.69711747013104972;      // right edge of the base strip's rectangle
    private const double V = 3.949659822581572e-3;     // area of each region
    private const double Scale = 1.0 / (1UL << 53);    // the 53-bit integer to [0, 1)

    private static readonly ulong[] K = new ulong[256];   // x_(i−1) / x_i · 2^53: below it, a point of region i is under the curve
    private static readonly double[] W = new double[256]; // x_i · 2^−53: region i's width per unit of the 53-bit integer
    private static readonly double[] F = new double[256]; // e^(−x_i)

    static ExponentialZiggurat()
    {
        double x = R, q = V / Math.Exp(-R); // q: width of the base region's rectangle of area v
        K[0] = (ulong)(R / q * (1UL << 53));
        K[1] = 0;
        W[0] = q * Scale;
        W[255] = R * Scale;
        F[0] = 1;
        F[255] = Math.Exp(-R);
        for (int i = 254; i >= 1; i--)
        {
            double next = -Math.Log(V / x + Math.Exp(-x));
            K[i + 1] = (ulong)(next / x * (1UL << 53));
            x = next;
            F[i] = Math.Exp(-x);
            W[i] = x * Scale;
        }
    }

    /// <summary>The next Exp(1) variate from <paramref name="random"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Next(ref Xoshiro256StarStar random)
    {
        ulong bits = random.NextUInt64();
        int i = (int)(bits & 0xFF);
        ulong u = bits >> 11;
        if (u < K[i]) return u * W[i];
        return Slow(ref random, i, u);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Slow(ref Xoshiro256StarStar random, int i, ulong u)
    {
        while (true)
        {
            if (i == 0) return R - Math.Log(random.NextOpenDouble()); // the tail beyond r
            double x = u * W[i];
            if (F[i] + random.NextDouble() * (F[i - 1] - F[i]) < Math.Exp(-x)) return x;
            ulong bits = random.NextUInt64();
            i = (int)(bits & 0xFF);
            u = bits >> 11;
            if (u < K[i]) return u * W[i];
        }
    }
}
