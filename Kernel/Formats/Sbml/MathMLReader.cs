using System.Collections.Immutable;
using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>An SBML function definition: its bound variables and its body, expanded inline at each call.</summary>
internal sealed record SbmlFunctionDefinition(string Id, ImmutableArray<string> Arguments, XElement Body);

/// <summary>
/// Reads content MathML (the subset SBML uses) into <see cref="Expr"/> trees. Names (<c>ci</c>) are
/// resolved through a callback, so species, compartments and parameters keep the reader's meaning;
/// function definitions are expanded inline with their arguments substituted. Anything outside the
/// supported subset is refused with a <see cref="ModelException"/> naming the element.
/// </summary>
internal sealed class MathMLReader
{
    /// <summary>The MathML namespace.</summary>
    public const string Namespace = "http://www.w3.org/1998/Math/MathML";

    private const string TimeUrl = "http://www.sbml.org/sbml/symbols/time";
    private const string DelayUrl = "http://www.sbml.org/sbml/symbols/delay";
    private const string AvogadroUrl = "http://www.sbml.org/sbml/symbols/avogadro";
    // SBML L3V1 specification, section 3.4.6: the value of the avogadro csymbol.
    private const double Avogadro = 6.02214179e23;
    // Function definitions may call earlier ones; this bounds the expansion depth (and catches recursion).
    private const int MaxExpansionDepth = 64;

    private readonly string _file;
    private readonly Func<string, SourcePosition, Expr> _resolve;
    private readonly IReadOnlyDictionary<string, SbmlFunctionDefinition> _functions;
    private int _depth;
    // Elements nested in the expression being read, and elements read for it (function bodies once per call).
    private int _nesting;
    private int _reads;
    // Expanded function bodies nest deeper than any expression as written: allow each its own depth.
    private const int MaxExpandedDepth = 4 * ExpressionLimits.MaxDepth;
    // Elements read for one expression, function bodies once per call: a kinetic law of the field reads
    // hundreds; definitions that call the one before twice would read 2^depth.
    private const int MaxElementsRead = 100_000;

    /// <summary>Creates a reader for <paramref name="file"/>.</summary>
    /// <param name="file">File name used in positions.</param>
    /// <param name="resolve">Maps a <c>ci</c> name to its expression; throws <see cref="ModelException"/> for unknown names.</param>
    /// <param name="functions">Function definitions by id.</param>
    public MathMLReader(string file, Func<string, SourcePosition, Expr> resolve, IReadOnlyDictionary<string, SbmlFunctionDefinition> functions)
    {
        _file = file;
        _resolve = resolve;
        _functions = functions;
    }

    /// <summary>The position of an element (file:line:column).</summary>
    public static SourcePosition PositionOf(string file, XObject node) =>
        node is IXmlLineInfo info && info.HasLineInfo() ? new SourcePosition(file, info.LineNumber, info.LinePosition) : new SourcePosition(file, 0, 0);

    private SourcePosition Pos(XObject node) => PositionOf(_file, node);

    /// <summary>Reads the single expression inside a <c>math</c> element.</summary>
    /// <param name="math">The <c>math</c> element.</param>
    /// <param name="where">Names the SBML element the math belongs to, for messages.</param>
    public Expr ReadMath(XElement math, string where)
    {
        if (math.Name != XName.Get("math", Namespace))
            throw ThrowHelper.Model(Pos(math), $"expected a MathML <math> element in {where}, found <{math.Name.LocalName}>");
        var children = math.Elements().ToList();
        if (children.Count != 1)
            throw ThrowHelper.Model(Pos(math), $"<math> in {where} must hold exactly one expression, found {children.Count}");
        _reads = 0;
        var expr = Read(children[0], ImmutableDictionary<string, Expr>.Empty, where);
        // Function definitions expanded inline can share arguments many times over: bound the tree's size and depth too.
        ExpressionLimits.CheckDepth(expr, MaxExpandedDepth);
        return expr;
    }

