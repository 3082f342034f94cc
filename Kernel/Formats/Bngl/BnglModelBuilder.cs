using System.Collections.Immutable;
using System.Globalization;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>
/// The second pass of <see cref="BnglReader"/>: reads definition lines block by block (names are
/// registered in file order, so a duplicate is reported where it is written twice), then
/// resolves expressions in dependency order and builds the <see cref="ReactionModel"/>.
/// </summary>
/// <remarks>
/// One file over 400 lines: every block's reader registers names in the same symbol tables and
/// error list, and the resolution pass reads them all; split by block it would pass that state
/// around rather than own it. The line scanning and the actions are already their own types.
/// </remarks>
internal sealed class BnglModelBuilder(string file)
{
    /// <summary>2^53: the largest integer up to which every integer is exactly representable as a double.</summary>
    private const double MaxExactCount = 9007199254740992.0;

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "exp", "ln", "log", "log10", "log2", "sqrt", "abs", "min", "max", "floor", "ceil", "sin", "cos", "tan", "tanh",
        "if", "time", "_pi", "_e", "begin", "end",
    };

    /// <summary>A parameter or function: a name and an expression that may only use earlier ones of its kind.</summary>
    private sealed class Definition(string name, SourcePosition position, SourceLine line, int exprStart)
    {
        public string Name { get; } = name;
        public SourcePosition Position { get; } = position;
        public SourceLine Line { get; } = line;
        public int ExprStart { get; } = exprStart;
        public Expr? Expression { get; set; }
        public double Value { get; set; } = double.NaN;
        /// <summary>Set when the definition has an error; anything using it is not checked further (no cascades).</summary>
        public bool Bad { get; set; }
        /// <summary>References to definitions of the same kind: index and where the name is written.</summary>
        public List<(int Index, SourcePosition At)> Refs { get; } = [];
    }

    private sealed record SpeciesDef(string Name, SourcePosition Position, SourceLine Line, int ExprStart, bool Clamped, bool Bad);

    private sealed record ObservableDef(string Name, SourcePosition Position, List<(string Name, SourcePosition At)> Species);

    private sealed record ReactionDef(
        string? Label, SourcePosition Position, SourceLine Line,
        List<(string Name, SourcePosition At)> Reactants, List<(string Name, SourcePosition At)> Products,
        bool Reversible, List<(int Start, int End)> Rates);

    private readonly List<Definition> _parameters = [];
    private readonly List<Definition> _functions = [];
    private readonly List<SpeciesDef> _species = [];
    private readonly List<ObservableDef> _observables = [];
    private readonly List<ReactionDef> _reactions = [];
    private readonly Dictionary<string, int> _parameterIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _speciesIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _observableIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _functionIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Kind, SourcePosition Position)> _expressionNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourcePosition> _speciesNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourcePosition> _labels = new(StringComparer.Ordinal);
    private int _reactionLines;

    /// <summary>Errors found so far.</summary>
    public ErrorList Errors { get; } = new();

    /// <summary>Warnings (unsupported actions, ignored blocks).</summary>
    public List<ModelError> Warnings { get; } = [];

    /// <summary>The default run from the first <c>simulate</c> action, if any.</summary>
    public RunSettings? Run { get; set; }

    /// <summary>The line of the action that set <see cref="Run"/>.</summary>
    public int RunLine { get; set; }

    // ───────────────────────── first pass: one line per definition ─────────────────────────

    /// <summary>Reads <c>[index] name [=] expression</c>.</summary>
    public void AddParameter(SourceLine line) => Guard(() =>
    {
        var s = new BnglScanner(line);
        s.SkipIndex(x => BnglScanner.IsNameStart(x.Peek));
        s.SkipSpace();
        var at = s.Here;
        string name = s.Name() ?? throw s.Error("expected a parameter name");
        if (s.Peek is not ('\0' or '=') && !char.IsWhiteSpace(s.Peek)) throw s.Error($"unexpected '{s.Peek}' after parameter name '{name}'");
        s.SkipSpace();
        if (s.Peek == '=' && s.PeekNext != '=') s.Pos++;
        bool empty = s.AtEnd;
        bool fresh = Register(name, "parameter", at);
        if (fresh || !_parameterIndex.ContainsKey(name))
        {
            _parameterIndex[name] = _parameters.Count;
            _parameters.Add(new Definition(name, at, line, s.Pos) { Bad = empty || !fresh });
        }
        if (empty) throw s.Error($"parameter '{name}' has no value");
    });

    /// <summary>Reads <c>[index] [$]Name[()] expression</c>.</summary>
    public void AddSpecies(SourceLine line) => Guard(() =>
    {
        var s = new BnglScanner(line);
        s.SkipIndex(x => x.Peek == '$' || x.Peek == '@' || BnglScanner.IsNameStart(x.Peek));
        s.SkipSpace();
        bool clamped = false;
        if (s.Peek == '$') { clamped = true; s.Pos++; }
        if (s.Peek == '@') throw s.Error("compartments ('@c:') are not supported");
        var at = s.Here;
        string name = s.Name() ?? throw s.Error("expected a species name");
        // Register before checking what follows the name, so an error there does not also make
        // every reaction using the species report it as unknown.
        bool fresh = Register(name, "species", at);
        bool add = fresh || !_speciesIndex.ContainsKey(name);
        if (add) _speciesIndex[name] = _species.Count;
        try
        {
            SpeciesSuffix(s, name);
        }
        catch (ModelException)
        {
            if (add) _species.Add(new SpeciesDef(name, at, line, s.Pos, clamped, Bad: true));
            throw;
        }
        s.SkipSpace();
        bool empty = s.Pos >= line.Text.Length;
        if (add) _species.Add(new SpeciesDef(name, at, line, s.Pos, clamped, empty || !fresh));
        if (empty) throw s.Error($"species '{name}' has no initial count");
    });

    /// <summary>Reads <c>Molecules NAME species…</c> (or <c>Species NAME …</c>).</summary>
    public void AddObservable(SourceLine line) => Guard(() =>
    {
        var s = new BnglScanner(line);
        s.SkipIndex(x => BnglScanner.IsNameStart(x.Peek));
        s.SkipSpace();
        var typeAt = s.Here;
        string type = s.Name() ?? throw s.Error("expected an observable type (Molecules or Species)");
        if (type.ToLowerInvariant() is not ("molecules" or "species"))
            throw ThrowHelper.Model(typeAt, $"unknown observable type '{type}' (expected Molecules or Species)");
        s.SkipSpace();
        var at = s.Here;
        string name = s.Name() ?? throw s.Error("expected an observable name");
        if (s.Peek != '\0' && !char.IsWhiteSpace(s.Peek)) throw s.Error($"unexpected '{s.Peek}' after observable name '{name}'");
        var species = new List<(string, SourcePosition)>();
        while (true)
        {
            s.SkipSpace();
            if (s.Pos >= line.Text.Length) break;
            if (s.Peek == ',') { s.Pos++; continue; }
            if (s.Peek == '$') s.Pos++;
            species.Add(SpeciesName(s, "expected a species name"));
        }
        if (species.Count == 0) throw s.Error($"observable '{name}' lists no species");
        if (Register(name, "observable", at) || !_observableIndex.ContainsKey(name))
        {
            _observableIndex[name] = _observables.Count;
            _observables.Add(new ObservableDef(name, at, species));
        }
    });

    /// <summary>Reads <c>name() = expression</c> (also <c>name = expression</c>).</summary>
    public void AddFunction(SourceLine line) => Guard(() =>
    {
        var s = new BnglScanner(line);
        s.SkipSpace();
        var at = s.Here;
        string name = s.Name() ?? throw s.Error("expected a function name");
        s.SkipSpace();
        if (s.Peek == '(')
        {
            s.Pos++;
            if (!s.Accept(")")) throw s.Error("function arguments are not supported; write 'name() = expression'");
        }
        s.SkipSpace();
        if (s.Peek == '=' && s.PeekNext != '=') s.Pos++;
        bool empty = s.AtEnd;
        bool fresh = Register(name, "function", at);
        if (fresh || !_functionIndex.ContainsKey(name))
        {
            _functionIndex[name] = _functions.Count;
            _functions.Add(new Definition(name, at, line, s.Pos) { Bad = empty || !fresh });
        }
        if (empty) throw s.Error($"function '{name}' has no expression");
    });

    /// <summary>Reads <c>[index] [label:] A + B -> C rate</c> or <c>… &lt;-> … kf, kr</c>.</summary>
    public void AddReaction(SourceLine line) => Guard(() =>
    {
        _reactionLines++;
        var s = new BnglScanner(line);
        s.SkipIndex(x => x.Peek is not ('+' or '-' or '<' or ':' or '\0'));
        s.SkipSpace();
        var position = s.Here;
        string? label = null;
        int save = s.Pos;
        var labelAt = s.Here;
        string? word = s.Name();
        if (word is not null && s.Accept(":")) label = word;
        else s.Pos = save;
        if (!line.Text.AsSpan(s.Pos).Contains("->", StringComparison.Ordinal))
            throw ThrowHelper.Model(s.Here, "reaction has no arrow ('->' or '<->')");

        var reactants = Side(s, "reactant");
        s.SkipSpace();
        bool reversible;
        if (s.Accept("<->")) reversible = true;
        else if (s.Accept("->")) reversible = false;
        else if (s.Peek == '<' && s.PeekNext == '-') throw s.Error("'<-' is not supported; write the reaction left to right with '->'");
        else throw s.Error($"expected '+', '->' or '<->', found '{s.Peek}'");
        var products = Side(s, "product");
        if (reactants.Count == 0 && products.Count == 0) throw ThrowHelper.Model(position, "reaction has neither reactants nor products");

        s.SkipSpace();
        if (s.Pos >= line.Text.Length) throw s.Error("reaction has no rate");
        var rates = SplitRates(line.Text, s.Pos);
        int expected = reversible ? 2 : 1;
        if (rates.Count != expected)
        {
            throw s.Error(reversible
                ? $"a reversible reaction ('<->') needs two rates 'kf, kr'; found {rates.Count}"
                : $"a reaction ('->') needs one rate; found {rates.Count} (use '<->' for forward and reverse rates)");
        }
        foreach (var (start, end) in rates)
        {
            if (string.IsNullOrWhiteSpace(line.Text[start..end])) throw s.ErrorAt(start, "empty rate");
        }
        if (label is not null)
        {
            if (_labels.TryGetValue(label, out var first)) throw ThrowHelper.Model(labelAt, $"duplicate reaction label '{label}' (first used at line {first.Line})");
            _labels[label] = labelAt;
        }
        _reactions.Add(new ReactionDef(label, position, line, reactants, products, reversible, rates));
    });

    /// <summary>Reads an action line (<c>simulate({...})</c>, …).</summary>
    public void AddAction(SourceLine line, bool insideModel) => Guard(() => BnglActions.Read(line, insideModel, this));

    private void Guard(Action read)
    {
        try
        {
            read();
        }
        catch (ModelException e)
        {
            Errors.Add(e);
        }
    }

    /// <summary>
    /// Reads a species name with optional empty <c>()</c>. Molecule components, complexes and
    /// compartments are rejected with a message saying so.
    /// </summary>
    private static (string Name, SourcePosition At) SpeciesName(BnglScanner s, string expected)
    {
        s.SkipSpace();
        if (s.Peek == '@') throw s.Error("compartments ('@c:') are not supported");
        var at = s.Here;
        string name = s.Name() ?? throw s.Error(s.Peek == '\0' ? expected : $"{expected}, found '{s.Peek}'");
        SpeciesSuffix(s, name);
        return (name, at);
    }

    /// <summary>Reads the optional empty <c>()</c> after a species name and checks what follows.</summary>
    private static void SpeciesSuffix(BnglScanner s, string name)
    {
        if (s.Peek == '(')
        {
            int open = s.Pos;
            s.Pos++;
            s.SkipSpace();
            if (s.Peek != ')') throw s.ErrorAt(open, $"molecule components are not supported: species are plain names like '{name}' or '{name}()'");
            s.Pos++;
        }
        if (s.Peek == '.') throw s.Error("complexes ('A().B()') are not supported: declare each complex as its own species");
        if (s.Peek == '@') throw s.Error("compartments ('@c') are not supported");
        if (s.Peek is not ('\0' or ',' or '+' or '-' or '<') && !char.IsWhiteSpace(s.Peek))
            throw s.Error($"unexpected '{s.Peek}' after species name '{name}'");
    }

    /// <summary>Reads one side of a reaction: species joined by '+', or '0' for nothing.</summary>
    private static List<(string Name, SourcePosition At)> Side(BnglScanner s, string role)
    {
        var list = new List<(string, SourcePosition)>();
        while (true)
        {
            s.SkipSpace();
            if (s.Peek == '0' && !BnglScanner.IsNamePart(s.PeekNext) && s.PeekNext != '.')
            {
                s.Pos++;
            }
            else if (s.Peek == '$')
            {
                throw s.Error("'$' (clamped species) is written in seed species, not in reactions");
            }
            else
            {
                list.Add(SpeciesName(s, $"expected a {role} species name or '0'"));
            }
            int save = s.Pos;
            s.SkipSpace();
            if (s.Peek == '+') { s.Pos++; continue; }
            s.Pos = save;
            return list;
        }
    }

    /// <summary>Splits the rate text at commas outside parentheses.</summary>
    private static List<(int Start, int End)> SplitRates(string text, int start)
    {
        var parts = new List<(int, int)>();
        int depth = 0, from = start;
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == ',' && depth == 0) { parts.Add((from, i)); from = i + 1; }
        }
        parts.Add((from, text.Length));
        return parts;
    }

    private static string WithArticle(string kind) => kind is "observable" ? "an observable" : $"a {kind}";

    /// <summary>Registers a name; reports a duplicate (in any namespace) and returns false. A species and an observable may share a name.</summary>
    private bool Register(string name, string kind, SourcePosition at)
    {
        if (Reserved.Contains(name))
        {
            Errors.Add(at, $"'{name}' is a reserved name (built-in function, constant or keyword)");
            return false;
        }
        (string Kind, SourcePosition Position)? existing = null;
        if (_expressionNames.TryGetValue(name, out var e) && !(kind == "species" && e.Kind == "observable")) existing = e;
        else if (kind != "observable" && kind != "species" && _speciesNames.TryGetValue(name, out var sp)) existing = ("species", sp);
        else if (kind == "species" && _speciesNames.TryGetValue(name, out var sp2)) existing = ("species", sp2);
        if (existing is { } x)
        {
            Errors.Add(at, $"duplicate name '{name}': already defined as {WithArticle(x.Kind)} at line {x.Position.Line}");
            return false;
        }
        if (kind == "species") _speciesNames[name] = at;
        else _expressionNames[name] = (kind, at);
        return true;
    }

    // ───────────────────────── second pass: resolve and build ─────────────────────────

    /// <summary>Resolves every definition and builds the model, or throws every error found.</summary>
    public ReactionModel Build(string name)
    {
        ResolveParameters();
        var species = ResolveSpecies();
        var observables = ResolveObservables();
        ResolveFunctions();
        var reactions = ResolveReactions();
        if (_reactionLines == 0) Errors.Add(new SourcePosition(file, 0, 0), "file has no reactions (expected a 'begin reaction rules' block)");
        Errors.ThrowIfAny();

        return new ReactionModel(
            name,
            [.. _parameters.Select(p => new Parameter(p.Name, p.Expression!, p.Value, p.Position))],
            species,
            observables,
            [.. _functions.Select(f => new Function(f.Name, f.Expression!, f.Position))],
            reactions,
            defaultRun: Run,
            warnings: [.. Warnings.OrderBy(w => w.Position.Line).ThenBy(w => w.Position.Column)]);
    }

    private static SymbolExpr Symbol(SymbolKind kind, int index, string name, SourcePosition at) => new(kind, index, name, at);

    /// <summary>The error for a name that is not allowed (or not known) where it is written.</summary>
    private ModelException Unresolved(string name, bool called, SourcePosition at, string context, string unknown)
    {
        string message;
        if (name == "time") message = "write 'time()' for the simulation time";
        else if (called && (_parameterIndex.ContainsKey(name) || _observableIndex.ContainsKey(name)))
            message = $"'{name}' is {WithArticle(_parameterIndex.ContainsKey(name) ? "parameter" : "observable")}, not a function; write it without '()'";
        else if (_parameterIndex.ContainsKey(name)) message = $"'{name}' is a parameter; {context}";
        else if (_observableIndex.ContainsKey(name)) message = $"'{name}' is an observable; {context}";
        else if (_functionIndex.ContainsKey(name)) message = $"'{name}' is a function; {context}";
        else if (_speciesIndex.ContainsKey(name)) message = $"'{name}' is a species; {context} (expressions read species counts through observables, e.g. 'Molecules {name}_total {name}')";
        else message = $"unknown {unknown} '{name}'";
        return ThrowHelper.Model(at, message);
    }

    private void ResolveParameters()
    {
        foreach (var d in _parameters)
        {
            if (d.Bad) continue;
            try
            {
                d.Expression = new BnglScanner(d.Line).Expression(d.ExprStart, d.Line.Text.Length, (n, called, at) =>
                {
                    if (!called && _parameterIndex.TryGetValue(n, out int j))
                    {
                        d.Refs.Add((j, at));
                        return Symbol(SymbolKind.Parameter, j, n, at);
                    }
                    throw Unresolved(n, called, at, "parameter values may only use parameters", "parameter");
                });
            }
            catch (ModelException e)
            {
                Errors.Add(e);
                d.Bad = true;
            }
        }
        CheckOrder(_parameters, "parameter");
        foreach (var d in _parameters)
        {
            if (d.Bad) continue;
            if (d.Refs.Any(r => _parameters[r.Index].Bad)) { d.Bad = true; continue; }
            try
            {
                d.Value = ExpressionEvaluator.Evaluate(d.Expression!, x => _parameters[x.Index].Value, checkedDivision: true);
                if (!double.IsFinite(d.Value)) throw ThrowHelper.Model(d.Line.At(d.ExprStart), $"parameter '{d.Name}' is {Describe(d.Value)}; it must be finite");
            }
            catch (ModelException e)
            {
                Errors.Add(e);
                d.Bad = true;
            }
        }
    }

    /// <summary>
    /// Reports every reference to a definition at or after the referring one: as a cycle when the
    /// referenced definition leads back, otherwise as a use before definition.
    /// </summary>
    private void CheckOrder(List<Definition> definitions, string kind)
    {
        for (int i = 0; i < definitions.Count; i++)
        {
            var d = definitions[i];
            foreach (var (j, at) in d.Refs)
            {
                if (j < i) continue;
                d.Bad = true;
                var path = PathTo(definitions, j, i);
                if (path is not null)
                    Errors.Add(at, $"cyclic {kind} definition: {d.Name} -> {string.Join(" -> ", path.Select(k => definitions[k].Name))}");
                else
                    Errors.Add(at, $"{kind} '{definitions[j].Name}' is used before it is defined (line {definitions[j].Position.Line}); a {kind} may only use {kind}s defined above it");
                break;
            }
        }
    }

    /// <summary>A reference path from definition <paramref name="from"/> to <paramref name="to"/> (both included), or null.</summary>
    private static List<int>? PathTo(List<Definition> definitions, int from, int to)
    {
        var visited = new HashSet<int>();
        var path = new List<int>();
        return Visit(from) ? path : null;

        bool Visit(int k)
        {
            path.Add(k);
            if (k == to) return true;
            if (visited.Add(k))
            {
                foreach (var (next, _) in definitions[k].Refs)
                {
                    if (Visit(next)) return true;
                }
            }
            path.RemoveAt(path.Count - 1);
            return false;
        }
    }

    /// <summary>Parses an expression that may only read parameters; null (already reported or skipped) when it has an error or reads a bad parameter.</summary>
    private (Expr Expression, double? Value) ParameterExpression(SourceLine line, int start, int end, string context)
    {
        var expr = new BnglScanner(line).Expression(start, end, (n, called, at) =>
            !called && _parameterIndex.TryGetValue(n, out int j)
                ? Symbol(SymbolKind.Parameter, j, n, at)
                : throw Unresolved(n, called, at, context, "parameter"));
        if (ExpressionEvaluator.Symbols(expr).Any(x => _parameters[x.Index].Bad)) return (expr, null);
        return (expr, ExpressionEvaluator.Evaluate(expr, x => _parameters[x.Index].Value, checkedDivision: true));
    }

    private ImmutableArray<Species> ResolveSpecies()
    {
        var result = ImmutableArray.CreateBuilder<Species>(_species.Count);
        foreach (var d in _species)
        {
            Expr expr = new NumberExpr(0, d.Position);
            double count = 0;
            if (!d.Bad)
            {
                try
                {
                    var (e, value) = ParameterExpression(d.Line, d.ExprStart, d.Line.Text.Length, "initial counts may only use parameters");
                    expr = e;
                    if (value is double v)
                    {
                        string? problem =
                            !double.IsFinite(v) ? "it must be a finite, non-negative whole number"
                            : v < 0 ? "it must not be negative"
                            : v != Math.Floor(v) ? "it must be a whole number (a molecule count)"
                            : v >= MaxExactCount ? "it must be below 2^53 = 9007199254740992 (2^53 + 1 already reads as 2^53)"
                            : null;
                        if (problem is not null) Errors.Add(d.Line.At(d.ExprStart), $"initial count of '{d.Name}' is {Describe(v)}; {problem}");
                        count = v;
                    }
                }
                catch (ModelException e)
                {
                    Errors.Add(e);
                }
            }
            result.Add(new Species(d.Name, expr, count, d.Clamped, d.Position));
        }
        return result.MoveToImmutable();
    }

    private int SpeciesIndex(string name, SourcePosition at) =>
        _speciesIndex.TryGetValue(name, out int i) ? i
        : throw ThrowHelper.Model(at, $"unknown species '{name}' (every species must be declared in 'seed species')");

    private ImmutableArray<Observable> ResolveObservables()
    {
        var result = ImmutableArray.CreateBuilder<Observable>(_observables.Count);
        foreach (var d in _observables)
        {
            // A species listed twice counts twice (weight 2); terms keep first-appearance order.
            var weights = new List<ObservableTerm>();
            foreach (var (name, at) in d.Species)
            {
                int index;
                try
                {
                    index = SpeciesIndex(name, at);
                }
                catch (ModelException e)
                {
                    Errors.Add(e);
                    continue;
                }
                int k = weights.FindIndex(t => t.Species == index);
                if (k < 0) weights.Add(new ObservableTerm(index, 1));
                else weights[k] = weights[k] with { Weight = weights[k].Weight + 1 };
            }
            result.Add(new Observable(d.Name, [.. weights], d.Position));
        }
        return result.MoveToImmutable();
    }

    /// <summary>Resolves a name in a function body or a rate: parameters, observables, functions (recorded in <paramref name="refs"/>).</summary>
    private SymbolExpr ResolveDynamic(string n, bool called, SourcePosition at, List<(int, SourcePosition)>? refs, string context)
    {
        if (_functionIndex.TryGetValue(n, out int f))
        {
            refs?.Add((f, at));
            return Symbol(SymbolKind.Function, f, n, at);
        }
        if (!called && _parameterIndex.TryGetValue(n, out int p)) return Symbol(SymbolKind.Parameter, p, n, at);
        if (!called && _observableIndex.TryGetValue(n, out int o)) return Symbol(SymbolKind.Observable, o, n, at);
        throw Unresolved(n, called, at, context, "parameter, observable or function");
    }

    private void ResolveFunctions()
    {
        foreach (var d in _functions)
        {
            if (d.Bad) continue;
            try
            {
                d.Expression = new BnglScanner(d.Line).Expression(d.ExprStart, d.Line.Text.Length,
                    (n, called, at) => ResolveDynamic(n, called, at, d.Refs, "functions read parameters, observables, other functions and time()"));
            }
            catch (ModelException e)
            {
                Errors.Add(e);
                d.Bad = true;
            }
        }
        CheckOrder(_functions, "function");
    }

    private ImmutableArray<Reaction> ResolveReactions()
    {
        var result = ImmutableArray.CreateBuilder<Reaction>();
        foreach (var d in _reactions)
        {
            var reactants = ImmutableArray.CreateBuilder<int>();
            var products = ImmutableArray.CreateBuilder<int>();
            bool ok = true;
            foreach (var (list, target) in new[] { (d.Reactants, reactants), (d.Products, products) })
            {
                foreach (var (name, at) in list)
                {
                    try
                    {
                        target.Add(SpeciesIndex(name, at));
                    }
                    catch (ModelException e)
                    {
                        Errors.Add(e);
                        ok = false;
                    }
                }
            }
            var rates = new List<(Expr Expr, RateLawKind Kind)>();
            foreach (var (start, end) in d.Rates)
            {
                try
                {
                    rates.Add(Rate(d.Line, start, end));
                }
                catch (ModelException e)
                {
                    Errors.Add(e);
                    ok = false;
                }
            }
            if (!ok) continue;
            ImmutableArray<int> r = reactants.ToImmutable(), p = products.ToImmutable();
            result.Add(new Reaction(d.Label, r, p, rates[0].Expr, rates[0].Kind, StatisticalFactor(r), d.Position));
            if (d.Reversible)
                result.Add(new Reaction(d.Label is null ? null : "_reverse_" + d.Label, p, r, rates[1].Expr, rates[1].Kind, StatisticalFactor(p), d.Position));
        }
        return result.ToImmutable();
    }

    /// <summary>
    /// Parses one rate: parameters only → mass action, checked to be finite and non-negative;
    /// anything reading observables, functions or time → a BioNetGen functional rate.
    /// </summary>
    private (Expr, RateLawKind) Rate(SourceLine line, int start, int end)
    {
        var s = new BnglScanner(line) { Pos = start };
        s.SkipSpace();
        int first = s.Pos;
        var expr = s.Expression(start, end, (n, called, at) =>
            ResolveDynamic(n, called, at, null, "rates read parameters, observables, functions and time()"));
        if (!ExpressionEvaluator.IsConstant(expr)) return (expr, RateLawKind.Functional);
        if (!ExpressionEvaluator.Symbols(expr).Any(x => _parameters[x.Index].Bad))
        {
            double k = ExpressionEvaluator.Evaluate(expr, x => _parameters[x.Index].Value, checkedDivision: true);
            if (!double.IsFinite(k) || k < 0)
                throw ThrowHelper.Model(line.At(first), $"rate '{line.Text[first..end].Trim()}' is {Describe(k)}; a rate constant must be finite and non-negative");
        }
        return (expr, RateLawKind.MassAction);
    }

    /// <summary>BNGL's symmetry factor: 1/Π m! over each reactant species appearing m times.</summary>
    internal static double StatisticalFactor(ImmutableArray<int> reactants)
    {
        double factor = 1;
        foreach (var group in reactants.GroupBy(x => x))
        {
            for (int m = 2; m <= group.Count(); m++) factor /= m;
        }
        return factor;
    }

    internal static string Describe(double v) =>
        double.IsNaN(v) ? "not a number" : double.IsPositiveInfinity(v) ? "infinite" : double.IsNegativeInfinity(v) ? "negative infinity"
        : v.ToString("G10", CultureInfo.InvariantCulture);
}
