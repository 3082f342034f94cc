using System.Runtime.CompilerServices;

namespace Stochastic.Expressions;

/// <summary>
/// The bounds on the size of an expression, so that no model file, however hostile, overflows the
/// stack or takes unbounded time: an expression as written nests at most <see cref="MaxDepth"/>
/// levels (parentheses, operators, calls, MathML elements), and an expression with its functions,
/// observables and rules inlined (<see cref="Model.ReactionModel.Lower"/>, SBML function
/// definitions) has at most <see cref="MaxNodes"/> nodes. The recursive walkers over expressions
/// also check the stack they have left (<see cref="EnsureStack"/>), so an expression built in code
/// past these bounds is refused with its position instead of ending the process.
/// </summary>
public static class ExpressionLimits
{
    /// <summary>The deepest nesting of one expression as written (far beyond any model of the field: a sum of 1,000 terms written a+b+c+… nests 1,000 deep).</summary>
    public const int MaxDepth = 1000;

    /// <summary>The most nodes of one expression once functions, observables and rules are inlined: bounds the time to read, lower and compile it.</summary>
    public const int MaxNodes = 1_000_000;

    /// <summary>Throws a <see cref="ModelException"/> at <paramref name="at"/> when the thread's stack is nearly spent.</summary>
    internal static void EnsureStack(Expr at)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw ThrowHelper.Model(at.Position, "expression nested too deeply to be evaluated (its functions, observables and rules inlined)");
    }

    /// <summary>
    /// Throws a <see cref="ModelException"/> at the first node of <paramref name="root"/> nested deeper than
    /// <paramref name="maxDepth"/> levels or past <see cref="MaxNodes"/> nodes. Iterative (an explicit stack),
    /// so it is safe on any tree.
    /// </summary>
    internal static void CheckDepth(Expr root, int maxDepth = MaxDepth)
    {
        var stack = new Stack<(Expr Node, int Depth)>();
        stack.Push((root, 1));
        int nodes = 0;
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            if (depth > maxDepth)
                throw ThrowHelper.Model(node.Position, $"expression nested more than {maxDepth} levels deep");
            if (++nodes > MaxNodes)
                throw ThrowHelper.Model(root.Position, $"expression has more than {MaxNodes:N0} terms");
            foreach (var child in Children(node)) stack.Push((child, depth + 1));
        }
    }

    /// <summary>The direct sub-expressions of <paramref name="node"/>.</summary>
    internal static IEnumerable<Expr> Children(Expr node)
    {
        switch (node)
        {
            case UnaryExpr u: yield return u.Operand; break;
            case BinaryExpr b: yield return b.Left; yield return b.Right; break;
            case CallExpr c: foreach (var a in c.Arguments) yield return a; break;
            case PiecewiseExpr p:
                foreach (var piece in p.Pieces) { yield return piece.Value; yield return piece.Condition; }
                if (p.Otherwise is not null) yield return p.Otherwise;
                break;
        }
    }
}
