using System.Collections.Immutable;
using Stochastic.Expressions;
using Stochastic.Model;
using Stochastic.Methods;
using Stochastic.Transforms;
using Stochastic.Simulation.Tau;

namespace Stochastic.Population;

/// <summary>One parameter of a cell type and its distribution over cells.</summary>
/// <param name="Parameter">Model parameter name (initial counts follow through the seed-species expressions).</param>
/// <param name="Distribution">Its distribution across cells.</param>
/// <param name="Position">Where the study file sets it.</param>
public sealed record CellParameter(string Parameter, ParameterDistribution Distribution, SourcePosition Position);

/// <summary>A cell type: a named distribution over the model's per-cell parameters.</summary>
public sealed record CellType(string Name, ImmutableArray<CellParameter> Parameters, SourcePosition Position)
{
    /// <summary>
    /// Correlations between its parameters (a Gaussian copula, <see cref="ParameterCorrelation"/>);
    /// empty: the parameters vary independently.
    /// </summary>
    public ImmutableArray<ParameterCorrelation> Correlations { get; init; } = [];
}

/// <summary>
/// A treatment scenario: parameter settings (ligand kind, dose, antibody) applied to every cell,
/// and the simulated duration in model time units.
/// </summary>
public sealed record Scenario(string Name, string Ligand, double Dose, double Duration,
    ImmutableDictionary<string, double> Settings, SourcePosition Position)
{
    /// <summary>
    /// The scenario's dosing schedule (the <c>dosing</c> block): agents given over time, whose tissue
    /// concentrations follow their <see cref="PkModel"/>. Empty: the ligand is the constant
    /// <see cref="Dose"/>.
    /// </summary>
    public ImmutableArray<Dose> Doses { get; init; } = [];
}

/// <summary>
/// A fate rule: a cell of a type the rule applies to whose variables satisfy <see cref="Condition"/>
/// gets <see cref="Fate"/> (first applicable match wins).
/// </summary>
public sealed record FateRule(string Fate, Expr Condition, string Text, SourcePosition Position)
{
    /// <summary>Cell types the rule applies to (<c>fate (A, B): condition</c>); empty: every cell type.</summary>
    public ImmutableArray<string> CellTypes { get; init; } = [];

    /// <summary>Whether the rule applies to cells of type <paramref name="cellType"/>.</summary>
    public bool AppliesTo(string cellType) => CellTypes.IsDefaultOrEmpty || CellTypes.Contains(cellType);
}

/// <summary>
/// A trait: a yes/no read-out of a cell (the <c>traits</c> block), evaluated like a fate rule but apart
/// from the fate: a cell of a type the trait applies to has it when its variables satisfy
/// <see cref="Condition"/>; a cell of another type has no value for it.
/// </summary>
public sealed record TraitRule(string Trait, Expr Condition, string Text, SourcePosition Position)
{
    /// <summary>Cell types the trait applies to (<c>trait (A, B): condition</c>); empty: every cell type.</summary>
    public ImmutableArray<string> CellTypes { get; init; } = [];

    /// <summary>Whether the trait applies to cells of type <paramref name="cellType"/>.</summary>
    public bool AppliesTo(string cellType) => CellTypes.IsDefaultOrEmpty || CellTypes.Contains(cellType);

    /// <summary>Whether a cell with <paramref name="variables"/> (<see cref="CellVariables"/>, then the parameters) has the trait.</summary>
    public bool Holds(double[] variables)
    {
        double value = ExpressionEvaluator.Evaluate(Condition, sym => variables[sym.Index]);
        return value != 0 && !double.IsNaN(value);
    }
}

/// <summary>
/// A population study: the model, cell types, scenarios and fate rules, read from a study file
/// (<see cref="Formats.StudyReader"/>, docs/study-files.md).
/// </summary>
public sealed class Study
{
    /// <summary>Creates a study.</summary>
    public Study(ReactionModel model, ImmutableArray<CellType> cellTypes, ImmutableArray<Scenario> scenarios,
        ImmutableArray<FateRule> fates, ImmutableDictionary<string, ImmutableDictionary<string, double>> ligands, StudySettings settings)
    {
        Model = model;
        CellTypes = cellTypes;
        Scenarios = scenarios;
        Fates = fates;
        Ligands = ligands;
        Settings = settings;
    }

