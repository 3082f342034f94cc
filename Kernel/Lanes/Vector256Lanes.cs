using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Stochastic.Lanes;

/// <summary>256-bit lanes: 4 doubles (or 4 64-bit integers) per <see cref="Vector256{T}"/>. Correct (software) where the hardware lacks the width.</summary>
internal readonly struct Vector256Lanes : ILanes<Vector256<double>>, IUInt64Lanes<Vector256<ulong>>
{
    public static int Count => Vector256<double>.Count;
    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Create(double value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> CreateBits(ulong bits) => Vector256.Create(bits).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Load(ReadOnlySpan<double> source) => Vector256.Create(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<double> value, Span<double> destination) => value.CopyTo(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Subtract(Vector256<double> a, Vector256<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Multiply(Vector256<double> a, Vector256<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Divide(Vector256<double> a, Vector256<double> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Sqrt(Vector256<double> a) => Vector256.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Floor(Vector256<double> a) => Vector256.Floor(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Abs(Vector256<double> a) => Vector256.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Equal(Vector256<double> a, Vector256<double> b) => Vector256.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> LessThan(Vector256<double> a, Vector256<double> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> LessThanOrEqual(Vector256<double> a, Vector256<double> b) => Vector256.LessThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> And(Vector256<double> a, Vector256<double> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Or(Vector256<double> a, Vector256<double> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> AndNot(Vector256<double> a, Vector256<double> b) => Vector256.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Select(Vector256<double> mask, Vector256<double> ifTrue, Vector256<double> ifFalse) => Vector256.ConditionalSelect(mask, ifTrue, ifFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint MaskBits(Vector256<double> mask) => (uint)Vector256.ExtractMostSignificantBits(mask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> ShiftLeftBits(Vector256<double> a, int count) => Vector256.ShiftLeft(a.AsUInt64(), count).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> ShiftRightBits(Vector256<double> a, int count) => Vector256.ShiftRightLogical(a.AsUInt64(), count).AsDouble();

    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector256<ulong> IUInt64Lanes<Vector256<ulong>>.Create(ulong value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector256<ulong> IUInt64Lanes<Vector256<ulong>>.Load(ReadOnlySpan<ulong> source) => Vector256.Create(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector256<ulong> IUInt64Lanes<Vector256<ulong>>.Add(Vector256<ulong> a, Vector256<ulong> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector256<ulong> IUInt64Lanes<Vector256<ulong>>.And(Vector256<ulong> a, Vector256<ulong> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector256<ulong> IUInt64Lanes<Vector256<ulong>>.Or(Vector256<ulong> a, Vector256<ulong> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector256<ulong> IUInt64Lanes<Vector256<ulong>>.Xor(Vector256<ulong> a, Vector256<ulong> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector256<ulong> IUInt64Lanes<Vector256<ulong>>.ShiftLeft(Vector256<ulong> a, int count) => a << count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector256<ulong> IUInt64Lanes<Vector256<ulong>>.ShiftRightLogical(Vector256<ulong> a, int count) => a >>> count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static Vector256<ulong> IUInt64Lanes<Vector256<ulong>>.MultiplyLow32(Vector256<ulong> a, Vector256<ulong> b) =>
        Avx2.IsSupported ? Avx2.Multiply(a.AsUInt32(), b.AsUInt32()) : a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static void IUInt64Lanes<Vector256<ulong>>.StoreAsDouble(Vector256<ulong> value, double scale, Span<double> destination) =>
        (Vector256.ConvertToDouble(value) * Vector256.Create(scale)).CopyTo(destination);
}
