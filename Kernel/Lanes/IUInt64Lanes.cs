namespace Stochastic.Lanes;

/// <summary>
/// The 64-bit unsigned integer operations over the lanes of one width, alongside the double
/// operations of <see cref="ILanes{TVector}"/>: <c>TBits</c> holds <see cref="Count"/> 64-bit lanes
/// (a plain <see cref="ulong"/> for the scalar width). What counter-based generators such as
/// Philox need: integer arithmetic is exact, so code written once against this interface gives the
/// same bits at every width. Each width struct implements both interfaces; the integer members are
/// implemented explicitly so that, say, <c>Create(0)</c> on a width struct still means the double.
/// </summary>
internal interface IUInt64Lanes<TBits> where TBits : struct
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }
    /// <summary>Whether this width runs on vector hardware here.</summary>
    static abstract bool IsHardwareAccelerated { get; }
    static abstract TBits Create(ulong value);
    static abstract TBits Load(ReadOnlySpan<ulong> source);
    /// <summary>Sum modulo 2⁶⁴ per lane.</summary>
    static abstract TBits Add(TBits a, TBits b);
    static abstract TBits And(TBits a, TBits b);
    static abstract TBits Or(TBits a, TBits b);
    static abstract TBits Xor(TBits a, TBits b);
    static abstract TBits ShiftLeft(TBits a, int count);
    static abstract TBits ShiftRightLogical(TBits a, int count);
    /// <summary>
    /// The full 64-bit product per lane of two lanes holding values below 2³² (one PMULUDQ where the
    /// hardware has it; elsewhere the whole lanes are multiplied, hence the bound).
    /// </summary>
    static abstract TBits MultiplyLow32(TBits a, TBits b);
    /// <summary>Lane i converted to the nearest double and multiplied by <paramref name="scale"/>, to destination[i].</summary>
    static abstract void StoreAsDouble(TBits value, double scale, Span<double> destination);
}
