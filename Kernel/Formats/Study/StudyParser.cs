using System.Collections.Immutable;
using System.Globalization;
using Stochastic.Expressions;
using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Formats;

/// <summary>
/// One parse of a study file: <see cref="SplitBlocks"/> sorts the lines into blocks, then one method
/// per block reads them, in dependency order (the study block names the model every other block
/// checks names against). Errors are collected and thrown together at the end.
/// </summary>
internal sealed partial class StudyParser(string fileName)
{
    private static readonly string[] Blocks = ["study", "ligands", "cell types", "scenarios", "fates", "traits", "pharmacokinetics", "dosing", "lineage"];

    private static readonly string[] SettingKeys = ["model", "cells", "seed", "output_every", "dose_parameter", "readout", "readout_time", "time_unit", "dose_unit", "ligand_pool", "engine", "body_weight"];

    private readonly ErrorList _errors = new();
    private readonly Dictionary<string, List<StudyLine>> _blocks = Blocks.ToDictionary(b => b, _ => new List<StudyLine>());
    private readonly Dictionary<string, (string Value, SourcePosition Position)> _settings = [];
    private readonly Dictionary<string, SourcePosition> _varying = new(StringComparer.Ordinal);
    private StudyLine? _poolLine, _engineLine;
    private ReactionModel _model = null!;
    private HashSet<string> _parameterNames = null!;

    /// <summary>A position for errors about the file as a whole (a missing block or setting).</summary>
    private SourcePosition Whole => new(fileName, 0, 0);

    /// <summary>Reads <paramref name="text"/>; <paramref name="loadModel"/> loads the model the study block names.</summary>
    public Study Parse(string text, Func<string, ReactionModel> loadModel)
    {
        SplitBlocks(text);
        var settings = ReadStudyBlock(loadModel);
        var ligands = ReadLigands();
        var cellTypes = ReadCellTypes();
        var scenarios = ReadScenarios(ligands, settings.DoseParameter);
        var fates = ReadFates(cellTypes);
        var traits = ReadTraits(cellTypes, fates);
        CheckWhole(cellTypes, scenarios, fates);
        if (_poolLine is { } pool)
            settings = settings with
            {
                LigandPool = LigandPool.Parse([.. pool.Tokens.Skip(1).Select(t => (t.Text, pool.At(t)))],
                    pool.Start, _model, settings.DoseParameter, settings.DoseUnit, [.. cellTypes.Select(c => c.Name)], _errors),
            };
        if (_engineLine is { } engine) settings = settings with { Engine = StudyEngineLine.Parse(engine, _errors) };
        var pk = ReadPharmacokinetics(settings);
        settings = settings with { Pharmacokinetics = pk };
        scenarios = ReadDosing(scenarios, pk, settings, BodyWeight());
        var lineage = ReadLineage(settings.LigandPool);
        _errors.ThrowIfAny();
        return new Study(_model, cellTypes, scenarios, fates, ligands, settings) { Lineage = lineage, Traits = traits };
    }

    /// <summary>Checks the <c>begin</c>/<c>end</c> structure and files every other line under its block.</summary>
    private void SplitBlocks(string text)
    {
        string? open = null;  // "?name" while inside an unknown block, whose lines are skipped
        int openLine = 0;
        foreach (var source in BlockScanner.Lines(text, fileName, quotes: false))
        {
            var line = new StudyLine(source);
            if (BlockScanner.Keyword(source) is not { } block)
            {
                if (open is null) { _errors.Add(line.Start, $"expected 'begin <block>' ({string.Join(", ", Blocks)}); found '{line.Tokens[0].Text}'"); continue; }
                if (!open.StartsWith('?')) _blocks[open].Add(line);
                continue;
            }
            string name = block.Name;
            var keywordPos = line.At(block.KeywordOffset);
            var namePos = name.Length > 0 ? line.At(block.NameOffset) : keywordPos;
            if (block.IsBegin)
            {
                if (open is not null) _errors.Add(keywordPos, $"'begin {name}' inside block '{open}' (missing 'end {open}')");
                if (!Blocks.Contains(name))
                {
                    var suggestion = NameSuggestion.Closest(name, Blocks);
                    _errors.Add(namePos, suggestion is not null
                        ? $"unknown block '{name}'; did you mean '{suggestion}'?"
                        : $"unknown block '{name}' (expected {string.Join(", ", Blocks)})");
                    open = "?" + name;
                }
                else open = name;
                openLine = source.Line;
            }
            else
            {
                if (open is null) _errors.Add(keywordPos, $"'end {name}' without a matching 'begin {name}'");
                else if (open != name && open != "?" + name) _errors.Add(namePos, $"'end {name}' does not match 'begin {open.TrimStart('?')}' at line {openLine}");
                open = null;
            }
        }
        if (open is not null && !open.StartsWith('?')) _errors.Add(new SourcePosition(fileName, openLine, 1), $"block '{open}' is not closed (missing 'end {open}')");
    }

