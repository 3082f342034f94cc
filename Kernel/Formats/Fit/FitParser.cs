using System.Collections.Immutable;
using System.Globalization;
using Stochastic.Calibration;
using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Formats;

/// <summary>A blank-separated word of a fit-file line; <c>"Naive CD8+"</c> in double quotes is one token (without the quotes), and parentheses keep <c>lognormal(28, 1)</c> together.</summary>
internal readonly record struct FitToken(string Text, int Offset);

/// <summary>
/// One parse of a fit file: the lines are sorted into blocks, then one method per block reads them,
/// the <c>fit</c> block first (it names the study and data the others are checked against). Errors are
/// collected and thrown together at the end.
/// </summary>
internal sealed class FitParser(string fileName)
{
    private static readonly string[] Blocks = ["fit", "parameters", "populations", "exclude"];
    private static readonly string[] SettingKeys = ["study", "data", "columns", "ligand", "dose_factor", "times", "predict", "cells", "seed", "restarts", "evaluations", "profile", "engine"];

    private readonly ErrorList _errors = new();
    private readonly Dictionary<string, List<(SourceLine Line, List<FitToken> Tokens)>> _blocks = Blocks.ToDictionary(b => b, _ => new List<(SourceLine, List<FitToken>)>());
    private readonly Dictionary<string, (SourceLine Line, List<FitToken> Tokens)> _settings = [];

    private SourcePosition Whole => new(fileName, 0, 0);

    public FitSpec Parse(string text, Func<string, Study> loadStudy, Func<string, DataColumns, IReadOnlyList<DataPoint>> loadData)
    {
        SplitBlocks(text);
        foreach (var (line, tokens) in _blocks["fit"]) ReadSetting(line, tokens);
        var study = Load("study", p => loadStudy(p));
        var columns = ReadColumns();
        var data = Load("data", p => loadData(p, columns));
        _errors.ThrowIfAny();
        if (study is null || data is null) throw ThrowHelper.Model(Whole, "the 'fit' block must name the study ('study FILE.study') and the data ('data FILE.csv')");

        var (dataLigand, ligand) = ReadLigand(study, data);
        double doseFactor = Number("dose_factor", 1, positive: true);
        int cells = (int)Number("cells", 16, positive: true, integer: true);
        ulong seed = (ulong)Number("seed", study.Settings.Seed, positive: false, integer: true);
        int restarts = (int)Number("restarts", 2, positive: false, integer: true);
        int evaluations = (int)Number("evaluations", 150, positive: true, integer: true);
        var times = Numbers("times", positive: true);
        if (times.Length == 0) _errors.Add(SettingPosition("times"), "the 'fit' block must name the fitted times ('times 30 60')");
        var predict = Numbers("predict", positive: true);
        var steps = Numbers("profile", positive: true);
        if (steps.Length == 0) steps = [0.1, 0.25, 0.5, 1, 1.5];
        else if (!steps.SequenceEqual(steps.Order())) _errors.Add(SettingPosition("profile"), "'profile' steps (log10 offsets) must be ascending");

        var engine = ReadEngine();
        var populations = ReadPopulations(study, data);
        var parameters = ReadParameters(study, populations);
        var exclusions = ReadExclusions(data);
        _errors.ThrowIfAny();

        var mapped = populations.Select(p => p.Data).ToHashSet(StringComparer.Ordinal);
        var chosen = data.Where(d => mapped.Contains(d.Population) && d.Ligand == dataLigand && times.Any(t => Same(t, d.Time))).ToList();
        foreach (double t in times)
            if (!chosen.Any(d => Same(d.Time, t))) _errors.Add(SettingPosition("times"), FormattableString.Invariant($"no data of ligand '{dataLigand}' at time {t} for the mapped populations"));
        foreach (var p in populations)
            if (!chosen.Any(d => d.Population == p.Data)) _errors.Add(p.Position, $"no data of ligand '{dataLigand}' at the fitted times for population '{p.Data}'");
        var excluded = chosen.Where(d => exclusions.Any(e => e.Matches(d))).ToList();
        foreach (var e in exclusions)
            if (!chosen.Any(e.Matches)) _errors.Add(e.Position, $"excludes nothing: no fitted data point of population '{e.Population}', ligand '{e.Ligand}' at that time, dose and replicate");
        _errors.ThrowIfAny();
        var settings = new FitSettings(cells, seed, doseFactor, restarts, evaluations, [.. steps], [.. predict.Distinct().Order()]) { Engine = engine };
        return new FitSpec(study, ligand, dataLigand, parameters, populations, [.. chosen.Except(excluded)], [.. excluded], [.. times.Distinct().Order()], settings);
    }

