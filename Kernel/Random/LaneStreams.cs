using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Stochastic.Lanes;

namespace Stochastic.Random;

/// <summary>
/// The random streams of the lanes of one vector: lane i draws from its own Philox4x32-10 stream
/// (the sequence of <see cref="PhiloxStream"/>), and only when its mask bit is set, so what a lane
/// draws depends only on its own history. State is held structure-of-arrays and the Philox blocks
/// of all lanes are computed together in vector registers by <see cref="Philox4x32.Rounds{TL, TU}"/>, at the
/// widths <see cref="LaneWidth"/> chose; integer arithmetic is exact, so every width gives the draws
/// of the scalar <see cref="PhiloxStream"/> bit for bit. Not thread-safe; one per worker.
/// </summary>
internal sealed class LaneStreams : ILaneUniformSource
{
    private const double Scale = 1.0 / (1UL << 53);
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
        Generate<ScalarLanes, ulong>(lane);
        _block[lane]++;
        _spare[lane] = _second[lane];
        _spareBits |= bit;
        return _first[lane];
    }

    /// <summary>Philox blocks at every lane's current block number, as two doubles each (_first, _second); blocks are not advanced.</summary>
    private void Generate()
    {
        // The widths come from LaneWidth, decided once; the tests on it are constants to the JIT.
        int i = 0, lanes = _lanes;
        if (LaneWidth.Widest >= 8) for (; i + 8 <= lanes; i += 8) Generate<Vector512Lanes, Vector512<ulong>>(i);
        if (LaneWidth.Widest >= 4) for (; i + 4 <= lanes; i += 4) Generate<Vector256Lanes, Vector256<ulong>>(i);
        if (LaneWidth.Widest >= 2) for (; i + 2 <= lanes; i += 2) Generate<Vector128Lanes, Vector128<ulong>>(i);
        for (; i < lanes; i++) Generate<ScalarLanes, ulong>(i);
    }

    /// <summary>The blocks of lanes <paramref name="i"/>.. (one vector of <typeparamref name="TL"/>) into _first and _second.</summary>
    // One method per width, not inlined: each keeps its own inlining budget, so the rounds are
    // inlined and stay in registers (all widths inlined into Generate() exhaust it).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Generate<TL, TU>(int i) where TL : IUInt64Lanes<TU> where TU : struct
    {
        TU block = TL.Load(new ReadOnlySpan<ulong>(_block, i, TL.Count));
        TU c0 = TL.And(block, TL.Create(0xFFFFFFFFUL)), c1 = TL.ShiftRightLogical(block, 32);
        TU c2 = TL.Load(new ReadOnlySpan<ulong>(_s0, i, TL.Count)), c3 = TL.Load(new ReadOnlySpan<ulong>(_s1, i, TL.Count));
        TU k0 = TL.Load(new ReadOnlySpan<ulong>(_k0, i, TL.Count)), k1 = TL.Load(new ReadOnlySpan<ulong>(_k1, i, TL.Count));
        Philox4x32.Rounds<TL, TU>(ref c0, ref c1, ref c2, ref c3, k0, k1);
        // 53 bits of each 64-bit half: exact as a double, and exact again after the power-of-two scale.
        TL.StoreAsDouble(TL.ShiftRightLogical(TL.Or(TL.ShiftLeft(c1, 32), c0), 11), Scale, _first.AsSpan(i));
        TL.StoreAsDouble(TL.ShiftRightLogical(TL.Or(TL.ShiftLeft(c3, 32), c2), 11), Scale, _second.AsSpan(i));
    }
}

/// <summary>
/// <see cref="LaneStreams"/> as a struct, for the samplers' generic parameter: a struct argument gets
/// its own compiled sampler with the draws inlined, where a class argument would share one compiled
/// body and call through the interface.
/// </summary>
internal readonly struct LaneStreamsSource(LaneStreams streams) : ILaneUniformSource
{
    /// <inheritdoc cref="LaneStreams.NextUniform{TL, TV}"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV NextUniform<TL, TV>(TV mask) where TL : ILanes<TV> where TV : struct => streams.NextUniform<TL, TV>(mask);
}