    /// <summary>The <c>study</c> block: the settings, the model (loaded here), and the dose and read-out checked against it.</summary>
    private StudySettings ReadStudyBlock(Func<string, ReactionModel> loadModel)
    {
        foreach (var line in _blocks["study"]) ReadSetting(line);
        ReactionModel? model = null;
        if (!_settings.TryGetValue("model", out var modelSetting)) _errors.Add(Whole, "the 'study' block must name the model ('model FILE.bngl')");
        else
        {
            try { model = loadModel(modelSetting.Value); }
            catch (ModelException e) { _errors.AddFrom(modelSetting.Position, $"model '{modelSetting.Value}'", e); }
        }
        int cells = (int)Math.Min(int.MaxValue, Number("cells", 100, true, true));
        ulong seed = (ulong)Number("seed", 1, false, true);
        double interval = Number("output_every", 10, true);
        double readoutTime = Number("readout_time", 30, true);
        var settings = new StudySettings(modelSetting.Value ?? "", cells, seed, interval, Text("dose_parameter", "dose"),
            Text("readout", "pSTAT5"), readoutTime, Text("time_unit", "time unit"), Text("dose_unit", "dose unit"));

        if (model is null) { _errors.ThrowIfAny(); throw ThrowHelper.Model(Whole, "no model"); }
        _model = model;
        _parameterNames = model.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        CheckDoseAndReadout(settings.DoseParameter, settings.Readout);
        return settings;
    }

    /// <summary>One <c>KEY VALUE</c> line of the study block; <c>engine</c> and <c>ligand_pool</c> are kept whole for later.</summary>
    private void ReadSetting(StudyLine line)
    {
        string key = line.Tokens[0].Text;
        if (key == "engine")
        {
            if (_engineLine is not null) _errors.Add(line.Start, "setting 'engine' is given twice");
            _engineLine = line;
            return;
        }
        if (key == "ligand_pool")
        {
            if (_poolLine is not null) _errors.Add(line.Start, "setting 'ligand_pool' is given twice");
            _poolLine = line;
            return;
        }
        if (!SettingKeys.Contains(key))
        {
            var suggestion = NameSuggestion.Closest(key, SettingKeys);
            _errors.Add(line.Start, suggestion is not null
                ? $"unknown setting '{key}'; did you mean '{suggestion}'?"
                : $"unknown setting '{key}' (expected {string.Join(", ", SettingKeys)})");
            return;
        }
        if (line.Tokens.Count != 2) { _errors.Add(line.Start, $"setting '{key}' needs exactly one value"); return; }
        if (_settings.ContainsKey(key)) { _errors.Add(line.Start, $"setting '{key}' is given twice"); return; }
        _settings[key] = (line.Tokens[1].Text, line.At(line.Tokens[1]));
    }

