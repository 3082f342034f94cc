namespace Stochastic.Population;

/// <summary>The cells of one scenario × cell type: per-cell variables and fates, and their summaries.</summary>
public sealed class PopulationGroup
{
    private readonly int _variables;
    private double[] _values;
    private int[] _fates;
    private bool[] _done;
    private readonly IReadOnlyList<string> _fateNames;
    private readonly IReadOnlyList<TraitRule> _traitRules;
    private bool[] _traits;
    private double[]? _weights;
    private double[] _parameters = [];
    private int _parameterCount;

    internal PopulationGroup(Scenario scenario, CellType cellType, int cellTypeIndex, int cells, int variables, IReadOnlyList<string> fateNames,
        IReadOnlyList<TraitRule>? traits = null)
    {
        _traitRules = traits ?? [];
        _traits = new bool[cells * _traitRules.Count];
        Scenario = scenario;
        CellType = cellType;
        CellTypeIndex = cellTypeIndex;
        Cells = cells;
        _variables = variables;
        _values = new double[cells * variables];
        _fates = new int[cells];
        _done = new bool[cells];
        _fateNames = fateNames;
    }

    /// <summary>The scenario.</summary>
    public Scenario Scenario { get; }
    /// <summary>The cell type.</summary>
    public CellType CellType { get; }
    /// <summary>Index of the cell type in the study.</summary>
    public int CellTypeIndex { get; }
    /// <summary>Cells requested (with a <c>lineage</c> block: the cells the group started with).</summary>
    public int Cells { get; }

    /// <summary>
    /// With a <c>lineage</c> block, the group's weighted population over time (<see cref="LineageTrace"/>);
    /// the per-cell values and fates are then those of the cells alive at the end. Null otherwise.
    /// </summary>
    public LineageTrace? Lineage { get; internal set; }

    /// <summary>What simulating this group's cells cost in this process (firings, worker time, simulated cell-time).</summary>
    public GroupCost Cost { get; } = new();

    /// <summary>Cells stored: <see cref="Cells"/>, or with a lineage the simulated cells alive at the end.</summary>
    private int Stored => _fates.Length;
    /// <summary>Cells finished (fewer than <see cref="Cells"/> after a cancellation; with a lineage the simulated cells alive at the end).</summary>
    public int Completed => _done.Count(d => d);

    /// <summary>
    /// Replaces the stored cells by <paramref name="fates"/>.Length cells (a lineage's live cells at the end), variables
    /// and traits (one per study trait) row by row, with their weights.
    /// </summary>
    internal void StoreAll(double[] values, int[] fates, bool[] traits, double[] weights)
    {
        _values = values;
        _fates = fates;
        _traits = traits;
        _weights = weights;
        _done = [.. fates.Select(_ => true)];
    }

    /// <summary>
    /// Stores cell <paramref name="cell"/> from its <see cref="PopulationRunner.CellLayout"/> row: <paramref name="variables"/>
    /// variables, <paramref name="parameters"/> sampled parameters, the weight, the fate and the traits.
    /// </summary>
    internal void StoreRow(int cell, ReadOnlySpan<double> row, int variables, int parameters)
    {
        StoreParameters(cell, row.Slice(variables, parameters));
        int n = _traitRules.Count;
        Span<bool> traits = stackalloc bool[n];
        for (int t = 0; t < n; t++) traits[t] = row[variables + parameters + 2 + t] != 0;
        Store(cell, row[..variables], (int)row[variables + parameters + 1], traits);
    }

    /// <summary>Keeps cell <paramref name="cell"/>'s sampled parameters (<see cref="PopulationResult.SampledParameters"/>, in order) for <c>cells.parquet</c>.</summary>
    internal void StoreParameters(int cell, ReadOnlySpan<double> sampled)
    {
        lock (_fates)
        {
            if (_parameterCount != sampled.Length)
            {
                _parameterCount = sampled.Length;
                _parameters = new double[_fates.Length * sampled.Length];
            }
        }
        sampled.CopyTo(_parameters.AsSpan(cell * sampled.Length, sampled.Length));
    }

