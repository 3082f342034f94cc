using System.Collections.Immutable;
using Stochastic.Expressions;
using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Formats;

internal sealed partial class StudyParser
{
    /// <summary>The <c>fates</c> block: <c>NAME [(CELLTYPE, …)]: CONDITION</c>, in priority order.</summary>
    private ImmutableArray<FateRule> ReadFates(ImmutableArray<CellType> cellTypes) =>
        [.. ReadRules("fates", "fate", cellTypes).Select(r => new FateRule(r.Name, r.Condition, r.Text, r.Position) { CellTypes = r.CellTypes })];

    /// <summary>
    /// The <c>traits</c> block: <c>NAME [(CELLTYPE, …)]: CONDITION</c>, read like fate rules; each name once,
    /// none a fate's name or a column of the fate tables.
    /// </summary>
    private ImmutableArray<TraitRule> ReadTraits(ImmutableArray<CellType> cellTypes, ImmutableArray<FateRule> fates)
    {
        string[] columns = ["scenario", "cell_type", "time", "fate", "cells", "fraction", "ci_low", "ci_high", "low", "high", "start_cells"];
        var traits = ImmutableArray.CreateBuilder<TraitRule>();
        foreach (var r in ReadRules("traits", "trait", cellTypes))
        {
            if (traits.FirstOrDefault(t => t.Trait == r.Name) is { } first)
                _errors.Add(r.Position, $"trait '{r.Name}' is defined twice (first at line {first.Position.Line}); give each trait one rule");
            else if (fates.Any(f => f.Fate == r.Name) || r.Name == Study.Unclassified)
                _errors.Add(r.Position, $"trait '{r.Name}' has the name of a fate; traits are reported beside the fates, so name it apart (e.g. '{r.Name}_trait')");
            else if (columns.Contains(r.Name))
                _errors.Add(r.Position, $"trait '{r.Name}' has the name of a column of fates.csv; choose another name");
            else traits.Add(new TraitRule(r.Name, r.Condition, r.Text, r.Position) { CellTypes = r.CellTypes });
        }
        return traits.ToImmutable();
    }

    /// <summary>The rules of a <c>fates</c> or <c>traits</c> block (<paramref name="kind"/>: "fate" or "trait", for messages).</summary>
    private List<(string Name, ImmutableArray<string> CellTypes, Expr Condition, string Text, SourcePosition Position)> ReadRules(
        string block, string kind, ImmutableArray<CellType> cellTypes)
    {
        var outputNames = _model.Observables.Length > 0 ? _model.Observables.Select(o => o.Name).ToArray() : _model.Species.Select(s => s.Name).ToArray();
        var variableNames = CellVariables.Names(outputNames);
        var cellTypeNames = cellTypes.Select(c => c.Name).ToArray();
        var rules = new List<(string, ImmutableArray<string>, Expr, string, SourcePosition)>();
        foreach (var line in _blocks[block])
        {
            if (FateHead(line, cellTypeNames, kind) is not var (name, scope, conditionOffset)) continue;
            string condition = line.Text[conditionOffset..].TrimEnd();
            if (condition.Length == 0)
            {
                _errors.Add(line.Start, kind == "fate"
                    ? $"fate '{name}' needs a condition, e.g. '{name}: Tox_obs > 500' (or '1' for 'otherwise')"
                    : $"trait '{name}' needs a condition, e.g. '{name}: Lytic_obs >= 20'");
                continue;
            }
            try
            {
                var expr = ExpressionParser.Parse(condition, i => line.At(conditionOffset + i), (n, called, pos) =>
                {
                    int v = Array.IndexOf(variableNames, n);
                    if (v >= 0) return new SymbolExpr(SymbolKind.Parameter, v, n, pos);
                    int p = _model.ParameterIndex(n);
                    if (p >= 0) return new SymbolExpr(SymbolKind.Parameter, variableNames.Length + p, n, pos);
                    if (kind == "fate")
                        throw ThrowHelper.Model(pos, $"unknown name '{n}' in fate rule; a rule reads observables (NAME, NAME_auc, NAME_mean, NAME_max) and model parameters");
                    var near = NameSuggestion.Closest(n, [.. variableNames, .. _model.Parameters.Select(q => q.Name)]);
                    throw ThrowHelper.Model(pos, $"unknown name '{n}' in trait '{name}'{(near is not null ? $"; did you mean '{near}'?" : "")} (a trait reads observables (NAME, NAME_auc, NAME_mean, NAME_max) and model parameters)");
                });
                rules.Add((name, scope, expr, condition, line.Start));
            }
            catch (ModelException e) { _errors.Add(e); }
        }
        return rules;
    }