    // The cell engine the fit simulates with ('engine ode'), when it is not the study's.
    private Methods.SimulationMethod? ReadEngine()
    {
        if (!_settings.TryGetValue("engine", out var s)) return null;
        string name = s.Tokens[1].Text;
        var method = StudyEngineLine.CellMethod(name);
        if (method is null) _errors.Add(s.Line.At(s.Tokens[1].Offset), $"unknown engine '{name}' (expected {StudyEngineLine.MethodNames})");
        return method;
    }

    private static bool Same(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(a));

    private void SplitBlocks(string text)
    {
        string? open = null;
        int openLine = 0;
        foreach (var source in BlockScanner.Lines(text, fileName, quotes: true))
        {
            if (BlockScanner.Keyword(source) is not { } block)
            {
                var tokens = Tokenize(source.Text);
                if (open is null) { _errors.Add(source.Start, $"expected 'begin <block>' ({string.Join(", ", Blocks)}); found '{tokens[0].Text}'"); continue; }
                if (!open.StartsWith('?')) _blocks[open].Add((source, tokens));
                continue;
            }
            var keywordPos = source.At(block.KeywordOffset);
            var namePos = block.Name.Length > 0 ? source.At(block.NameOffset) : keywordPos;
            if (block.IsBegin)
            {
                if (open is not null) _errors.Add(keywordPos, $"'begin {block.Name}' inside block '{open.TrimStart('?')}' (missing 'end {open.TrimStart('?')}')");
                if (!Blocks.Contains(block.Name))
                {
                    var near = NameSuggestion.Closest(block.Name, Blocks);
                    _errors.Add(namePos, near is not null ? $"unknown block '{block.Name}'; did you mean '{near}'?" : $"unknown block '{block.Name}' (expected {string.Join(", ", Blocks)})");
                    open = "?" + block.Name;
                }
                else open = block.Name;
                openLine = source.Line;
            }
            else
            {
                if (open is null) _errors.Add(keywordPos, $"'end {block.Name}' without a matching 'begin {block.Name}'");
                else if (open.TrimStart('?') != block.Name) _errors.Add(namePos, $"'end {block.Name}' does not match 'begin {open.TrimStart('?')}' at line {openLine}");
                open = null;
            }
        }
        if (open is not null && !open.StartsWith('?')) _errors.Add(new SourcePosition(fileName, openLine, 1), $"block '{open}' is not closed (missing 'end {open}')");
    }

