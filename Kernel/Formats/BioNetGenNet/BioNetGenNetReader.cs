using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>
/// Reads BioNetGen <c>.net</c> files: the reaction networks BioNetGen generates from rule-based
/// models (Faeder, Blinov &amp; Hlavacek 2009, Methods Mol Biol 500:113; file layout as written by
/// BioNetGen 2.x <c>writeNetwork</c>). Blocks <c>parameters</c>, <c>functions</c>, <c>species</c>,
/// <c>reactions</c> and <c>groups</c>; other blocks are skipped with a warning.
/// </summary>
/// <remarks>
/// <para>Species strings (<c>A(b,p~U)</c>) are kept as names; a leading <c>$</c> marks a clamped
/// species and is not part of the name. Reactions are lists of species indices (1-based,
/// <c>0</c> = nothing). A .net rate already carries BioNetGen's statistical factor
/// (<c>7,7 8 0.5*kp2</c>), so every reaction is built with statistical factor 1: mass action when the
/// rate reads only parameters, functional when it reads a function. Groups become observables
/// (<c>2*3</c> is species 3 with weight 2).</para>
/// <para>The reader is written for networks of 10^5 reactions: one pass over the text with spans,
/// integers parsed by hand, and the expression parser used only for rates that are not a plain
/// number or parameter name. The per-line methods are compiled fully optimized on first call
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>): a command-line run reads one file, and
/// tier-0 code with on-stack replacement cost about a tenth of <c>stochastic check</c>'s CPU time on
/// a 58,000-reaction file (docs/performance.md).</para>
/// <para>One file just over 400 lines: the single pass keeps its cursor, symbol tables and error list
/// in one builder.</para>
/// </remarks>
public static class BioNetGenNetReader
{
    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <exception cref="ModelException">The file is not a valid .net file (every error, with file:line:column).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ReactionModel Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses .net text; <paramref name="fileName"/> names the source in error messages and gives the model its name.</summary>
    /// <exception cref="ModelException">The text is not a valid .net file (every error, with file:line:column).</exception>
    public static ReactionModel Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        return new Builder(text, fileName).Build();
    }

    private enum Block { None, Parameters, Functions, Species, Reactions, Groups, Other }

    /// <summary>One content line of a block: where its text starts and ends in the source.</summary>
    private readonly record struct Line(int Number, int LineStart, int Start, int End);

    private sealed class Builder(string text, string file)
    {
        private readonly ErrorList _errors = new();
        private readonly List<ModelError> _warnings = [];
        private readonly List<Line>[] _lines = [[], [], [], [], [], [], []];
        private readonly Dictionary<string, int> _parameterIndex = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _observableIndex = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _functionIndex = new(StringComparer.Ordinal);
        private readonly List<Parameter> _parameters = [];
        private readonly List<Species> _species = [];
        private readonly List<Observable> _observables = [];
        private readonly List<Function> _functions = [];
        private Reaction[] _reactions = [];
        private int _reactionCount;
        private readonly bool[] _seen = new bool[7];
        private double[] _parameterValues = [];

        private SourcePosition At(int line, int column) => new(file, line, column);

        private SourcePosition At(Line line, int offset) => new(file, line.Number, offset - line.LineStart + 1);

        public ReactionModel Build()
        {
            Scan();
            foreach (var line in _lines[(int)Block.Parameters]) Guard(line, ReadParameter);
            _parameterValues = [.. _parameters.Select(p => p.Value)];
            foreach (var line in _lines[(int)Block.Species]) Guard(line, ReadSpecies);
            foreach (var line in _lines[(int)Block.Groups]) Guard(line, ReadGroup);
            foreach (var line in _lines[(int)Block.Functions]) Guard(line, ReadFunction);
            _reactions = new Reaction[_lines[(int)Block.Reactions].Count];
            foreach (var line in _lines[(int)Block.Reactions]) Guard(line, ReadReaction);
            if (!_seen[(int)Block.Species] && !_errors.Any) _errors.Add(At(0, 0), "no 'begin species' block");
            _errors.ThrowIfAny();
            string name = Path.GetFileNameWithoutExtension(file);
            return new ReactionModel(
                string.IsNullOrEmpty(name) ? file : name,
                [.. _parameters], [.. _species], [.. _observables], [.. _functions],
                ImmutableArray.Create(_reactions, 0, _reactionCount),
                warnings: [.. _warnings]);
        }

        private void Guard(Line line, Action<Line> read)
        {
            try { read(line); }
            catch (ModelException e) { _errors.Add(e); }
        }

        // ---- scanning: split into lines, strip comments, sort content lines into blocks ----

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] private void Scan()
        {
            var block = Block.None;
            int blockLine = 0;
            string blockName = "";
            int lineNumber = 0;
            int pos = 0;
            while (pos <= text.Length)
            {
                lineNumber++;
                int end = text.IndexOf('\n', pos);
                if (end < 0) end = text.Length;
                int next = end + 1;
                int stop = end;
                if (stop > pos && text[stop - 1] == '\r') stop--;
                int hash = text.IndexOf('#', pos, stop - pos);
                if (hash >= 0) stop = hash;
                int lineStart = pos;
                int start = pos;
                while (start < stop && char.IsWhiteSpace(text[start])) start++;
                while (stop > start && char.IsWhiteSpace(text[stop - 1])) stop--;
                pos = next;
                if (start == stop) continue;
                var content = text.AsSpan(start, stop - start);
                if (content.StartsWith("begin ") || content.StartsWith("begin\t"))
                {
                    string name = Normalize(content[6..]);
                    if (block != Block.None)
                    {
                        _errors.Add(At(lineNumber, 1), $"'begin {name}' inside block '{blockName}' (missing 'end {blockName}')");
                    }
                    block = BlockOf(name);
                    blockName = name;
                    blockLine = lineNumber;
                    if (block == Block.Other)
                        _warnings.Add(new ModelError(At(lineNumber, 1), $"block '{name}' is not used by this reader; skipped"));
                    else if (_seen[(int)block])
                        _errors.Add(At(lineNumber, 1), $"block '{name}' appears twice");
                    _seen[(int)block] = true;
                    continue;
                }
                if (content.StartsWith("end ") || content.StartsWith("end\t"))
                {
                    string name = Normalize(content[4..]);
                    if (block == Block.None) _errors.Add(At(lineNumber, 1), $"'end {name}' without 'begin {name}'");
                    else if (name != blockName) _errors.Add(At(lineNumber, 1), $"'end {name}' closes block '{blockName}' opened on line {blockLine}");
                    block = Block.None;
                    continue;
                }
                if (block == Block.None)
                {
                    _errors.Add(At(lineNumber, start - lineStart + 1), "text outside any block");
                    continue;
                }
                if (block != Block.Other) _lines[(int)block].Add(new Line(lineNumber, lineStart, start, stop));
            }
            if (block != Block.None) _errors.Add(At(blockLine, 1), $"block '{blockName}' is not closed (missing 'end {blockName}')");
        }

        private static string Normalize(ReadOnlySpan<char> name) => string.Join(' ', name.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

        private static Block BlockOf(string name) => name switch
        {
            "parameters" => Block.Parameters,
            "functions" => Block.Functions,
            "species" or "seed species" => Block.Species,
            "reactions" => Block.Reactions,
            "groups" => Block.Groups,
            _ => Block.Other,
        };

        // ---- tokens ----

        /// <summary>Reads the next whitespace-delimited token from <paramref name="pos"/>; returns its start, or -1 at the end.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] private int Token(Line line, ref int pos, out int end)
        {
            while (pos < line.End && char.IsWhiteSpace(text[pos])) pos++;
            if (pos >= line.End) { end = pos; return -1; }
            int start = pos;
            while (pos < line.End && !char.IsWhiteSpace(text[pos])) pos++;
            end = pos;
            return start;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] private int RequireToken(Line line, ref int pos, out int end, string what)
        {
            int start = Token(line, ref pos, out end);
            if (start < 0) throw ThrowHelper.Model(At(line, line.End), $"expected {what}");
            return start;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] private int ReadIndex(Line line, ref int pos, string what)
        {
            int start = RequireToken(line, ref pos, out int end, what);
            if (!TryInt(start, end, out int value) || value < 1)
                throw ThrowHelper.Model(At(line, start), $"expected {what} (a positive integer), found '{text[start..end]}'");
            return value;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] private bool TryInt(int start, int end, out int value)
        {
            value = 0;
            if (start >= end || end - start > 9) return false;
            for (int i = start; i < end; i++)
            {
                int d = text[i] - '0';
                if ((uint)d > 9) return false;
                value = value * 10 + d;
            }
            return true;
        }

        private static bool IsIdentifier(ReadOnlySpan<char> s)
        {
            if (s.IsEmpty || !(char.IsLetter(s[0]) || s[0] == '_')) return false;
            foreach (char c in s) if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
            return true;
        }

        private void CheckSequence(Line line, int index, int expected, string what)
        {
            if (index != expected)
                throw ThrowHelper.Model(At(line, line.Start), $"{what} index {index} out of sequence (expected {expected})");
        }

        // ---- expressions ----

        /// <summary>
        /// Parses the expression in [start, end). A plain number or parameter name (nearly every rate
        /// in a generated network) is built directly; anything else goes through <see cref="ExpressionParser"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] private Expr ParseExpression(Line line, int start, int end, bool allowObservables, bool allowFunctions)
        {
            var span = text.AsSpan(start, end - start);
            var position = At(line, start);
            if (span.Length > 0 && (char.IsDigit(span[0]) || span[0] == '.')
                && double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
                return new NumberExpr(number, position);
            var alternate = _parameterIndex.GetAlternateLookup<ReadOnlySpan<char>>();
            if (alternate.TryGetValue(span, out int p)) return new SymbolExpr(SymbolKind.Parameter, p, _parameters[p].Name, position);
            // BioNetGen writes statistical factors as "0.5*kp2" or "2*kp3".
            int star = span.IndexOf('*');
            if (star > 0 && star + 1 < span.Length && span[star + 1] != '*'
                && double.TryParse(span[..star], NumberStyles.Float, CultureInfo.InvariantCulture, out double factor)
                && alternate.TryGetValue(span[(star + 1)..], out int fp))
            {
                return new BinaryExpr(BinaryOperator.Multiply, new NumberExpr(factor, position),
                    new SymbolExpr(SymbolKind.Parameter, fp, _parameters[fp].Name, At(line, start + star + 1)), At(line, start + star));
            }
            return ExpressionParser.Parse(span.ToString(), position, (name, called, at) =>
            {
                if (!called && _parameterIndex.TryGetValue(name, out int pi)) return new SymbolExpr(SymbolKind.Parameter, pi, name, at);
                if (allowObservables && !called && _observableIndex.TryGetValue(name, out int oi)) return new SymbolExpr(SymbolKind.Observable, oi, name, at);
                if (allowFunctions && _functionIndex.TryGetValue(name, out int fi)) return new SymbolExpr(SymbolKind.Function, fi, name, at);
                return null;
            });
        }

        private double EvaluateConstant(Expr expr) =>
            ExpressionEvaluator.Evaluate(expr, s => _parameterValues[s.Index], checkedDivision: true);

        // ---- blocks ----

        private void ReadParameter(Line line)
        {
            int pos = line.Start;
            int index = ReadIndex(line, ref pos, "parameter index");
            int nameStart = RequireToken(line, ref pos, out int nameEnd, "parameter name");
            string name = text[nameStart..nameEnd];
            if (!IsIdentifier(name)) throw ThrowHelper.Model(At(line, nameStart), $"'{name}' is not a valid parameter name");
            if (_parameterIndex.ContainsKey(name)) throw ThrowHelper.Model(At(line, nameStart), $"parameter '{name}' is defined twice");
            while (pos < line.End && char.IsWhiteSpace(text[pos])) pos++;
            if (pos < line.End && text[pos] == '=') pos++;
            while (pos < line.End && char.IsWhiteSpace(text[pos])) pos++;
            if (pos >= line.End) throw ThrowHelper.Model(At(line, pos), $"parameter '{name}' has no value");
            CheckSequence(line, index, _parameters.Count + 1, "parameter");
            var expr = ParseExpression(line, pos, line.End, false, false);
            double value = ExpressionEvaluator.Evaluate(expr, s => _parameters[s.Index].Value, checkedDivision: true);
            if (!double.IsFinite(value)) throw ThrowHelper.Model(At(line, pos), $"parameter '{name}' is {(double.IsNaN(value) ? "not a number" : "infinite")}");
            _parameterIndex[name] = _parameters.Count;
            _parameters.Add(new Parameter(name, expr, value, At(line, nameStart)));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] private void ReadSpecies(Line line)
        {
            int pos = line.Start;
            int index = ReadIndex(line, ref pos, "species index");
            int nameStart = RequireToken(line, ref pos, out int nameEnd, "species");
            while (pos < line.End && char.IsWhiteSpace(text[pos])) pos++;
            if (pos >= line.End) throw ThrowHelper.Model(At(line, pos), "expected the species' initial amount");
            CheckSequence(line, index, _species.Count + 1, "species");
            bool clamped = text[nameStart] == '$';
            string name = text[(clamped ? nameStart + 1 : nameStart)..nameEnd];
            if (name.Length == 0) throw ThrowHelper.Model(At(line, nameStart), "empty species name");
            var expr = ParseExpression(line, pos, line.End, false, false);
            double amount = EvaluateConstant(expr);
            if (!double.IsFinite(amount) || amount < 0)
                throw ThrowHelper.Model(At(line, pos), $"initial amount of '{name}' is {amount.ToString(CultureInfo.InvariantCulture)}; it must be finite and non-negative");
            double count = Math.Round(amount, MidpointRounding.AwayFromZero);
            // 2^53 + 1 reads as 2^53: a count there or above is not the one written.
            if (count >= Simulation.RunLimits.MaxExactCount)
                throw ThrowHelper.Model(At(line, pos), $"initial amount of '{name}' is {amount.ToString(CultureInfo.InvariantCulture)}; it must be below 2^53 = 9007199254740992, the counts stored exactly");
            if (count != amount)
                _warnings.Add(new ModelError(At(line, pos), $"initial amount {amount.ToString(CultureInfo.InvariantCulture)} of '{name}' rounded to {count.ToString(CultureInfo.InvariantCulture)} molecules"));
            _species.Add(new Species(name, expr, count, clamped, At(line, nameStart)));
        }

        private void ReadGroup(Line line)
        {
            int pos = line.Start;
            int index = ReadIndex(line, ref pos, "group index");
            int nameStart = RequireToken(line, ref pos, out int nameEnd, "group name");
            string name = text[nameStart..nameEnd];
            if (!IsIdentifier(name)) throw ThrowHelper.Model(At(line, nameStart), $"'{name}' is not a valid group name");
            if (_observableIndex.ContainsKey(name)) throw ThrowHelper.Model(At(line, nameStart), $"group '{name}' is defined twice");
            CheckSequence(line, index, _observables.Count + 1, "group");
            var terms = ImmutableArray.CreateBuilder<ObservableTerm>();
            int listStart = Token(line, ref pos, out int listEnd);
            if (listStart >= 0)
            {
                if (Token(line, ref pos, out _) is int extra and >= 0) throw ThrowHelper.Model(At(line, extra), "unexpected text after the group's species list");
                int i = listStart;
                while (i <= listEnd)
                {
                    int comma = text.IndexOf(',', i, listEnd - i);
                    int itemEnd = comma < 0 ? listEnd : comma;
                    terms.Add(ReadTerm(line, i, itemEnd));
                    i = itemEnd + 1;
                }
            }
            _observableIndex[name] = _observables.Count;
            _observables.Add(new Observable(name, terms.ToImmutable(), At(line, nameStart)));
        }

        private ObservableTerm ReadTerm(Line line, int start, int end)
        {
            double weight = 1;
            int star = text.IndexOf('*', start, end - start);
            int indexStart = start;
            if (star >= 0)
            {
                if (!double.TryParse(text.AsSpan(start, star - start), NumberStyles.Float, CultureInfo.InvariantCulture, out weight) || !double.IsFinite(weight))
                    throw ThrowHelper.Model(At(line, start), $"malformed weight '{text[start..star]}'");
                indexStart = star + 1;
            }
            return new ObservableTerm(SpeciesIndex(line, indexStart, end, allowNull: false), weight);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] private int SpeciesIndex(Line line, int start, int end, bool allowNull)
        {
            if (!TryInt(start, end, out int value))
                throw ThrowHelper.Model(At(line, start), start == end ? "empty species index" : $"'{text[start..end]}' is not a species index");
            if (value == 0 && allowNull) return -1;
            if (value < 1 || value > _species.Count)
                throw ThrowHelper.Model(At(line, start), $"unknown species index {value} (species are 1..{_species.Count})");
            return value - 1;
        }

        private void ReadFunction(Line line)
        {
            int pos = line.Start;
            int index = ReadIndex(line, ref pos, "function index");
            while (pos < line.End && char.IsWhiteSpace(text[pos])) pos++;
            int nameStart = pos;
            while (pos < line.End && (char.IsLetterOrDigit(text[pos]) || text[pos] == '_')) pos++;
            string name = text[nameStart..pos];
            if (!IsIdentifier(name)) throw ThrowHelper.Model(At(line, nameStart), "expected a function name");
            if (pos + 1 < line.End && text[pos] == '(' && text[pos + 1] == ')') pos += 2;
            else if (pos < line.End && text[pos] == '(') throw ThrowHelper.Model(At(line, pos), $"function '{name}' takes arguments; only functions without arguments are supported");
            while (pos < line.End && char.IsWhiteSpace(text[pos])) pos++;
            if (pos < line.End && text[pos] == '=') pos++;
            while (pos < line.End && char.IsWhiteSpace(text[pos])) pos++;
            if (pos >= line.End) throw ThrowHelper.Model(At(line, pos), $"function '{name}' has no body");
            if (_functionIndex.ContainsKey(name) || _parameterIndex.ContainsKey(name) || _observableIndex.ContainsKey(name))
                throw ThrowHelper.Model(At(line, nameStart), $"'{name}' is already defined");
            CheckSequence(line, index, _functions.Count + 1, "function");
            // Functions may read parameters, groups and earlier functions (so there are no cycles).
            var body = ParseExpression(line, pos, line.End, allowObservables: true, allowFunctions: true);
            _functionIndex[name] = _functions.Count;
            _functions.Add(new Function(name, body, At(line, nameStart)));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] private void ReadReaction(Line line)
        {
            int pos = line.Start;
            int index = ReadIndex(line, ref pos, "reaction index");
            int rs = RequireToken(line, ref pos, out int re, "reactant species indices");
            int ps = RequireToken(line, ref pos, out int pe, "product species indices");
            while (pos < line.End && char.IsWhiteSpace(text[pos])) pos++;
            if (pos >= line.End) throw ThrowHelper.Model(At(line, pos), "expected the reaction's rate");
            CheckSequence(line, index, _reactionCount + 1, "reaction");
            var reactants = IndexList(line, rs, re);
            var products = IndexList(line, ps, pe);
            var rate = ParseExpression(line, pos, line.End, false, allowFunctions: true);
            var kind = ReadsFunction(rate) ? RateLawKind.Functional : RateLawKind.MassAction;
            _reactions[_reactionCount++] = new Reaction(null, reactants, products, rate, kind, 1.0, At(line, line.Start));
        }

        private static bool ReadsFunction(Expr rate) => rate switch
        {
            NumberExpr => false,
            SymbolExpr s => s.Kind == SymbolKind.Function,
            _ => ExpressionEvaluator.Symbols(rate).Any(s => s.Kind == SymbolKind.Function),
        };

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] private ImmutableArray<int> IndexList(Line line, int start, int end)
        {
            // Count first so the array is allocated once at its final size.
            int count = 1;
            for (int i = start; i < end; i++) if (text[i] == ',') count++;
            var items = new int[count];
            int n = 0, at = start;
            for (int k = 0; k < count; k++)
            {
                int comma = k == count - 1 ? end : text.IndexOf(',', at, end - at);
                int s = SpeciesIndex(line, at, comma, allowNull: true);
                if (s >= 0) items[n++] = s;
                else if (count > 1) throw ThrowHelper.Model(At(line, at), "the null species 0 cannot be listed with other species");
                at = comma + 1;
            }
            if (n < count) Array.Resize(ref items, n);
            return ImmutableCollectionsMarshal.AsImmutableArray(items);
        }
    }
}
