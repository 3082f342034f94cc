namespace Stochastic.Expressions;

/// <summary>
/// Interval arithmetic over a lowered expression (Moore 1966): the range of an expression when time,
/// and optionally parameters, range over intervals while species counts are fixed. It gives the
/// upper bound of a propensity over a window of time that thinning (Lewis &amp; Shedler 1979; Ogata 1981)
/// needs. The result always contains every value the expression takes on the box (the bound is
/// true, not necessarily tight); where an operation cannot be bounded (a division by an interval
/// holding 0, a logarithm of a negative number, a pole of tan, an absent otherwise) the result is
/// <see cref="Interval.Unbounded"/>. Ends are computed in round-to-nearest arithmetic: callers
/// widen them by a relative margin far above the rounding error.
/// </summary>
/// <remarks>
/// Conditions evaluate to [0, 0] (false), [1, 1] (true) or [0, 1] (undetermined on the box); an
/// <c>if</c> or piecewise with an undetermined condition gives the hull of its branches.
/// </remarks>
internal static class IntervalEvaluator
{
    private static readonly Interval False = Interval.Point(0), True = Interval.Point(1), Unknown = new(0, 1);

    /// <summary>
    /// The range of <paramref name="expr"/> with species at <paramref name="species"/>, time in
    /// <paramref name="time"/>, and parameter i at <paramref name="parameters"/>[i], or in
    /// <paramref name="parameterRanges"/>[i] when that is given (parameters that change continuously
    /// over the window).
    /// </summary>
    public static Interval Evaluate(Expr expr, double[] species, double[] parameters, Interval time, Interval[]? parameterRanges = null)
    {
        Interval Recurse(Expr e) => Evaluate(e, species, parameters, time, parameterRanges);
        ExpressionLimits.EnsureStack(expr);
        switch (expr)
        {
            case NumberExpr n: return Interval.Point(n.Value);
            case SymbolExpr { Kind: SymbolKind.Species } s: return Interval.Point(species[s.Index]);
            case SymbolExpr { Kind: SymbolKind.Parameter } s: return parameterRanges is null ? Interval.Point(parameters[s.Index]) : parameterRanges[s.Index];
            case SymbolExpr { Kind: SymbolKind.Time }: return time;
            case SymbolExpr s: throw new ArgumentException($"'{s.Name}' ({s.Kind}) must be lowered before bounding");
            case UnaryExpr u:
                var operand = Recurse(u.Operand);
                return u.Operator == UnaryOperator.Negate ? new Interval(-operand.Hi, -operand.Lo) : Not(Truth(operand));
            case BinaryExpr b:
                if (b.Operator == BinaryOperator.And) return And(Truth(Recurse(b.Left)), Truth(Recurse(b.Right)));
                if (b.Operator == BinaryOperator.Or) return Not(And(Not(Truth(Recurse(b.Left))), Not(Truth(Recurse(b.Right)))));
                return Clean(Apply(b.Operator, Recurse(b.Left), Recurse(b.Right)));
            case CallExpr c:
                if (c.Function == BuiltinFunction.If)
                {
                    var truth = Truth(Recurse(c.Arguments[0]));
                    return truth == True ? Recurse(c.Arguments[1])
                        : truth == False ? Recurse(c.Arguments[2])
                        : Interval.Hull(Recurse(c.Arguments[1]), Recurse(c.Arguments[2]));
                }
                if (c.Function is BuiltinFunction.Min or BuiltinFunction.Max)
                {
                    var acc = Recurse(c.Arguments[0]);
                    for (int i = 1; i < c.Arguments.Length; i++)
                    {
                        var a = Recurse(c.Arguments[i]);
                        acc = c.Function == BuiltinFunction.Min
                            ? new Interval(Math.Min(acc.Lo, a.Lo), Math.Min(acc.Hi, a.Hi))
                            : new Interval(Math.Max(acc.Lo, a.Lo), Math.Max(acc.Hi, a.Hi));
                    }
                    return acc;
                }
                return Clean(Apply(c.Function, Recurse(c.Arguments[0])));
            case PiecewiseExpr p:
                // The first piece whose condition holds; pieces whose condition is undetermined join the hull.
                Interval? hull = null;
                foreach (var piece in p.Pieces)
                {
                    var holds = Truth(Recurse(piece.Condition));
                    if (holds == False) continue;
                    var value = Recurse(piece.Value);
                    hull = hull is { } h ? Interval.Hull(h, value) : value;
                    if (holds == True) return hull.Value;
                }
                var otherwise = p.Otherwise is null ? Interval.Unbounded : Recurse(p.Otherwise);
                return hull is { } last ? Interval.Hull(last, otherwise) : otherwise;
            default:
                throw new ArgumentException($"unknown expression node {expr.GetType().Name}");
        }
    }

