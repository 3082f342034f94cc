using System.Runtime.CompilerServices;
using Stochastic.Simulation.Batch;

namespace Stochastic.Random;

/// <summary>
/// Poisson variates for a vector of means, each lane from its own stream, written once for every
/// width. Means below <see cref="InversionLimit"/>: sequential-search inversion (Devroye 1986,
/// "Non-Uniform Random Variate Generation", §X.3), one uniform per variate, vectorized as a masked
/// loop. Larger means: Hörmann's PTRS transformed rejection with squeeze (Hörmann 1993, "The
/// transformed rejection method for generating Poisson random variables", Insurance: Mathematics
/// and Economics 12:39–45): the first try and its squeeze (about 86 % of variates) run vectorized;
/// lanes that miss the squeeze finish in a per-lane scalar loop built from the same scalar
/// operations, so every width gives the same integers.
/// </summary>
internal static class PoissonSampler
{
    /// <summary>Means below this use inversion; PTRS is valid from 10 up.</summary>
    public const double InversionLimit = 10;
    // The inversion search stops here; P(Poisson(10) > 100) is below 1e-50. It also ends the loop
    // when rounding leaves the cumulative sum just under a uniform close to 1.
    private const double InversionCap = 100;

    /// <summary>
    /// Draws Poisson(<paramref name="mean"/>) in the lanes set in <paramref name="mask"/> (means
    /// must be positive and finite there); 0 elsewhere.
    /// </summary>
    public static TV Sample<TL, TV>(TV mean, TV mask, LaneStreams streams) where TL : ILanes<TV> where TV : struct
    {
        TV large = TL.And(mask, TL.LessThanOrEqual(TL.Create(InversionLimit), mean));
        TV small = TL.AndNot(mask, large);
        TV result = TL.Create(0);
        if (TL.MaskBits(small) != 0) result = Inversion<TL, TV>(mean, small, streams);
        if (TL.MaskBits(large) != 0) result = TL.Select(large, Ptrs<TL, TV>(mean, large, streams), result);
        return result;
    }

    /// <summary>Scalar form: one Poisson(<paramref name="mean"/>) variate from <paramref name="streams"/> (one lane).</summary>
    public static double Sample(double mean, LaneStreams streams) =>
        mean > 0 ? Sample<ScalarLanes, double>(mean, BitConverter.UInt64BitsToDouble(ulong.MaxValue), streams) : 0;

    private static TV Inversion<TL, TV>(TV mean, TV mask, LaneStreams streams) where TL : ILanes<TV> where TV : struct
    {
        TV u = streams.NextUniform<TL, TV>(mask);
        TV p = LaneExp.Invoke<TL, TV>(TL.Subtract(TL.Create(0), mean));
        TV cumulative = p;
        TV k = TL.Create(0);
        TV one = TL.Create(1);
        TV go = TL.And(mask, TL.LessThanOrEqual(cumulative, u));
        while (TL.MaskBits(go) != 0)
        {
            TV next = TL.Add(k, one);
            k = TL.Select(go, next, k);
            p = TL.Select(go, TL.Divide(TL.Multiply(p, mean), next), p);
            cumulative = TL.Select(go, TL.Add(cumulative, p), cumulative);
            go = TL.And(go, TL.And(TL.LessThanOrEqual(cumulative, u), TL.LessThan(k, TL.Create(InversionCap))));
        }
        return k;
    }

    private static TV Ptrs<TL, TV>(TV mean, TV mask, LaneStreams streams) where TL : ILanes<TV> where TV : struct
    {
        // Setup (Hörmann 1993, table 1).
        TV sqrtMean = TL.Sqrt(TL.Select(mask, mean, TL.Create(InversionLimit)));
        TV b = TL.Add(TL.Create(0.931), TL.Multiply(TL.Create(2.53), sqrtMean));
        TV a = TL.Add(TL.Create(-0.059), TL.Multiply(TL.Create(0.02483), b));
        TV vr = TL.Subtract(TL.Create(0.9277), TL.Divide(TL.Create(3.6224), TL.Subtract(b, TL.Create(2))));
        TV u = TL.Subtract(streams.NextUniform<TL, TV>(mask), TL.Create(0.5));
        TV v = TL.Subtract(TL.Create(1), streams.NextUniform<TL, TV>(mask));
        var (k, us) = Candidate<TL, TV>(u, a, b, mean);
        TV squeeze = TL.And(TL.LessThanOrEqual(TL.Create(0.07), us), TL.LessThanOrEqual(v, vr));
        uint slow = TL.MaskBits(TL.AndNot(mask, squeeze));
        if (slow == 0) return k;

        // Lanes that miss the squeeze: the first try's full acceptance test (Hörmann 1993, steps
        // 3–4), still vectorized; only lanes it rejects (a few per cent) retry per lane.
        TV slowMask = TL.AndNot(mask, squeeze);
        TV invAlpha = TL.Add(TL.Create(1.1239), TL.Divide(TL.Create(1.1328), TL.Subtract(b, TL.Create(3.4))));
        TV logMean = LaneLog.Invoke<TL, TV>(TL.Select(slowMask, mean, TL.Create(InversionLimit)));
        TV logInvAlpha = LaneLog.Invoke<TL, TV>(invAlpha);
        TV zero = TL.Create(0);
        TV early = TL.Or(TL.LessThan(k, zero), TL.And(TL.LessThan(us, TL.Create(0.013)), TL.LessThan(us, v)));
        TV lhs = TL.Subtract(TL.Add(LaneLog.Invoke<TL, TV>(v), logInvAlpha), LaneLog.Invoke<TL, TV>(TL.Add(TL.Divide(a, TL.Multiply(us, us)), b)));
        TV kSafe = TL.Select(TL.AndNot(slowMask, early), k, zero);
        TV rhs = TL.Subtract(TL.Add(TL.Subtract(zero, mean), TL.Multiply(k, logMean)), LogFactorial<TL, TV>(kSafe));
        TV accept = TL.AndNot(TL.And(slowMask, TL.LessThanOrEqual(lhs, rhs)), early);
        uint retry = TL.MaskBits(TL.AndNot(slowMask, accept));
        if (retry == 0) return k;

        // Rare path, per lane, in the scalar width: further tries.
        Span<double> ks = stackalloc double[TL.Count], means = stackalloc double[TL.Count];
        TL.Store(k, ks); TL.Store(mean, means);
        for (int i = 0; i < ks.Length; i++)
        {
            if (((retry >> i) & 1) == 0) continue;
            ks[i] = PtrsRetry(means[i], streams, i);
        }
        return TL.Load(ks);
    }