    private static List<FitToken> Tokenize(string line)
    {
        var tokens = new List<FitToken>();
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) break;
            int start = i;
            if (line[i] == '"')
            {
                int close = line.IndexOf('"', i + 1);
                int end = close < 0 ? line.Length : close;
                tokens.Add(new FitToken(line[(i + 1)..end], start));
                i = close < 0 ? line.Length : close + 1;
                continue;
            }
            int depth = 0;
            while (i < line.Length && (depth > 0 || !char.IsWhiteSpace(line[i])))
            {
                if (line[i] == '(') depth++;
                else if (line[i] == ')') depth = Math.Max(0, depth - 1);
                i++;
            }
            tokens.Add(new FitToken(line[start..i], start));
        }
        return tokens;
    }

    private void ReadSetting(SourceLine line, List<FitToken> tokens)
    {
        string key = tokens[0].Text;
        if (!SettingKeys.Contains(key))
        {
            var near = NameSuggestion.Closest(key, SettingKeys);
            _errors.Add(line.Start, near is not null ? $"unknown setting '{key}'; did you mean '{near}'?" : $"unknown setting '{key}' (expected {string.Join(", ", SettingKeys)})");
            return;
        }
        if (tokens.Count < 2) { _errors.Add(line.Start, $"setting '{key}' needs a value"); return; }
        if (_settings.ContainsKey(key)) { _errors.Add(line.Start, $"setting '{key}' is given twice"); return; }
        bool many = key is "times" or "predict" or "profile" or "columns";
        if (!many && tokens.Count != 2) { _errors.Add(line.At(tokens[2].Offset), $"setting '{key}' takes one value"); return; }
        _settings[key] = (line, tokens);
    }

    private SourcePosition SettingPosition(string key) => _settings.TryGetValue(key, out var s) ? s.Line.At(s.Tokens[1].Offset) : Whole;

    private T? Load<T>(string key, Func<string, T> load) where T : class
    {
        if (!_settings.TryGetValue(key, out var s)) { _errors.Add(Whole, $"the 'fit' block must name the {key} file ('{key} FILE')"); return null; }
        try { return load(s.Tokens[1].Text); }
        catch (ModelException e)
        {
            _errors.AddFrom(s.Line.At(s.Tokens[1].Offset), $"{key} '{s.Tokens[1].Text}'", e);
            return null;
        }
    }

    private DataColumns ReadColumns()
    {
        var columns = new DataColumns();
        if (!_settings.TryGetValue("columns", out var s)) return columns;
        foreach (var token in s.Tokens.Skip(1))
        {
            int eq = token.Text.IndexOf('=');
            string key = eq > 0 ? token.Text[..eq] : "", name = eq > 0 ? token.Text[(eq + 1)..] : "";
            var at = s.Line.At(token.Offset);
            if (name.Length == 0) { _errors.Add(at, $"expected FIELD=COLUMN (population, ligand, time, dose, replicate, value); found '{token.Text}'"); continue; }
            switch (key)
            {
                case "population": columns = columns with { Population = name }; break;
                case "ligand": columns = columns with { Ligand = name }; break;
                case "time": columns = columns with { Time = name }; break;
                case "dose": columns = columns with { Dose = name }; break;
                case "replicate": columns = columns with { Replicate = name }; break;
                case "value": columns = columns with { Value = name }; break;
                default: _errors.Add(at, $"unknown field '{key}' (expected population, ligand, time, dose, replicate, value)"); break;
            }
        }
        return columns;
    }

    private (string Data, string Study) ReadLigand(Study study, IReadOnlyList<DataPoint> data)
    {
        if (!_settings.TryGetValue("ligand", out var s)) { _errors.Add(Whole, "the 'fit' block must map the data's ligand to a study ligand ('ligand DATA=STUDY', e.g. 'ligand IL-2=IL2')"); return ("", ""); }
        var token = s.Tokens[1];
        int eq = token.Text.IndexOf('=');
        if (eq <= 0 || eq == token.Text.Length - 1) { _errors.Add(s.Line.At(token.Offset), $"expected DATA=STUDY (a data ligand and a study ligand); found '{token.Text}'"); return ("", ""); }
        string dataLigand = token.Text[..eq], studyLigand = token.Text[(eq + 1)..];
        var dataLigands = data.Select(d => d.Ligand).Distinct().ToList();
        if (!dataLigands.Contains(dataLigand)) _errors.Add(s.Line.At(token.Offset), $"no ligand '{dataLigand}' in the data ({string.Join(", ", dataLigands)})");
        if (!study.Ligands.ContainsKey(studyLigand))
            _errors.Add(s.Line.At(token.Offset + eq + 1), $"unknown study ligand '{studyLigand}'; ligands: {string.Join(", ", study.Ligands.Keys.Order(StringComparer.Ordinal))}");
        return (dataLigand, studyLigand);
    }

    private double Number(string key, double fallback, bool positive, bool integer = false)
    {
        if (!_settings.TryGetValue(key, out var s)) return fallback;
        string text = s.Tokens[1].Text;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v)
            || (positive && v <= 0) || v < 0 || (integer && v != Math.Floor(v)))
        {
            _errors.Add(SettingPosition(key), $"'{key}' must be a {(positive ? "positive" : "non-negative")} {(integer ? "whole number" : "number")}; found '{text}'");
            return fallback;
        }
        return v;
    }

    private double[] Numbers(string key, bool positive)
    {
        if (!_settings.TryGetValue(key, out var s)) return [];
        var list = new List<double>();
        foreach (var token in s.Tokens.Skip(1))
        {
            if (!double.TryParse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || (positive && !(v > 0)))
                _errors.Add(s.Line.At(token.Offset), $"'{key}' takes {(positive ? "positive " : "")}numbers; found '{token.Text}'");
            else list.Add(v);
        }
        return [.. list];
    }

    /// <summary>The <c>populations</c> block: <c>DATA_POPULATION CELL_TYPE [PARAMETER=VALUE …]</c>.</summary>
    private ImmutableArray<FitPopulation> ReadPopulations(Study study, IReadOnlyList<DataPoint> data)
    {
        var result = new List<FitPopulation>();
        var dataNames = data.Select(d => d.Population).Distinct().ToList();
        var typeNames = study.CellTypes.Select(c => c.Name).ToList();
        var parameterNames = study.Model.Parameters.Select(p => p.Name).ToList();
        foreach (var (line, tokens) in _blocks["populations"])
        {
            var name = tokens[0];
            if (!dataNames.Contains(name.Text))
            {
                var near = NameSuggestion.Closest(name.Text, dataNames);
                _errors.Add(line.At(name.Offset), $"no population '{name.Text}' in the data{(near is not null ? $"; did you mean '{near}'?" : $" ({string.Join(", ", dataNames)})")}");
            }
            if (result.Any(p => p.Data == name.Text)) _errors.Add(line.At(name.Offset), $"population '{name.Text}' is mapped twice");
            if (tokens.Count < 2) { _errors.Add(line.End, $"expected the study cell type after '{name.Text}'"); continue; }
            var type = tokens[1];
            if (!typeNames.Contains(type.Text))
            {
                var near = NameSuggestion.Closest(type.Text, typeNames);
                _errors.Add(line.At(type.Offset), $"unknown cell type '{type.Text}'{(near is not null ? $"; did you mean '{near}'?" : "")}; cell types: {string.Join(", ", typeNames)}");
            }
            var settings = ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
            foreach (var token in tokens.Skip(2))
            {
                if (KeyValue(line, token) is not { } kv) continue;
                if (!parameterNames.Contains(kv.Key))
                {
                    var near = NameSuggestion.Closest(kv.Key, parameterNames);
                    _errors.Add(line.At(token.Offset), $"unknown model parameter '{kv.Key}'{(near is not null ? $"; did you mean '{near}'?" : "")}");
                }
                else settings[kv.Key] = kv.Value;
            }
            result.Add(new FitPopulation(name.Text, type.Text, settings.ToImmutable(), line.At(name.Offset)));
        }
        if (result.Count == 0) _errors.Add(Whole, "the 'populations' block must map at least one data population to a study cell type");
        return [.. result];
    }

    private KeyValuePair<string, double>? KeyValue(SourceLine line, FitToken token)
    {
        int eq = token.Text.IndexOf('=');
        if (eq <= 0 || eq == token.Text.Length - 1) { _errors.Add(line.At(token.Offset), $"expected NAME=VALUE (no blanks around '='); found '{token.Text}'"); return null; }
        string value = token.Text[(eq + 1)..];
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
        {
            _errors.Add(line.At(token.Offset + eq + 1), $"'{value}' is not a number");
            return null;
        }
        return new(token.Text[..eq], v);
    }

    /// <summary>
    /// The <c>parameters</c> block: <c>NAME LOWER UPPER [START] [prior=lognormal(MEDIAN, SIGMA)] [literature=(LOW, HIGH)]</c>
    /// (fitted in log space; START defaults to the model's value) or <c>NAME = VALUE</c> (fixed).
    /// </summary>
    private ImmutableArray<FitParameter> ReadParameters(Study study, ImmutableArray<FitPopulation> populations)
    {
        var result = new List<FitParameter>();
        foreach (var (line, tokens) in _blocks["parameters"])
        {
            var name = tokens[0];
            var at = line.At(name.Offset);
            int index = study.Model.ParameterIndex(name.Text);
            if (index < 0)
            {
                var near = NameSuggestion.Closest(name.Text, study.Model.Parameters.Select(p => p.Name));
                _errors.Add(at, $"unknown model parameter '{name.Text}'{(near is not null ? $"; did you mean '{near}'?" : "")}");
                continue;
            }
            if (result.Any(p => p.Name == name.Text)) { _errors.Add(at, $"parameter '{name.Text}' is listed twice"); continue; }
            if (Shadowed(study, populations, name.Text) is { } where) { _errors.Add(at, $"parameter '{name.Text}' cannot be fitted: {where} sets it, which would override the fitted value"); continue; }
            if (tokens.Count >= 2 && tokens[1].Text == "=")
            {
                if (tokens.Count != 3 || !TryNumber(tokens[2].Text, out double v)) { _errors.Add(line.At(tokens[1].Offset), $"expected '{name.Text} = VALUE' (a fixed value)"); continue; }
                result.Add(new FitParameter(name.Text, v, v, v, at) { Fixed = true });
                continue;
            }
            var numbers = new List<double>();
            (double, double)? prior = null, literature = null;
            bool bad = false;
            foreach (var token in tokens.Skip(1))
            {
                if (token.Text.StartsWith("prior=", StringComparison.Ordinal))
                {
                    prior = Prior(line, token);
                    bad |= prior is null;
                }
                else if (token.Text.StartsWith("literature=", StringComparison.Ordinal))
                {
                    literature = Range(line, token);
                    bad |= literature is null;
                }
                else if (TryNumber(token.Text, out double v)) numbers.Add(v);
                else { _errors.Add(line.At(token.Offset), $"expected a number, prior=lognormal(MEDIAN, SIGMA) or literature=(LOW, HIGH); found '{token.Text}'"); bad = true; }
            }
            if (bad) continue;
            if (numbers.Count is < 2 or > 3) { _errors.Add(at, $"expected '{name.Text} LOWER UPPER [START] [prior=lognormal(MEDIAN, SIGMA)]' or '{name.Text} = VALUE'"); continue; }
            double lower = numbers[0], upper = numbers[1], start = numbers.Count == 3 ? numbers[2] : study.Model.Parameters[index].Value;
            if (!(lower > 0) || !(upper > lower)) { _errors.Add(line.At(tokens[1].Offset), FormattableString.Invariant($"bounds must satisfy 0 < LOWER < UPPER (the search is in log space); found {lower}, {upper}")); continue; }
            if (!(start >= lower && start <= upper)) { _errors.Add(at, FormattableString.Invariant($"start value {start:G6}{(numbers.Count == 3 ? "" : " (the model's)")} is outside the bounds [{lower}, {upper}]")); continue; }
            result.Add(new FitParameter(name.Text, lower, upper, start, at) { Prior = prior, Literature = literature });
        }
        if (!result.Any(p => !p.Fixed)) _errors.Add(Whole, "the 'parameters' block must name at least one parameter to fit ('NAME LOWER UPPER')");
        return [.. result];
    }

    private static bool TryNumber(string text, out double v) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && double.IsFinite(v);

    private (double, double)? Prior(SourceLine line, FitToken token)
    {
        string spec = token.Text["prior=".Length..];
        if (spec.StartsWith("lognormal(", StringComparison.Ordinal) && spec.EndsWith(')'))
        {
            var args = spec["lognormal(".Length..^1].Split(',');
            if (args.Length == 2 && TryNumber(args[0].Trim(), out double median) && TryNumber(args[1].Trim(), out double sigma) && median > 0 && sigma > 0)
                return (median, sigma);
        }
        _errors.Add(line.At(token.Offset), $"expected prior=lognormal(MEDIAN, SIGMA) with MEDIAN > 0 and SIGMA > 0 (σ of ln); found '{token.Text}'");
        return null;
    }

    private (double, double)? Range(SourceLine line, FitToken token)
    {
        string spec = token.Text["literature=".Length..];
        if (spec.StartsWith('(') && spec.EndsWith(')'))
        {
            var args = spec[1..^1].Split(',');
            if (args.Length == 2 && TryNumber(args[0].Trim(), out double low) && TryNumber(args[1].Trim(), out double high) && low <= high)
                return (low, high);
        }
        _errors.Add(line.At(token.Offset), $"expected literature=(LOW, HIGH) with LOW ≤ HIGH; found '{token.Text}'");
        return null;
    }

    /// <summary>What else sets <paramref name="name"/> (a cell type, a ligand, the dose, a population), or null.</summary>
    private static string? Shadowed(Study study, ImmutableArray<FitPopulation> populations, string name)
    {
        if (name == study.Settings.DoseParameter) return "the study's dose_parameter";
        foreach (var (ligand, settings) in study.Ligands) if (settings.ContainsKey(name)) return $"the study's ligand '{ligand}'";
        foreach (var p in populations)
        {
            if (p.Settings.ContainsKey(name)) return $"population '{p.Data}'";
            if (study.CellTypes.FirstOrDefault(c => c.Name == p.CellType) is { } type && type.Parameters.Any(cp => cp.Parameter == name)) return $"cell type '{type.Name}'";
        }
        return null;
    }

    /// <summary>The <c>exclude</c> block: <c>POPULATION LIGAND TIME DOSE REPLICATE</c>, one data point each.</summary>
    private List<Exclusion> ReadExclusions(IReadOnlyList<DataPoint> data)
    {
        var result = new List<Exclusion>();
        foreach (var (line, tokens) in _blocks["exclude"])
        {
            if (tokens.Count != 5) { _errors.Add(line.Start, "expected POPULATION LIGAND TIME DOSE REPLICATE (quote names with blanks: \"Naive CD8+\")"); continue; }
            if (!TryNumber(tokens[2].Text, out double time)) { _errors.Add(line.At(tokens[2].Offset), $"time '{tokens[2].Text}' is not a number"); continue; }
            if (!TryNumber(tokens[3].Text, out double dose) || !(dose > 0)) { _errors.Add(line.At(tokens[3].Offset), $"dose '{tokens[3].Text}' is not a positive number"); continue; }
            result.Add(new Exclusion(tokens[0].Text, tokens[1].Text, time, dose, tokens[4].Text, line.Start));
        }
        return result;
    }
}