    /// <summary>
    /// Every finished cell as a row of <paramref name="layout"/> (<see cref="PopulationRunner.CellLayout"/>, with
    /// <paramref name="parameters"/> sampled parameters: NaN where they were not kept, as for a lineage's cells).
    /// </summary>
    internal void AddRows(CellRows rows, CellLayout layout, int parameters)
    {
        var row = new double[layout.Width];
        int n = _traitRules.Count;
        for (int i = 0; i < Stored; i++)
        {
            if (!_done[i]) continue;
            _values.AsSpan(i * _variables, _variables).CopyTo(row);
            for (int k = 0; k < parameters; k++) row[_variables + k] = _parameterCount == parameters ? _parameters[i * parameters + k] : double.NaN;
            row[_variables + parameters] = _weights?[i] ?? 1;
            row[_variables + parameters + 1] = _fates[i];
            for (int t = 0; t < n; t++) row[_variables + parameters + 2 + t] = _traits[i * n + t] ? 1 : 0;
            rows.Add(Scenario.Name, CellType.Name, i, row);
        }
    }

    /// <summary>Writes everything stored (a finished well's group, for a checkpoint; <see cref="IWellStateStore"/>).</summary>
    internal void WriteState(BinaryWriter w)
    {
        w.WriteDoubles(_values);
        w.WriteInts(_fates);
        w.WriteBools(_done);
        w.WriteBools(_traits);
        w.Write(_weights is not null);
        if (_weights is not null) w.WriteDoubles(_weights);
        w.Write(_parameterCount);
        w.WriteDoubles(_parameters);
        w.Write(Lineage is not null);
        if (Lineage is not null) w.WriteLineage(Lineage);
    }

    /// <summary>
    /// Restores what <see cref="WriteState"/> wrote; <paramref name="lineage"/> is the empty trace the run makes for
    /// this group (with a <c>lineage</c> block), filled from the state.
    /// </summary>
    internal void ReadState(BinaryReader r, LineageTrace? lineage)
    {
        _values = r.ReadDoubles();
        _fates = r.ReadInts();
        _done = r.ReadBools();
        _traits = r.ReadBools();
        _weights = r.ReadBoolean() ? r.ReadDoubles() : null;
        _parameterCount = r.ReadInt32();
        _parameters = r.ReadDoubles();
        if (_done.Length != _fates.Length || _values.Length != _fates.Length * _variables || _traits.Length != _fates.Length * _traitRules.Count
            || _weights is { } weights && weights.Length != _fates.Length || _parameters.Length != _fates.Length * _parameterCount)
            throw WellState.Mismatch($"group {Scenario.Name} × {CellType.Name} of another shape");
        if (r.ReadBoolean() != lineage is not null) throw WellState.Mismatch($"group {Scenario.Name} × {CellType.Name} with or without a lineage trace, unlike the run");
        if (lineage is not null)
        {
            r.ReadLineage(lineage);
            Lineage = lineage;
        }
    }

    internal void Store(int cell, ReadOnlySpan<double> variables, int fate, ReadOnlySpan<bool> traits)
    {
        variables.CopyTo(_values.AsSpan(cell * _variables, _variables));
        _fates[cell] = fate;
        traits.CopyTo(_traits.AsSpan(cell * _traitRules.Count, _traitRules.Count));
        _done[cell] = true;
    }

    /// <summary>Whether cell <paramref name="cell"/> finished.</summary>
    public bool IsCompleted(int cell) => _done[cell];

    /// <summary>Variable <paramref name="variable"/> of every finished cell, in cell order.</summary>
    public double[] Values(int variable)
    {
        var list = new List<double>(Stored);
        for (int i = 0; i < Stored; i++) if (_done[i]) list.Add(_values[i * _variables + variable]);
        return [.. list];
    }

    /// <summary>Fate index (into the study's fate names) of every finished cell, in cell order.</summary>
    public int[] Fates()
    {
        var list = new List<int>(Stored);
        for (int i = 0; i < Stored; i++) if (_done[i]) list.Add(_fates[i]);
        return [.. list];
    }

    /// <summary>Cells in fate <paramref name="fate"/>.</summary>
    public int FateCount(string fate)
    {
        int f = IndexOfFate(fate), n = 0;
        for (int i = 0; i < Stored; i++) if (_done[i] && _fates[i] == f) n++;
        return n;
    }

    /// <summary>
    /// Fraction of finished cells in fate <paramref name="fate"/>, with its 95% Wilson interval; with a lineage,
    /// the weighted fraction of the live cells at the end, the interval at Kish's effective sample size.
    /// </summary>
    public (double Fraction, double Low, double High) FateFraction(string fate)
    {
        if (Lineage is { } lineage) return lineage.Fraction(lineage.Times.Length - 1, IndexOfFate(fate));
        int n = Completed, k = FateCount(fate);
        var (lo, hi) = WilsonInterval.Compute(k, n);
        return (n > 0 ? (double)k / n : double.NaN, lo, hi);
    }

