using System.Runtime.CompilerServices;
using Stochastic.Lanes;

namespace Stochastic.Random;

/// <summary>
/// Natural logarithm written once for every lane width, so scalar and vector lanes agree bit for bit
/// (<see cref="Math.Log(double)"/> and a vector log round differently). Algorithm and coefficients
/// from fdlibm's <c>e_log.c</c> (Sun Microsystems 1993): x = m·2ᵉ with m in [√½, √2), then
/// log(m) = 2·atanh(f/(2+f)) by a degree-14 minimax polynomial; error below 1 ulp.
/// Domain: positive normal finite x (the engine passes uniforms in (0, 1] and positive means).
/// </summary>
internal readonly struct LaneLog
{
    private const double Ln2Hi = 6.93147180369123816490e-01, Ln2Lo = 1.90821492927058770002e-10;
    private const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
        Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01,
        Lg6 = 1.531383769920937332e-01, Lg7 = 1.479819860511658591e-01;
    private const double Sqrt2 = 1.4142135623730951;
    // 2⁵² as a bit pattern: OR-ing a small integer n into its mantissa gives the double 2⁵² + n.
    private const ulong TwoTo52Bits = 0x4330000000000000;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TL, TV>(TV x) where TL : ILanes<TV> where TV : struct
    {
        TV biased = TL.ShiftRightBits(x, 52);
        TV e = TL.Subtract(TL.Or(biased, TL.CreateBits(TwoTo52Bits)), TL.Create(4503599627370496.0 + 1023));
        TV m = TL.Or(TL.And(x, TL.CreateBits(0x000FFFFFFFFFFFFF)), TL.CreateBits(0x3FF0000000000000));
        TV big = TL.LessThan(TL.Create(Sqrt2), m);
        m = TL.Select(big, TL.Multiply(m, TL.Create(0.5)), m);
        e = TL.Select(big, TL.Add(e, TL.Create(1)), e);
        TV f = TL.Subtract(m, TL.Create(1));
        TV hfsq = TL.Multiply(TL.Multiply(TL.Create(0.5), f), f);
        TV s = TL.Divide(f, TL.Add(TL.Create(2), f));
        TV z = TL.Multiply(s, s);
        TV w = TL.Multiply(z, z);
        TV t1 = TL.Multiply(w, TL.Add(TL.Create(Lg2), TL.Multiply(w, TL.Add(TL.Create(Lg4), TL.Multiply(w, TL.Create(Lg6))))));
        TV t2 = TL.Multiply(z, TL.Add(TL.Create(Lg1), TL.Multiply(w, TL.Add(TL.Create(Lg3),
            TL.Multiply(w, TL.Add(TL.Create(Lg5), TL.Multiply(w, TL.Create(Lg7))))))));
        TV r = TL.Add(t2, t1);
        // e·ln2_hi − ((hfsq − (s·(hfsq + R) + e·ln2_lo)) − f)
        TV inner = TL.Add(TL.Multiply(s, TL.Add(hfsq, r)), TL.Multiply(e, TL.Create(Ln2Lo)));
        return TL.Subtract(TL.Multiply(e, TL.Create(Ln2Hi)), TL.Subtract(TL.Subtract(hfsq, inner), f));
    }

    /// <summary>Scalar form.</summary>
    public static double Invoke(double x) => Invoke<ScalarLanes, double>(x);
}

/// <summary>
/// Exponential written once for every lane width (see <see cref="LaneLog"/> for why). fdlibm's
/// <c>e_exp.c</c>: x = k·ln2 + r, |r| ≤ ½ln2, exp(r) by a degree-5 rational form, scaled by 2ᵏ
/// built from bits. Domain: −708 ≤ x ≤ 709 (the engine needs x in [−10, 0]).
/// </summary>
internal readonly struct LaneExp
{
    private const double Ln2Hi = 6.93147180369123816490e-01, Ln2Lo = 1.90821492927058770002e-10, InvLn2 = 1.44269504088896338700e+00;
    private const double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
        P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Invoke<TL, TV>(TV x) where TL : ILanes<TV> where TV : struct
    {
        TV k = TL.Floor(TL.Add(TL.Multiply(x, TL.Create(InvLn2)), TL.Create(0.5)));
        TV hi = TL.Subtract(x, TL.Multiply(k, TL.Create(Ln2Hi)));
        TV lo = TL.Multiply(k, TL.Create(Ln2Lo));
        TV r = TL.Subtract(hi, lo);
        TV t = TL.Multiply(r, r);
        TV c = TL.Subtract(r, TL.Multiply(t, TL.Add(TL.Create(P1), TL.Multiply(t, TL.Add(TL.Create(P2),
            TL.Multiply(t, TL.Add(TL.Create(P3), TL.Multiply(t, TL.Add(TL.Create(P4), TL.Multiply(t, TL.Create(P5)))))))))));
        TV y = TL.Subtract(TL.Create(1), TL.Subtract(TL.Subtract(lo, TL.Divide(TL.Multiply(r, c), TL.Subtract(TL.Create(2), c))), hi));
        // 2ᵏ: k + 1023 sits in the low mantissa bits of 2⁵² + k + 1023; shifting left 52 moves it to the exponent.
        TV scale = TL.ShiftLeftBits(TL.Add(k, TL.Create(4503599627370496.0 + 1023)), 52);
        return TL.Multiply(y, scale);
    }

    /// <summary>Scalar form.</summary>
    public static double Invoke(double x) => Invoke<ScalarLanes, double>(x);
}
