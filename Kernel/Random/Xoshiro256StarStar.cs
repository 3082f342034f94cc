using System.Runtime.CompilerServices;

namespace Stochastic.Random;

/// <summary>
/// xoshiro256** (Blackman &amp; Vigna 2018, "Scrambled linear pseudorandom number generators"):
/// the stream each exact-SSA run draws from. A stream depends only on (seed, stream index), so an
/// ensemble's output is the same whatever the thread count. Mutable struct: pass by ref.
/// </summary>
public struct Xoshiro256StarStar : IUniformSource
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates stream <paramref name="streamIndex"/> of <paramref name="seed"/>.</summary>
    public Xoshiro256StarStar(ulong seed, ulong streamIndex)
    {
        // Two rounds of mixing so that neighbouring (seed, index) pairs give unrelated states.
        ulong x = SplitMix64.Mix(SplitMix64.Mix(seed) ^ SplitMix64.Mix(streamIndex ^ 0xD1B54A32D192ED03UL));
        _s0 = SplitMix64.Mix(x);
        _s1 = SplitMix64.Mix(x + 1);
        _s2 = SplitMix64.Mix(x + 2);
        _s3 = SplitMix64.Mix(x + 3);
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 1;
    }

    /// <summary>Writes the generator's state (a checkpoint; <see cref="Read"/> continues the same stream).</summary>
    internal readonly void Write(BinaryWriter w)
    {
        w.Write(_s0);
        w.Write(_s1);
        w.Write(_s2);
        w.Write(_s3);
    }

    /// <summary>The generator <see cref="Write"/> wrote, at the same point of its stream (also the unseeded default).</summary>
    internal static Xoshiro256StarStar Read(BinaryReader r)
    {
        var x = default(Xoshiro256StarStar);
        x._s0 = r.ReadUInt64();
        x._s1 = r.ReadUInt64();
        x._s2 = r.ReadUInt64();
        x._s3 = r.ReadUInt64();
        return x;   // all zero: a stream the engine never seeded (default), kept as it was
    }

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in (0, 1]: safe to take the logarithm of.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextOpenDouble() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>An exponential variate with rate 1 (inversion).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextExponential() => -Math.Log(NextOpenDouble());
}
