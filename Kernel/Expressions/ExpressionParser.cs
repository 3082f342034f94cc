using System.Collections.Immutable;
using System.Globalization;

namespace Stochastic.Expressions;

/// <summary>
/// Resolves a name in an expression to a model element. Returns null for an unknown name.
/// <paramref name="called"/> is true when the name is written with an argument list, as BNGL
/// writes functions (<c>f()</c>).
/// </summary>
internal delegate Expr? NameResolver(string name, bool called, SourcePosition position);

/// <summary>
/// Parses infix expressions (BNGL and BioNetGen .net syntax): <c>+ - * / ^</c> (right-associative,
/// binding tighter than unary minus), parentheses, comparisons <c>&lt; &lt;= &gt; &gt;= == !=</c>,
/// <c>&amp;&amp; || !</c>, numbers with exponents, built-in functions (<c>exp ln log log10 log2 sqrt abs
/// min max floor ceil sin cos tan tanh if</c>), constants <c>_pi</c> and <c>_e</c>, and <c>time()</c>.
/// </summary>
internal sealed class ExpressionParser
{
    private readonly string _text;
    private readonly Func<int, SourcePosition> _positionOf;
    private readonly NameResolver _resolve;
    private int _pos;
    private int _nesting;

    private ExpressionParser(string text, Func<int, SourcePosition> positionOf, NameResolver resolve)
    {
        _text = text;
        _positionOf = positionOf;
        _resolve = resolve;
    }

    /// <summary>Parses a whole string as one expression.</summary>
    /// <param name="text">The expression text.</param>
    /// <param name="positionOf">Maps a character offset in <paramref name="text"/> to its source position.</param>
    /// <param name="resolve">Resolves names.</param>
    /// <exception cref="ModelException">The text is not a valid expression, or names an unknown symbol.</exception>
    public static Expr Parse(string text, Func<int, SourcePosition> positionOf, NameResolver resolve)
    {
        var parser = new ExpressionParser(text, positionOf, resolve);
        parser.SkipSpace();
        if (parser._pos >= text.Length) throw parser.Error(parser._pos, "expected an expression");
        var e = parser.ParseOr();
        parser.SkipSpace();
        if (parser._pos < text.Length) throw parser.Error(parser._pos, $"unexpected '{SourceExcerpt.Char(text[parser._pos])}' in expression");
        // Chains of operators (a+b+c+…) are parsed in loops but nest in the tree: bound the tree too.
        ExpressionLimits.CheckDepth(e);
        return e;
    }

    /// <summary>Parses a string whose positions are columns on one line starting at <paramref name="start"/>.</summary>
    public static Expr Parse(string text, SourcePosition start, NameResolver resolve) =>
        Parse(text, i => start with { Column = start.Column + i }, resolve);

