using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Stochastic.Lanes;

/// <summary>512-bit lanes: 8 doubles (or 8 64-bit integers) per <see cref="Vector512{T}"/>. Correct (software) where the hardware lacks the width.</summary>
internal readonly struct Vector512Lanes : ILanes<Vector512<double>>, IUInt64Lanes<Vector512<ulong>>
{
    public static int Count => Vector512<double>.Count;
    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Create(double value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> CreateBits(ulong bits) => Vector512.Create(bits).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Load(ReadOnlySpan<double> source) => Vector512.Create(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<double> value, Span<double> destination) => value.CopyTo(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Subtract(Vector512<double> a, Vector512<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Multiply(Vector512<double> a, Vector512<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Divide(Vector512<double> a, Vector512<double> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Sqrt(Vector512<double> a) => Vector512.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Floor(Vector512<double> a) => Vector512.Floor(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Abs(Vector512<double> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Equal(Vector512<double> a, Vector512<double> b) => Vector512.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> LessThan(Vector512<double> a, Vector512<double> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> LessThanOrEqual(Vector512<double> a, Vector512<double> b) => Vector512.LessThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> And(Vector512<double> a, Vector512<double> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Or(Vector512<double> a, Vector512<double> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> AndNot(Vector512<double> a, Vector512<double> b) => Vector512.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Select(Vector512<double> mask, Vector512<double> ifTrue, Vector512<double> ifFalse) => Vector512.ConditionalSelect(mask, ifTrue, ifFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint MaskBits(Vector512<double> mask) => (uint)Vector512.ExtractMostSignificantBits(mask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> ShiftLeftBits(Vector512<double> a, int count) => Vector512.ShiftLeft(a.AsUInt64(), count).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> ShiftRightBits(Vector512<double> a, int count) => Vector512.ShiftRightLogical(a.AsUInt64(), count).AsDouble();

    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector512<ulong> IUInt64Lanes<Vector512<ulong>>.Create(ulong value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector512<ulong> IUInt64Lanes<Vector512<ulong>>.Load(ReadOnlySpan<ulong> source) => Vector512.Create(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector512<ulong> IUInt64Lanes<Vector512<ulong>>.Add(Vector512<ulong> a, Vector512<ulong> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector512<ulong> IUInt64Lanes<Vector512<ulong>>.And(Vector512<ulong> a, Vector512<ulong> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector512<ulong> IUInt64Lanes<Vector512<ulong>>.Or(Vector512<ulong> a, Vector512<ulong> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector512<ulong> IUInt64Lanes<Vector512<ulong>>.Xor(Vector512<ulong> a, Vector512<ulong> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector512<ulong> IUInt64Lanes<Vector512<ulong>>.ShiftLeft(Vector512<ulong> a, int count) => a << count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector512<ulong> IUInt64Lanes<Vector512<ulong>>.ShiftRightLogical(Vector512<ulong> a, int count) => a >>> count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector512<ulong> IUInt64Lanes<Vector512<ulong>>.MultiplyLow32(Vector512<ulong> a, Vector512<ulong> b) =>
        Avx512F.IsSupported ? Avx512F.Multiply(a.AsUInt32(), b.AsUInt32()) : a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static void IUInt64Lanes<Vector512<ulong>>.StoreAsDouble(Vector512<ulong> value, double scale, Span<double> destination) =>
        (Vector512.ConvertToDouble(value) * Vector512.Create(scale)).CopyTo(destination);
}
