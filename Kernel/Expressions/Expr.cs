using System.Collections.Immutable;

namespace Stochastic.Expressions;

/// <summary>
/// A mathematical expression as written in a model (rate law, parameter value, function body,
/// trigger). Immutable; names are resolved when the expression is read, so every
/// <see cref="SymbolExpr"/> points at a model element by kind and index.
/// </summary>
public abstract record Expr(SourcePosition Position);

/// <summary>A numeric literal.</summary>
public sealed record NumberExpr(double Value, SourcePosition Position) : Expr(Position);

/// <summary>What a name in an expression refers to.</summary>
public enum SymbolKind
{
    /// <summary>A model parameter (SBML compartments are parameters too).</summary>
    Parameter,
    /// <summary>A species count.</summary>
    Species,
    /// <summary>An observable: a weighted sum of species counts.</summary>
    Observable,
    /// <summary>A user function (BNGL <c>functions</c> block, SBML function definitions are expanded when read).</summary>
    Function,
    /// <summary>The simulation time.</summary>
    Time,
}

/// <summary>A reference to a named model element.</summary>
/// <param name="Kind">What kind of element.</param>
/// <param name="Index">Its index in the model's list of that kind (0 for time).</param>
/// <param name="Name">The name as written.</param>
/// <param name="Position">Where the name is written.</param>
public sealed record SymbolExpr(SymbolKind Kind, int Index, string Name, SourcePosition Position) : Expr(Position);

/// <summary>Unary operators.</summary>
public enum UnaryOperator
{
    /// <summary>Arithmetic negation.</summary>
    Negate,
    /// <summary>Logical not (0 is false, anything else true).</summary>
    Not,
}

/// <summary>A unary operation.</summary>
public sealed record UnaryExpr(UnaryOperator Operator, Expr Operand, SourcePosition Position) : Expr(Position);

/// <summary>Binary operators. Relational and logical operators yield 1 or 0.</summary>
public enum BinaryOperator
{
    /// <summary>a + b</summary>
    Add,
    /// <summary>a - b</summary>
    Subtract,
    /// <summary>a * b</summary>
    Multiply,
    /// <summary>a / b</summary>
    Divide,
    /// <summary>a ^ b</summary>
    Power,
    /// <summary>a &lt; b</summary>
    Less,
    /// <summary>a &lt;= b</summary>
    LessOrEqual,
    /// <summary>a &gt; b</summary>
    Greater,
    /// <summary>a &gt;= b</summary>
    GreaterOrEqual,
    /// <summary>a == b</summary>
    Equal,
    /// <summary>a != b</summary>
    NotEqual,
    /// <summary>a &amp;&amp; b</summary>
    And,
    /// <summary>a || b</summary>
    Or,
}

/// <summary>A binary operation.</summary>
public sealed record BinaryExpr(BinaryOperator Operator, Expr Left, Expr Right, SourcePosition Position) : Expr(Position);

/// <summary>Built-in mathematical functions.</summary>
public enum BuiltinFunction
{
    /// <summary>e^x</summary>
    Exp,
    /// <summary>natural logarithm</summary>
    Ln,
    /// <summary>base-10 logarithm</summary>
    Log10,
    /// <summary>base-2 logarithm</summary>
    Log2,
    /// <summary>square root</summary>
    Sqrt,
    /// <summary>absolute value</summary>
    Abs,
    /// <summary>smallest of the arguments</summary>
    Min,
    /// <summary>largest of the arguments</summary>
    Max,
    /// <summary>round down</summary>
    Floor,
    /// <summary>round up</summary>
    Ceiling,
    /// <summary>sine</summary>
    Sin,
    /// <summary>cosine</summary>
    Cos,
    /// <summary>tangent</summary>
    Tan,
    /// <summary>hyperbolic tangent</summary>
    Tanh,
    /// <summary>if(condition, then, else)</summary>
    If,
}

/// <summary>A call of a built-in function.</summary>
public sealed record CallExpr(BuiltinFunction Function, ImmutableArray<Expr> Arguments, SourcePosition Position) : Expr(Position);

/// <summary>A piece of a <see cref="PiecewiseExpr"/>: the value where the condition holds.</summary>
public sealed record Piece(Expr Value, Expr Condition);

/// <summary>MathML-style piecewise: the first piece whose condition holds, else <see cref="Otherwise"/> (NaN when absent).</summary>
public sealed record PiecewiseExpr(ImmutableArray<Piece> Pieces, Expr? Otherwise, SourcePosition Position) : Expr(Position);
