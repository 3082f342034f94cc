using System.Collections.Immutable;
using System.Globalization;
using Stochastic.Expressions;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Methods;
using Stochastic.Transforms;
using Stochastic.Simulation.Tau;

namespace Stochastic.Population;

/// <summary>
/// Reads a study file (docs/study-files.md): BNGL-like blocks <c>begin study</c>,
/// <c>begin ligands</c>, <c>begin cell types</c>, <c>begin scenarios</c>, <c>begin fates</c>, each
/// closed by <c>end …</c>, with <c>#</c> comments. Every error is reported with file:line:column
/// through <see cref="ModelException"/>; the reader collects all it can find.
/// </summary>
public static class StudyReader
{
    private static readonly string[] Blocks = ["study", "ligands", "cell types", "scenarios", "fates"];
    // The methods a study's engine line may name: those of the catalog that simulate cells.
    private static readonly Dictionary<string, SimulationMethod> EngineMethods =
        MethodCatalog.All.Where(m => m.SimulatesCells).ToDictionary(m => m.Name, StringComparer.Ordinal);

    private static readonly string[] SettingKeys = ["model", "cells", "seed", "output_every", "dose_parameter", "readout", "readout_time", "time_unit", "dose_unit", "ligand_pool", "engine"];

    /// <summary>Reads the study file at <paramref name="path"/>; the model path inside is relative to the study file.</summary>
    /// <exception cref="ModelException">Missing file or any error in the study or its model.</exception>
    public static Study Read(string path)
    {
        if (!File.Exists(path)) throw new ModelException(new SourcePosition(path, 0, 0), "file not found");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelException(new SourcePosition(path, 0, 0), $"cannot read file: {e.Message}");
        }
        return Parse(text, path, modelPath =>
        {
            string full = Path.IsPathRooted(modelPath) ? modelPath : Path.Combine(Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".", modelPath);
            return ModelLoader.Load(full);
        });
    }

    private readonly record struct Token(string Text, int Column);

    private sealed record Line(int Number, string Text, List<Token> Tokens, int Column);

    /// <summary>Parses study text; <paramref name="loadModel"/> loads the model named in the <c>study</c> block.</summary>
    /// <exception cref="ModelException">Any error (all of them, in source order).</exception>
    public static Study Parse(string text, string fileName, Func<string, ReactionModel> loadModel)
    {
        var errors = new ErrorList();
        var blocks = new Dictionary<string, List<Line>>();
        foreach (var b in Blocks) blocks[b] = [];
        SourcePosition At(int line, int column) => new(fileName, line, column);

        string? open = null;
        int openLine = 0;
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string raw = lines[i];
            int hash = raw.IndexOf('#');
            string body = hash >= 0 ? raw[..hash] : raw;
            var tokens = Tokenize(body);
            if (tokens.Count == 0) continue;
            int number = i + 1;
            string first = tokens[0].Text.ToLowerInvariant();
            if (first is "begin" or "end")
            {
                string name = string.Join(' ', tokens.Skip(1).Select(t => t.Text.ToLowerInvariant()));
                var namePos = At(number, tokens.Count > 1 ? tokens[1].Column : tokens[0].Column);
                if (first == "begin")
                {
                    if (open is not null) { errors.Add(At(number, tokens[0].Column), $"'begin {name}' inside block '{open}' (missing 'end {open}')"); }
                    if (!Blocks.Contains(name))
                    {
                        var suggestion = NameSuggestion.Closest(name, Blocks);
                        errors.Add(namePos, suggestion is not null
                            ? $"unknown block '{name}'; did you mean '{suggestion}'?"
                            : $"unknown block '{name}' (expected {string.Join(", ", Blocks)})");
                        open = "?" + name;
                    }
                    else open = name;
                    openLine = number;
                }
                else
                {
                    if (open is null) errors.Add(At(number, tokens[0].Column), $"'end {name}' without a matching 'begin {name}'");
                    else if (open != name && open != "?" + name) errors.Add(namePos, $"'end {name}' does not match 'begin {open.TrimStart('?')}' at line {openLine}");
                    open = null;
                }
                continue;
            }
            if (open is null) { errors.Add(At(number, tokens[0].Column), $"expected 'begin <block>' ({string.Join(", ", Blocks)}); found '{tokens[0].Text}'"); continue; }
            if (open.StartsWith('?')) continue;
            blocks[open].Add(new Line(number, body, tokens, tokens[0].Column));
        }
        if (open is not null && !open.StartsWith('?')) errors.Add(At(openLine, 1), $"block '{open}' is not closed (missing 'end {open}')");

        // ---- study settings ----
        var settings = new Dictionary<string, (string Value, SourcePosition Position)>();
        Line? poolLine = null, engineLine = null;
        foreach (var line in blocks["study"])
        {
            string key = line.Tokens[0].Text;
            if (key == "engine")
            {
                if (engineLine is not null) errors.Add(At(line.Number, line.Column), "setting 'engine' is given twice");
                engineLine = line;
                continue;
            }
            if (key == "ligand_pool")
            {
                if (poolLine is not null) errors.Add(At(line.Number, line.Column), "setting 'ligand_pool' is given twice");
                poolLine = line;
                continue;
            }
            if (!SettingKeys.Contains(key))
            {
                var suggestion = NameSuggestion.Closest(key, SettingKeys);
                errors.Add(At(line.Number, line.Column), suggestion is not null
                    ? $"unknown setting '{key}'; did you mean '{suggestion}'?"
                    : $"unknown setting '{key}' (expected {string.Join(", ", SettingKeys)})");
                continue;
            }
            if (line.Tokens.Count != 2) { errors.Add(At(line.Number, line.Column), $"setting '{key}' needs exactly one value"); continue; }
            if (settings.ContainsKey(key)) { errors.Add(At(line.Number, line.Column), $"setting '{key}' is given twice"); continue; }
            settings[key] = (line.Tokens[1].Text, At(line.Number, line.Tokens[1].Column));
        }
        ReactionModel? model = null;
        if (!settings.TryGetValue("model", out var modelSetting)) errors.Add(At(0, 0), "the 'study' block must name the model ('model FILE.bngl')");
        else
        {
            try { model = loadModel(modelSetting.Value); }
            catch (ModelException e) { errors.Add(modelSetting.Position, $"model '{modelSetting.Value}' has errors:"); errors.Add(e); }
        }
        double Number(string key, double fallback, bool positive, bool integer = false)
        {
            if (!settings.TryGetValue(key, out var s)) return fallback;
            if (!double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v)
                || (positive && v <= 0) || v < 0 || (integer && v != Math.Floor(v)))
            {
                errors.Add(s.Position, $"'{key}' must be a {(positive ? "positive" : "non-negative")} {(integer ? "whole number" : "number")}; found '{s.Value}'");
                return fallback;
            }
            return v;
        }
        string Text(string key, string fallback) => settings.TryGetValue(key, out var s) ? s.Value : fallback;
        int cells = (int)Math.Min(int.MaxValue, Number("cells", 100, true, true));
        ulong seed = (ulong)Number("seed", 1, false, true);
        double interval = Number("output_every", 10, true);
        double readoutTime = Number("readout_time", 30, true);
        string doseParameter = Text("dose_parameter", "dose");
        string readout = Text("readout", "pSTAT5");
        var studySettings = new StudySettings(modelSetting.Value ?? "", cells, seed, interval, doseParameter, readout, readoutTime,
            Text("time_unit", "time unit"), Text("dose_unit", "dose unit"));

        if (model is null) { errors.ThrowIfAny(); throw new ModelException(At(0, 0), "no model"); }
        var parameterNames = model.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var varying = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        void CheckParameter(string name, SourcePosition position)
        {
            if (parameterNames.Contains(name)) { varying.TryAdd(name, position); return; }
            var near = NameSuggestion.Closest(name, parameterNames);
            errors.Add(position, near is not null
                ? $"unknown model parameter '{name}'; did you mean '{near}'?"
                : $"unknown model parameter '{name}'");
        }
        if (!parameterNames.Contains(doseParameter))
            errors.Add(settings.TryGetValue("dose_parameter", out var dp) ? dp.Position : At(0, 0), $"dose parameter '{doseParameter}' is not a model parameter");
        else varying.TryAdd(doseParameter, settings.TryGetValue("dose_parameter", out var dp2) ? dp2.Position : At(0, 0));
        if (!model.Observables.Any(o => o.Name == readout))
            errors.Add(settings.TryGetValue("readout", out var ro) ? ro.Position : At(0, 0), $"read-out '{readout}' is not an observable of the model ({string.Join(", ", model.Observables.Select(o => o.Name))})");

        // ---- ligands ----
        var ligands = ImmutableDictionary.CreateBuilder<string, ImmutableDictionary<string, double>>(StringComparer.Ordinal);
        foreach (var line in blocks["ligands"])
        {
            string name = line.Tokens[0].Text;
            if (ligands.ContainsKey(name)) { errors.Add(At(line.Number, line.Column), $"duplicate ligand '{name}'"); continue; }
            var values = ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
            foreach (var token in line.Tokens.Skip(1))
            {
                if (KeyValue(token, line.Number) is not { } kv) continue;
                CheckParameter(kv.Key, At(line.Number, token.Column));
                values[kv.Key] = kv.Value;
            }
            ligands[name] = values.ToImmutable();
        }

        // ---- cell types ----
        var cellTypeLines = new List<(string Name, CellParameter Parameter, SourcePosition Position)>();
        var correlationLines = new List<(string CellType, Token Head, Line Line)>();
        foreach (var line in blocks["cell types"])
        {
            if (line.Tokens.Count >= 2 && line.Tokens[1].Text.StartsWith("correlation(", StringComparison.OrdinalIgnoreCase))
            {
                correlationLines.Add((line.Tokens[0].Text, line.Tokens[1], line));
                continue;
            }
            if (line.Tokens.Count < 3) { errors.Add(At(line.Number, line.Column), "expected 'CELLTYPE PARAMETER DISTRIBUTION', e.g. 'Treg CD25_0 lognormal(3480, 0.8)'"); continue; }
            string parameter = line.Tokens[1].Text;
            CheckParameter(parameter, At(line.Number, line.Tokens[1].Column));
            int start = line.Tokens[2].Column - 1;
            string spec = line.Text[start..].Trim();
            var distribution = Distribution(spec, At(line.Number, line.Tokens[2].Column));
            if (distribution is null) continue;
            if (cellTypeLines.Any(c => c.Name == line.Tokens[0].Text && c.Parameter.Parameter == parameter))
            {
                errors.Add(At(line.Number, line.Tokens[1].Column), $"cell type '{line.Tokens[0].Text}' sets '{parameter}' twice");
                continue;
            }
            cellTypeLines.Add((line.Tokens[0].Text, new CellParameter(parameter, distribution, At(line.Number, line.Tokens[1].Column)), At(line.Number, line.Column)));
        }
        var cellTypes = cellTypeLines.GroupBy(c => c.Name)
            .Select(g => new CellType(g.Key, [.. g.Select(c => c.Parameter)], g.First().Position)).ToImmutableArray();
        cellTypes = AddCorrelations(cellTypes, correlationLines, errors, At);

        // ---- scenarios ----
        var scenarios = ImmutableArray.CreateBuilder<Scenario>();
        foreach (var line in blocks["scenarios"])
        {
            string name = line.Tokens[0].Text;
            var position = At(line.Number, line.Column);
            if (scenarios.Any(s => s.Name == name)) { errors.Add(position, $"duplicate scenario '{name}'"); continue; }
            string? ligand = null;
            double dose = double.NaN, duration = double.NaN;
            var values = ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
            bool ok = true;
            foreach (var token in line.Tokens.Skip(1))
            {
                int eq = token.Text.IndexOf('=');
                if (eq > 0 && token.Text[..eq] == "ligand")
                {
                    ligand = token.Text[(eq + 1)..];
                    if (!ligands.ContainsKey(ligand)) { errors.Add(At(line.Number, token.Column + eq + 1), $"unknown ligand '{ligand}' (the 'ligands' block defines {string.Join(", ", ligands.Keys)})"); ok = false; }
                    continue;
                }
                if (KeyValue(token, line.Number) is not { } kv) { ok = false; continue; }
                switch (kv.Key)
                {
                    case "dose":
                        if (kv.Value < 0) { errors.Add(At(line.Number, token.Column), "dose must not be negative"); ok = false; }
                        dose = kv.Value; break;
                    case "duration":
                        if (!(kv.Value > 0)) { errors.Add(At(line.Number, token.Column), "duration must be positive"); ok = false; }
                        duration = kv.Value; break;
                    default:
                        CheckParameter(kv.Key, At(line.Number, token.Column));
                        values[kv.Key] = kv.Value; break;
                }
            }
            if (ligand is null) { errors.Add(position, $"scenario '{name}' needs 'ligand=NAME'"); ok = false; }
            if (double.IsNaN(duration)) { errors.Add(position, $"scenario '{name}' needs 'duration=TIME' (model time units)"); ok = false; }
            if (double.IsNaN(dose)) dose = 0;
            if (!ok) continue;
            var all = ligands[ligand!].ToBuilder();
            all[doseParameter] = dose;
            foreach (var (k, v) in values) all[k] = v;
            scenarios.Add(new Scenario(name, ligand!, dose, duration, all.ToImmutable(), position));
        }

        // ---- fates ----
        var outputNames = model.Observables.Length > 0 ? model.Observables.Select(o => o.Name).ToArray() : model.Species.Select(s => s.Name).ToArray();
        var variableNames = CellVariables.Names(outputNames);
        var fates = ImmutableArray.CreateBuilder<FateRule>();
        var cellTypeNames = cellTypes.Select(c => c.Name).ToArray();
        foreach (var line in blocks["fates"])
        {
            var head = FateHead(line, cellTypeNames, errors, At);
            if (head is null) continue;
            var (name, scope, conditionColumn) = head.Value;
            string condition = line.Text[(conditionColumn - 1)..].TrimEnd();
            if (condition.Length == 0) { errors.Add(At(line.Number, line.Column), $"fate '{name}' needs a condition, e.g. '{name}: Tox_obs > 500' (or '1' for 'otherwise')"); continue; }
            try
            {
                var expr = ExpressionParser.Parse(condition, At(line.Number, conditionColumn), (n, called, pos) =>
                {
                    int v = Array.IndexOf(variableNames, n);
                    if (v >= 0) return new SymbolExpr(SymbolKind.Parameter, v, n, pos);
                    int p = model.ParameterIndex(n);
                    if (p >= 0) return new SymbolExpr(SymbolKind.Parameter, variableNames.Length + p, n, pos);
                    throw new ModelException(pos, $"unknown name '{n}' in fate rule; a rule reads observables (NAME, NAME_auc, NAME_mean, NAME_max) and model parameters");
                });
                fates.Add(new FateRule(name, expr, condition, At(line.Number, line.Column)) { CellTypes = scope });
            }
            catch (ModelException e) { errors.Add(e); }
        }

        if (cellTypes.Length == 0) errors.Add(At(0, 0), "the study has no cell types (expected a 'begin cell types' block)");
        if (scenarios.Count == 0 && !errors.Any) errors.Add(At(0, 0), "the study has no scenarios (expected a 'begin scenarios' block)");
        if (fates.Count == 0) errors.Add(At(0, 0), "the study has no fate rules (expected a 'begin fates' block)");
        if (!errors.Any)
        {
            try { new CellParameterSampler(model).CheckVarying(varying.Keys, n => varying[n]); }
            catch (ModelException e) { errors.Add(e); }
        }
        if (poolLine is not null)
            studySettings = studySettings with
            {
                LigandPool = LigandPool.Parse([.. poolLine.Tokens.Skip(1).Select(t => (t.Text, At(poolLine.Number, t.Column)))],
                    At(poolLine.Number, poolLine.Column), model, doseParameter, studySettings.DoseUnit, cellTypeNames, errors),
            };
        if (engineLine is not null)
            studySettings = studySettings with { Engine = ParseEngine(engineLine) };
        errors.ThrowIfAny();
        return new Study(model, cellTypes, scenarios.ToImmutable(), fates.ToImmutable(), ligands.ToImmutable(), studySettings);

        // engine METHOD [theta=X] [group_theta=X] [reservoir_tolerance=X] [epsilon=X] [leap]
        StudyEngine ParseEngine(Line line)
        {
            var engine = StudyEngine.Default;
            if (line.Tokens.Count < 2) { errors.Add(At(line.Number, line.Column), $"setting 'engine' needs a method ({string.Join(", ", EngineMethods.Keys)})"); return engine; }
            var methodToken = line.Tokens[1];
            if (!EngineMethods.TryGetValue(methodToken.Text, out var method))
            {
                errors.Add(At(line.Number, methodToken.Column), $"unknown engine '{methodToken.Text}' (expected {string.Join(", ", EngineMethods.Keys)})");
                return engine;
            }
            double epsilon = TauLeapingSimulator.DefaultEpsilon;
            bool leap = false, slowScaleOnly = false;
            var slow = new SlowScaleOptions();
            foreach (var token in line.Tokens.Skip(2))
            {
                if (token.Text == "leap") { leap = slowScaleOnly = true; continue; }
                if (KeyValue(token, line.Number) is not { } kv) continue;
                var position = At(line.Number, token.Column);
                double v = kv.Value;
                switch (kv.Key)
                {
                    case "theta" when v > 0 && double.IsFinite(v): slow = slow with { Theta = v }; slowScaleOnly = true; break;
                    case "theta": errors.Add(position, "theta must be a positive number"); break;
                    case "group_theta" when v > 0 && double.IsFinite(v): slow = slow with { GroupTheta = v }; slowScaleOnly = true; break;
                    case "group_theta": errors.Add(position, "group_theta must be a positive number"); break;
                    case "reservoir_tolerance" when v >= 0 && v < 1: slow = slow with { ReservoirTolerance = v }; slowScaleOnly = true; break;
                    case "reservoir_tolerance": errors.Add(position, "reservoir_tolerance must be in [0, 1)"); break;
                    case "epsilon" when v > 0 && v < 1: epsilon = v; break;
                    case "epsilon": errors.Add(position, "epsilon must be in (0, 1)"); break;
                    default: errors.Add(position, $"unknown engine setting '{kv.Key}' (expected theta, group_theta, reservoir_tolerance, epsilon, leap)"); break;
                }
            }
            if (!method.Needs.HasFlag(MethodNeeds.SlowScale) && slowScaleOnly)
                errors.Add(At(line.Number, line.Column), "theta, group_theta, reservoir_tolerance and leap apply to engine slow-scale only");
            return new StudyEngine(method, epsilon, slow with { LeapEpsilon = leap ? epsilon : null });
        }

        KeyValuePair<string, double>? KeyValue(Token token, int lineNumber)
        {
            int eq = token.Text.IndexOf('=');
            if (eq <= 0 || eq == token.Text.Length - 1)
            {
                errors.Add(At(lineNumber, token.Column), $"expected NAME=VALUE (no blanks around '='); found '{token.Text}'");
                return null;
            }
            string value = token.Text[(eq + 1)..];
            if (value is "on" or "yes" or "true") return new(token.Text[..eq], 1);
            if (value is "off" or "no" or "false") return new(token.Text[..eq], 0);
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            {
                errors.Add(At(lineNumber, token.Column + eq + 1), $"'{value}' is not a number");
                return null;
            }
            return new(token.Text[..eq], v);
        }

        ParameterDistribution? Distribution(string spec, SourcePosition position)
        {
            if (double.TryParse(spec, NumberStyles.Float, CultureInfo.InvariantCulture, out double fixedValue))
            {
                if (!double.IsFinite(fixedValue)) { errors.Add(position, $"value '{spec}' is not finite"); return null; }
                return new FixedDistribution(fixedValue);
            }
            int open = spec.IndexOf('(');
            if (open <= 0 || !spec.EndsWith(')'))
            {
                errors.Add(position, $"expected a number or a distribution such as lognormal(MEDIAN, SIGMA), normal(MEAN, SD), uniform(LOW, HIGH), fixed(VALUE); found '{spec}'");
                return null;
            }
            string kind = spec[..open].Trim().ToLowerInvariant();
            var args = spec[(open + 1)..^1].Split(',');
            var numbers = new double[args.Length];
            int offset = open + 1;
            for (int a = 0; a < args.Length; a++)
            {
                if (!double.TryParse(args[a], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[a]) || !double.IsFinite(numbers[a]))
                {
                    errors.Add(position with { Column = position.Column + offset + (args[a].Length - args[a].TrimStart().Length) }, $"'{args[a].Trim()}' is not a number");
                    return null;
                }
                offset += args[a].Length + 1;
            }
            int expected = kind == "fixed" ? 1 : 2;
            if (kind is not ("lognormal" or "normal" or "uniform" or "fixed"))
            {
                errors.Add(position, $"unknown distribution '{kind}' (expected lognormal, normal, uniform or fixed)");
                return null;
            }
            if (numbers.Length != expected) { errors.Add(position, $"{kind} takes {expected} argument{(expected > 1 ? "s" : "")}; found {numbers.Length}"); return null; }
            switch (kind)
            {
                case "fixed": return new FixedDistribution(numbers[0]);
                case "lognormal":
                    if (!(numbers[0] > 0) || numbers[1] < 0) { errors.Add(position, "lognormal needs a positive median and a non-negative sigma"); return null; }
                    return new LogNormalDistribution(numbers[0], numbers[1]);
                case "normal":
                    if (numbers[1] < 0) { errors.Add(position, "normal needs a non-negative standard deviation"); return null; }
                    return new NormalDistribution(numbers[0], numbers[1]);
                default:
                    if (!(numbers[1] >= numbers[0])) { errors.Add(position, "uniform needs LOW <= HIGH"); return null; }
                    return new UniformDistribution(numbers[0], numbers[1]);
            }
        }
    }

    /// <summary>
    /// The head of a fate rule, <c>NAME:</c>, <c>NAME</c> or <c>NAME (CELLTYPE, …):</c> (a list only with
    /// the colon after it, since a condition may start with a parenthesis): the fate, the cell types
    /// it is limited to (empty: all), and the column where the condition starts. Null after an error.
    /// </summary>
    private static (string Name, ImmutableArray<string> CellTypes, int ConditionColumn)? FateHead(
        Line line, string[] cellTypeNames, ErrorList errors, Func<int, int, SourcePosition> at)
    {
        string text = line.Text;
        int start = line.Column - 1, i = start;
        while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (':' or '(')) i++;
        string name = text[start..i];
        if (name.Length == 0) { errors.Add(at(line.Number, line.Column), "expected a fate name, e.g. 'terminal: Tox_obs >= 400'"); return null; }
        int SkipBlanks(int j) { while (j < text.Length && char.IsWhiteSpace(text[j])) j++; return j; }
        i = SkipBlanks(i);
        if (i < text.Length && text[i] == ':') return (name, [], SkipBlanks(i + 1) + 1);
        if (i >= text.Length || text[i] != '(') return (name, [], i + 1);
        int close = text.IndexOf(')', i);
        int colon = close < 0 ? -1 : SkipBlanks(close + 1);
        if (colon < 0 || colon >= text.Length || text[colon] != ':') return (name, [], i + 1);  // a condition in parentheses

        var scope = ImmutableArray.CreateBuilder<string>();
        bool ok = true;
        int itemStart = i + 1;
        foreach (string raw in text[(i + 1)..close].Split(','))
        {
            string item = raw.Trim();
            var position = at(line.Number, itemStart + (raw.Length - raw.TrimStart().Length) + 1);
            itemStart += raw.Length + 1;
            if (item.Length == 0) { errors.Add(position, $"empty cell-type name in the list of fate '{name}'"); ok = false; continue; }
            if (!cellTypeNames.Contains(item))
            {
                var near = NameSuggestion.Closest(item, cellTypeNames);
                errors.Add(position, near is not null
                    ? $"unknown cell type '{item}' in fate '{name}'; did you mean '{near}'?"
                    : $"unknown cell type '{item}' in fate '{name}' (the study defines {string.Join(", ", cellTypeNames)})");
                ok = false;
                continue;
            }
            if (scope.Contains(item)) { errors.Add(position, $"cell type '{item}' is listed twice in fate '{name}'"); ok = false; continue; }
            scope.Add(item);
        }
        return ok ? (name, scope.ToImmutable(), SkipBlanks(colon + 1) + 1) : null;
    }

    /// <summary>
    /// Checks the <c>CELLTYPE correlation(A, B) RHO</c> lines and attaches them to their cell types:
    /// both parameters varied by that cell type with a non-fixed distribution, |ρ| &lt; 1, each pair
    /// once, and a positive-definite matrix per cell type.
    /// </summary>
    private static ImmutableArray<CellType> AddCorrelations(ImmutableArray<CellType> cellTypes,
        List<(string CellType, Token Head, Line Line)> lines, ErrorList errors, Func<int, int, SourcePosition> at)
    {
        var byType = new Dictionary<string, List<ParameterCorrelation>>(StringComparer.Ordinal);
        foreach (var (typeName, head, line) in lines)
        {
            var position = at(line.Number, line.Column);
            var cellType = cellTypes.FirstOrDefault(c => c.Name == typeName);
            if (cellType is null)
            {
                var near = NameSuggestion.Closest(typeName, cellTypes.Select(c => c.Name));
                errors.Add(position, near is not null
                    ? $"unknown cell type '{typeName}' (no parameter lines); did you mean '{near}'?"
                    : $"unknown cell type '{typeName}': declare its parameters before correlating them");
                continue;
            }
            const string Usage = "expected 'CELLTYPE correlation(PARAMETER, PARAMETER) RHO', e.g. 'Treg correlation(CD25_0, CD122_0) 0.6'";
            int open = head.Text.IndexOf('(');
            if (!head.Text.EndsWith(')') || line.Tokens.Count != 3) { errors.Add(at(line.Number, head.Column), Usage); continue; }
            var args = head.Text[(open + 1)..^1].Split(',');
            if (args.Length != 2) { errors.Add(at(line.Number, head.Column), Usage); continue; }
            var names = new string[2];
            bool ok = true;
            int offset = open + 1;
            for (int a = 0; a < 2; a++)
            {
                names[a] = args[a].Trim();
                var argPosition = at(line.Number, head.Column + offset + (args[a].Length - args[a].TrimStart().Length));
                offset += args[a].Length + 1;
                var parameter = cellType.Parameters.FirstOrDefault(p => p.Parameter == names[a]);
                if (parameter is null)
                {
                    var near = NameSuggestion.Closest(names[a], cellType.Parameters.Select(p => p.Parameter));
                    errors.Add(argPosition, $"cell type '{typeName}' does not vary '{names[a]}'" + (near is not null
                        ? $"; did you mean '{near}'?"
                        : $"; give it a distribution first (e.g. '{typeName} {names[a]} lognormal(MEDIAN, SIGMA)')"));
                    ok = false;
                }
                else if (parameter.Distribution is FixedDistribution)
                {
                    errors.Add(argPosition, $"'{names[a]}' is fixed in cell type '{typeName}'; a correlation needs a lognormal, normal or uniform distribution");
                    ok = false;
                }
            }
            var rhoToken = line.Tokens[2];
            if (!double.TryParse(rhoToken.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double rho) || !(Math.Abs(rho) < 1))
            {
                errors.Add(at(line.Number, rhoToken.Column), $"a correlation must be a number strictly between -1 and 1; found '{rhoToken.Text}'");
                ok = false;
            }
            if (ok && names[0] == names[1]) { errors.Add(at(line.Number, head.Column), $"correlation of '{names[0]}' with itself"); ok = false; }
            var list = byType.TryGetValue(typeName, out var l) ? l : byType[typeName] = [];
            if (ok && list.Any(c => (c.First == names[0] && c.Second == names[1]) || (c.First == names[1] && c.Second == names[0])))
            {
                errors.Add(at(line.Number, head.Column), $"cell type '{typeName}' correlates '{names[0]}' and '{names[1]}' twice");
                ok = false;
            }
            if (ok) list.Add(new ParameterCorrelation(names[0], names[1], rho, at(line.Number, head.Column)));
        }
        var result = ImmutableArray.CreateBuilder<CellType>(cellTypes.Length);
        foreach (var cellType in cellTypes)
        {
            if (!byType.TryGetValue(cellType.Name, out var list) || list.Count == 0) { result.Add(cellType); continue; }
            var withCorrelations = cellType with { Correlations = [.. list] };
            try { GaussianCopula.For(withCorrelations); }
            catch (ArgumentException)
            {
                errors.Add(list[0].Position, $"the correlations of cell type '{cellType.Name}' do not form a positive-definite matrix "
                    + "(together they are impossible, e.g. A~B 0.9, A~C 0.9, B~C -0.9); weaken some of them");
            }
            result.Add(withCorrelations);
        }
        return result.MoveToImmutable();
    }

    private static List<Token> Tokenize(string line)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) break;
            int start = i;
            int depth = 0;
            // Parentheses keep "lognormal(3480, 0.8)" together as one token.
            while (i < line.Length && (depth > 0 || !char.IsWhiteSpace(line[i])))
            {
                if (line[i] == '(') depth++;
                else if (line[i] == ')') depth = Math.Max(0, depth - 1);
                i++;
            }
            tokens.Add(new Token(line[start..i], start + 1));
        }
        return tokens;
    }
}
