using Stochastic.Expressions;

namespace Stochastic.Network;

/// <summary>
/// Finds where an expression reads time. A comparison of time with an expression over parameters
/// (<c>time &gt;= c</c>, <c>c &lt; time</c>, …) can change its value only at c or just after it, so a
/// simulator can stop its clock there (a breakpoint) instead of searching for the crossing; between
/// breakpoints its value is fixed. Event triggers (<see cref="CompiledEvents"/>) and rate laws
/// (<see cref="NetworkCompiler"/>) share this one definition.
/// </summary>
internal static class TimeThresholds
{
    /// <summary>
    /// Adds to <paramref name="thresholds"/> the c of every comparison of time with an expression over
    /// parameters, and to <paramref name="other"/> every other node that reads time: a comparison of time
    /// with an expression that changes (the comparison), or time read anywhere else (the symbol).
    /// </summary>
    public static void Collect(Expr expr, List<Expr> thresholds, List<Expr> other)
    {
        ExpressionLimits.EnsureStack(expr);
        switch (expr)
        {
            case BinaryExpr b when IsRelational(b.Operator) && (IsTime(b.Left) || IsTime(b.Right)):
                var c = IsTime(b.Left) ? b.Right : b.Left;
                if (ExpressionEvaluator.IsConstant(c)) thresholds.Add(c);
                else other.Add(b);
                break;
            case SymbolExpr { Kind: SymbolKind.Time } s: other.Add(s); break;
            case UnaryExpr u: Collect(u.Operand, thresholds, other); break;
            case BinaryExpr b: Collect(b.Left, thresholds, other); Collect(b.Right, thresholds, other); break;
            case CallExpr call: foreach (var a in call.Arguments) Collect(a, thresholds, other); break;
            case PiecewiseExpr p:
                foreach (var piece in p.Pieces) { Collect(piece.Value, thresholds, other); Collect(piece.Condition, thresholds, other); }
                if (p.Otherwise is not null) Collect(p.Otherwise, thresholds, other);
                break;
        }
    }

    /// <summary>
    /// Adds to <paramref name="times"/> the instants at which a comparison with threshold c can change:
    /// c itself (where <c>time &gt;= c</c> turns true) and the next double after it (where <c>time &gt; c</c> does).
    /// Thresholds that are not finite are skipped.
    /// </summary>
    public static void AddInstants(double c, List<double> times)
    {
        if (!double.IsFinite(c)) return;
        times.Add(c);
        times.Add(Math.BitIncrement(c));
    }

    /// <summary>The first instant after <paramref name="now"/> at which a comparison with threshold c can change, or +∞.</summary>
    public static double NextInstant(double c, double now) =>
        !double.IsFinite(c) ? double.PositiveInfinity
        : c > now ? c
        : Math.BitIncrement(c) > now ? Math.BitIncrement(c)
        : double.PositiveInfinity;

    private static bool IsTime(Expr e) => e is SymbolExpr { Kind: SymbolKind.Time };

    private static bool IsRelational(BinaryOperator op) => op is BinaryOperator.Less or BinaryOperator.LessOrEqual
        or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual or BinaryOperator.Equal or BinaryOperator.NotEqual;
}
