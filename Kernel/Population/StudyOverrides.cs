using System.Collections.Immutable;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Population;

/// <summary>
/// Sets numbers of a study for one evaluation (a sensitivity design point, a fit's trial value) without
/// editing its files. A name is either
/// <list type="bullet">
/// <item>a model parameter (<c>K_tcf_rep</c>): its value in the model, every parameter derived from it
/// following; one the study sets per cell type, scenario, ligand or dosing is refused, since the study's
/// value would win;</item>
/// <item><c>fate.NAME</c> or <c>trait.NAME</c>: the threshold of that rule, the number of a condition
/// <c>EXPR OP NUMBER</c> (or <c>NUMBER OP EXPR</c>), OP a comparison; a rule name with several rules
/// sets each;</item>
/// <item><c>lineage.divide</c> or <c>lineage.die</c>: the threshold of the lineage block's condition, read the same way;</item>
/// <item><c>CELLTYPE.PARAMETER</c> (<c>terminal.PD1_0</c>): the median of the distribution the cell type gives that
/// parameter (a fixed value, a lognormal's median with its σ kept, a normal's mean), so that with the same seed
/// every cell keeps its place in the distribution.</item>
/// <item><c>pk.AGENT.half_life</c> (an agent with one plasma compartment), <c>pk.AGENT.exchange_half_time</c> (both in
/// the study's time unit) or <c>pk.AGENT.partition</c>: that number of the agent's line in the <c>pharmacokinetics</c>
/// block; <c>pool.cells_per_liter</c>: the cell density of the shared ligand pool.</item>
/// </list>
/// </summary>
public static class StudyOverrides
{
    /// <summary>
    /// Checks that <paramref name="name"/> can be set in <paramref name="study"/>; the error, a
    /// <see cref="ModelException"/> at <paramref name="label"/>, says why not.
    /// </summary>
    public static void Check(Study study, string name, string label) => Apply(study, new Dictionary<string, double> { [name] = Current(study, name, label) }, label);

    /// <summary>The value <paramref name="name"/> has in <paramref name="study"/> (a parameter's value, a rule's threshold).</summary>
    /// <exception cref="ModelException">Unknown or unsettable name (at <paramref name="label"/>).</exception>
    public static double Current(Study study, string name, string label = "override")
    {
        var at = new SourcePosition(label, 0, 0);
        if (RuleKind(name) is { } kind)
        {
            var thresholds = Conditions(study, kind.Kind, kind.Rule, at).Select(c => Threshold(c.Condition, name, at)).Distinct().ToArray();
            return thresholds[0];
        }
        if (Tissue(study, name, at) is { } tissue) return tissue.Current;
        if (CellTypeParameter(study, name, at) is { } cp) return cp.Parameter.Distribution.Median;
        int p = study.Model.ParameterIndex(name);
        if (p < 0) throw UnknownParameter(study, name, at);
        return study.Model.Parameters[p].Value;
    }

    /// <summary>
    /// <paramref name="study"/> with every name in <paramref name="values"/> set to its value; the study
    /// itself is unchanged (it is immutable).
    /// </summary>
    /// <exception cref="ModelException">An unknown name, or one the study sets itself (at <paramref name="label"/>).</exception>
    public static Study Apply(Study study, IReadOnlyDictionary<string, double> values, string label = "override")
    {
        var at = new SourcePosition(label, 0, 0);
        var model = study.Model;
        var fates = study.Fates;
        var traits = study.Traits;
        var lineage = study.Lineage;
        var cellTypes = study.CellTypes;
        var settings = study.Settings;
        var parameters = new Dictionary<string, double>();
        foreach (var (name, value) in values)
        {
            if (!double.IsFinite(value)) throw ThrowHelper.Model(at, $"{name}: value {value} is not finite");
            switch (RuleKind(name))
            {
                case ("fate", var rule):
                    Conditions(study, "fate", rule, at);
                    fates = [.. fates.Select(f => f.Fate == rule ? f with { Condition = WithThreshold(f.Condition, value, name, at) } : f)];
                    break;
                case ("trait", var rule):
                    Conditions(study, "trait", rule, at);
                    traits = [.. traits.Select(t => t.Trait == rule ? t with { Condition = WithThreshold(t.Condition, value, name, at) } : t)];
                    break;
                case ("lineage", var rule):
                    Conditions(study, "lineage", rule, at);
                    lineage = rule == "divide"
                        ? lineage! with { Divide = WithThreshold(lineage!.Divide, value, name, at) }
                        : lineage! with { Die = WithThreshold(lineage!.Die!, value, name, at) };
                    break;
                default:
                    if (Tissue(study, name, at) is { } tissue)
                    {
                        if (!(value > 0)) throw ThrowHelper.Model(at, $"{name} must be positive, not {value}");
                        settings = tissue.Apply(settings, value);
                        break;
                    }
                    if (CellTypeParameter(study, name, at) is { } cp)
                    {
                        var changed = cp.Parameter with { Distribution = WithMedian(cp.Parameter.Distribution, value, name, at) };
                        cellTypes = [.. cellTypes.Select(c => c.Name != cp.CellType ? c
                            : c with { Parameters = [.. c.Parameters.Select(q => q.Parameter == cp.Parameter.Parameter ? changed : q)] })];
                        break;
                    }
                    int p = model.ParameterIndex(name);
                    if (p < 0) throw UnknownParameter(study, name, at);
                    if (SetByStudy(study, name) is { } where)
                        throw ThrowHelper.Model(at, $"parameter '{name}' is set by the study ({where}), which would override the value given here{(where.StartsWith("cell type", StringComparison.Ordinal) ? "; vary its median per cell type as CELLTYPE." + name : "")}");
                    parameters[name] = value;
                    break;
            }
        }
        if (parameters.Count > 0) model = model.WithParameterValues(parameters);
        return new Study(model, cellTypes, study.Scenarios, fates, study.Ligands, settings) { Lineage = lineage, Traits = traits };
    }

