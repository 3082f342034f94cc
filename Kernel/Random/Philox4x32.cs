using System.Runtime.CompilerServices;

namespace Stochastic.Random;

/// <summary>
/// Philox4x32-10 (Salmon, Moraes, Dror &amp; Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3",
/// SC'11): a counter-based generator. The output block is a bijection of a 128-bit counter under a
/// 64-bit key, so any draw of any stream is computed directly from (key, counter) with no shared
/// state: the reason a cell's random numbers never depend on which other cells share its vector.
/// Checked against the Random123 known-answer vectors.
/// </summary>
public static class Philox4x32
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>
    /// The ten-round Philox4x32 block of counter (<paramref name="c0"/>..<paramref name="c3"/>) under
    /// key (<paramref name="k0"/>, <paramref name="k1"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint R0, uint R1, uint R2, uint R3) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < 10; round++)
        {
            if (round > 0) { k0 += W0; k1 += W1; }
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
        }
        return (c0, c1, c2, c3);
    }
}

/// <summary>
/// One cell's random stream: Philox4x32-10 keyed by the seed, with the counter's high half holding
/// the stream (cell) index and its low half the block number. Each block gives two doubles with
/// 53 random bits. Draw n of stream (seed, cell) is a pure function of (seed, cell, n). Mutable
/// struct: keep it in an array or pass by ref.
/// </summary>
public struct PhiloxStream
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
}