    private double Number(string key, double fallback, bool positive, bool integer = false)
    {
        if (!_settings.TryGetValue(key, out var s)) return fallback;
        if (!double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v)
            || (positive && v <= 0) || v < 0 || (integer && v != Math.Floor(v)))
        {
            _errors.Add(s.Position, $"'{key}' must be a {(positive ? "positive" : "non-negative")} {(integer ? "whole number" : "number")}; found '{s.Value}'");
            return fallback;
        }
        return v;
    }

    /// <summary>The <c>body_weight</c> setting in kg (a quantity such as <c>70kg</c>), or NaN.</summary>
    private double BodyWeight()
    {
        if (!_settings.TryGetValue("body_weight", out var s)) return double.NaN;
        var q = StudyQuantity.Parse(s.Value, out string? error);
        // "70kg" parses as a body weight (kg is only used per body weight); a mass in g works too.
        if (q is { Dimension: "bodyweight", Value: > 0 }) return q.Value.Value;
        if (q is { Dimension: "mass", Value: > 0 }) return q.Value.Value / 1000;
        _errors.Add(s.Position, error ?? $"'body_weight' must be a positive mass such as 70kg; found '{s.Value}'");
        return double.NaN;
    }

    private string Text(string key, string fallback) => _settings.TryGetValue(key, out var s) ? s.Value : fallback;

    private SourcePosition SettingPosition(string key) => _settings.TryGetValue(key, out var s) ? s.Position : Whole;

    private void CheckDoseAndReadout(string doseParameter, string readout)
    {
        if (!_parameterNames.Contains(doseParameter))
            _errors.Add(SettingPosition("dose_parameter"), $"dose parameter '{doseParameter}' is not a model parameter");
        else _varying.TryAdd(doseParameter, SettingPosition("dose_parameter"));
        if (!_model.Observables.Any(o => o.Name == readout))
            _errors.Add(SettingPosition("readout"), $"read-out '{readout}' is not an observable of the model ({string.Join(", ", _model.Observables.Select(o => o.Name))})");
    }

    /// <summary>A model parameter a block sets: it must exist, and it varies between cells or scenarios (checked at the end).</summary>
    private void CheckParameter(string name, SourcePosition position)
    {
        if (_parameterNames.Contains(name)) { _varying.TryAdd(name, position); return; }
        var near = NameSuggestion.Closest(name, _parameterNames);
        _errors.Add(position, near is not null
            ? $"unknown model parameter '{name}'; did you mean '{near}'?"
            : $"unknown model parameter '{name}'");
    }

    /// <summary>The <c>ligands</c> block: <c>NAME PARAMETER=VALUE …</c>.</summary>
    private ImmutableDictionary<string, ImmutableDictionary<string, double>> ReadLigands()
    {
        var ligands = ImmutableDictionary.CreateBuilder<string, ImmutableDictionary<string, double>>(StringComparer.Ordinal);
        foreach (var line in _blocks["ligands"])
        {
            string name = line.Tokens[0].Text;
            if (ligands.ContainsKey(name)) { _errors.Add(line.Start, $"duplicate ligand '{name}'"); continue; }
            var values = ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
            foreach (var token in line.Tokens.Skip(1))
            {
                if (StudyValues.KeyValue(line, token, _errors) is not { } kv) continue;
                CheckParameter(kv.Key, line.At(token));
                values[kv.Key] = kv.Value;
            }
            ligands[name] = values.ToImmutable();
        }
        return ligands.ToImmutable();
    }

    /// <summary>The <c>scenarios</c> block: <c>NAME ligand=L dose=D duration=T [PARAMETER=VALUE …]</c>.</summary>
    private ImmutableArray<Scenario> ReadScenarios(ImmutableDictionary<string, ImmutableDictionary<string, double>> ligands, string doseParameter)
    {
        var scenarios = ImmutableArray.CreateBuilder<Scenario>();
        foreach (var line in _blocks["scenarios"])
        {
            string name = line.Tokens[0].Text;
            if (scenarios.Any(s => s.Name == name)) { _errors.Add(line.Start, $"duplicate scenario '{name}'"); continue; }
            if (ReadScenario(line, ligands) is not { } s) continue;
            var all = ligands[s.Ligand].ToBuilder();
            all[doseParameter] = s.Dose;
            foreach (var (k, v) in s.Values) all[k] = v;
            scenarios.Add(new Scenario(name, s.Ligand, s.Dose, s.Duration, all.ToImmutable(), line.Start));
        }
        return scenarios.ToImmutable();
    }

    /// <summary>The settings of one scenario line; null after an error.</summary>
    private (string Ligand, double Dose, double Duration, Dictionary<string, double> Values)? ReadScenario(
        StudyLine line, ImmutableDictionary<string, ImmutableDictionary<string, double>> ligands)
    {
        string name = line.Tokens[0].Text;
        string? ligand = null;
        double dose = double.NaN, duration = double.NaN;
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        bool ok = true;
        foreach (var token in line.Tokens.Skip(1))
        {
            int eq = token.Text.IndexOf('=');
            if (eq > 0 && token.Text[..eq] == "ligand")
            {
                ligand = token.Text[(eq + 1)..];
                if (!ligands.ContainsKey(ligand)) { _errors.Add(line.At(token.Offset + eq + 1), $"unknown ligand '{ligand}' (the 'ligands' block defines {string.Join(", ", ligands.Keys)})"); ok = false; }
                continue;
            }
            if (StudyValues.KeyValue(line, token, _errors) is not { } kv) { ok = false; continue; }
            switch (kv.Key)
            {
                case "dose":
                    if (kv.Value < 0) { _errors.Add(line.At(token), "dose must not be negative"); ok = false; }
                    dose = kv.Value; break;
                case "duration":
                    if (!(kv.Value > 0)) { _errors.Add(line.At(token), "duration must be positive"); ok = false; }
                    duration = kv.Value; break;
                default:
                    CheckParameter(kv.Key, line.At(token));
                    values[kv.Key] = kv.Value; break;
            }
        }
        if (ligand is null) { _errors.Add(line.Start, $"scenario '{name}' needs 'ligand=NAME'"); ok = false; }
        if (double.IsNaN(duration)) { _errors.Add(line.Start, $"scenario '{name}' needs 'duration=TIME' (model time units)"); ok = false; }
        if (double.IsNaN(dose)) dose = 0;
        return ok ? (ligand!, dose, duration, values) : null;
    }

    /// <summary>Checks that need every block: each block present, and the varied parameters usable per cell.</summary>
    private void CheckWhole(ImmutableArray<CellType> cellTypes, ImmutableArray<Scenario> scenarios, ImmutableArray<FateRule> fates)
    {
        if (cellTypes.Length == 0) _errors.Add(Whole, "the study has no cell types (expected a 'begin cell types' block)");
        if (scenarios.Length == 0 && !_errors.Any) _errors.Add(Whole, "the study has no scenarios (expected a 'begin scenarios' block)");
        if (fates.Length == 0) _errors.Add(Whole, "the study has no fate rules (expected a 'begin fates' block)");
        if (!_errors.Any)
        {
            try { new CellParameterSampler(_model).CheckVarying(_varying.Keys, n => _varying[n]); }
            catch (ModelException e) { _errors.Add(e); }
        }
    }
}