    /// <summary>The single-cell model.</summary>
    public ReactionModel Model { get; }
    /// <summary>Cell types, in file order.</summary>
    public ImmutableArray<CellType> CellTypes { get; }
    /// <summary>Scenarios, in file order.</summary>
    public ImmutableArray<Scenario> Scenarios { get; }
    /// <summary>Fate rules, in priority order.</summary>
    public ImmutableArray<FateRule> Fates { get; }
    /// <summary>Ligand kinds: name → parameter settings.</summary>
    public ImmutableDictionary<string, ImmutableDictionary<string, double>> Ligands { get; }
    /// <summary>Run settings.</summary>
    public StudySettings Settings { get; }

    /// <summary>Division and death of the simulated cells (the <c>lineage</c> block), or null: cells neither divide nor die.</summary>
    public Lineage? Lineage { get; init; }

    /// <summary>Traits (the <c>traits</c> block), in file order; empty without one.</summary>
    public ImmutableArray<TraitRule> Traits { get; init; } = [];

    /// <summary>The fate names in rule order, then "unclassified" (cells no rule matched).</summary>
    public IReadOnlyList<string> FateNames => [.. Fates.Select(f => f.Fate).Distinct(), Unclassified];

    /// <summary>
    /// The fates a cell of type <paramref name="cellType"/> can get: those of the rules that apply to
    /// it, in rule order, then "unclassified" (always listed, so that a zero confirms the rules
    /// cover every cell of the type).
    /// </summary>
    public IReadOnlyList<string> FateNamesFor(string cellType) =>
        [.. Fates.Where(f => f.AppliesTo(cellType)).Select(f => f.Fate).Distinct(), Unclassified];

    /// <summary>Name of the fate of a cell that matches no rule.</summary>
    public const string Unclassified = "unclassified";

    /// <summary>
    /// Checks that every name in <paramref name="names"/> is one of the study's scenarios; the error,
    /// a <see cref="ModelException"/> at <paramref name="label"/> (a command-line option or an API
    /// parameter), lists them.
    /// </summary>
    public void RequireScenarios(IEnumerable<string> names, string label)
    {
        foreach (var name in names)
            if (!Scenarios.Any(s => s.Name == name))
                throw ThrowHelper.Model(new SourcePosition(label, 0, 0), $"unknown scenario '{name}'; scenarios: {string.Join(", ", Scenarios.Select(s => s.Name))}");
    }

    /// <summary>
    /// What couples the cells of a well, "shared ligand pool" or "lineage block" (for messages), or null when every cell runs on its own.
    /// </summary>
    public string? WellCoupling => Settings.LigandPool is not null ? "shared ligand pool" : Lineage is not null ? "lineage block" : null;

    /// <summary>
    /// The positions in <see cref="CellTypes"/> of the cell types named in <paramref name="names"/>, in the order
    /// given; an unknown or repeated name is a <see cref="ModelException"/> at <paramref name="label"/> that lists them.
    /// </summary>
    public int[] CellTypeIndices(IEnumerable<string> names, string label)
    {
        var at = new SourcePosition(label, 0, 0);
        var indices = new List<int>();
        foreach (var name in names)
        {
            int c = 0;
            while (c < CellTypes.Length && CellTypes[c].Name != name) c++;
            if (c == CellTypes.Length) throw ThrowHelper.Model(at, $"unknown cell type '{name}'; cell types: {string.Join(", ", CellTypes.Select(t => t.Name))}");
            if (indices.Contains(c)) throw ThrowHelper.Model(at, $"cell type '{name}' is given twice");
            indices.Add(c);
        }
        return [.. indices];
    }

