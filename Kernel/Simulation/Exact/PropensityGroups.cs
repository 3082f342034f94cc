using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Stochastic.Random;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The group structure of composition–rejection sampling (Slepoy, Thompson &amp; Plimpton 2008,
/// J. Chem. Phys. 128:205101): one non-negative weight per reaction (a propensity, or an upper bound
/// of one), reactions with weight a &gt; 0 binned into groups g holding a ∈ [2^g, 2^(g+1)), each group
/// with its members (swap-remove arrays), their weight sum, and a running total of all weights. A
/// weight change moves a reaction between groups in O(1); <see cref="Select"/> draws a reaction with
/// probability weight / total: a group by linear search over the group sums (composition), then a
/// member by rejection against the group bound 2^(g+1) (acceptance at least ½). Used by
/// <see cref="CompositionRejection"/> (SSA-CR) and <see cref="RejectionCompositionSsa"/> (RSSA-CR).
/// </summary>
/// <remarks>
/// The sums and the total are updated incrementally and re-summed from the weights every
/// max(1024, n) events (<see cref="CountEvent"/>) to keep rounding drift bounded; an emptied group's
/// sum is set to exactly 0, so rounding never makes an empty group selectable.
/// </remarks>
internal sealed class PropensityGroups
{
    // Group of a weight a > 0 is floor(log2 a) + Offset; covers every positive double (ILogB ∈ [-1074, 1023]).
    private const int Offset = 1100;
    private const int GroupCount = 2200;
    private const int NoGroup = -1;

    private readonly double[] _values;  // reaction -> weight
    private readonly double[] _companions; // reaction -> the value carried beside its weight (Set's companion)
    private readonly int[] _groupOf;    // reaction -> group, or NoGroup when its weight is 0
    private readonly int[] _slot;       // reaction -> index within its group
    private readonly Member[][] _members = new Member[GroupCount][];
    private readonly int[] _counts = new int[GroupCount];
    private readonly double[] _sums = new double[GroupCount];
    private readonly double[] _bounds = new double[GroupCount]; // 2^(g+1): the rejection bound of group g
    private readonly int _resumInterval;
    private readonly bool _copies;
    private int _low = GroupCount, _high = -1; // range of groups ever used
    // Running sums of the group sums from _top down (entry k: groups _top … _top − k), _top the highest group that was
    // not empty when they were last built, padded with +∞ to whole vectors and at least FirstStage entries:
    // SelectWithVariate's group is the number of entries ≤ its target, counted with vector compares.
    private double[] _cumulative = EmptyCumulative();
    private int _top = -1;
    // Entries counted first, two vectors (FindGroupCounting reads vectors 0 and 1); the rest only when the target lies beyond them.
    private static int FirstStage => 2 * Vector256<double>.Count;
    private double _total;
    private int _sinceResum;

    // A group's member, with copies of its weight and companion when the groups keep them: SelectWithVariate's member try
    // then reads one record, not the reaction's entries in two more arrays (a chain of dependent loads on every trial's
    // critical path).
    private struct Member
    {
        public int Reaction;
        public double Weight;
        public double Companion;
    }

    /// <summary>Creates the structure for <paramref name="reactionCount"/> reactions, all of weight 0.</summary>
    /// <param name="reactionCount">The number of reactions.</param>
    /// <param name="copies">
    /// Whether each group's member records keep copies of the weight and the companion value, which
    /// <see cref="SelectWithVariate"/> reads (RSSA-CR, whose weights change rarely). Without them (SSA-CR, whose
    /// weights change on every firing) a weight change writes one array less and <see cref="Select"/> reads the weights.
    /// </param>
    public PropensityGroups(int reactionCount, bool copies = false)
    {
        _copies = copies;
        _values = new double[reactionCount];
        _companions = new double[reactionCount];
        _groupOf = new int[reactionCount];
        _slot = new int[reactionCount];
        Array.Fill(_groupOf, NoGroup);
        _resumInterval = Math.Max(1024, reactionCount);
        for (int g = 0; g < GroupCount; g++) _bounds[g] = Math.ScaleB(1.0, g - Offset + 1);
    }

    /// <summary>The sum of all weights (kept incrementally between re-sums).</summary>
    public double Total => _total;

    /// <summary>The weight of reaction <paramref name="reaction"/>.</summary>
    public double this[int reaction] => _values[reaction];

    /// <summary>The companion value of reaction <paramref name="reaction"/> (<see cref="Add(int, double, double)"/>); kept only with copies, else 0.</summary>
    public double Companion(int reaction) => _companions[reaction];

    /// <summary>Sets every weight to 0 and empties every group (the total is left to <see cref="Resum"/>).</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        Array.Clear(_sums);
        Array.Clear(_values);
        Array.Clear(_companions);
        AccumulateGroups();
        Array.Fill(_groupOf, NoGroup);
    }

    /// <summary>
    /// Gives reaction <paramref name="reaction"/>, of weight 0 after <see cref="Clear"/>, the weight
    /// <paramref name="value"/> (finite, ≥ 0) without updating the total: call <see cref="Resum"/> after the last.
    /// </summary>
    public void Add(int reaction, double value) => Add(reaction, value, 0);

    /// <summary>
    /// <see cref="Add(int, double)"/> with a <paramref name="companion"/> value kept beside the weight and returned by
    /// <see cref="SelectWithVariate"/> with the reaction (RSSA-CR's lower bound).
    /// </summary>
    public void Add(int reaction, double value, double companion)
    {
        _values[reaction] = value;
        if (_copies) _companions[reaction] = companion;
        if (value > 0) Insert(reaction, value);
    }

    /// <summary>
    /// Changes the weight of <paramref name="reaction"/> to <paramref name="value"/> (finite, ≥ 0):
    /// updates the total and the group sum, and moves the reaction to its new group if needed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int reaction, double value) => Set(reaction, value, 0);

    /// <summary><see cref="Set(int, double)"/> with a new <paramref name="companion"/> value (see <see cref="Add(int, double, double)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int reaction, double value, double companion)
    {
        double old = _values[reaction];
        int from = _groupOf[reaction];
        if (old == value)
        {
            if (_copies && _companions[reaction] != companion)
            {
                _companions[reaction] = companion;
                if (from != NoGroup) _members[from][_slot[reaction]].Companion = companion;
            }
            return;
        }
        _values[reaction] = value;
        if (_copies) _companions[reaction] = companion;
        _total += value - old;
        int to = value > 0 ? Math.ILogB(value) + Offset : NoGroup;
        if (from == to)
        {
            if (_copies)
            {
                ref var member = ref _members[from][_slot[reaction]];
                member.Weight = value;
                member.Companion = companion;
            }
            _sums[from] += value - old;
            AddToCumulative(from, value - old);
            return;
        }
        if (from != NoGroup) Remove(reaction, from, old);
        if (to != NoGroup) Insert(reaction, value);
    }

    /// <summary>Counts one event; every max(1024, n) events re-sums the groups (rounding drift control).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CountEvent()
    {
        if (++_sinceResum >= _resumInterval) Resum();
    }

    /// <summary>Recomputes every group sum and the total from the weights (removes rounding drift).</summary>
    public void Resum()
    {
        var values = _values;
        var counts = _counts;
        double total = 0;
        for (int g = _low; g <= _high; g++)
        {
            double sum = 0;
            var members = _members[g];
            int count = counts[g];
            for (int i = 0; i < count; i++) sum += values[members[i].Reaction];
            _sums[g] = sum;
            total += sum;
        }
        _total = total;
        _sinceResum = 0;
        AccumulateGroups();
    }

    /// <summary>Recomputes the running sums of the group sums (<see cref="SelectWithVariate"/>'s search) from the sums.</summary>
    private void AccumulateGroups()
    {
        if (_high < _low) return;
        int top = _high;
        while (top > _low && _counts[top] == 0) top--; // groups above the highest non-empty one would only lengthen the count
        _top = top;
        int span = top - _low + 1;
        int padded = Math.Max(FirstStage, (span + Vector256<double>.Count - 1) / Vector256<double>.Count * Vector256<double>.Count);
        if (_cumulative.Length != padded) _cumulative = new double[padded];
        double running = 0;
        for (int k = 0; k < span; k++) _cumulative[k] = running += _sums[top - k];
        for (int k = span; k < padded; k++) _cumulative[k] = double.PositiveInfinity;
    }

    private static double[] EmptyCumulative()
    {
        var empty = new double[FirstStage];
        Array.Fill(empty, double.PositiveInfinity);
        return empty;
    }

    /// <summary>Adds <paramref name="delta"/> to the running sums that include group <paramref name="g"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddToCumulative(int g, double delta)
    {
        if (g > _top) { AccumulateGroups(); return; } // a group above the running sums' top filled: rebuild them (its sum is set)
        var cumulative = _cumulative.AsSpan(_top - g, _top - _low + 1 - (_top - g));
        for (int k = 0; k < cumulative.Length; k++) cumulative[k] += delta;
    }

    /// <summary>
    /// Draws a reaction with probability weight / <see cref="Total"/>: a uniform picks the group
    /// (searched from the largest weights down), then pairs of uniforms pick a member and accept it
    /// when uniform · 2^(g+1) &lt; its weight.
    /// </summary>
    /// <returns>The reaction, or −1 when rounding put the target past the last group and every group is empty.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Select(ref Xoshiro256StarStar random)
    {
        int g = FindGroup(random.NextDouble() * _total);
        if (g < 0) return -1;
        // Rejection: a uniform member, accepted with probability weight / 2^(g+1).
        var members = _members[g];
        var values = _values;
        int count = _counts[g];
        double bound = _bounds[g];
        int r;
        do r = members[(int)(random.NextDouble() * count)].Reaction;
        while (random.NextDouble() * bound >= values[r]);
        return r;
    }

    /// <summary>
    /// Draws a reaction with probability weight / <see cref="Total"/> as <see cref="Select"/> does, but with one
    /// 64-bit draw per member try instead of two, and returns in <paramref name="u"/> a variate uniform on
    /// [0, weight) of the chosen reaction, which RSSA reuses as its acceptance variate, and in
    /// <paramref name="companion"/> the reaction's companion value.
    /// </summary>
    /// <remarks>
    /// The try multiplies the draw v by the group's member count n as a 128-bit product: the high word
    /// ⌊v·n / 2^64⌋ is the member (uniform up to n / 2^64, Lemire 2019, ACM TOMS 45:1), the low word is the
    /// leftover fraction of v·n, uniform on [0, 2^64) in steps of n and independent of the member; its top 53 bits
    /// scaled by 2^(g+1) are the rejection variate. The law of the member and of <paramref name="u"/> differs from
    /// that of two independent draws by at most n·2^−64 in probability, below the 2^−53 resolution of a double.
    /// </remarks>
    /// <returns>The reaction, or −1 when rounding put the target past the last group and every group is empty.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SelectWithVariate(ref Xoshiro256StarStar random, out double u, out double companion)
    {
        Debug.Assert(_copies, "SelectWithVariate reads the member records' copies: create the groups with copies: true");
        int g = FindGroupCounting(random.NextDouble() * _total);
        if (g < 0) { u = 0; companion = 0; return -1; }
        var members = _members[g];
        ulong count = (uint)_counts[g];
        double scale = _bounds[g] * (1.0 / (1UL << 53));
        int k;
        do
        {
            ulong v = random.NextUInt64();
            k = (int)HighWord(v, count);
            u = ((v * count) >> 11) * scale; // the low word of v·count: the leftover fraction
        }
        while (u >= members[k].Weight);
        companion = members[k].Companion;
        return members[k].Reaction;
    }

    // ⌊v·n / 2^64⌋ in a register (Math.BigMul's out parameter for the low word goes through memory).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong HighWord(ulong v, ulong n) =>
        System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported ? System.Runtime.Intrinsics.X86.Bmi2.X64.MultiplyNoFlags(v, n) : Math.BigMul(v, n, out _);

    /// <summary>
    /// The group holding <paramref name="target"/> ∈ [0, total) in the cumulative group sums, searched from the
    /// largest weights down; −1 when rounding put it past the last group and every group is empty.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindGroup(double target)
    {
        // An empty group's sum is exactly 0 (Remove, Resum), so subtracting it never ends the search: no count test.
        int low = _low;
        if (_high < low) return -1;
        var sums = _sums.AsSpan(low, _high - low + 1);
        for (int i = sums.Length - 1; i >= 0; i--)
        {
            target -= sums[i];
            if (target < 0) return i + low;
        }
        return LowestNonEmpty(); // rounding put the target past the last group
    }

    /// <summary>
    /// The group holding <paramref name="target"/>, found by counting the running sums ≤ it (vector compares, no
    /// data-dependent branch: the scan's exit branch is mispredicted whenever the group is not the first one
    /// searched). The running sums are kept incrementally and round differently from the group sums, so where
    /// they point past the last group or at an empty one (rounding residue), the scan decides.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindGroupCounting(double target)
    {
        // The first FirstStage groups from the top hold most of the total in the networks measured (egfr_net 92 %,
        // multisite2 99 %): the rest is counted only when the target lies beyond them, a branch that is mostly predicted.
        var vectors = MemoryMarshal.Cast<double, Vector256<double>>(_cumulative.AsSpan());
        var t = Vector256.Create(target);
        int below = BitOperations.PopCount(Vector256.LessThanOrEqual(vectors[0], t).ExtractMostSignificantBits())
                  + BitOperations.PopCount(Vector256.LessThanOrEqual(vectors[1], t).ExtractMostSignificantBits());
        if (below == FirstStage)
            for (int k = 2; k < vectors.Length; k++) below += BitOperations.PopCount(Vector256.LessThanOrEqual(vectors[k], t).ExtractMostSignificantBits());
        int g = _top - below;
        if (g < _low || _counts[g] == 0) return FindGroup(target);
        return g;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int LowestNonEmpty()
    {
        for (int g = _low; g <= _high; g++) if (_counts[g] > 0) return g;
        return -1;
    }

    private void Insert(int r, double a)
    {
        int g = Math.ILogB(a) + Offset;
        var members = _members[g];
        int count = _counts[g];
        if (members is null || count == members.Length) members = Grow(g);
        members[count] = new Member { Reaction = r, Weight = a, Companion = _companions[r] };
        _slot[r] = count;
        _counts[g] = count + 1;
        _sums[g] += a;
        AddToCumulative(g, a);
        _groupOf[r] = g;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Remove(int r, int g, double a)
    {
        var members = _members[g];
        int last = --_counts[g];
        var moved = members[last];
        int slot = _slot[r];
        members[slot] = moved;
        _slot[moved.Reaction] = slot;
        // An empty group's sum is exactly zero, so rounding never makes an empty group selectable.
        _sums[g] = last == 0 ? 0 : _sums[g] - a;
        AddToCumulative(g, -a);
        _groupOf[r] = NoGroup;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Member[] Grow(int g)
    {
        var old = _members[g];
        var grown = new Member[Math.Max(8, old is null ? 0 : old.Length * 2)];
        old?.CopyTo(grown, 0);
        _members[g] = grown;
        if (g < _low || g > _high)
        {
            _low = Math.Min(_low, g);
            _high = Math.Max(_high, g);
            AccumulateGroups(); // the positions moved
        }
        return grown;
    }

    // Inspection, for tests.

    /// <summary>The group of a weight <paramref name="value"/> &gt; 0.</summary>
    internal static int GroupIndex(double value) => Math.ILogB(value) + Offset;

    /// <summary>The group of <paramref name="reaction"/>, or −1 when its weight is 0.</summary>
    internal int GroupOf(int reaction) => _groupOf[reaction];

    /// <summary>The number of members of group <paramref name="group"/>.</summary>
    internal int MemberCount(int group) => _counts[group];

    /// <summary>The running weight sum of group <paramref name="group"/>.</summary>
    internal double GroupSum(int group) => _sums[group];
}
