using System.Collections.Immutable;
using System.Globalization;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Population;

/// <summary>
/// A shared extracellular ligand pool (the <c>ligand_pool</c> setting of a study file,
/// docs/study-files.md, "Shared ligand pool"): the cells of one scenario share one fluid (a well, or
/// a tissue's interstitial fluid when the scenario doses its agents, <see cref="PkModel"/>) whose
/// ligand their uptake (<see cref="Uptake"/>) depletes, instead of each seeing an infinite bath at the
/// dose. The run couples the cells to the fluid over intervals of at most <see cref="Coupling"/>
/// (<see cref="TissueWell"/>): in each, every cell sees the predicted average concentration and is an
/// independent exact trajectory; the error is bounded by half the relative change of the free
/// concentration over an interval (<see cref="LigandPoolTrace.MaxRelativeChange"/>).
/// </summary>
/// <param name="Uptake">Observable counting the ligand molecules a cell has taken out of solution (bound, internalized, consumed).</param>
/// <param name="CellsPerLiter">Cell density of the well; the volume per cell is its inverse.</param>
/// <param name="Coupling">Longest interval between couplings (model time units).</param>
/// <param name="DoseMolar">Molar concentration of one dose unit (1e-12 for pM).</param>
/// <param name="Position">Where the study file sets the pool.</param>
public sealed record LigandPool(string Uptake, double CellsPerLiter, double Coupling, double DoseMolar, SourcePosition Position)
{
    /// <summary>
    /// The well's composition (<c>mix=TYPE:WEIGHT,…</c>): how many well cells each simulated cell of
    /// a cell type stands for, in the study's cell-type order, scaled to a mean of 1 so that the well
    /// still holds as many cells as are simulated. Empty: every cell type in equal numbers.
    /// </summary>
    public ImmutableArray<double> Weights { get; init; } = [];

    /// <summary>
    /// Observable counting the part of <see cref="Uptake"/> the cells hold reversibly (ligand bound at their surface,
    /// which returns to the fluid when the concentration falls), or null. With it the coupling treats that ligand as a
    /// buffer in equilibrium with the fluid (<see cref="TissueWell"/>), which keeps the free concentration from
    /// alternating between intervals once the cells hold more bound ligand than the fluid holds free.
    /// </summary>
    public string? Bound { get; init; }

    /// <summary>The weight of cell type <paramref name="type"/> (study order): <see cref="Weights"/>, or 1 without a mix.</summary>
    public double WeightOf(int type) => Weights.IsDefaultOrEmpty ? 1 : Weights[type];

    /// <summary>The Avogadro constant, mol⁻¹ (SI 2019, exact).</summary>
    public const double Avogadro = 6.02214076e23;

    /// <summary>Ligand molecules per cell at one dose unit: <c>DoseMolar · N_A / CellsPerLiter</c> (60 per pM at 1e10 cells/L).</summary>
    public double MoleculesPerCellPerDoseUnit => DoseMolar * Avogadro / CellsPerLiter;

    /// <summary>Warning threshold on the largest relative change of the free ligand over one interval (5%).</summary>
    public const double RecommendedMaxRelativeChange = 0.05;

    /// <summary>Molar concentration of one dose unit for a molar unit name (M, mM, uM, µM, nM, pM, fM), else null.</summary>
    public static double? MolarOf(string doseUnit) => doseUnit switch
    {
        "M" => 1,
        "mM" => 1e-3,
        "uM" or "µM" or "μM" => 1e-6,
        "nM" => 1e-9,
        "pM" => 1e-12,
        "fM" => 1e-15,
        _ => null,
    };

    private static readonly string[] Keys = ["uptake", "cells_per_liter", "coupling", "dose_molar", "mix", "bound"];