    /// <summary>Checks that every name in <paramref name="names"/> is one of the study's ligands; the error lists them, at <paramref name="label"/>.</summary>
    public void RequireLigands(IEnumerable<string> names, string label)
    {
        foreach (var name in names)
            if (!Ligands.ContainsKey(name))
                throw ThrowHelper.Model(new SourcePosition(label, 0, 0), $"unknown ligand '{name}'; ligands: {string.Join(", ", Ligands.Keys.Order(StringComparer.Ordinal))}");
    }

    /// <summary>Builds a scenario for <paramref name="ligand"/> at <paramref name="dose"/> (dose-response runs).</summary>
    /// <exception cref="ModelException">Unknown ligand.</exception>
    public Scenario MakeScenario(string name, string ligand, double dose, double duration, IReadOnlyDictionary<string, double>? extra = null)
    {
        RequireLigands([ligand], nameof(ligand));
        var all = Ligands[ligand].ToBuilder();
        all[Settings.DoseParameter] = dose;
        if (extra is not null) foreach (var (k, v) in extra) all[k] = v;
        return new Scenario(name, ligand, dose, duration, all.ToImmutable(), SourcePosition.None);
    }
}

/// <summary>Study-wide run settings (the <c>begin study</c> block).</summary>
/// <param name="ModelPath">Model file, as resolved.</param>
/// <param name="Cells">Cells per cell type and scenario.</param>
/// <param name="Seed">Master seed.</param>
/// <param name="OutputInterval">Time between recorded points (model time units); integrals use these points.</param>
/// <param name="DoseParameter">Model parameter that holds the ligand dose.</param>
/// <param name="Readout">Observable used for dose-response curves.</param>
/// <param name="ReadoutTime">Time at which the dose-response read-out is taken.</param>
/// <param name="TimeUnit">Name of the model's time unit (for reports).</param>
/// <param name="DoseUnit">Name of the dose unit (for reports).</param>
public sealed record StudySettings(string ModelPath, int Cells, ulong Seed, double OutputInterval, string DoseParameter,
    string Readout, double ReadoutTime, string TimeUnit, string DoseUnit)
{
    /// <summary>The shared ligand pool (<c>ligand_pool</c> setting), or null: every cell sees the dose as an infinite bath.</summary>
    public LigandPool? LigandPool { get; init; }

    /// <summary>Pharmacokinetics of the agents that scenarios dose (the <c>pharmacokinetics</c> block); empty without one.</summary>
    public ImmutableArray<PkModel> Pharmacokinetics { get; init; } = [];

    /// <summary>The cell engine the study names (<c>engine</c> setting), or <see cref="StudyEngine.Default"/>.</summary>
    public StudyEngine Engine { get; init; } = StudyEngine.Default;
}

/// <summary>
/// The cell engine a study file names (<c>engine slow-scale theta=2 leap</c> in its <c>study</c> block):
/// the engine its results were validated with, used when the command line names no <c>--method</c>.
/// </summary>
/// <param name="Method">The cell simulator.</param>
/// <param name="Epsilon">Tau-leaping error bound ε (batch, and slow-scale with <c>leap</c>).</param>
/// <param name="SlowScale">Slow-scale settings (ignored unless <paramref name="Method"/> is slow-scale).</param>
public sealed record StudyEngine(SimulationMethod Method, double Epsilon, SlowScaleOptions SlowScale)
{
    /// <summary>
    /// The engine of a study that names none: slow-scale SSA at the reduction's default θ = 10 (a lone
    /// pair's first-order error ≤ 10%) with hybrid leaping at ε = 0.03. θ = 2, the default until the
    /// IL-2 Treg check, admitted up to 50% and overstated Treg pSTAT5 below their EC50 by ~30%
    /// (docs/il2-results.md, "Slow-scale error").
    /// </summary>
    public static StudyEngine Default { get; } = new(MethodCatalog.SlowScale, TauLeapingSimulator.DefaultEpsilon,
        new SlowScaleOptions { LeapEpsilon = TauLeapingSimulator.DefaultEpsilon });

    /// <summary><paramref name="options"/> with this engine.</summary>
    public PopulationOptions ApplyTo(PopulationOptions options) =>
        options with { Method = Method, Epsilon = Epsilon, SlowScale = SlowScale };
}