    private ModelException Error(int offset, string message) => ThrowHelper.Model(_positionOf(Math.Min(offset, Math.Max(0, _text.Length))), message);

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
    }

    private bool Accept(string op)
    {
        SkipSpace();
        if (string.CompareOrdinal(_text, _pos, op, 0, op.Length) != 0) return false;
        _pos += op.Length;
        return true;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (true)
        {
            int at = _pos;
            if (!Accept("||")) return left;
            left = new BinaryExpr(BinaryOperator.Or, left, ParseAnd(), _positionOf(at));
        }
    }

    private Expr ParseAnd()
    {
        var left = ParseComparison();
        while (true)
        {
            int at = _pos;
            if (!Accept("&&")) return left;
            left = new BinaryExpr(BinaryOperator.And, left, ParseComparison(), _positionOf(at));
        }
    }

    private static readonly (string Text, BinaryOperator Op)[] Comparisons =
    [
        ("<=", BinaryOperator.LessOrEqual), (">=", BinaryOperator.GreaterOrEqual), ("==", BinaryOperator.Equal),
        ("!=", BinaryOperator.NotEqual), ("~=", BinaryOperator.NotEqual), ("<", BinaryOperator.Less), (">", BinaryOperator.Greater),
    ];

    private Expr ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            SkipSpace();
            int at = _pos;
            BinaryOperator? op = null;
            foreach (var (text, candidate) in Comparisons)
            {
                if (Accept(text)) { op = candidate; break; }
            }
            if (op is null) return left;
            left = new BinaryExpr(op.Value, left, ParseAdditive(), _positionOf(at));
        }
    }

    private Expr ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (true)
        {
            SkipSpace();
            int at = _pos;
            if (Accept("+")) left = new BinaryExpr(BinaryOperator.Add, left, ParseMultiplicative(), _positionOf(at));
            else if (Accept("-")) left = new BinaryExpr(BinaryOperator.Subtract, left, ParseMultiplicative(), _positionOf(at));
            else return left;
        }
    }

    private Expr ParseMultiplicative()
    {
        var left = ParseUnary();
        while (true)
        {
            SkipSpace();
            int at = _pos;
            if (Accept("*")) left = new BinaryExpr(BinaryOperator.Multiply, left, ParseUnary(), _positionOf(at));
            else if (Accept("/")) left = new BinaryExpr(BinaryOperator.Divide, left, ParseUnary(), _positionOf(at));
            else return left;
        }
    }

    private Expr ParseUnary()
    {
        SkipSpace();
        int at = _pos;
        // Every level of nesting (parentheses, signs, exponents, arguments) passes here: bound the recursion.
        if (++_nesting > ExpressionLimits.MaxDepth) throw Error(at, $"expression nested more than {ExpressionLimits.MaxDepth} levels deep");
        try { return ParseUnaryNested(at); }
        finally { _nesting--; }
    }

    private Expr ParseUnaryNested(int at)
    {
        if (Accept("-")) return new UnaryExpr(UnaryOperator.Negate, ParseUnary(), _positionOf(at));
        if (Accept("+")) return ParseUnary();
        if (_pos < _text.Length && _text[_pos] == '!' && !(_pos + 1 < _text.Length && _text[_pos + 1] == '='))
        {
            _pos++;
            return new UnaryExpr(UnaryOperator.Not, ParseUnary(), _positionOf(at));
        }
        return ParsePower();
    }

    private Expr ParsePower()
    {
        var baseExpr = ParsePrimary();
        SkipSpace();
        int at = _pos;
        if (Accept("^") || Accept("**"))
        {
            // Right-associative; the exponent may carry its own sign: 2^-1.
            return new BinaryExpr(BinaryOperator.Power, baseExpr, ParseUnary(), _positionOf(at));
        }
        return baseExpr;
    }

    private Expr ParsePrimary()
    {
        SkipSpace();
        if (_pos >= _text.Length) throw Error(_pos, "expression ends too early");
        char c = _text[_pos];
        int at = _pos;
        if (c == '(')
        {
            _pos++;
            var inner = ParseOr();
            if (!Accept(")")) throw Error(_pos, "missing ')'");
            return inner;
        }
        if (char.IsDigit(c) || c == '.') return ParseNumber();
        if (char.IsLetter(c) || c == '_')
        {
            while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
            string name = _text[at.._pos];
            var position = _positionOf(at);
            SkipSpace();
            bool called = _pos < _text.Length && _text[_pos] == '(';
            if (called)
            {
                _pos++;
                var args = ParseArguments();
                if (BuiltinNames.TryGetValue(name, out var builtin)) return MakeCall(builtin, args, name, position);
                if (name == "time" && args.Length == 0) return new SymbolExpr(SymbolKind.Time, 0, "time", position);
                if (args.Length != 0) throw ThrowHelper.Model(position, $"'{name}' is not a built-in function; user functions take no arguments");
                return _resolve(name, true, position) ?? throw ThrowHelper.Model(position, $"unknown function '{name}'");
            }
            if (name == "_pi") return new NumberExpr(Math.PI, position);
            if (name == "_e") return new NumberExpr(Math.E, position);
            return _resolve(name, false, position) ?? throw ThrowHelper.Model(position, $"unknown name '{name}'");
        }
        throw Error(at, $"unexpected '{SourceExcerpt.Char(c)}' in expression");
    }

    private ImmutableArray<Expr> ParseArguments()
    {
        var args = ImmutableArray.CreateBuilder<Expr>();
        if (Accept(")")) return args.ToImmutable();
        while (true)
        {
            args.Add(ParseOr());
            if (Accept(")")) return args.ToImmutable();
            if (!Accept(",")) throw Error(_pos, "expected ',' or ')' in argument list");
        }
    }

    private static readonly Dictionary<string, BuiltinFunction> BuiltinNames = new(StringComparer.Ordinal)
    {
        ["exp"] = BuiltinFunction.Exp, ["ln"] = BuiltinFunction.Ln, ["log"] = BuiltinFunction.Ln,
        ["log10"] = BuiltinFunction.Log10, ["log2"] = BuiltinFunction.Log2, ["sqrt"] = BuiltinFunction.Sqrt,
        ["abs"] = BuiltinFunction.Abs, ["min"] = BuiltinFunction.Min, ["max"] = BuiltinFunction.Max,
        ["floor"] = BuiltinFunction.Floor, ["ceil"] = BuiltinFunction.Ceiling, ["sin"] = BuiltinFunction.Sin,
        ["cos"] = BuiltinFunction.Cos, ["tan"] = BuiltinFunction.Tan, ["tanh"] = BuiltinFunction.Tanh,
        ["if"] = BuiltinFunction.If,
    };

    private static Expr MakeCall(BuiltinFunction fn, ImmutableArray<Expr> args, string name, SourcePosition position)
    {
        int min = fn switch { BuiltinFunction.Min or BuiltinFunction.Max => 1, BuiltinFunction.If => 3, _ => 1 };
        int max = fn switch { BuiltinFunction.Min or BuiltinFunction.Max => int.MaxValue, BuiltinFunction.If => 3, _ => 1 };
        if (args.Length < min || args.Length > max)
        {
            string expected = min == max ? $"{min}" : $"at least {min}";
            throw ThrowHelper.Model(position, $"{name}() takes {expected} argument{(min == 1 && max == 1 ? "" : "s")}, got {args.Length}");
        }
        return new CallExpr(fn, args, position);
    }

    private Expr ParseNumber()
    {
        int start = _pos;
        while (_pos < _text.Length && (char.IsDigit(_text[_pos]) || _text[_pos] == '.')) _pos++;
        if (_pos < _text.Length && (_text[_pos] == 'e' || _text[_pos] == 'E'))
        {
            int save = _pos;
            _pos++;
            if (_pos < _text.Length && (_text[_pos] == '+' || _text[_pos] == '-')) _pos++;
            if (_pos >= _text.Length || !char.IsDigit(_text[_pos])) throw Error(start, $"malformed number '{_text[start..Math.Min(_text.Length, _pos)]}'");
            while (_pos < _text.Length && char.IsDigit(_text[_pos])) _pos++;
            _ = save;
        }
        // A number directly followed by a letter or another '.' (1.2.3, 3x) is malformed, not a product.
        if (_pos < _text.Length && (char.IsLetter(_text[_pos]) || _text[_pos] == '_' || _text[_pos] == '.'))
        {
            int end = _pos;
            while (end < _text.Length && (char.IsLetterOrDigit(_text[end]) || _text[end] == '.' || _text[end] == '_')) end++;
            throw Error(start, $"malformed number '{_text[start..end]}'");
        }
        string token = _text[start.._pos];
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            throw Error(start, $"malformed number '{token}'");
        return new NumberExpr(value, _positionOf(start));
    }
}