    // NaN ends (0·∞, ∞ − ∞, a function outside its domain) mean the range is unknown.
    private static Interval Clean(Interval i) => double.IsNaN(i.Lo) || double.IsNaN(i.Hi) ? Interval.Unbounded : i;

    /// <summary>Truth of a value (0 is false, anything else true): [0, 0], [1, 1] or [0, 1].</summary>
    private static Interval Truth(Interval i) =>
        i.Lo == 0 && i.Hi == 0 ? False
        : i.Lo > 0 || i.Hi < 0 ? True
        : Unknown;

    private static Interval Not(Interval truth) => truth == True ? False : truth == False ? True : Unknown;

    private static Interval And(Interval a, Interval b) =>
        a == False || b == False ? False : a == True && b == True ? True : Unknown;

    private static Interval Apply(BinaryOperator op, Interval l, Interval r)
    {
        switch (op)
        {
            case BinaryOperator.Add: return new(l.Lo + r.Lo, l.Hi + r.Hi);
            case BinaryOperator.Subtract: return new(l.Lo - r.Hi, l.Hi - r.Lo);
            case BinaryOperator.Multiply: return Multiply(l, r);
            case BinaryOperator.Divide: return Divide(l, r);
            case BinaryOperator.Power: return Power(l, r);
            // a < b is certainly true when a's top is below b's bottom, certainly false when a's bottom is at or above b's top.
            case BinaryOperator.Less: return l.Hi < r.Lo ? True : l.Lo >= r.Hi ? False : Unknown;
            case BinaryOperator.LessOrEqual: return l.Hi <= r.Lo ? True : l.Lo > r.Hi ? False : Unknown;
            case BinaryOperator.Greater: return r.Hi < l.Lo ? True : r.Lo >= l.Hi ? False : Unknown;
            case BinaryOperator.GreaterOrEqual: return r.Hi <= l.Lo ? True : r.Lo > l.Hi ? False : Unknown;
            case BinaryOperator.Equal: return l.IsPoint && r.IsPoint && l.Lo == r.Lo ? True : l.Hi < r.Lo || r.Hi < l.Lo ? False : Unknown;
            case BinaryOperator.NotEqual: return Not(Apply(BinaryOperator.Equal, l, r));
            default: throw new ArgumentOutOfRangeException(nameof(op));
        }
    }

    // 0 · ∞ counts as 0: an end that is exactly 0 bounds the product whatever the other factor.
    private static double Product(double a, double b) => a == 0 || b == 0 ? 0 : a * b;

    private static Interval Multiply(Interval l, Interval r)
    {
        double p1 = Product(l.Lo, r.Lo), p2 = Product(l.Lo, r.Hi), p3 = Product(l.Hi, r.Lo), p4 = Product(l.Hi, r.Hi);
        return new(Math.Min(Math.Min(p1, p2), Math.Min(p3, p4)), Math.Max(Math.Max(p1, p2), Math.Max(p3, p4)));
    }

    private static Interval Divide(Interval l, Interval r)
    {
        if (r.Lo <= 0 && r.Hi >= 0) return Interval.Unbounded; // the divisor may be 0
        return Multiply(l, new Interval(1 / r.Hi, 1 / r.Lo));
    }