    /// <summary>Whether trait <paramref name="trait"/> applies to this group's cell type (<see cref="TraitRule.AppliesTo"/>).</summary>
    public bool TraitApplies(string trait) => _traitRules[IndexOfTrait(trait)].AppliesTo(CellType.Name);

    /// <summary>
    /// Trait <paramref name="trait"/> of every finished cell, in cell order (as <see cref="Fates"/>); null for every
    /// cell when the trait does not apply to the cell type.
    /// </summary>
    public bool?[] Traits(string trait)
    {
        int t = IndexOfTrait(trait), n = _traitRules.Count;
        bool applies = _traitRules[t].AppliesTo(CellType.Name);
        var list = new List<bool?>(Stored);
        for (int i = 0; i < Stored; i++) if (_done[i]) list.Add(applies ? _traits[i * n + t] : null);
        return [.. list];
    }

    /// <summary>
    /// Cells with trait <paramref name="trait"/>, of fate <paramref name="fate"/> (null: of any fate); with a lineage,
    /// weighted (the live cells at the end). NaN when the trait does not apply to the cell type.
    /// </summary>
    public double TraitCount(string trait, string? fate = null) => TraitSums(trait, fate).With;

    /// <summary>
    /// Fraction of the finished cells of fate <paramref name="fate"/> (null: all) that have trait <paramref name="trait"/>,
    /// with its 95% Wilson interval; with a lineage, weighted over the live cells at the end, the interval at Kish's
    /// effective sample size (Σw)²/Σw² of those cells, as <see cref="FateFraction"/>. NaN when the trait does not
    /// apply to the cell type or no cell has the fate.
    /// </summary>
    public (double Fraction, double Low, double High) TraitFraction(string trait, string? fate = null)
    {
        var (with, total, squares) = TraitSums(trait, fate);
        if (double.IsNaN(with) || !(total > 0)) return (double.NaN, 0, 1);
        if (_weights is null)
        {
            var (l, h) = WilsonInterval.Compute((int)with, (int)total);
            return (with / total, l, h);
        }
        double p = with / total;
        var (lo, hi) = WilsonInterval.Compute(p, total * total / squares);
        return (p, lo, hi);
    }

    /// <summary>Σw of the cells (of <paramref name="fate"/>) with the trait, Σw and Σw² of all of them; NaN counts where the trait does not apply.</summary>
    private (double With, double Total, double Squares) TraitSums(string trait, string? fate)
    {
        int t = IndexOfTrait(trait), n = _traitRules.Count, f = fate is null ? -1 : IndexOfFate(fate);
        if (!_traitRules[t].AppliesTo(CellType.Name)) return (double.NaN, double.NaN, double.NaN);
        double with = 0, total = 0, squares = 0;
        for (int i = 0; i < Stored; i++)
        {
            if (!_done[i] || (f >= 0 && _fates[i] != f)) continue;
            double w = _weights?[i] ?? 1;
            total += w;
            squares += w * w;
            if (_traits[i * n + t]) with += w;
        }
        return (with, total, squares);
    }

    private int IndexOfTrait(string trait)
    {
        for (int i = 0; i < _traitRules.Count; i++) if (_traitRules[i].Trait == trait) return i;
        throw new ArgumentException($"unknown trait '{trait}'", nameof(trait));
    }

    private int IndexOfFate(string fate)
    {
        for (int i = 0; i < _fateNames.Count; i++) if (_fateNames[i] == fate) return i;
        throw new ArgumentException($"unknown fate '{fate}'", nameof(fate));
    }
}

/// <summary>The result of a population run (<see cref="PopulationRunner"/>).</summary>
public sealed class PopulationResult
{
    internal PopulationResult(Study study, IReadOnlyList<Scenario> scenarios, string[] variableNames, IReadOnlyList<string> fateNames,
        IReadOnlyList<PopulationGroup> groups, long events, bool cancelled)
    {
        Study = study;
        Scenarios = scenarios;
        VariableNames = variableNames;
        FateNames = fateNames;
        Groups = groups;
        Events = events;
        Cancelled = cancelled;
    }