    /// <summary>Reads the body of a function definition's <c>lambda</c> into its argument names and body element.</summary>
    public static SbmlFunctionDefinition ReadLambda(string file, string id, XElement math)
    {
        var lambda = math.Elements().SingleOrDefault();
        if (lambda?.Name == XName.Get("semantics", Namespace)) lambda = lambda.Elements().FirstOrDefault();
        if (lambda is null || lambda.Name != XName.Get("lambda", Namespace))
            throw ThrowHelper.Model(PositionOf(file, math), $"function definition '{id}' must hold a MathML <lambda>");
        var args = ImmutableArray.CreateBuilder<string>();
        XElement? body = null;
        foreach (var child in lambda.Elements())
        {
            if (child.Name == XName.Get("bvar", Namespace))
            {
                var ci = child.Element(XName.Get("ci", Namespace))
                    ?? throw ThrowHelper.Model(PositionOf(file, child), $"<bvar> of function definition '{id}' must hold a <ci>");
                args.Add(ci.Value.Trim());
            }
            else if (body is null) body = child;
            else throw ThrowHelper.Model(PositionOf(file, child), $"<lambda> of function definition '{id}' has more than one body");
        }
        if (body is null) throw ThrowHelper.Model(PositionOf(file, lambda), $"<lambda> of function definition '{id}' has no body");
        return new SbmlFunctionDefinition(id, args.ToImmutable(), body);
    }

    private ModelException Unsupported(XElement e, string where, string what) =>
        new(Pos(e), $"{what} is not supported (in {where})");

    private Expr Read(XElement e, ImmutableDictionary<string, Expr> bound, string where)
    {
        if (_nesting >= ExpressionLimits.MaxDepth)
            throw ThrowHelper.Model(Pos(e), $"MathML nested more than {ExpressionLimits.MaxDepth} elements deep (in {where})");
        if (++_reads > MaxElementsRead)
            throw ThrowHelper.Model(Pos(e), $"MathML expression has more than {MaxElementsRead:N0} elements with its function definitions expanded (in {where})");
        _nesting++;
        try { return ReadNested(e, bound, where); }
        finally { _nesting--; }
    }

    private Expr ReadNested(XElement e, ImmutableDictionary<string, Expr> bound, string where)
    {
        var pos = Pos(e);
        if (e.Name.Namespace != Namespace)
            throw ThrowHelper.Model(pos, $"element <{e.Name.LocalName}> in MathML is not MathML (in {where})");
        switch (e.Name.LocalName)
        {
            case "cn": return ReadNumber(e, where);
            case "ci":
            {
                string name = e.Value.Trim();
                if (bound.TryGetValue(name, out var value)) return value;
                return _resolve(name, pos);
            }
            case "csymbol":
            {
                string url = ((string?)e.Attribute("definitionURL") ?? "").Trim();
                return url switch
                {
                    TimeUrl => new SymbolExpr(SymbolKind.Time, 0, "time", pos),
                    AvogadroUrl => new NumberExpr(Avogadro, pos),
                    DelayUrl => throw Unsupported(e, where, "the delay csymbol (delay differential equations)"),
                    _ => throw Unsupported(e, where, $"csymbol '{url}'"),
                };
            }
            case "true": return new NumberExpr(1, pos);
            case "false": return new NumberExpr(0, pos);
            case "pi": return new NumberExpr(Math.PI, pos);
            case "exponentiale": return new NumberExpr(Math.E, pos);
            case "infinity": return new NumberExpr(double.PositiveInfinity, pos);
            case "notanumber": return new NumberExpr(double.NaN, pos);
            case "semantics":
            {
                var first = e.Elements().FirstOrDefault() ?? throw ThrowHelper.Model(pos, $"empty <semantics> (in {where})");
                return Read(first, bound, where);
            }
            case "piecewise":
            {
                var pieces = ImmutableArray.CreateBuilder<Piece>();
                Expr? otherwise = null;
                foreach (var child in e.Elements())
                {
                    if (child.Name.LocalName == "piece")
                    {
                        var parts = child.Elements().ToList();
                        if (parts.Count != 2) throw ThrowHelper.Model(Pos(child), $"<piece> needs a value and a condition, found {parts.Count} elements (in {where})");
                        pieces.Add(new Piece(Read(parts[0], bound, where), Read(parts[1], bound, where)));
                    }
                    else if (child.Name.LocalName == "otherwise")
                    {
                        var parts = child.Elements().ToList();
                        if (parts.Count != 1) throw ThrowHelper.Model(Pos(child), $"<otherwise> needs exactly one value (in {where})");
                        otherwise = Read(parts[0], bound, where);
                    }
                    else throw Unsupported(child, where, $"<{child.Name.LocalName}> inside <piecewise>");
                }
                return new PiecewiseExpr(pieces.ToImmutable(), otherwise, pos);
            }
            case "apply": return ReadApply(e, bound, where);
            default: throw Unsupported(e, where, $"MathML element <{e.Name.LocalName}>");
        }
    }