    private static Interval Power(Interval x, Interval y)
    {
        if (y.IsPoint && y.Lo == Math.Round(y.Lo) && Math.Abs(y.Lo) <= 1 << 30)
        {
            int n = (int)y.Lo;
            if (n == 0) return Interval.Point(1);
            if (n < 0) return Divide(Interval.Point(1), Power(x, Interval.Point(-n)));
            double lo = ExpressionEvaluator.Power(x.Lo, n), hi = ExpressionEvaluator.Power(x.Hi, n);
            if (n % 2 == 1) return new(lo, hi);                  // odd: increasing
            if (x.Lo >= 0) return new(lo, hi);                    // even, on [0, ∞): increasing
            if (x.Hi <= 0) return new(hi, lo);                    // even, on (−∞, 0]: decreasing
            return new(0, Math.Max(lo, hi));
        }
        if (x.Lo < 0) return Interval.Unbounded;                 // a real power of a negative base is undefined
        // x^y = exp(y · ln x) on x ≥ 0, with ln 0 = −∞ and 0 · ∞ = 0 (so 0^0 = 1).
        var log = Apply(BuiltinFunction.Ln, x);
        return Apply(BuiltinFunction.Exp, Multiply(y, log));
    }

    private static Interval Apply(BuiltinFunction fn, Interval x)
    {
        switch (fn)
        {
            // Non-decreasing functions: the image of the ends.
            case BuiltinFunction.Exp: return new(Math.Exp(x.Lo), Math.Exp(x.Hi));
            case BuiltinFunction.Floor: return new(Math.Floor(x.Lo), Math.Floor(x.Hi));
            case BuiltinFunction.Ceiling: return new(Math.Ceiling(x.Lo), Math.Ceiling(x.Hi));
            case BuiltinFunction.Tanh: return new(Math.Tanh(x.Lo), Math.Tanh(x.Hi));
            case BuiltinFunction.Ln: return Logarithm(x, Math.Log);
            case BuiltinFunction.Log10: return Logarithm(x, Math.Log10);
            case BuiltinFunction.Log2: return Logarithm(x, Math.Log2);
            case BuiltinFunction.Sqrt: return x.Lo < 0 ? Interval.Unbounded : new(Math.Sqrt(x.Lo), Math.Sqrt(x.Hi));
            case BuiltinFunction.Abs:
                return x.Lo >= 0 ? x : x.Hi <= 0 ? new(-x.Hi, -x.Lo) : new(0, Math.Max(-x.Lo, x.Hi));
            case BuiltinFunction.Sin: return Sine(x);
            case BuiltinFunction.Cos: return Sine(new Interval(x.Lo + Math.PI / 2, x.Hi + Math.PI / 2));
            case BuiltinFunction.Tan:
                // Increasing between poles at π/2 + kπ: bounded only when no pole lies in the interval.
                if (!(x.Hi - x.Lo < Math.PI)) return Interval.Unbounded;
                if (Math.Floor((x.Lo - Math.PI / 2) / Math.PI) != Math.Floor((x.Hi - Math.PI / 2) / Math.PI)) return Interval.Unbounded;
                return new(Math.Tan(x.Lo), Math.Tan(x.Hi));
            default: throw new ArgumentOutOfRangeException(nameof(fn));
        }
    }

    private static Interval Logarithm(Interval x, Func<double, double> log) =>
        x.Lo < 0 ? Interval.Unbounded : new(x.Lo == 0 ? double.NegativeInfinity : log(x.Lo), log(x.Hi));

    // sin on [lo, hi]: the ends, and ±1 where a maximum (π/2 + 2kπ) or minimum (−π/2 + 2kπ) lies inside.
    private static Interval Sine(Interval x)
    {
        if (!(x.Hi - x.Lo < 2 * Math.PI)) return new(-1, 1);
        double a = Math.Sin(x.Lo), b = Math.Sin(x.Hi);
        double lo = Math.Min(a, b), hi = Math.Max(a, b);
        if (Contains(x, Math.PI / 2)) hi = 1;
        if (Contains(x, -Math.PI / 2)) lo = -1;
        return new(lo, hi);
    }

    // Whether [lo, hi] holds a point phase + 2kπ; the test errs towards yes (a looser bound is still a bound).
    private static bool Contains(Interval x, double phase)
    {
        double k = Math.Ceiling((x.Lo - phase) / (2 * Math.PI) - 1e-9);
        return phase + 2 * Math.PI * k <= x.Hi + 1e-9 * Math.Max(1, Math.Abs(x.Hi));
    }
}