    /// <summary>
    /// Reads the <c>KEY=VALUE</c> tokens of a <c>ligand_pool</c> line; errors go to <paramref name="errors"/>
    /// and give null.
    /// </summary>
    internal static LigandPool? Parse(IReadOnlyList<(string Text, SourcePosition Position)> tokens, SourcePosition line,
        ReactionModel model, string doseParameter, string doseUnit, IReadOnlyList<string> cellTypes, ErrorList errors)
    {
        var values = new Dictionary<string, (string Value, SourcePosition Position)>(StringComparer.Ordinal);
        bool ok = true;
        foreach (var (text, position) in tokens)
        {
            int eq = text.IndexOf('=');
            if (eq <= 0 || eq == text.Length - 1) { errors.Add(position, $"expected KEY=VALUE (no blanks around '='); found '{text}'"); ok = false; continue; }
            string key = text[..eq];
            if (!Keys.Contains(key))
            {
                var near = NameSuggestion.Closest(key, Keys);
                errors.Add(position, near is not null ? $"unknown ligand_pool key '{key}'; did you mean '{near}'?"
                    : $"unknown ligand_pool key '{key}' (expected {string.Join(", ", Keys)})");
                ok = false;
                continue;
            }
            if (!values.TryAdd(key, (text[(eq + 1)..], position with { Column = position.Column + eq + 1 })))
            { errors.Add(position, $"ligand_pool key '{key}' is given twice"); ok = false; }
        }
        foreach (var key in Keys.Take(3))
            if (!values.ContainsKey(key)) { errors.Add(line, $"ligand_pool needs '{key}=…' (e.g. 'ligand_pool uptake=LigandTaken cells_per_liter=1e10 coupling=5')"); ok = false; }

        var outputs = model.Observables.Length > 0 ? model.Observables.Select(o => o.Name).ToArray() : model.Species.Select(s => s.Name).ToArray();
        string? Observable(string key)
        {
            if (!values.TryGetValue(key, out var o)) return null;
            if (outputs.Contains(o.Value)) return o.Value;
            var near = NameSuggestion.Closest(o.Value, outputs);
            errors.Add(o.Position, near is not null ? $"{key} '{o.Value}' is not an observable of the model; did you mean '{near}'?"
                : $"{key} '{o.Value}' is not an observable of the model ({string.Join(", ", outputs)})");
            ok = false;
            return null;
        }
        string uptake = Observable("uptake") ?? "";
        string? bound = Observable("bound");
        double Positive(string key)
        {
            if (!values.TryGetValue(key, out var s)) return double.NaN;
            if (double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v > 0) return v;
            errors.Add(s.Position, $"ligand_pool '{key}' must be a positive number; found '{s.Value}'");
            ok = false;
            return double.NaN;
        }
        double density = Positive("cells_per_liter"), coupling = Positive("coupling");
        double molar;
        if (values.ContainsKey("dose_molar")) molar = Positive("dose_molar");
        else if (MolarOf(doseUnit) is { } m) molar = m;
        else
        {
            errors.Add(line, $"ligand_pool needs 'dose_molar=…' (molar concentration of one dose unit): dose_unit '{doseUnit}' is not a molar unit (M, mM, uM, nM, pM, fM)");
            ok = false;
            molar = double.NaN;
        }

        if (!SetDuringRunOk(model, doseParameter, line, errors)) ok = false;
        var weights = values.TryGetValue("mix", out var mix) ? Mix(mix.Value, mix.Position, cellTypes, errors) : [];
        if (weights.IsDefault) ok = false;
        return ok ? new LigandPool(uptake, density, coupling, molar, line) { Weights = weights, Bound = bound } : null;
    }

    /// <summary>
    /// Checks that <paramref name="parameter"/>, which a pool or a dosing schedule changes during the run,
    /// reaches the rates through functions only: a derived parameter computed from it would keep its
    /// start value. Errors go to <paramref name="errors"/>.
    /// </summary>
    internal static bool SetDuringRunOk(ReactionModel model, string parameter, SourcePosition at, ErrorList errors)
    {
        int index = model.ParameterIndex(parameter);
        if (index < 0) return true;
        bool ok = true;
        var reach = new HashSet<int> { index };
        for (int i = 0; i < model.Parameters.Length; i++)
        {
            if (i == index) continue;
            if (ExpressionEvaluator.Symbols(model.Parameters[i].Expression).Any(s => s.Kind == SymbolKind.Parameter && reach.Contains(s.Index)))
            {
                reach.Add(i);
                errors.Add(at, $"'{parameter}' changes during the run, but parameter '{model.Parameters[i].Name}' at {model.Parameters[i].Position} is computed from it once; write it as a function");
                ok = false;
            }
        }
        return ok;
    }

