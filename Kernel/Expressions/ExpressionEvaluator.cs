
namespace Stochastic.Expressions;

/// <summary>
/// Evaluates an expression tree directly. Used where an expression is evaluated once (parameter
/// values, initial counts); rate laws evaluated per event are compiled with
/// <see cref="ExpressionCompiler"/> instead.
/// </summary>
internal static class ExpressionEvaluator
{
    /// <summary>Evaluates <paramref name="expr"/>, reading symbols through <paramref name="lookup"/>.</summary>
    /// <param name="expr">The expression.</param>
    /// <param name="lookup">Gives the value of each symbol.</param>
    /// <param name="checkedDivision">When true, a division by zero throws a <see cref="ModelException"/> at the operator.</param>
    public static double Evaluate(Expr expr, Func<SymbolExpr, double> lookup, bool checkedDivision = false)
    {
        ExpressionLimits.EnsureStack(expr);
        switch (expr)
        {
            case NumberExpr n: return n.Value;
            case SymbolExpr s: return lookup(s);
            case UnaryExpr u:
                double v = Evaluate(u.Operand, lookup, checkedDivision);
                return u.Operator == UnaryOperator.Negate ? -v : (v == 0 ? 1 : 0);
            case BinaryExpr b:
                if (b.Operator == BinaryOperator.And)
                    return Evaluate(b.Left, lookup, checkedDivision) != 0 && Evaluate(b.Right, lookup, checkedDivision) != 0 ? 1 : 0;
                if (b.Operator == BinaryOperator.Or)
                    return Evaluate(b.Left, lookup, checkedDivision) != 0 || Evaluate(b.Right, lookup, checkedDivision) != 0 ? 1 : 0;
                double l = Evaluate(b.Left, lookup, checkedDivision), r = Evaluate(b.Right, lookup, checkedDivision);
                if (checkedDivision && b.Operator == BinaryOperator.Divide && r == 0)
                    throw ThrowHelper.Model(b.Position, "division by zero");
                return Apply(b.Operator, l, r);
            case CallExpr c:
                if (c.Function == BuiltinFunction.If)
                    return Evaluate(c.Arguments[0], lookup, checkedDivision) != 0
                        ? Evaluate(c.Arguments[1], lookup, checkedDivision)
                        : Evaluate(c.Arguments[2], lookup, checkedDivision);
                if (c.Function is BuiltinFunction.Min or BuiltinFunction.Max)
                {
                    double acc = Evaluate(c.Arguments[0], lookup, checkedDivision);
                    for (int i = 1; i < c.Arguments.Length; i++)
                    {
                        double a = Evaluate(c.Arguments[i], lookup, checkedDivision);
                        acc = c.Function == BuiltinFunction.Min ? Math.Min(acc, a) : Math.Max(acc, a);
                    }
                    return acc;
                }
                return Apply(c.Function, Evaluate(c.Arguments[0], lookup, checkedDivision));
            case PiecewiseExpr p:
                foreach (var piece in p.Pieces)
                {
                    if (Evaluate(piece.Condition, lookup, checkedDivision) != 0) return Evaluate(piece.Value, lookup, checkedDivision);
                }
                return p.Otherwise is null ? double.NaN : Evaluate(p.Otherwise, lookup, checkedDivision);
            default:
                throw new InvalidOperationException($"unknown expression node {expr.GetType().Name}");
        }
    }