    /// <summary>
    /// The head of a fate or trait rule, <c>NAME:</c>, <c>NAME</c> or <c>NAME (CELLTYPE, …):</c> (a list only with
    /// the colon after it, since a condition may start with a parenthesis): the name, the cell types
    /// it is limited to (empty: all), and the offset where the condition starts. Null after an error.
    /// </summary>
    private (string Name, ImmutableArray<string> CellTypes, int ConditionOffset)? FateHead(StudyLine line, string[] cellTypeNames, string kind)
    {
        string text = line.Text;
        int start = line.Tokens[0].Offset, i = start;
        while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (':' or '(')) i++;
        string name = text[start..i];
        if (name.Length == 0)
        {
            _errors.Add(line.Start, kind == "fate" ? "expected a fate name, e.g. 'terminal: Tox_obs >= 400'" : "expected a trait name, e.g. 'cytolytic: Lytic_obs >= 20'");
            return null;
        }
        int SkipBlanks(int j) { while (j < text.Length && char.IsWhiteSpace(text[j])) j++; return j; }
        i = SkipBlanks(i);
        if (i < text.Length && text[i] == ':') return (name, [], SkipBlanks(i + 1));
        if (i >= text.Length || text[i] != '(') return (name, [], i);
        int close = text.IndexOf(')', i);
        int colon = close < 0 ? -1 : SkipBlanks(close + 1);
        if (colon < 0 || colon >= text.Length || text[colon] != ':') return (name, [], i);  // a condition in parentheses
        var scope = FateScope(line, name, i + 1, close, cellTypeNames, kind);
        return scope is null ? null : (name, scope.Value, SkipBlanks(colon + 1));
    }

    /// <summary>The cell-type list <c>text[start..end]</c> of fate or trait <paramref name="name"/>; null after an error.</summary>
    private ImmutableArray<string>? FateScope(StudyLine line, string name, int start, int end, string[] cellTypeNames, string kind)
    {
        var scope = ImmutableArray.CreateBuilder<string>();
        bool ok = true;
        int itemStart = start;
        foreach (string raw in line.Text[start..end].Split(','))
        {
            string item = raw.Trim();
            var position = line.At(itemStart + (raw.Length - raw.TrimStart().Length));
            itemStart += raw.Length + 1;
            if (item.Length == 0) { _errors.Add(position, $"empty cell-type name in the list of {kind} '{name}'"); ok = false; continue; }
            if (!cellTypeNames.Contains(item))
            {
                var near = NameSuggestion.Closest(item, cellTypeNames);
                _errors.Add(position, near is not null
                    ? $"unknown cell type '{item}' in {kind} '{name}'; did you mean '{near}'?"
                    : $"unknown cell type '{item}' in {kind} '{name}' (the study defines {string.Join(", ", cellTypeNames)})");
                ok = false;
                continue;
            }
            if (scope.Contains(item)) { _errors.Add(position, $"cell type '{item}' is listed twice in {kind} '{name}'"); ok = false; continue; }
            scope.Add(item);
        }
        return ok ? scope.ToImmutable() : null;
    }
}