    private static readonly string[] PkKeys = ["half_life", "exchange_half_time", "partition"];

    /// <summary>
    /// For <c>pk.AGENT.KEY</c> and <c>pool.cells_per_liter</c>, the number's current value and how to set it; null for
    /// other names. The half-times are those of the study file (ln 2 over the rate), in its time unit.
    /// </summary>
    private static (double Current, Func<StudySettings, double, StudySettings> Apply)? Tissue(Study study, string name, SourcePosition at)
    {
        if (name == "pool.cells_per_liter")
        {
            var pool = study.Settings.LigandPool ?? throw ThrowHelper.Model(at, $"{name}: the study has no ligand_pool setting");
            return (pool.CellsPerLiter, (s, v) => s with { LigandPool = s.LigandPool! with { CellsPerLiter = v } });
        }
        if (!name.StartsWith("pk.", StringComparison.Ordinal)) return null;
        int dot = name.LastIndexOf('.');
        string agent = dot > 3 ? name[3..dot] : "", key = name[(dot + 1)..];
        var pk = study.Settings.Pharmacokinetics;
        if (agent.Length == 0 || !PkKeys.Contains(key))
            throw ThrowHelper.Model(at, $"{name}: expected pk.AGENT.KEY, KEY one of {string.Join(", ", PkKeys)}");
        var m = pk.FirstOrDefault(x => x.Agent == agent)
            ?? throw ThrowHelper.Model(at, $"{name}: no agent '{agent}' in the pharmacokinetics block ({(pk.IsEmpty ? "the study has none" : string.Join(", ", pk.Select(x => x.Agent)))})");
        if (key == "half_life" && m.K12 > 0)
            throw ThrowHelper.Model(at, $"{name}: agent '{agent}' has two plasma compartments (half_lives and clearance), so no single half-life to set");
        double current = key switch { "half_life" => Math.Log(2) / m.K10, "exchange_half_time" => Math.Log(2) / m.TissueExchange, _ => m.Partition };
        return (current, (s, v) => s with
        {
            Pharmacokinetics = [.. s.Pharmacokinetics.Select(x => x.Agent != agent ? x : key switch
            {
                "half_life" => x with { K10 = Math.Log(2) / v },
                "exchange_half_time" => x with { TissueExchange = Math.Log(2) / v },
                _ => x with { Partition = v },
            })],
        });
    }

    /// <summary>For <c>CELLTYPE.PARAMETER</c>, the cell type and its parameter entry; null when the name does not start with a cell type's name.</summary>
    private static (string CellType, CellParameter Parameter)? CellTypeParameter(Study study, string name, SourcePosition at)
    {
        int dot = name.IndexOf('.');
        if (dot <= 0 || RuleKind(name) is not null) return null;
        string cellType = name[..dot], parameter = name[(dot + 1)..];
        if (study.CellTypes.FirstOrDefault(c => c.Name == cellType) is not { } type) return null;
        if (type.Parameters.FirstOrDefault(q => q.Parameter == parameter) is { } cp) return (cellType, cp);
        throw ThrowHelper.Model(at, $"cell type '{cellType}' does not set '{parameter}' (it sets {string.Join(", ", type.Parameters.Select(q => q.Parameter))}); a model parameter the study does not set per cell type is varied by its name alone");
    }

