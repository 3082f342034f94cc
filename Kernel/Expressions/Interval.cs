namespace Stochastic.Expressions;

/// <summary>
/// A closed interval [<see cref="Lo"/>, <see cref="Hi"/>] of reals, possibly unbounded (±∞ ends).
/// The value type of <see cref="IntervalEvaluator"/>.
/// </summary>
internal readonly record struct Interval(double Lo, double Hi)
{
    /// <summary>The whole real line: what an expression that cannot be bounded evaluates to.</summary>
    public static Interval Unbounded => new(double.NegativeInfinity, double.PositiveInfinity);

    /// <summary>The interval holding only <paramref name="value"/>.</summary>
    public static Interval Point(double value) => new(value, value);

    /// <summary>True when the interval is one value.</summary>
    public bool IsPoint => Lo == Hi;

    /// <summary>The smallest interval holding both.</summary>
    public static Interval Hull(Interval a, Interval b) => new(Math.Min(a.Lo, b.Lo), Math.Max(a.Hi, b.Hi));
}
