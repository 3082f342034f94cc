using System.Runtime.CompilerServices;
using Stochastic.Lanes;

namespace Stochastic.Random;

/// <summary>
/// Philox4x32-10 (Salmon, Moraes, Dror &amp; Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3",
/// SC'11): a counter-based generator. The output block is a bijection of a 128-bit counter under a
/// 64-bit key, so any draw of any stream is computed directly from (key, counter) with no shared
/// state: the reason a cell's random numbers never depend on which other cells share its vector.
/// Checked against the Random123 known-answer vectors.
/// </summary>
internal static class Philox4x32
{
    // Round multipliers and Weyl key increments (Salmon et al. 2011, table 2).
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>
    /// The ten-round Philox4x32 block of counter (<paramref name="c0"/>..<paramref name="c3"/>) under
    /// key (<paramref name="k0"/>, <paramref name="k1"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint R0, uint R1, uint R2, uint R3) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        ulong x0 = c0, x1 = c1, x2 = c2, x3 = c3;
        Rounds<ScalarLanes, ulong>(ref x0, ref x1, ref x2, ref x3, k0, k1);
        return ((uint)x0, (uint)x1, (uint)x2, (uint)x3);
    }

    /// <summary>
    /// The ten rounds for every lane at once, written once for every width: each 32-bit word sits in
    /// the low half of a 64-bit lane, so the 32×32→64-bit products are exact and a round is a few
    /// integer lane operations. The counter words are replaced by the output block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Rounds<TL, TU>(ref TU c0, ref TU c1, ref TU c2, ref TU c3, TU k0, TU k1)
        where TL : IUInt64Lanes<TU> where TU : struct
    {
        // Locals, not the refs, in the loop: registers even where the JIT does not inline this.
        TU x0 = c0, x1 = c1, x2 = c2, x3 = c3;
        TU low = TL.Create(0xFFFFFFFFUL);
        TU m0 = TL.Create(M0), m1 = TL.Create(M1), w0 = TL.Create(W0), w1 = TL.Create(W1);
        // The key is bumped before every round, so start one bump back (mod 2³²): no branch in the loop.
        k0 = TL.And(TL.Add(k0, TL.Create((1UL << 32) - W0)), low);
        k1 = TL.And(TL.Add(k1, TL.Create((1UL << 32) - W1)), low);
        for (int round = 0; round < 10; round++)
        {
            k0 = TL.And(TL.Add(k0, w0), low); k1 = TL.And(TL.Add(k1, w1), low);
            TU p0 = TL.MultiplyLow32(x0, m0), p1 = TL.MultiplyLow32(x2, m1);
            TU n0 = TL.Xor(TL.Xor(TL.ShiftRightLogical(p1, 32), x1), k0);
            TU n2 = TL.Xor(TL.Xor(TL.ShiftRightLogical(p0, 32), x3), k1);
            x1 = TL.And(p1, low); x3 = TL.And(p0, low); x0 = n0; x2 = n2;
        }
        c0 = x0; c1 = x1; c2 = x2; c3 = x3;
    }
}

/// <summary>
/// One cell's random stream: Philox4x32-10 keyed by the seed, with the counter's high half holding
/// the stream (cell) index and its low half the block number. Each block gives two doubles with
/// 53 random bits. Draw n of stream (seed, cell) is a pure function of (seed, cell, n). Mutable
/// struct: keep it in an array or pass by ref.
/// </summary>
internal struct PhiloxStream : IUniformSource
{
    private const double Scale = 1.0 / (1UL << 53);
    private readonly uint _k0, _k1, _s0, _s1;
    private ulong _block;
    private double _spare;
    private bool _hasSpare;

    /// <summary>Stream <paramref name="stream"/> of <paramref name="seed"/>, at its first draw.</summary>
    public PhiloxStream(ulong seed, ulong stream)
    {
        _k0 = (uint)seed; _k1 = (uint)(seed >> 32);
        _s0 = (uint)stream; _s1 = (uint)(stream >> 32);
        _block = 0; _spare = 0; _hasSpare = false;
    }

    /// <summary>Next uniform double in [0, 1), a multiple of 2⁻⁵³.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        var (r0, r1, r2, r3) = Philox4x32.Block((uint)_block, (uint)(_block >> 32), _s0, _s1, _k0, _k1);
        _block++;
        ulong a = ((ulong)r1 << 32) | r0, b = ((ulong)r3 << 32) | r2;
        _spare = (b >> 11) * Scale;
        _hasSpare = true;
        return (a >> 11) * Scale;
    }

    /// <summary>Next uniform double in (0, 1]: the next <see cref="NextDouble"/> plus 2⁻⁵³ (exact), safe to take the logarithm of.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextOpenDouble() => NextDouble() + Scale;
}
