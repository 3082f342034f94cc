using System.Runtime.CompilerServices;

namespace Stochastic.Lanes;

/// <summary>
/// The scalar width: one lane, a plain double. The reference every vector width must reproduce
/// bit for bit. A mask is a double whose bits are all ones (true) or all zeros (false). Its integer
/// lanes are one plain <see cref="ulong"/>.
/// </summary>
internal readonly struct ScalarLanes : ILanes<double>, IUInt64Lanes<ulong>
{
    private static readonly double True = BitConverter.UInt64BitsToDouble(ulong.MaxValue);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static double Mask(bool value) => value ? True : 0.0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ulong Bits(double value) => BitConverter.DoubleToUInt64Bits(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static double FromBits(ulong bits) => BitConverter.UInt64BitsToDouble(bits);

    public static int Count => 1;
    public static bool IsHardwareAccelerated => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Create(double value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double CreateBits(ulong bits) => FromBits(bits);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Load(ReadOnlySpan<double> source) => source[0];
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(double value, Span<double> destination) => destination[0] = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Add(double a, double b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Subtract(double a, double b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Multiply(double a, double b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Divide(double a, double b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sqrt(double a) => Math.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Floor(double a) => Math.Floor(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Abs(double a) => Math.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Equal(double a, double b) => Mask(a == b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double LessThan(double a, double b) => Mask(a < b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double LessThanOrEqual(double a, double b) => Mask(a <= b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double And(double a, double b) => FromBits(Bits(a) & Bits(b));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Or(double a, double b) => FromBits(Bits(a) | Bits(b));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double AndNot(double a, double b) => FromBits(Bits(a) & ~Bits(b));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Select(double mask, double ifTrue, double ifFalse) => Bits(mask) != 0 ? ifTrue : ifFalse;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint MaskBits(double mask) => (uint)(Bits(mask) >> 63);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double ShiftLeftBits(double a, int count) => FromBits(Bits(a) << count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double ShiftRightBits(double a, int count) => FromBits(Bits(a) >> count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] static ulong IUInt64Lanes<ulong>.Create(ulong value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static ulong IUInt64Lanes<ulong>.Load(ReadOnlySpan<ulong> source) => source[0];
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static ulong IUInt64Lanes<ulong>.Add(ulong a, ulong b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static ulong IUInt64Lanes<ulong>.And(ulong a, ulong b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static ulong IUInt64Lanes<ulong>.Or(ulong a, ulong b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static ulong IUInt64Lanes<ulong>.Xor(ulong a, ulong b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static ulong IUInt64Lanes<ulong>.ShiftLeft(ulong a, int count) => a << count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static ulong IUInt64Lanes<ulong>.ShiftRightLogical(ulong a, int count) => a >> count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static ulong IUInt64Lanes<ulong>.MultiplyLow32(ulong a, ulong b) => a * b; // exact: both below 2³², as the interface requires
    [MethodImpl(MethodImplOptions.AggressiveInlining)] static void IUInt64Lanes<ulong>.StoreAsDouble(ulong value, double scale, Span<double> destination) => destination[0] = value * scale;
}
