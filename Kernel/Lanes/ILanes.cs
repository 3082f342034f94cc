namespace Stochastic.Lanes;

/// <summary>
/// The operations lane math is written in, for one vector width: <c>TVector</c> holds
/// <see cref="Count"/> doubles (a plain <see cref="double"/> for the scalar width). Masks are
/// vectors whose lanes are all-ones or all-zeros bits. Every operation is one correctly rounded
/// IEEE operation per lane (no fused multiply–add anywhere), so code written once against this
/// interface gives bit-identical lanes at every width, including the scalar one. Min/max are
/// written as compare-and-select in every width so their treatment of signed zeros and NaN is the
/// same too.
/// </summary>
/// <remarks>The shape follows TensorPrimitives' operator structs: static abstract members, chosen at
/// compile time through a generic parameter, so the JIT specializes and inlines each width.</remarks>
internal interface ILanes<TVector> where TVector : struct
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }
    /// <summary>Whether this width runs on vector hardware here.</summary>
    static abstract bool IsHardwareAccelerated { get; }
    static abstract TVector Create(double value);
    static abstract TVector CreateBits(ulong bits);
    static abstract TVector Load(ReadOnlySpan<double> source);
    static abstract void Store(TVector value, Span<double> destination);
    static abstract TVector Add(TVector a, TVector b);
    static abstract TVector Subtract(TVector a, TVector b);
    static abstract TVector Multiply(TVector a, TVector b);
    static abstract TVector Divide(TVector a, TVector b);
    static abstract TVector Sqrt(TVector a);
    static abstract TVector Floor(TVector a);
    static abstract TVector Abs(TVector a);
    static abstract TVector Equal(TVector a, TVector b);
    static abstract TVector LessThan(TVector a, TVector b);
    static abstract TVector LessThanOrEqual(TVector a, TVector b);
    static abstract TVector And(TVector a, TVector b);
    static abstract TVector Or(TVector a, TVector b);
    /// <summary>a AND NOT b.</summary>
    static abstract TVector AndNot(TVector a, TVector b);
    /// <summary>Per lane: mask ? ifTrue : ifFalse.</summary>
    static abstract TVector Select(TVector mask, TVector ifTrue, TVector ifFalse);
    /// <summary>Bit i set when lane i of the mask is set.</summary>
    static abstract uint MaskBits(TVector mask);
    static abstract TVector ShiftLeftBits(TVector a, int count);
    static abstract TVector ShiftRightBits(TVector a, int count);
}

/// <summary>Helpers written once over <see cref="ILanes{TVector}"/>.</summary>
internal static class LaneOps
{
    public static TV Min<TL, TV>(TV a, TV b) where TL : ILanes<TV> where TV : struct => TL.Select(TL.LessThan(b, a), b, a);
    public static TV Max<TL, TV>(TV a, TV b) where TL : ILanes<TV> where TV : struct => TL.Select(TL.LessThan(a, b), b, a);
    public static bool Any<TL, TV>(TV mask) where TL : ILanes<TV> where TV : struct => TL.MaskBits(mask) != 0;
    public static TV AllOnes<TL, TV>() where TL : ILanes<TV> where TV : struct => TL.CreateBits(ulong.MaxValue);
}
