using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Stochastic.Lanes;

/// <summary>128-bit lanes: 2 doubles (or 2 64-bit integers) per <see cref="Vector128{T}"/>. Correct (software) where the hardware lacks the width.</summary>
internal readonly struct Vector128Lanes : ILanes<Vector128<double>>, IUInt64Lanes<Vector128<ulong>>
{
    public static int Count => Vector128<double>.Count;
    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Create(double value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> CreateBits(ulong bits) => Vector128.Create(bits).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Load(ReadOnlySpan<double> source) => Vector128.Create(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<double> value, Span<double> destination) => value.CopyTo(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Add(Vector128<double> a, Vector128<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Subtract(Vector128<double> a, Vector128<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Multiply(Vector128<double> a, Vector128<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Divide(Vector128<double> a, Vector128<double> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Sqrt(Vector128<double> a) => Vector128.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Floor(Vector128<double> a) => Vector128.Floor(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Abs(Vector128<double> a) => Vector128.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Equal(Vector128<double> a, Vector128<double> b) => Vector128.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> LessThan(Vector128<double> a, Vector128<double> b) => Vector128.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> LessThanOrEqual(Vector128<double> a, Vector128<double> b) => Vector128.LessThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> And(Vector128<double> a, Vector128<double> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Or(Vector128<double> a, Vector128<double> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> AndNot(Vector128<double> a, Vector128<double> b) => Vector128.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Select(Vector128<double> mask, Vector128<double> ifTrue, Vector128<double> ifFalse) => Vector128.ConditionalSelect(mask, ifTrue, ifFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint MaskBits(Vector128<double> mask) => (uint)Vector128.ExtractMostSignificantBits(mask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> ShiftLeftBits(Vector128<double> a, int count) => Vector128.ShiftLeft(a.AsUInt64(), count).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> ShiftRightBits(Vector128<double> a, int count) => Vector128.ShiftRightLogical(a.AsUInt64(), count).AsDouble();

    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector128<ulong> IUInt64Lanes<Vector128<ulong>>.Create(ulong value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector128<ulong> IUInt64Lanes<Vector128<ulong>>.Load(ReadOnlySpan<ulong> source) => Vector128.Create(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector128<ulong> IUInt64Lanes<Vector128<ulong>>.Add(Vector128<ulong> a, Vector128<ulong> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector128<ulong> IUInt64Lanes<Vector128<ulong>>.And(Vector128<ulong> a, Vector128<ulong> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector128<ulong> IUInt64Lanes<Vector128<ulong>>.Or(Vector128<ulong> a, Vector128<ulong> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector128<ulong> IUInt64Lanes<Vector128<ulong>>.Xor(Vector128<ulong> a, Vector128<ulong> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector128<ulong> IUInt64Lanes<Vector128<ulong>>.ShiftLeft(Vector128<ulong> a, int count) => a << count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector128<ulong> IUInt64Lanes<Vector128<ulong>>.ShiftRightLogical(Vector128<ulong> a, int count) => a >>> count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector128<ulong> IUInt64Lanes<Vector128<ulong>>.MultiplyLow32(Vector128<ulong> a, Vector128<ulong> b) =>
        Sse2.IsSupported ? Sse2.Multiply(a.AsUInt32(), b.AsUInt32()) : a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static void IUInt64Lanes<Vector128<ulong>>.StoreAsDouble(Vector128<ulong> value, double scale, Span<double> destination) =>
        (Vector128.ConvertToDouble(value) * Vector128.Create(scale)).CopyTo(destination);
}