    // mix=TYPE:WEIGHT,TYPE:WEIGHT,… naming every cell type once, weights ≥ 0, not all 0; scaled to mean 1.
    // Errors give default.
    private static ImmutableArray<double> Mix(string text, SourcePosition at, IReadOnlyList<string> cellTypes, ErrorList errors)
    {
        var names = cellTypes.ToList();
        var weights = new double[cellTypes.Count];
        var seen = new bool[cellTypes.Count];
        bool ok = true;
        int column = at.Column;
        foreach (string item in text.Split(','))
        {
            var position = at with { Column = column };
            column += item.Length + 1;
            int colon = item.IndexOf(':');
            string name = colon > 0 ? item[..colon] : item;
            if (colon <= 0 || colon == item.Length - 1)
            {
                errors.Add(position, $"expected TYPE:WEIGHT in ligand_pool mix; found '{item}' (e.g. 'mix=Treg:1,NK:2')");
                ok = false;
                continue;
            }
            int type = names.IndexOf(name);
            if (type < 0)
            {
                var near = NameSuggestion.Closest(name, cellTypes);
                errors.Add(position, near is not null ? $"unknown cell type '{name}' in ligand_pool mix; did you mean '{near}'?"
                    : $"unknown cell type '{name}' in ligand_pool mix (the study defines {string.Join(", ", cellTypes)})");
                ok = false;
                continue;
            }
            if (seen[type]) { errors.Add(position, $"cell type '{name}' is given twice in ligand_pool mix"); ok = false; continue; }
            seen[type] = true;
            string value = item[(colon + 1)..];
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double w) || !double.IsFinite(w) || w < 0)
            {
                errors.Add(position with { Column = position.Column + colon + 1 }, $"ligand_pool mix weight of '{name}' must be a number ≥ 0; found '{value}'");
                ok = false;
                continue;
            }
            weights[type] = w;
        }
        if (!ok) return default;
        var missing = cellTypes.Where((_, k) => !seen[k]).ToList();
        if (missing.Count > 0)
        {
            errors.Add(at, $"ligand_pool mix must give every cell type a weight; missing {string.Join(", ", missing)}");
            return default;
        }
        double mean = weights.Average();
        if (!(mean > 0))
        {
            errors.Add(at, "ligand_pool mix weights are all 0: the well would hold no cells");
            return default;
        }
        return [.. weights.Select(w => w / mean)];
    }
}

/// <summary>The free ligand of one scenario's well over a pooled run (<see cref="LigandPool"/>, <see cref="TissueWell"/>).</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Cells">Cells in the well (every cell type of the scenario).</param>
/// <param name="Coupling">Longest coupling interval (model time units); intervals are shorter where the concentrations change fast.</param>
/// <param name="InitialMolecules">Ligand molecules in the well at the start (a closed well: dose × molecules per cell per dose unit × cells; 0 when the ligand is dosed).</param>
/// <param name="Times">Coupling times, from 0 to the duration.</param>
/// <param name="FreeFraction">
/// Free ligand of a closed well over its initial amount at each time (1 at 0); NaN when there is no
/// ligand or the ligand is dosed (then see <see cref="Agents"/>).
/// </param>
/// <param name="MaxRelativeChange">Largest change of a free concentration over one interval, relative to the larger of its two ends (or 1% of its peak).</param>
public sealed record LigandPoolTrace(string Scenario, int Cells, double Coupling, double InitialMolecules, double[] Times, double[] FreeFraction,
    double MaxRelativeChange)
{
    /// <summary>Free ligand fraction at the end of the run.</summary>
    public double FinalFreeFraction => FreeFraction[^1];

    /// <summary>Plasma and free tissue concentration of every agent at <see cref="Times"/>: the ligand first, then the other dosed agents.</summary>
    public IReadOnlyList<AgentTrace> Agents { get; init; } = [];

    /// <summary>Net ligand molecules taken up per cell of each cell type over the run (bound, internalized, consumed), in study order.</summary>
    public IReadOnlyList<double> UptakePerCell { get; init; } = [];

    /// <summary>Molecules the cells took beyond what the well held (the coupling's overshoot; 0 when the intervals were short enough).</summary>
    public double Deficit { get; init; }

    /// <summary>
    /// With a <c>lineage</c> block: the ligand the fluid charged the cells over the run (molecules), Σ over
    /// live cells of mix × what each was charged for the uptake it holds (uptake at its weight, releases at the
    /// weight the ligand was charged at), plus the same at death for the cells that died or were thinned, less
    /// the cells' uptake at the start; equal to what left the fluid plus <see cref="Deficit"/> (mass balance),
    /// with or without the cap. A daughter born at the last check counts its share of its parent's charge (with
    /// the slow-scale engine its own expected uptake can differ slightly; that difference is charged at the
    /// next interval). NaN without a lineage block.
    /// </summary>
    public double CellUptake { get; init; } = double.NaN;

    /// <summary>
    /// Whether a free concentration changed by more than <see cref="LigandPool.RecommendedMaxRelativeChange"/> over
    /// some interval: the coupling error (about half that change, relative, in that interval's uptake) may
    /// matter, and a shorter interval is advised. With few molecules per well the change also holds
    /// molecular noise.
    /// </summary>
    public bool IntervalTooLong => MaxRelativeChange > LigandPool.RecommendedMaxRelativeChange;
}

/// <summary>One agent's concentrations over a pooled run, in the unit of the model parameter it sets.</summary>
/// <param name="Agent">Agent (ligand or antibody) name.</param>
/// <param name="Parameter">The model parameter it sets.</param>
/// <param name="Plasma">Plasma concentration at each coupling time (0 for a closed well).</param>
/// <param name="Free">Free concentration in the tissue fluid at each coupling time.</param>
public sealed record AgentTrace(string Agent, string Parameter, double[] Plasma, double[] Free);
