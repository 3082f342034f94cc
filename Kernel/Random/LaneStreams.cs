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
    // Per lane: key words, stream words (counter words 2 and 3), next block number (counter words 0 and 1).
    private readonly ulong[] _k0, _k1, _s0, _s1, _block;
    // Per lane, the uniforms computed but not yet drawn: a queue of up to four in the slots, oldest at
    // _head (0–3), _count of them. Computing the Philox block of every lane costs one vector pass
    // whichever lanes need it, so a pass appends a block (two uniforms) to every lane with room, and
    // lanes whose draws have drifted apart need a pass at most every other draw instead of nearly every draw.
    private readonly double[] _slot0, _slot1, _slot2, _slot3, _head, _count, _first, _second;

    /// <summary>Streams for <paramref name="lanes"/> lanes (at most 8), all stream 0 of seed 0 until <see cref="Set(int, ulong, ulong)"/>.</summary>
    public LaneStreams(int lanes)
    {
        _lanes = lanes;
        // Rounded up to 8 so the widest vector loads whole registers.
        int n = Math.Max(8, lanes);
        _k0 = new ulong[n]; _k1 = new ulong[n]; _s0 = new ulong[n]; _s1 = new ulong[n]; _block = new ulong[n];
        _slot0 = new double[n]; _slot1 = new double[n]; _slot2 = new double[n]; _slot3 = new double[n];
        _head = new double[n]; _count = new double[n]; _first = new double[n]; _second = new double[n];
    }

    /// <summary>Lanes.</summary>
    public int Count => _lanes;

    /// <summary>Puts lane <paramref name="lane"/> at the first draw of stream (<paramref name="seed"/>, <paramref name="stream"/>).</summary>
    public void Set(int lane, ulong seed, ulong stream)
    {
        _k0[lane] = (uint)seed; _k1[lane] = (uint)(seed >> 32);
        _s0[lane] = (uint)stream; _s1[lane] = (uint)(stream >> 32);
        _block[lane] = 0;
        _head[lane] = 0; _count[lane] = 0;
    }

    /// <summary>
    /// Puts lane <paramref name="lane"/> after the first <paramref name="drawn"/> uniforms of stream
    /// (<paramref name="seed"/>, <paramref name="stream"/>), where <see cref="Drawn"/> said it stood: the
    /// draws go on as if the lane had never left it (a paused cell resumes its stream).
    /// </summary>
    public void Set(int lane, ulong seed, ulong stream, long drawn)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(drawn);
        Set(lane, seed, stream);
        _block[lane] = (ulong)(drawn / 2);
        if ((drawn & 1) == 0) return;
        // Half a block drawn: its second uniform is queued.
        Generate<ScalarLanes, ulong>(lane);
        _block[lane]++;
        _slot0[lane] = _second[lane];
        _count[lane] = 1;
    }

    /// <summary>Uniforms lane <paramref name="lane"/> has drawn from the start of its stream: two per block computed, less those queued.</summary>
    public long Drawn(int lane) => 2 * (long)_block[lane] - (long)_count[lane];

    /// <summary>Uniforms in [0, 1) for the lanes set in <paramref name="mask"/>, 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV NextUniform<TL, TV>(TV mask) where TL : ILanes<TV> where TV : struct
    {
        if (TL.MaskBits(mask) == 0) return TL.Create(0);
        TV zero = TL.Create(0), one = TL.Create(1);
        if (TL.MaskBits(TL.And(mask, TL.Equal(TL.Load(_count), zero))) != 0) Refill<TL, TV>();
        TV head = TL.Load(_head);
        TV value = TL.Select(TL.Equal(head, zero), TL.Load(_slot0),
                   TL.Select(TL.Equal(head, one), TL.Load(_slot1),
                   TL.Select(TL.Equal(head, TL.Create(2)), TL.Load(_slot2), TL.Load(_slot3))));
        TV next = TL.Add(head, one);
        TL.Store(TL.Select(mask, TL.Select(TL.Equal(next, TL.Create(4)), zero, next), head), _head);
        TL.Store(TL.Subtract(TL.Load(_count), TL.And(mask, one)), _count);
        return TL.And(mask, value);
    }

    /// <summary>Appends the next block's two uniforms to every lane with room for them (two or fewer queued).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Refill<TL, TV>() where TL : ILanes<TV> where TV : struct
    {
        Generate();
        TV count = TL.Load(_count), head = TL.Load(_head), four = TL.Create(4);
        TV room = TL.LessThanOrEqual(count, TL.Create(2));
        // Queue positions of the two new uniforms, mod 4.
        TV tail = TL.Add(head, count);
        tail = TL.Select(TL.LessThan(tail, four), tail, TL.Subtract(tail, four));
        TV after = TL.Add(tail, TL.Create(1));
        after = TL.Select(TL.LessThan(after, four), after, TL.Subtract(after, four));
        TV first = TL.Load(_first), second = TL.Load(_second);
        Append<TL, TV>(_slot0, 0, room, tail, after, first, second);
        Append<TL, TV>(_slot1, 1, room, tail, after, first, second);
        Append<TL, TV>(_slot2, 2, room, tail, after, first, second);
        Append<TL, TV>(_slot3, 3, room, tail, after, first, second);
        TL.Store(TL.Add(count, TL.And(room, TL.Create(2))), _count);
        var block = _block;
        for (uint n = TL.MaskBits(room); n != 0; n &= n - 1) block[System.Numerics.BitOperations.TrailingZeroCount(n)]++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Append<TL, TV>(double[] slot, int index, TV room, TV tail, TV after, TV first, TV second) where TL : ILanes<TV> where TV : struct
    {
        TV at = TL.Create(index);
        TV value = TL.Select(TL.And(room, TL.Equal(tail, at)), first, TL.Select(TL.And(room, TL.Equal(after, at)), second, TL.Load(slot)));
        TL.Store(value, slot);
    }

    /// <summary>The next uniform of lane <paramref name="lane"/> alone (the same sequence as <see cref="NextUniform{TL, TV}"/> gives it).</summary>
    public double NextDouble(int lane)
    {
        if (_count[lane] == 0)
        {
            Generate<ScalarLanes, ulong>(lane);
            _block[lane]++;
            // The queue is empty: the block's two uniforms go to its head.
            int at = (int)_head[lane];
            Slot(at)[lane] = _first[lane];
            Slot((at + 1) & 3)[lane] = _second[lane];
            _count[lane] = 2;
        }
        int h = (int)_head[lane];
        double value = Slot(h)[lane];
        _head[lane] = (h + 1) & 3;
        _count[lane]--;
        return value;
    }

    private double[] Slot(int index) => index switch { 0 => _slot0, 1 => _slot1, 2 => _slot2, _ => _slot3 };

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