    /// <summary><paramref name="distribution"/> moved so that its median is <paramref name="median"/>, its shape kept.</summary>
    private static ParameterDistribution WithMedian(ParameterDistribution distribution, double median, string name, SourcePosition at) => distribution switch
    {
        FixedDistribution => new FixedDistribution(median),
        LogNormalDistribution l when median > 0 => l with { MedianValue = median },
        LogNormalDistribution => throw ThrowHelper.Model(at, $"{name}: a lognormal median must be positive, not {median}"),
        NormalDistribution n => n with { Mean = median },
        _ => throw ThrowHelper.Model(at, $"{name}: its distribution, {distribution}, has no median to move (fixed, lognormal and normal do)"),
    };

    /// <summary>("fate" | "trait" | "lineage", rule name) for a rule threshold's name; null for a model parameter.</summary>
    private static (string Kind, string Rule)? RuleKind(string name)
    {
        int dot = name.IndexOf('.');
        if (dot <= 0) return null;
        string kind = name[..dot];
        return kind is "fate" or "trait" or "lineage" ? (kind, name[(dot + 1)..]) : null;
    }

    /// <summary>The conditions a rule threshold's name refers to; an error if none.</summary>
    private static List<(Expr Condition, string Text)> Conditions(Study study, string kind, string rule, SourcePosition at)
    {
        List<(Expr, string)> found = kind switch
        {
            "fate" => [.. study.Fates.Where(f => f.Fate == rule).Select(f => (f.Condition, f.Text))],
            "trait" => [.. study.Traits.Where(t => t.Trait == rule).Select(t => (t.Condition, t.Text))],
            _ => study.Lineage is not { } l ? [] : rule switch
            {
                "divide" => [(l.Divide, l.DivideText)],
                "die" when l.Die is not null => [(l.Die, l.DieText ?? "")],
                _ => [],
            },
        };
        if (found.Count > 0) return found;
        string known = kind switch
        {
            "fate" => string.Join(", ", study.Fates.Select(f => "fate." + f.Fate).Distinct()),
            "trait" => string.Join(", ", study.Traits.Select(t => "trait." + t.Trait)),
            _ => study.Lineage is null ? "none: the study has no lineage block" : "lineage.divide" + (study.Lineage.Die is not null ? ", lineage.die" : ""),
        };
        throw ThrowHelper.Model(at, $"unknown {kind} rule '{rule}' ({known})");
    }

    /// <summary>The number a comparison <c>EXPR OP NUMBER</c> compares against.</summary>
    private static double Threshold(Expr condition, string name, SourcePosition at) => condition switch
    {
        BinaryExpr { Operator: >= BinaryOperator.Less and <= BinaryOperator.NotEqual, Right: NumberExpr n, Left: not NumberExpr } => n.Value,
        BinaryExpr { Operator: >= BinaryOperator.Less and <= BinaryOperator.NotEqual, Left: NumberExpr n, Right: not NumberExpr } => n.Value,
        BinaryExpr { Operator: >= BinaryOperator.Less and <= BinaryOperator.NotEqual, Right: SymbolExpr { Kind: SymbolKind.Parameter } s } =>
            throw ThrowHelper.Model(at, $"{name}: the rule compares with parameter '{s.Name}'; vary '{s.Name}' instead"),
        _ => throw ThrowHelper.Model(at, $"{name}: the rule's condition is not a comparison with a number (EXPR >= NUMBER), so it has no threshold to set"),
    };

    private static Expr WithThreshold(Expr condition, double value, string name, SourcePosition at)
    {
        Threshold(condition, name, at);
        var b = (BinaryExpr)condition;
        return b.Right is NumberExpr r ? b with { Right = r with { Value = value } } : b with { Left = ((NumberExpr)b.Left) with { Value = value } };
    }

    /// <summary>Where the study sets parameter <paramref name="name"/> per cell, scenario or dose, or null.</summary>
    private static string? SetByStudy(Study study, string name)
    {
        if (study.CellTypes.FirstOrDefault(c => c.Parameters.Any(p => p.Parameter == name)) is { } cellType) return $"cell type '{cellType.Name}'";
        if (study.Scenarios.FirstOrDefault(s => s.Settings.ContainsKey(name)) is { } scenario) return $"scenario '{scenario.Name}'";
        if (study.Settings.Pharmacokinetics.Any(p => p.Parameter == name)) return "pharmacokinetics";
        if (name == study.Settings.DoseParameter) return "the dose parameter";
        return null;
    }

    private static ModelException UnknownParameter(Study study, string name, SourcePosition at)
    {
        var near = NameSuggestion.Closest(name, study.Model.Parameters.Select(p => p.Name));
        return ThrowHelper.Model(at, $"unknown parameter '{name}'{(near is not null ? $"; did you mean '{near}'?" : "")} (a model parameter, CELLTYPE.PARAMETER, fate.NAME, trait.NAME, lineage.divide, lineage.die, pk.AGENT.KEY, pool.cells_per_liter)");
    }
}
