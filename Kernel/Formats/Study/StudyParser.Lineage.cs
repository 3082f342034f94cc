using System.Collections.Immutable;
using System.Globalization;
using Stochastic.Expressions;
using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Formats;

internal sealed partial class StudyParser
{
    private static readonly string[] LineageKeys = ["divide", "die", "reset", "replicate", "cap", "every"];

    /// <summary>
    /// The <c>lineage</c> block: <c>divide CONDITION</c> (required), <c>die CONDITION</c>, <c>reset SPECIES …</c>,
    /// <c>replicate SPECIES …</c>, <c>cap N</c>, <c>every TIME</c>; null without the block or after an error.
    /// </summary>
    private Lineage? ReadLineage(LigandPool? pool)
    {
        var lines = _blocks["lineage"];
        if (lines.Count == 0) return null;
        var outputNames = _model.Observables.Length > 0 ? _model.Observables.Select(o => o.Name).ToArray() : _model.Species.Select(s => s.Name).ToArray();
        var seen = new Dictionary<string, StudyLine>(StringComparer.Ordinal);
        Expr? divide = null, die = null;
        string? divideText = null, dieText = null;
        var reset = new List<(int Species, SourcePosition Position)>();
        var replicate = new List<(int Species, SourcePosition Position)>();
        int cap = 0;
        double every = double.NaN;
        bool ok = true;
        foreach (var line in lines)
        {
            var head = line.Tokens[0];
            string key = head.Text;
            if (!LineageKeys.Contains(key))
            {
                var near = NameSuggestion.Closest(key, LineageKeys);
                _errors.Add(line.Start, near is not null ? $"unknown lineage setting '{key}'; did you mean '{near}'?"
                    : $"unknown lineage setting '{key}' (expected {string.Join(", ", LineageKeys)})");
                ok = false;
                continue;
            }
            if (seen.TryGetValue(key, out var first)) { _errors.Add(line.Start, $"lineage setting '{key}' is given twice (first at line {first.Start.Line})"); ok = false; continue; }
            seen[key] = line;
            if (line.Tokens.Count < 2) { _errors.Add(line.Start, $"lineage setting '{key}' needs a value{(key is "divide" or "die" ? ", a condition such as 'Cycle >= 8'" : "")}"); ok = false; continue; }
            int valueOffset = line.Tokens[1].Offset;
            switch (key)
            {
                case "divide":
                case "die":
                {
                    string text = line.Text[valueOffset..].TrimEnd();
                    try
                    {
                        var expr = ExpressionParser.Parse(text, i => line.At(valueOffset + i), (n, _, pos) =>
                        {
                            int v = Array.IndexOf(outputNames, n);
                            if (v >= 0) return new SymbolExpr(SymbolKind.Parameter, v, n, pos);
                            int p = _model.ParameterIndex(n);
                            if (p >= 0) return new SymbolExpr(SymbolKind.Parameter, outputNames.Length + p, n, pos);
                            var near = NameSuggestion.Closest(n, [.. outputNames, .. _parameterNames]);
                            throw ThrowHelper.Model(pos, $"unknown name '{n}' in the '{key}' condition{(near is not null ? $"; did you mean '{near}'?" : "")} (a condition reads the cell's outputs, i.e. observables, and model parameters)");
                        });
                        if (key == "divide") { divide = expr; divideText = text; }
                        else { die = expr; dieText = text; }
                    }
                    catch (ModelException e) { _errors.Add(e); ok = false; }
                    break;
                }
                case "reset":
                case "replicate":
                    foreach (var token in line.Tokens.Skip(1))
                    {
                        int s = SpeciesIndex(token.Text);
                        if (s < 0)
                        {
                            var near = NameSuggestion.Closest(token.Text, _model.Species.Select(x => x.Name));
                            _errors.Add(line.At(token), near is not null ? $"unknown species '{token.Text}' in '{key}'; did you mean '{near}'?" : $"unknown species '{token.Text}' in '{key}'");
                            ok = false;
                            continue;
                        }
                        var list = key == "reset" ? reset : replicate;
                        if (list.Any(x => x.Species == s)) { _errors.Add(line.At(token), $"species '{token.Text}' is listed twice in '{key}'"); ok = false; continue; }
                        list.Add((s, line.At(token)));
                    }
                    break;
                case "cap":
                    if (line.Tokens.Count != 2 || !int.TryParse(line.Tokens[1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out cap) || cap < 1)
                    {
                        _errors.Add(line.At(line.Tokens[1]), $"'cap' must be one positive whole number (most simulated cells per scenario and cell type); found '{line.Text[valueOffset..].Trim()}'");
                        ok = false;
                    }
                    break;
                case "every":
                    if (line.Tokens.Count != 2 || !double.TryParse(line.Tokens[1].Text, NumberStyles.Float, CultureInfo.InvariantCulture, out every) || !(every > 0) || double.IsInfinity(every))
                    {
                        _errors.Add(line.At(line.Tokens[1]), $"'every' must be one positive number (time between checks, model time units); found '{line.Text[valueOffset..].Trim()}'");
                        ok = false;
                    }
                    else if (_poolLine is not null)
                    {
                        _errors.Add(line.At(line.Tokens[1]), "'every' is for studies without a ligand pool; with 'ligand_pool' the checks are made at every coupling time (set 'coupling=')");
                        ok = false;
                    }
                    break;
            }
        }
        if (divide is null && !seen.ContainsKey("divide")) { _errors.Add(lines[0].Start, "the 'lineage' block needs a 'divide CONDITION' line, e.g. 'divide Cycle >= 8'"); ok = false; }
        foreach (var (s, position) in replicate)
            if (reset.Any(r => r.Species == s)) { _errors.Add(position, $"species '{_model.Species[s].Name}' is both reset and replicated"); ok = false; }
        // The pool's accounting splits what the cells took: ligand-carrying species must be split, never replicated.
        if (pool is not null && _model.Observables.FirstOrDefault(o => o.Name == pool.Uptake) is { } uptake)
            foreach (var (s, position) in replicate)
                if (uptake.Terms.Any(t => t.Species == s && t.Weight != 0))
                {
                    _errors.Add(position, $"species '{_model.Species[s].Name}' carries ligand (the ligand pool's uptake observable '{pool.Uptake}' counts it), so it must be split between the daughters, not replicated");
                    ok = false;
                }
        if (!ok) return null;
        return new Lineage(divide!, divideText!, lines[0].Start)
        {
            Die = die,
            DieText = dieText,
            Reset = [.. reset.Select(r => r.Species)],
            Replicate = [.. replicate.Select(r => r.Species)],
            Cap = cap,
            Every = every,
        };
    }

    /// <summary>The model index of species <paramref name="name"/> (also found without a trailing <c>()</c>), or -1.</summary>
    private int SpeciesIndex(string name)
    {
        for (int i = 0; i < _model.Species.Length; i++)
        {
            string s = _model.Species[i].Name;
            if (s == name || (s.EndsWith("()", StringComparison.Ordinal) && s.AsSpan(0, s.Length - 2).SequenceEqual(name))) return i;
        }
        return -1;
    }
}
