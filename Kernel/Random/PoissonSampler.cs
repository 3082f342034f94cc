using System.Runtime.CompilerServices;
using Stochastic.Lanes;

namespace Stochastic.Random;

/// <summary>
/// Poisson variates for a vector of means, each lane from its own stream, written once for every
/// width. Means below <see cref="InversionLimit"/>: sequential-search inversion (Devroye 1986,
/// "Non-Uniform Random Variate Generation", §X.3), one uniform per variate, vectorized as a masked
/// loop. Larger means: Hörmann's PTRS transformed rejection with squeeze (Hörmann 1993, "The
/// transformed rejection method for generating Poisson random variables", Insurance: Mathematics
/// and Economics 12:39–45), also a masked vector loop: each pass, every unfinished lane makes one
/// try (squeeze, then the full log test for lanes that miss it) from its own stream, so every width
/// gives the same integers. The randomness comes from an <see cref="ILaneUniformSource"/>.
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
        var random = new LaneStreamsSource(streams);
        return Sample<TL, TV, LaneStreamsSource>(mean, mask, ref random);
    }

    /// <summary>
    /// Draws Poisson(<paramref name="mean"/>) in the lanes set in <paramref name="mask"/> (means
    /// must be positive and finite there), from any lane source; 0 elsewhere.
    /// </summary>
    public static TV Sample<TL, TV, TRandom>(TV mean, TV mask, ref TRandom random)
        where TL : ILanes<TV> where TV : struct where TRandom : struct, ILaneUniformSource
    {
        TV large = TL.And(mask, TL.LessThanOrEqual(TL.Create(InversionLimit), mean));
        TV small = TL.AndNot(mask, large);
        TV result = TL.Create(0);
        if (TL.MaskBits(small) != 0) result = Inversion<TL, TV, TRandom>(mean, small, ref random);
        if (TL.MaskBits(large) != 0) result = TL.Select(large, Ptrs<TL, TV, TRandom>(mean, large, ref random), result);
        return result;
    }

    /// <summary>Scalar form: one Poisson(<paramref name="mean"/>) variate from <paramref name="streams"/> (one lane).</summary>
    public static double Sample(double mean, LaneStreams streams) =>
        mean > 0 ? Sample<ScalarLanes, double>(mean, BitConverter.UInt64BitsToDouble(ulong.MaxValue), streams) : 0;

    private static TV Inversion<TL, TV, TRandom>(TV mean, TV mask, ref TRandom random)
        where TL : ILanes<TV> where TV : struct where TRandom : struct, ILaneUniformSource
    {
        var search = StartInversion<TL, TV, TRandom>(mean, mask, ref random);
        for (int j = 1; TL.MaskBits(search.Go) != 0; j++) InversionStep<TL, TV>(j, ref search);
        return search.K;
    }

    /// <summary>
    /// The inversion's start in the lanes of <paramref name="mask"/>: the uniform, P(0) = e^−μ = F(0), k = 0, and
    /// the lanes whose search goes on (F(0) ≤ u). The one place it is written, for the single and the many-means forms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static InversionSearch<TV> StartInversion<TL, TV, TRandom>(TV mean, TV mask, ref TRandom random)
        where TL : ILanes<TV> where TV : struct where TRandom : struct, ILaneUniformSource
    {
        TV u = random.NextUniform<TL, TV>(mask);
        TV p = LaneExp.Invoke<TL, TV>(TL.Subtract(TL.Create(0), mean));
        return new InversionSearch<TV> { Mean = mean, U = u, P = p, F = p, K = TL.Create(0), Go = TL.And(mask, TL.LessThanOrEqual(p, u)) };
    }

    /// <summary>
    /// Step j (1, 2, …) of <paramref name="search"/> in the lanes still searching (all of which have
    /// k = j − 1): k = j, p_j = p_{j−1}·μ/j, F_j = F_{j−1} + p_j; a lane stops once F_j &gt; u or at the cap.
    /// The one place this arithmetic is written, for the single and the many-means forms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InversionStep<TL, TV>(int j, ref InversionSearch<TV> search)
        where TL : ILanes<TV> where TV : struct
    {
        TV next = TL.Create(j), go = search.Go;
        search.K = TL.Select(go, next, search.K);
        TV p = TL.Select(go, TL.Divide(TL.Multiply(search.P, search.Mean), next), search.P);
        search.P = p;
        TV cumulative = TL.Select(go, TL.Add(search.F, p), search.F);
        search.F = cumulative;
        search.Go = TL.And(go, TL.And(TL.LessThanOrEqual(cumulative, search.U), TL.LessThan(search.K, TL.Create(InversionCap))));
    }

    /// <summary>
    /// Draws Poisson(<c>means[r]</c>) in the lanes set in <c>masks[r]</c> into <c>results[r]</c> (0
    /// elsewhere) for every r, giving each lane exactly what calling <see cref="Sample{TL, TV, TRandom}"/>
    /// for r = 0, 1, … in turn gives it, draws included. The randomness is taken in that order (each
    /// lane's inversion uniform, or its PTRS tries, reaction by reaction); the inversion searches, which
    /// draw nothing, then run together, one step of every unfinished search per pass, so the searches
    /// of different means overlap in the pipeline instead of each waiting on its own chain of
    /// multiply and divide.
    /// </summary>
    public static void SampleMany<TL, TV, TRandom>(ReadOnlySpan<TV> means, ReadOnlySpan<TV> masks, Span<TV> results, PoissonScratch<TV> scratch, ref TRandom random)
        where TL : ILanes<TV> where TV : struct where TRandom : struct, ILaneUniformSource
    {
        var searches = scratch.Searches; var pending = scratch.Pending;
        int count = 0;
        TV zero = TL.Create(0);
        for (int r = 0; r < means.Length; r++)
        {
            TV mean = means[r], mask = masks[r];
            results[r] = zero;
            if (TL.MaskBits(mask) == 0) continue;
            TV large = TL.And(mask, TL.LessThanOrEqual(TL.Create(InversionLimit), mean));
            TV small = TL.AndNot(mask, large);
            if (TL.MaskBits(small) != 0)
            {
                // As Inversion; the search waits for the others.
                var search = StartInversion<TL, TV, TRandom>(mean, small, ref random);
                if (TL.MaskBits(search.Go) != 0) { searches[r] = search; pending[count++] = r; }
            }
            if (TL.MaskBits(large) != 0) results[r] = TL.Select(large, Ptrs<TL, TV, TRandom>(mean, large, ref random), results[r]);
        }
        // One step of every unfinished search per pass; a finished one adds its k to the lanes that
        // searched (0 in the others, so the PTRS variates of large means stay).
        for (int j = 1; count > 0; j++)
        {
            for (int i = 0; i < count;)
            {
                int r = pending[i];
                ref var search = ref searches[r];
                InversionStep<TL, TV>(j, ref search);
                if (TL.MaskBits(search.Go) != 0) { i++; continue; }
                results[r] = TL.Add(results[r], search.K);
                pending[i] = pending[--count];
            }
        }
    }

    private static TV Ptrs<TL, TV, TRandom>(TV mean, TV mask, ref TRandom random)
        where TL : ILanes<TV> where TV : struct where TRandom : struct, ILaneUniformSource
    {
        // Setup (Hörmann 1993, table 1).
        TV safeMean = TL.Select(mask, mean, TL.Create(InversionLimit));
        TV sqrtMean = TL.Sqrt(safeMean);
        TV b = TL.Add(TL.Create(0.931), TL.Multiply(TL.Create(2.53), sqrtMean));
        TV a = TL.Add(TL.Create(-0.059), TL.Multiply(TL.Create(0.02483), b));
        TV vr = TL.Subtract(TL.Create(0.9277), TL.Divide(TL.Create(3.6224), TL.Subtract(b, TL.Create(2))));
        TV zero = TL.Create(0), result = zero, logMean = zero, logInvAlpha = zero;
        bool logs = false;
        // Every lane in todo makes one try per pass (two uniforms, u then v, as in a scalar loop),
        // so a lane's draws and result do not depend on the other lanes.
        TV todo = mask;
        do
        {
            TV u = TL.Subtract(random.NextUniform<TL, TV>(todo), TL.Create(0.5));
            TV v = TL.Subtract(TL.Create(1), random.NextUniform<TL, TV>(todo));
            var (k, us) = Candidate<TL, TV>(u, a, b, safeMean);
            TV squeeze = TL.And(TL.LessThanOrEqual(TL.Create(0.07), us), TL.LessThanOrEqual(v, vr));
            TV accepted = TL.And(todo, squeeze);
            TV slow = TL.AndNot(todo, squeeze);
            if (TL.MaskBits(slow) != 0)
            {
                // Lanes that miss the squeeze: the full acceptance test (Hörmann 1993, steps 3–4).
                if (!logs)
                {
                    TV invAlpha = TL.Add(TL.Create(1.1239), TL.Divide(TL.Create(1.1328), TL.Subtract(b, TL.Create(3.4))));
                    logMean = LaneLog.Invoke<TL, TV>(safeMean);
                    logInvAlpha = LaneLog.Invoke<TL, TV>(invAlpha);
                    logs = true;
                }
                TV early = TL.Or(TL.LessThan(k, zero), TL.And(TL.LessThan(us, TL.Create(0.013)), TL.LessThan(us, v)));
                TV testing = TL.AndNot(slow, early);
                TV lhs = TL.Subtract(TL.Add(LaneLog.Invoke<TL, TV>(v), logInvAlpha), LaneLog.Invoke<TL, TV>(TL.Add(TL.Divide(a, TL.Multiply(us, us)), b)));
                TV rhs = TL.Subtract(TL.Add(TL.Subtract(zero, safeMean), TL.Multiply(k, logMean)), LogFactorial<TL, TV>(TL.Select(testing, k, zero)));
                accepted = TL.Or(accepted, TL.And(testing, TL.LessThanOrEqual(lhs, rhs)));
            }
            result = TL.Select(accepted, k, result);
            todo = TL.AndNot(todo, accepted);
        }
        while (TL.MaskBits(todo) != 0);
        return result;
    }

    /// <summary>k = ⌊(2a/us + b)·U + μ + 0.43⌋ with us = 0.5 − |U|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TV K, TV Us) Candidate<TL, TV>(TV u, TV a, TV b, TV mean) where TL : ILanes<TV> where TV : struct
    {
        TV us = TL.Subtract(TL.Create(0.5), TL.Abs(u));
        TV k = TL.Floor(TL.Add(TL.Add(TL.Multiply(TL.Add(TL.Divide(TL.Multiply(TL.Create(2), a), us), b), u), mean), TL.Create(0.43)));
        return (k, us);
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
        uint small = TL.MaskBits(TL.AndNot(LaneOps.AllOnes<TL, TV>(), big));
        Span<double> ks = stackalloc double[TL.Count];
        if (small != 0)
        {
            TL.Store(k, ks);
            for (int i = 0; i < ks.Length; i++) ks[i] = ((small >> i) & 1) != 0 ? LogFactorials[(int)ks[i]] : 0;
            if (TL.MaskBits(big) == 0) return TL.Load(ks);
        }
        TV x = TL.Add(k, TL.Create(1)), inv = TL.Divide(TL.Create(1), x), inv2 = TL.Multiply(inv, inv);
        TV series = TL.Multiply(inv, TL.Subtract(TL.Create(1.0 / 12), TL.Multiply(inv2, TL.Subtract(TL.Create(1.0 / 360), TL.Divide(inv2, TL.Create(1260))))));
        TV stirling = TL.Add(TL.Add(TL.Subtract(TL.Multiply(TL.Subtract(x, TL.Create(0.5)), LaneLog.Invoke<TL, TV>(x)), x), TL.Create(0.91893853320467274178)), series);
        if (small == 0) return stirling;
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

/// <summary>Working arrays of <see cref="PoissonSampler.SampleMany{TL, TV, TRandom}"/> for up to <see cref="Capacity"/> means; one per worker.</summary>
internal sealed class PoissonScratch<TV>(int capacity) where TV : struct
{
    public int Capacity => Pending.Length;
    public readonly InversionSearch<TV>[] Searches = new InversionSearch<TV>[capacity];
    public readonly int[] Pending = new int[capacity];
}

/// <summary>One inversion search in progress: mean, uniform, P(k), F(k), the lanes still searching and k.</summary>
internal struct InversionSearch<TV> where TV : struct
{
    public TV Mean, U, P, F, Go, K;
}
