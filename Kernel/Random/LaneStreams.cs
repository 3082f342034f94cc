using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Stochastic.Simulation.Batch;

namespace Stochastic.Random;

/// <summary>
/// The random streams of the lanes of one vector: lane i draws from its own Philox4x32-10 stream
/// (the sequence of <see cref="PhiloxStream"/>), and only when its mask bit is set, so what a lane
/// draws depends only on its own history. State is held structure-of-arrays and the Philox blocks
/// of all lanes are computed together in vector registers (each 32-bit word in a 64-bit lane, so the
/// 32×32→64-bit products are exact); integer arithmetic is exact, so every width gives the draws of
/// the scalar <see cref="PhiloxStream"/> bit for bit. Not thread-safe; one per worker.
/// </summary>
internal sealed class LaneStreams
{
    private const double Scale = 1.0 / (1UL << 53);
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    private readonly int _lanes;
    // Per lane: key words, stream words (counter words 2 and 3), block number (counter words 0 and 1).
    private readonly ulong[] _k0, _k1, _s0, _s1, _block;
    // Per lane: the second double of the last block, when not yet used (bit i of _spareBits).
    private readonly double[] _spare, _first, _second;
    private uint _spareBits;
    // _needs[m]: a mask, lane i all-ones bits when bit i of m is set (the lanes that compute a block).
    private readonly double[][] _needs;

    /// <summary>Streams for <paramref name="lanes"/> lanes (at most 8), all stream 0 of seed 0 until <see cref="Set"/>.</summary>
    public LaneStreams(int lanes)
    {
        _lanes = lanes;
        // Rounded up to 8 so the widest vector loads whole registers.
        int n = Math.Max(8, lanes);
        _k0 = new ulong[n]; _k1 = new ulong[n]; _s0 = new ulong[n]; _s1 = new ulong[n]; _block = new ulong[n];
        _spare = new double[n]; _first = new double[n]; _second = new double[n];
        _needs = new double[1 << lanes][];
        for (int m = 0; m < _needs.Length; m++)
        {
            _needs[m] = new double[n];
            for (int i = 0; i < lanes; i++) _needs[m][i] = ((m >> i) & 1) != 0 ? BitConverter.UInt64BitsToDouble(ulong.MaxValue) : 0;
        }
    }

    /// <summary>Lanes.</summary>
    public int Count => _lanes;

    /// <summary>Puts lane <paramref name="lane"/> at the first draw of stream (<paramref name="seed"/>, <paramref name="stream"/>).</summary>
    public void Set(int lane, ulong seed, ulong stream)
    {
        _k0[lane] = (uint)seed; _k1[lane] = (uint)(seed >> 32);
        _s0[lane] = (uint)stream; _s1[lane] = (uint)(stream >> 32);
        _block[lane] = 0;
        _spareBits &= ~(1u << lane);
    }

    /// <summary>Uniforms in [0, 1) for the lanes set in <paramref name="mask"/>, 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV NextUniform<TL, TV>(TV mask) where TL : ILanes<TV> where TV : struct
    {
        uint bits = TL.MaskBits(mask);
        if (bits == 0) return TL.Create(0);
        uint need = bits & ~_spareBits;
        if (need == 0)
        {
            // Every drawing lane has a spare: no block to compute.
            _spareBits &= ~bits;
            return TL.And(mask, TL.Load(_spare));
        }
        Generate();
        TV needs = TL.Load(_needs[need]);
        TV spare = TL.Load(_spare);
        TV value = TL.And(mask, TL.Select(needs, TL.Load(_first), spare));
        TL.Store(TL.Select(needs, TL.Load(_second), spare), _spare);
        var block = _block;
        for (uint n = need; n != 0; n &= n - 1) block[System.Numerics.BitOperations.TrailingZeroCount(n)]++;
        _spareBits = (_spareBits & ~bits) | need;
        return value;
    }

    /// <summary>The next uniform of lane <paramref name="lane"/> alone (the same sequence as <see cref="NextUniform{TL, TV}"/> gives it).</summary>
    public double NextDouble(int lane)
    {
        uint bit = 1u << lane;
        if ((_spareBits & bit) != 0) { _spareBits &= ~bit; return _spare[lane]; }
        ulong b = _block[lane]++;
        var (r0, r1, r2, r3) = Philox4x32.Block((uint)b, (uint)(b >> 32), (uint)_s0[lane], (uint)_s1[lane], (uint)_k0[lane], (uint)_k1[lane]);
        ulong a = ((ulong)r1 << 32) | r0, c = ((ulong)r3 << 32) | r2;
        _spare[lane] = (c >> 11) * Scale;
        _spareBits |= bit;
        return (a >> 11) * Scale;
    }

    /// <summary>Philox blocks at every lane's current block number, as two doubles each (_first, _second); blocks are not advanced.</summary>
    private void Generate()
    {
        if (_lanes >= 8 && Vector512.IsHardwareAccelerated) { Generate512(0); return; }
        int i = 0;
        if (Vector256.IsHardwareAccelerated) for (; i + 4 <= _lanes; i += 4) Generate256(i);
        if (Vector128.IsHardwareAccelerated) for (; i + 2 <= _lanes; i += 2) Generate128(i);
        for (; i < _lanes; i++)
        {
            ulong b = _block[i];
            var (r0, r1, r2, r3) = Philox4x32.Block((uint)b, (uint)(b >> 32), (uint)_s0[i], (uint)_s1[i], (uint)_k0[i], (uint)_k1[i]);
            _first[i] = ((((ulong)r1 << 32) | r0) >> 11) * Scale;
            _second[i] = ((((ulong)r3 << 32) | r2) >> 11) * Scale;
        }
    }