    /// <summary>k = ⌊(2a/us + b)·U + μ + 0.43⌋ with us = 0.5 − |U|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TV K, TV Us) Candidate<TL, TV>(TV u, TV a, TV b, TV mean) where TL : ILanes<TV> where TV : struct
    {
        TV us = TL.Subtract(TL.Create(0.5), TL.Abs(u));
        TV k = TL.Floor(TL.Add(TL.Add(TL.Multiply(TL.Add(TL.Divide(TL.Multiply(TL.Create(2), a), us), b), u), mean), TL.Create(0.43)));
        return (k, us);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double PtrsRetry(double mean, LaneStreams streams, int lane)
    {
        // The same setup as the vector path, in scalar lanes (bit-identical by construction).
        double sqrtMean = Math.Sqrt(mean);
        double b = 0.931 + 2.53 * sqrtMean;
        double a = -0.059 + 0.02483 * b;
        double invAlpha = 1.1239 + 1.1328 / (b - 3.4);
        double vr = 0.9277 - 3.6224 / (b - 2);
        double logMean = LaneLog.Invoke(mean);
        double logInvAlpha = LaneLog.Invoke(invAlpha);
        while (true)
        {
            double u = streams.NextDouble(lane) - 0.5;
            double v = 1 - streams.NextDouble(lane);
            var (k, us) = Candidate<ScalarLanes, double>(u, a, b, mean);
            if (0.07 <= us && v <= vr) return k;
            if (k < 0 || (us < 0.013 && v > us)) continue;
            double lhs = LaneLog.Invoke(v) + logInvAlpha - LaneLog.Invoke(a / (us * us) + b);
            double rhs = -mean + k * logMean - LogFactorial(k);
            if (lhs <= rhs) return k;
        }
    }

    private static readonly double[] LogFactorials = BuildLogFactorials(128);

    private static double[] BuildLogFactorials(int n)
    {
        var table = new double[n];
        for (int i = 2; i < n; i++) table[i] = table[i - 1] + LaneLog.Invoke(i);
        return table;
    }

    /// <summary>log k! per lane (k a non-negative integer): <see cref="LogFactorial(double)"/> in every width.</summary>
    private static TV LogFactorial<TL, TV>(TV k) where TL : ILanes<TV> where TV : struct
    {
        TV big = TL.LessThanOrEqual(TL.Create(LogFactorials.Length), k);
        TV x = TL.Add(k, TL.Create(1)), inv = TL.Divide(TL.Create(1), x), inv2 = TL.Multiply(inv, inv);
        TV series = TL.Multiply(inv, TL.Subtract(TL.Create(1.0 / 12), TL.Multiply(inv2, TL.Subtract(TL.Create(1.0 / 360), TL.Divide(inv2, TL.Create(1260))))));
        TV stirling = TL.Add(TL.Add(TL.Subtract(TL.Multiply(TL.Subtract(x, TL.Create(0.5)), LaneLog.Invoke<TL, TV>(x)), x), TL.Create(0.91893853320467274178)), series);
        uint small = TL.MaskBits(TL.AndNot(Lanes.AllOnes<TL, TV>(), big));
        if (small == 0) return stirling;
        Span<double> ks = stackalloc double[TL.Count];
        TL.Store(k, ks);
        for (int i = 0; i < ks.Length; i++) ks[i] = ((small >> i) & 1) != 0 ? LogFactorials[(int)ks[i]] : 0;
        return TL.Select(big, stirling, TL.Load(ks));
    }

    /// <summary>log k! from a table below 128, else Stirling's series to 1/x⁵ (error below 1e-14 there).</summary>
    internal static double LogFactorial(double k)
    {
        if (k < LogFactorials.Length) return LogFactorials[(int)k];
        double x = k + 1, inv = 1 / x, inv2 = inv * inv;
        return (x - 0.5) * LaneLog.Invoke(x) - x + 0.91893853320467274178 + inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 / 1260));
    }
}