    /// <summary>The study run.</summary>
    public Study Study { get; }
    /// <summary>Scenarios run, in order.</summary>
    public IReadOnlyList<Scenario> Scenarios { get; }
    /// <summary>Per-cell variable names (<see cref="CellVariables"/>).</summary>
    public string[] VariableNames { get; }
    /// <summary>Fate names, rule order, then "unclassified".</summary>
    public IReadOnlyList<string> FateNames { get; }
    /// <summary>Every scenario × cell type, scenario-major.</summary>
    public IReadOnlyList<PopulationGroup> Groups { get; }
    /// <summary>Reactions fired (by the exact, slow-scale or batch engine, leaped firings included; 0 for other engines).</summary>
    public long Events { get; }
    /// <summary>Of <see cref="Events"/>, the firings made by leaps of the slow-scale engine's hybrid leaping (<see cref="Transforms.SlowScaleOptions.LeapEpsilon"/>); 0 otherwise.</summary>
    public long LeapedEvents { get; init; }
    /// <summary>How the cells were simulated, in words (e.g. "exact SSA", "batch tau-leaping, ε = 0.03").</summary>
    public string Method { get; init; } = "exact SSA";
    /// <summary>The free ligand of each scenario's well when the study has a shared ligand pool (<see cref="LigandPool"/>), in scenario order; empty otherwise.</summary>
    public IReadOnlyList<LigandPoolTrace> LigandPools { get; init; } = [];
    /// <summary>
    /// For a slow-scale run (θ criterion): every lumped pair's separation at the cells' own initial
    /// states, per scenario × cell type (<see cref="SlowScaleCriterionRow"/>); empty for other engines.
    /// </summary>
    public IReadOnlyList<SlowScaleCriterionRow> SlowScaleCriterion { get; init; } = [];
    /// <summary>True when the run was cancelled; groups then hold the finished cells only.</summary>
    public bool Cancelled { get; }

    /// <summary>With a <c>lineage</c> block: the sampled cells' histories (<see cref="PopulationOptions.HistoryRoots"/> roots per group and their descendants); empty otherwise.</summary>
    public IReadOnlyList<CellHistory> Histories { get; init; } = [];

    /// <summary>With a <c>lineage</c> block: memory held per live simulated cell during the run (bytes, estimated from the layout; the per-root parameters not included); 0 otherwise.</summary>
    public double BytesPerCell { get; init; }

    /// <summary>The parameters sampled per cell (<see cref="PopulationRunner.SampledParameters"/>); empty where they were not kept (a lineage or a pool).</summary>
    public IReadOnlyList<string> SampledParameters { get; init; } = [];

    /// <summary>
    /// Every finished cell as a row (<see cref="PopulationRunner.CellLayout"/>: its variables, sampled parameters,
    /// weight, fate and traits), group by group in cell order: what <c>cells.parquet</c> holds. With a lineage, the
    /// cells alive at the end, weighted, their parameters NaN.
    /// </summary>
    public CellRows Cells()
    {
        IReadOnlyList<string> sampled = SampledParameters.Count > 0 ? SampledParameters : PopulationRunner.SampledParameters(Study);
        var layout = PopulationRunner.CellLayout(Study, VariableNames, sampled);
        var rows = new CellRows(layout) { Work = new Simulation.SimulationCounters(Events, 0) { LeapedFirings = LeapedEvents } };
        foreach (var g in Groups) g.AddRows(rows, layout, sampled.Count);
        return rows;
    }

    /// <summary>The recorded outputs (the model's observables), the first <see cref="VariableNames"/>.</summary>
    public string[] OutputNames => VariableNames[..(VariableNames.Length / CellVariables.PerOutput)];

    /// <summary>The group of <paramref name="scenario"/> × <paramref name="cellType"/>.</summary>
    public PopulationGroup Group(string scenario, string cellType) =>
        Groups.FirstOrDefault(g => g.Scenario.Name == scenario && g.CellType.Name == cellType)
        ?? throw new ArgumentException($"no group {scenario} × {cellType}");

    /// <summary>Index of variable <paramref name="name"/>.</summary>
    public int Variable(string name)
    {
        int i = Array.IndexOf(VariableNames, name);
        return i >= 0 ? i : throw new ArgumentException($"unknown variable '{name}'; known: {string.Join(", ", VariableNames)}", nameof(name));
    }

    /// <summary>The <paramref name="q"/>-quantile (0..1, linear interpolation between order statistics) of <paramref name="values"/>.</summary>
    public static double Quantile(double[] values, double q)
    {
        if (values.Length == 0) return double.NaN;
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