    /// <summary>The value of a binary operator; the single definition both the evaluator and the compiler use.</summary>
    public static double Apply(BinaryOperator op, double l, double r) => op switch
    {
        BinaryOperator.Add => l + r,
        BinaryOperator.Subtract => l - r,
        BinaryOperator.Multiply => l * r,
        BinaryOperator.Divide => l / r,
        BinaryOperator.Power => Power(l, r),
        BinaryOperator.Less => l < r ? 1 : 0,
        BinaryOperator.LessOrEqual => l <= r ? 1 : 0,
        BinaryOperator.Greater => l > r ? 1 : 0,
        BinaryOperator.GreaterOrEqual => l >= r ? 1 : 0,
        BinaryOperator.Equal => l == r ? 1 : 0,
        BinaryOperator.NotEqual => l != r ? 1 : 0,
        BinaryOperator.And => l != 0 && r != 0 ? 1 : 0,
        BinaryOperator.Or => l != 0 || r != 0 ? 1 : 0,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>
    /// x^y: the exponents 1 to 4 of Hill functions by multiplication (x² correctly rounded, x³ and
    /// x⁴ within a few ulps of <see cref="Math.Pow"/>) at a fraction of its cost; any other exponent
    /// by <see cref="Math.Pow"/>. The evaluator and the compiler both use it.
    /// </summary>
    public static double Power(double x, double y)
    {
        switch (y)
        {
            case 1: return x;
            case 2: return x * x;
            case 3: return x * x * x;
            case 4: double square = x * x; return square * square;
            default: return Math.Pow(x, y);
        }
    }

    /// <summary>The value of a one-argument built-in function.</summary>
    public static double Apply(BuiltinFunction fn, double x) => fn switch
    {
        BuiltinFunction.Exp => Math.Exp(x),
        BuiltinFunction.Ln => Math.Log(x),
        BuiltinFunction.Log10 => Math.Log10(x),
        BuiltinFunction.Log2 => Math.Log2(x),
        BuiltinFunction.Sqrt => Math.Sqrt(x),
        BuiltinFunction.Abs => Math.Abs(x),
        BuiltinFunction.Floor => Math.Floor(x),
        BuiltinFunction.Ceiling => Math.Ceiling(x),
        BuiltinFunction.Sin => Math.Sin(x),
        BuiltinFunction.Cos => Math.Cos(x),
        BuiltinFunction.Tan => Math.Tan(x),
        BuiltinFunction.Tanh => Math.Tanh(x),
        _ => throw new ArgumentOutOfRangeException(nameof(fn)),
    };

    /// <summary>True when the expression reads no species, observable, function or time: its value is fixed once parameters are.</summary>
    public static bool IsConstant(Expr expr) => !Symbols(expr).Any(s => s.Kind != SymbolKind.Parameter);

    /// <summary>Every symbol the expression reads, in order of appearance (with repeats).</summary>
    public static IEnumerable<SymbolExpr> Symbols(Expr expr)
    {
        // Iterative (an explicit stack): nested iterators would cost O(depth) per symbol and recurse.
        var stack = new Stack<Expr>();
        stack.Push(expr);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node is SymbolExpr s) { yield return s; continue; }
            var children = ExpressionLimits.Children(node).ToList();
            for (int i = children.Count - 1; i >= 0; i--) stack.Push(children[i]);
        }
    }

    /// <summary>Rebuilds an expression with every symbol replaced by what <paramref name="replace"/> returns.</summary>
    public static Expr Substitute(Expr expr, Func<SymbolExpr, Expr> replace)
    {
        ExpressionLimits.EnsureStack(expr);
        return SubstituteNode(expr, replace);
    }

    private static Expr SubstituteNode(Expr expr, Func<SymbolExpr, Expr> replace) => expr switch
    {
        SymbolExpr s => replace(s),
        UnaryExpr u => u with { Operand = Substitute(u.Operand, replace) },
        BinaryExpr b => b with { Left = Substitute(b.Left, replace), Right = Substitute(b.Right, replace) },
        CallExpr c => c with { Arguments = [.. c.Arguments.Select(a => Substitute(a, replace))] },
        PiecewiseExpr p => p with
        {
            Pieces = [.. p.Pieces.Select(x => new Piece(Substitute(x.Value, replace), Substitute(x.Condition, replace)))],
            Otherwise = p.Otherwise is null ? null : Substitute(p.Otherwise, replace),
        },
        _ => expr,
    };
}