    private void Generate512(int i)
    {
        var low = Vector512.Create(0xFFFFFFFFUL);
        var block = Vector512.Create(_block.AsSpan(i));
        var c0 = block & low; var c1 = block >>> 32;
        var c2 = Vector512.Create(_s0.AsSpan(i)); var c3 = Vector512.Create(_s1.AsSpan(i));
        var k0 = Vector512.Create(_k0.AsSpan(i)); var k1 = Vector512.Create(_k1.AsSpan(i));
        var m0 = Vector512.Create((ulong)M0); var m1 = Vector512.Create((ulong)M1);
        var w0 = Vector512.Create((ulong)W0); var w1 = Vector512.Create((ulong)W1);
        for (int round = 0; round < 10; round++)
        {
            if (round > 0) { k0 = (k0 + w0) & low; k1 = (k1 + w1) & low; }
            Vector512<ulong> p0, p1;
            if (Avx512F.IsSupported) { p0 = Avx512F.Multiply(c0.AsUInt32(), m0.AsUInt32()); p1 = Avx512F.Multiply(c2.AsUInt32(), m1.AsUInt32()); }
            else { p0 = c0 * m0; p1 = c2 * m1; }
            var n0 = (p1 >>> 32) ^ c1 ^ k0;
            var n2 = (p0 >>> 32) ^ c3 ^ k1;
            c1 = p1 & low; c3 = p0 & low; c0 = n0; c2 = n2;
        }
        var scale = Vector512.Create(Scale);
        (Vector512.ConvertToDouble(((c1 << 32) | c0) >>> 11) * scale).CopyTo(_first.AsSpan(i));
        (Vector512.ConvertToDouble(((c3 << 32) | c2) >>> 11) * scale).CopyTo(_second.AsSpan(i));
    }

    private void Generate256(int i)
    {
        var low = Vector256.Create(0xFFFFFFFFUL);
        var block = Vector256.Create(_block.AsSpan(i));
        var c0 = block & low; var c1 = block >>> 32;
        var c2 = Vector256.Create(_s0.AsSpan(i)); var c3 = Vector256.Create(_s1.AsSpan(i));
        var k0 = Vector256.Create(_k0.AsSpan(i)); var k1 = Vector256.Create(_k1.AsSpan(i));
        var m0 = Vector256.Create((ulong)M0); var m1 = Vector256.Create((ulong)M1);
        var w0 = Vector256.Create((ulong)W0); var w1 = Vector256.Create((ulong)W1);
        for (int round = 0; round < 10; round++)
        {
            if (round > 0) { k0 = (k0 + w0) & low; k1 = (k1 + w1) & low; }
            Vector256<ulong> p0, p1;
            if (Avx2.IsSupported) { p0 = Avx2.Multiply(c0.AsUInt32(), m0.AsUInt32()); p1 = Avx2.Multiply(c2.AsUInt32(), m1.AsUInt32()); }
            else { p0 = c0 * m0; p1 = c2 * m1; }
            var n0 = (p1 >>> 32) ^ c1 ^ k0;
            var n2 = (p0 >>> 32) ^ c3 ^ k1;
            c1 = p1 & low; c3 = p0 & low; c0 = n0; c2 = n2;
        }
        var scale = Vector256.Create(Scale);
        (Vector256.ConvertToDouble(((c1 << 32) | c0) >>> 11) * scale).CopyTo(_first.AsSpan(i));
        (Vector256.ConvertToDouble(((c3 << 32) | c2) >>> 11) * scale).CopyTo(_second.AsSpan(i));
    }

    private void Generate128(int i)
    {
        var low = Vector128.Create(0xFFFFFFFFUL);
        var block = Vector128.Create(_block.AsSpan(i));
        var c0 = block & low; var c1 = block >>> 32;
        var c2 = Vector128.Create(_s0.AsSpan(i)); var c3 = Vector128.Create(_s1.AsSpan(i));
        var k0 = Vector128.Create(_k0.AsSpan(i)); var k1 = Vector128.Create(_k1.AsSpan(i));
        var m0 = Vector128.Create((ulong)M0); var m1 = Vector128.Create((ulong)M1);
        var w0 = Vector128.Create((ulong)W0); var w1 = Vector128.Create((ulong)W1);
        for (int round = 0; round < 10; round++)
        {
            if (round > 0) { k0 = (k0 + w0) & low; k1 = (k1 + w1) & low; }
            Vector128<ulong> p0, p1;
            if (Sse2.IsSupported) { p0 = Sse2.Multiply(c0.AsUInt32(), m0.AsUInt32()); p1 = Sse2.Multiply(c2.AsUInt32(), m1.AsUInt32()); }
            else { p0 = c0 * m0; p1 = c2 * m1; }
            var n0 = (p1 >>> 32) ^ c1 ^ k0;
            var n2 = (p0 >>> 32) ^ c3 ^ k1;
            c1 = p1 & low; c3 = p0 & low; c0 = n0; c2 = n2;
        }
        var scale = Vector128.Create(Scale);
        (Vector128.ConvertToDouble(((c1 << 32) | c0) >>> 11) * scale).CopyTo(_first.AsSpan(i));
        (Vector128.ConvertToDouble(((c3 << 32) | c2) >>> 11) * scale).CopyTo(_second.AsSpan(i));
    }
}
