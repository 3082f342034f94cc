using System.Linq.Expressions;
using System.Reflection;
using L = System.Linq.Expressions.Expression;

namespace Stochastic.Expressions;

/// <summary>A rate law or trigger compiled to machine code: reads species counts, parameter values and time.</summary>
internal delegate double CompiledExpression(double[] species, double[] parameters, double time);

/// <summary>
/// Compiles a lowered expression (one that reads only species, parameters and time; see
/// the model's <c>Lower</c>) into a delegate once, so rate laws are not re-interpreted
/// from a tree on every event.
/// </summary>
internal static class ExpressionCompiler
{
    private static readonly MethodInfo ApplyBinary = typeof(ExpressionEvaluator).GetMethod(nameof(ExpressionEvaluator.Apply), [typeof(BinaryOperator), typeof(double), typeof(double)])!;
    private static readonly MethodInfo ApplyUnary = typeof(ExpressionEvaluator).GetMethod(nameof(ExpressionEvaluator.Apply), [typeof(BuiltinFunction), typeof(double)])!;
    private static readonly MethodInfo Pow = typeof(ExpressionEvaluator).GetMethod(nameof(ExpressionEvaluator.Power), [typeof(double), typeof(double)])!;
    private static readonly MethodInfo MathMin = typeof(Math).GetMethod(nameof(Math.Min), [typeof(double), typeof(double)])!;
    private static readonly MethodInfo MathMax = typeof(Math).GetMethod(nameof(Math.Max), [typeof(double), typeof(double)])!;

    /// <summary>Compiles <paramref name="expr"/>.</summary>
    /// <exception cref="ArgumentException">The expression still reads observables or functions (it was not lowered).</exception>
    public static CompiledExpression Compile(Expr expr)
    {
        var species = L.Parameter(typeof(double[]), "species");
        var parameters = L.Parameter(typeof(double[]), "parameters");
        var time = L.Parameter(typeof(double), "time");
        var body = Build(expr, species, parameters, time);
        return L.Lambda<CompiledExpression>(body, species, parameters, time).Compile();
    }

    private static L Truth(L value) => L.NotEqual(value, L.Constant(0.0));

    private static L FromBool(L condition) => L.Condition(condition, L.Constant(1.0), L.Constant(0.0));

    private static L Build(Expr expr, ParameterExpression species, ParameterExpression parameters, ParameterExpression time)
    {
        L Recurse(Expr e) => Build(e, species, parameters, time);
        ExpressionLimits.EnsureStack(expr);
        switch (expr)
        {
            case NumberExpr n: return L.Constant(n.Value);
            case SymbolExpr { Kind: SymbolKind.Species } s: return L.ArrayIndex(species, L.Constant(s.Index));
            case SymbolExpr { Kind: SymbolKind.Parameter } s: return L.ArrayIndex(parameters, L.Constant(s.Index));
            case SymbolExpr { Kind: SymbolKind.Time }: return time;
            case SymbolExpr s: throw new ArgumentException($"'{s.Name}' ({s.Kind}) must be lowered before compiling");
            case UnaryExpr u:
                var operand = Recurse(u.Operand);
                return u.Operator == UnaryOperator.Negate ? L.Negate(operand) : FromBool(L.Equal(operand, L.Constant(0.0)));
            case BinaryExpr b:
                L l = Recurse(b.Left), r = Recurse(b.Right);
                return b.Operator switch
                {
                    BinaryOperator.Add => L.Add(l, r),
                    BinaryOperator.Subtract => L.Subtract(l, r),
                    BinaryOperator.Multiply => L.Multiply(l, r),
                    BinaryOperator.Divide => L.Divide(l, r),
                    BinaryOperator.Power => L.Call(Pow, l, r),
                    BinaryOperator.Less => FromBool(L.LessThan(l, r)),
                    BinaryOperator.LessOrEqual => FromBool(L.LessThanOrEqual(l, r)),
                    BinaryOperator.Greater => FromBool(L.GreaterThan(l, r)),
                    BinaryOperator.GreaterOrEqual => FromBool(L.GreaterThanOrEqual(l, r)),
                    BinaryOperator.Equal => FromBool(L.Equal(l, r)),
                    BinaryOperator.NotEqual => FromBool(L.NotEqual(l, r)),
                    BinaryOperator.And => FromBool(L.AndAlso(Truth(l), Truth(r))),
                    BinaryOperator.Or => FromBool(L.OrElse(Truth(l), Truth(r))),
                    _ => L.Call(ApplyBinary, L.Constant(b.Operator), l, r),
                };
            case CallExpr c:
                if (c.Function == BuiltinFunction.If)
                    return L.Condition(Truth(Recurse(c.Arguments[0])), Recurse(c.Arguments[1]), Recurse(c.Arguments[2]));
                if (c.Function is BuiltinFunction.Min or BuiltinFunction.Max)
                {
                    var method = c.Function == BuiltinFunction.Min ? MathMin : MathMax;
                    L acc = Recurse(c.Arguments[0]);
                    for (int i = 1; i < c.Arguments.Length; i++) acc = L.Call(method, acc, Recurse(c.Arguments[i]));
                    return acc;
                }
                return L.Call(ApplyUnary, L.Constant(c.Function), Recurse(c.Arguments[0]));
            case PiecewiseExpr p:
                L result = p.Otherwise is null ? L.Constant(double.NaN) : Recurse(p.Otherwise);
                for (int i = p.Pieces.Length - 1; i >= 0; i--)
                    result = L.Condition(Truth(Recurse(p.Pieces[i].Condition)), Recurse(p.Pieces[i].Value), result);
                return result;
            default:
                throw new ArgumentException($"unknown expression node {expr.GetType().Name}");
        }
    }
}
