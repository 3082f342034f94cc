using Stochastic.Network;
using Stochastic.Methods;
using Stochastic.Simulation.Cells;
using Stochastic.Transforms;

namespace Stochastic.Population;

/// <summary>
/// The cell engines of a population run, per scenario × cell type. One engine serves every group,
/// except for the slow-scale method: its fast pairs are judged per group, at the cell type's median
/// cell under the scenario (a Treg's 3,480 CD25 and 660 CD122 make other pairs fast than an NK cell's
/// 22 and 8,500, and the dose sets how fast ligand capture is), and groups with the same pairs share
/// one reduction.
/// </summary>
internal sealed class CellEngines
{
    private readonly Func<CompiledNetwork, ICellSimulator>[] _factories;

    private CellEngines(Func<CompiledNetwork, ICellSimulator>[] factories, int[] kindOf, ReducedNetwork?[] reduced, string description)
    {
        _factories = factories;
        KindOf = kindOf;
        Reduced = reduced;
        Description = description;
    }

    /// <summary>Per group, the index of its engine kind.</summary>
    public int[] KindOf { get; }
    /// <summary>Per group, its slow-scale reduction (null for other engines).</summary>
    public ReducedNetwork?[] Reduced { get; }
    /// <summary>The engines in words, for reports.</summary>
    public string Description { get; }
    /// <summary>Distinct engine kinds.</summary>
    public int Kinds => _factories.Length;

    /// <summary>A new engine of kind <paramref name="kind"/> on the full network.</summary>
    public ICellSimulator Create(int kind, CompiledNetwork network) => _factories[kind](network);

    /// <summary>The engines for <paramref name="groups"/>: <paramref name="engine"/> when given, else the options' method (<paramref name="network"/>: the study's model compiled).</summary>
    /// <remarks>With <paramref name="needed"/>, the slow-scale reductions are made only for the groups it accepts (a shard's): the others get none and must not be run.</remarks>
    public static CellEngines For(Study study, CompiledNetwork network, IReadOnlyList<PopulationGroup> groups, PopulationOptions options, Func<CompiledNetwork, ICellSimulator>? engine,
        Func<int, bool>? needed = null)
    {
        int[] none = new int[groups.Count];
        var noReduction = new ReducedNetwork?[groups.Count];
        if (engine is not null) return new CellEngines([engine], none, noReduction, "custom engine");
        var method = options.Method;
        var settings = options.Settings;
        if (!method.Needs.HasFlag(MethodNeeds.SlowScale))
        {
            var one = method.CreateCellEngine(study.Model, network, settings);
            return new CellEngines([one.Create], none, noReduction, one.Description);
        }
        var sampler = new CellParameterSampler(study.Model);
        var parameters = new double[study.Model.Parameters.Length];
        var counts = new double[study.Model.Species.Length];
        var kinds = new List<CellEngine>();
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        var kindOf = new int[groups.Count];
        var reduced = new ReducedNetwork?[groups.Count];
        var dosed = new Dictionary<string, List<(int Parameter, double Value)[]>>();
        int dose = study.Model.ParameterIndex(study.Settings.DoseParameter);
        for (int g = 0; g < groups.Count; g++)
        {
            if (needed is not null && !needed(g)) continue;
            var scenario = groups[g].Scenario;
            sampler.Median(scenario, groups[g].CellType, parameters, counts);
            // A dosed scenario is judged at the concentrations it passes through (its dose parameter alone is 0, the
            // moment before the first dose, where ligand-bound members have no equilibrium share to judge).
            if (study.Settings.LigandPool is { } pool && dose >= 0 && scenario.Doses.Length > 0 && !dosed.ContainsKey(scenario.Name))
                dosed[scenario.Name] = CoupledWell.Concentrations(study, scenario, pool, dose, parameters[dose]);
            double[][] sets = dosed.TryGetValue(scenario.Name, out var levels) && levels.Count > 0
                ? [.. levels.Select(level => { var k = (double[])parameters.Clone(); foreach (var (i, v) in level) k[i] = v; return k; })]
                : [parameters];
            var reference = new SlowScaleReference(counts, sets[0]) { AlsoAt = sets[1..] };
            var e = method.CreateCellEngine(study.Model, network, settings, reference);
            if (!keys.TryGetValue(e.Key, out int kind))
            {
                keys[e.Key] = kind = kinds.Count;
                kinds.Add(e);
            }
            kindOf[g] = kind;
            reduced[g] = kinds[kind].Reduction;
        }
        // Methods other than the slow-scale SSA that run its reductions (the multi-scale batch engine) say so first.
        string words = Describe([.. kinds.Select(k => k.Reduction!)], kindOf);
        return new CellEngines([.. kinds.Select(k => k.Create)], kindOf, reduced,
            method == MethodCatalog.SlowScale ? words : $"{method.Name}: {words}");
    }

    // One reduction: its own description. Several: the pairs lumped in every group, then
    // the others with the number of groups that lump them.
    private static string Describe(List<ReducedNetwork> kinds, int[] kindOf)
    {
        if (kinds.Count == 0) return "slow-scale SSA";
        if (kinds.Count == 1) return kinds[0].Description;
        var names = kinds.Select(r => r.Pairs.Select(p => r.PairName(p)).ToHashSet()).ToList();
        var all = names.SelectMany(n => n).Distinct().ToList();
        int Groups(string pair) => kindOf.Count(k => names[k].Contains(pair));
        var everywhere = all.Where(p => Groups(p) == kindOf.Length).ToList();
        var some = all.Where(p => Groups(p) < kindOf.Length).Select(p => $"{p} ({Groups(p)} of {kindOf.Length} groups)").ToList();
        var options = kinds[0].Options;
        return FormattableString.Invariant($"slow-scale SSA with the fast pairs judged per scenario × cell type at its median cell (θ = {options.Theta:G3}, chains {Math.Max(options.Theta, options.GroupTheta):G3}, reservoir tolerance {options.ReservoirTolerance:G3}); lumped in every group: ")
            + (everywhere.Count > 0 ? string.Join(", ", everywhere) : "none") + (some.Count > 0 ? "; in some: " + string.Join(", ", some) : "") + kinds[0].LeapWords;
    }
}