    private Expr ReadNumber(XElement e, string where)
    {
        var pos = Pos(e);
        string type = ((string?)e.Attribute("type") ?? "real").Trim();
        if (e.Attribute("base") is { } b && b.Value.Trim() != "10") throw Unsupported(e, where, $"<cn base=\"{b.Value}\">");
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        foreach (var node in e.Nodes())
        {
            if (node is XText text) current.Append(text.Value);
            else if (node is XElement { Name.LocalName: "sep" }) { parts.Add(current.ToString().Trim()); current.Clear(); }
            else throw ThrowHelper.Model(Pos(node), $"unexpected content in <cn> (in {where})");
        }
        parts.Add(current.ToString().Trim());

        double Parse(string s)
        {
            if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                throw ThrowHelper.Model(pos, $"malformed number '{s}' in <cn> (in {where})");
            return v;
        }

        switch (type)
        {
            case "real" or "integer" when parts.Count == 1:
                if (type == "integer" && !long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                    throw ThrowHelper.Model(pos, $"malformed integer '{parts[0]}' in <cn> (in {where})");
                return new NumberExpr(Parse(parts[0]), pos);
            case "e-notation" when parts.Count == 2:
                return new NumberExpr(Parse($"{parts[0]}e{parts[1]}"), pos);
            case "rational" when parts.Count == 2:
                return new NumberExpr(Parse(parts[0]) / Parse(parts[1]), pos);
            case "real" or "integer" or "e-notation" or "rational":
                throw ThrowHelper.Model(pos, $"<cn type=\"{type}\"> has {parts.Count} parts separated by <sep/> (in {where})");
            default:
                throw Unsupported(e, where, $"<cn type=\"{type}\">");
        }
    }

    private Expr ReadApply(XElement e, ImmutableDictionary<string, Expr> bound, string where)
    {
        var pos = Pos(e);
        var children = e.Elements().ToList();
        if (children.Count == 0) throw ThrowHelper.Model(pos, $"empty <apply> (in {where})");
        var op = children[0];
        XElement? degree = null, logbase = null;
        var argElements = new List<XElement>();
        foreach (var child in children.Skip(1))
        {
            switch (child.Name.LocalName)
            {
                case "degree": degree = child; break;
                case "logbase": logbase = child; break;
                case "bvar": throw Unsupported(child, where, "<bvar> outside a function definition");
                default: argElements.Add(child); break;
            }
        }

        if (op.Name == XName.Get("ci", Namespace)) return Call(op, argElements, bound, where);
        if (op.Name == XName.Get("csymbol", Namespace))
        {
            string url = ((string?)op.Attribute("definitionURL") ?? "").Trim();
            throw Unsupported(op, where, url == DelayUrl ? "the delay csymbol (delay differential equations)" : $"csymbol '{url}' as a function");
        }
        if (op.Name.Namespace != Namespace) throw ThrowHelper.Model(Pos(op), $"element <{op.Name.LocalName}> in MathML is not MathML (in {where})");

        var args = argElements.Select(a => Read(a, bound, where)).ToList();
        string name = op.Name.LocalName;

        void Arity(int min, int max)
        {
            if (args.Count < min || args.Count > max)
            {
                string expected = min == max ? $"{min}" : max == int.MaxValue ? $"at least {min}" : $"{min} to {max}";
                throw ThrowHelper.Model(pos, $"<{name}> takes {expected} argument{(max == 1 ? "" : "s")}, got {args.Count} (in {where})");
            }
        }

        Expr Fold(BinaryOperator bop, double empty)
        {
            if (args.Count == 0) return new NumberExpr(empty, pos);
            Expr acc = args[0];
            for (int i = 1; i < args.Count; i++) acc = new BinaryExpr(bop, acc, args[i], pos);
            return acc;
        }

        // n-ary relations hold pairwise along the chain: a < b < c means a < b and b < c.
        Expr Chain(BinaryOperator bop)
        {
            Arity(2, int.MaxValue);
            Expr acc = new BinaryExpr(bop, args[0], args[1], pos);
            for (int i = 2; i < args.Count; i++) acc = new BinaryExpr(BinaryOperator.And, acc, new BinaryExpr(bop, args[i - 1], args[i], pos), pos);
            return acc;
        }

        Expr Builtin(BuiltinFunction f) { Arity(1, 1); return new CallExpr(f, [args[0]], pos); }

        if (degree is not null && name != "root") throw Unsupported(degree, where, $"<degree> qualifier on <{name}>");
        if (logbase is not null && name != "log") throw Unsupported(logbase, where, $"<logbase> qualifier on <{name}>");

        switch (name)
        {
            case "plus": return Fold(BinaryOperator.Add, 0);
            case "times": return Fold(BinaryOperator.Multiply, 1);
            case "minus":
                Arity(1, 2);
                return args.Count == 1 ? new UnaryExpr(UnaryOperator.Negate, args[0], pos) : new BinaryExpr(BinaryOperator.Subtract, args[0], args[1], pos);
            case "divide": Arity(2, 2); return new BinaryExpr(BinaryOperator.Divide, args[0], args[1], pos);
            case "power": Arity(2, 2); return new BinaryExpr(BinaryOperator.Power, args[0], args[1], pos);
            case "root":
            {
                Arity(1, 1);
                if (degree is null) return new CallExpr(BuiltinFunction.Sqrt, [args[0]], pos);
                var n = ReadQualifier(degree, bound, where);
                return new BinaryExpr(BinaryOperator.Power, args[0], new BinaryExpr(BinaryOperator.Divide, new NumberExpr(1, pos), n, pos), pos);
            }
            case "exp": return Builtin(BuiltinFunction.Exp);
            case "ln": return Builtin(BuiltinFunction.Ln);
            case "log":
            {
                Arity(1, 1);
                if (logbase is null) return new CallExpr(BuiltinFunction.Log10, [args[0]], pos);
                var b = ReadQualifier(logbase, bound, where);
                return new BinaryExpr(BinaryOperator.Divide, new CallExpr(BuiltinFunction.Ln, [args[0]], pos), new CallExpr(BuiltinFunction.Ln, [b], pos), pos);
            }
            case "abs": return Builtin(BuiltinFunction.Abs);
            case "floor": return Builtin(BuiltinFunction.Floor);
            case "ceiling": return Builtin(BuiltinFunction.Ceiling);
            case "sin": return Builtin(BuiltinFunction.Sin);
            case "cos": return Builtin(BuiltinFunction.Cos);
            case "tan": return Builtin(BuiltinFunction.Tan);
            case "tanh": return Builtin(BuiltinFunction.Tanh);
            case "eq": return Chain(BinaryOperator.Equal);
            case "gt": return Chain(BinaryOperator.Greater);
            case "lt": return Chain(BinaryOperator.Less);
            case "geq": return Chain(BinaryOperator.GreaterOrEqual);
            case "leq": return Chain(BinaryOperator.LessOrEqual);
            case "neq": Arity(2, 2); return new BinaryExpr(BinaryOperator.NotEqual, args[0], args[1], pos);
            case "and": return Fold(BinaryOperator.And, 1);
            case "or": return Fold(BinaryOperator.Or, 0);
            case "xor":
            {
                // True when an odd number of arguments are true: fold "truth(a) != truth(b)".
                if (args.Count == 0) return new NumberExpr(0, pos);
                Expr acc = Truth(args[0], pos);
                for (int i = 1; i < args.Count; i++) acc = new BinaryExpr(BinaryOperator.NotEqual, acc, Truth(args[i], pos), pos);
                return acc;
            }
            case "not": Arity(1, 1); return new UnaryExpr(UnaryOperator.Not, args[0], pos);
            default: throw Unsupported(op, where, $"MathML operator <{name}>");
        }
    }

    private static Expr Truth(Expr e, SourcePosition pos) => new BinaryExpr(BinaryOperator.NotEqual, e, new NumberExpr(0, pos), pos);

    private Expr ReadQualifier(XElement qualifier, ImmutableDictionary<string, Expr> bound, string where)
    {
        var inner = qualifier.Elements().ToList();
        if (inner.Count != 1) throw ThrowHelper.Model(Pos(qualifier), $"<{qualifier.Name.LocalName}> must hold one expression (in {where})");
        return Read(inner[0], bound, where);
    }

    private Expr Call(XElement op, List<XElement> argElements, ImmutableDictionary<string, Expr> bound, string where)
    {
        string id = op.Value.Trim();
        var pos = Pos(op);
        if (!_functions.TryGetValue(id, out var function))
            throw ThrowHelper.Model(pos, $"'{id}' is not a function definition (in {where})");
        if (argElements.Count != function.Arguments.Length)
            throw ThrowHelper.Model(pos, $"function '{id}' takes {function.Arguments.Length} argument{(function.Arguments.Length == 1 ? "" : "s")}, got {argElements.Count} (in {where})");
        if (_depth >= MaxExpansionDepth)
            throw ThrowHelper.Model(pos, $"function '{id}' is expanded more than {MaxExpansionDepth} levels deep; function definitions must not be recursive (in {where})");
        var inner = ImmutableDictionary.CreateBuilder<string, Expr>();
        for (int i = 0; i < argElements.Count; i++) inner[function.Arguments[i]] = Read(argElements[i], bound, where);
        _depth++;
        try { return Read(function.Body, inner.ToImmutable(), $"function definition '{id}' called from {where}"); }
        finally { _depth--; }
    }
}
