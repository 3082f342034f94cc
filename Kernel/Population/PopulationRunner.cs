using Stochastic.Model;
using Stochastic.Expressions;
using Stochastic.Network;
using Stochastic.Methods;
using Stochastic.Simulation;
using Stochastic.Simulation.Cells;

namespace Stochastic.Population;

/// <summary>Options of a population run.</summary>
/// <param name="CellsPerType">Cells per cell type and scenario (0: the study's setting).</param>
/// <param name="Seed">Master seed (null: the study's).</param>
/// <param name="Threads">Worker threads (0: all cores). Results do not depend on it.</param>
/// <param name="Scenarios">Scenario names to run (null: all).</param>
/// <param name="BlockSize">Cells handed to a simulator at once (0: 32 for the batch engine, 4 for the SSA); results do not depend on it.</param>
public sealed record PopulationOptions(int CellsPerType = 0, ulong? Seed = null, int Threads = 0,
    IReadOnlyList<string>? Scenarios = null, int BlockSize = 0)
{
    /// <summary>
    /// The method whose cell simulators run the cells when no engine factory is passed (any of
    /// <see cref="MethodCatalog.All"/> with <see cref="SimulationMethod.SimulatesCells"/>). Default
    /// <see cref="MethodCatalog.Ssa"/>; a study names the engine its results were validated with
    /// (<see cref="Study.Settings"/>, <see cref="StudyEngine.ApplyTo"/>).
    /// </summary>
    public SimulationMethod Method { get; init; } = MethodCatalog.Ssa;

    /// <summary>
    /// The cell types to run (null or empty: all), for a study whose cell types do not interact (no ligand pool,
    /// no lineage block). Each cell keeps the streams it has in the whole run, which are indexed by its cell
    /// type's place in the study, so the groups run are identical to those of the whole run: e.g. a sensitivity
    /// design that reads only one cell type's outputs need not simulate the others.
    /// </summary>
    public IReadOnlyList<string>? CellTypes { get; init; }

    /// <summary>Error-control parameter ε of tau-leaping (batch, and slow-scale leaping) (Cao, Gillespie &amp; Petzold 2006).</summary>
    public double Epsilon { get; init; } = Simulation.Tau.TauLeapingSimulator.DefaultEpsilon;

    /// <summary>
    /// Coupling interval of the shared ligand pool (model time units), overriding the study's
    /// <c>ligand_pool coupling=</c>; null: the study's. Used only when the study has a pool, or, without
    /// one, a <c>lineage</c> block (then it overrides the check interval <c>every</c>).
    /// </summary>
    public double? Coupling { get; init; }

    /// <summary>
    /// With a <c>lineage</c> block: how many root cells per scenario × cell type (the first ones) have their
    /// history recorded, with every descendant (<see cref="PopulationResult.Histories"/>, <c>histories.csv</c>).
    /// </summary>
    public int HistoryRoots { get; init; } = 3;

    /// <summary>
    /// A shard's range, cells restored from a checkpoint or shards, and a sink for finished blocks
    /// (<see cref="CellRunPlan"/>); null: the whole run. A study with a ligand pool or a lineage takes only
    /// <see cref="CellRunPlan.Wells"/> (its wells are saved and continued whole).
    /// </summary>
    public CellRunPlan? Plan { get; init; }

    /// <summary>Fast-pair criterion of the slow-scale method (docs/algorithms.md, "Slow-scale SSA").</summary>
    public Transforms.SlowScaleOptions SlowScale { get; init; } = new();

    /// <summary>The settings <see cref="Method"/> reads.</summary>
    public MethodSettings Settings => new(Epsilon, SlowScale);

    /// <summary>
    /// The engine factory <see cref="Method"/> stands for, for <paramref name="model"/> (a method that
    /// transforms the model, such as the slow-scale reduction, does so once, here).
    /// </summary>
    /// <exception cref="NotSupportedException">The method does not simulate cells.</exception>
    public Func<CompiledNetwork, ICellSimulator> Engine(Model.ReactionModel model) =>
        Method.CreateCellEngine(model, NetworkCompiler.Compile(model), Settings).Create;
}

/// <summary>Progress of a population run: cells finished out of all cells.</summary>
public readonly record struct PopulationProgress(long CellsDone, long CellsTotal);

/// <summary>
/// Runs a <see cref="Study"/>: every scenario × cell type × cell, on all cores, with a
/// pluggable <see cref="ICellSimulator"/> (default: <see cref="PopulationOptions.Method"/>, the exact
/// <see cref="ExactCellSimulator"/>; or the batch tau-leaping <see cref="BatchCellSimulator"/>). Each cell's
/// parameters come from stream (seed, cell type, cell) and its trajectory from stream
/// (seed ⊕ hash(scenario name), cell type, cell), so results are identical for any thread
/// count or block size. Cancellation keeps the cells already finished.
/// </summary>
public static class PopulationRunner
{
    /// <summary>Runs <paramref name="study"/> with its own scenarios.</summary>
    /// <exception cref="ModelException">A name in <see cref="PopulationOptions.Scenarios"/> is not one of the study's scenarios.</exception>
    public static PopulationResult Run(Study study, PopulationOptions? options = null, Func<CompiledNetwork, ICellSimulator>? engine = null,
        IProgress<PopulationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new PopulationOptions();
        var scenarios = study.Scenarios.AsEnumerable();
        if (options.Scenarios is { Count: > 0 } names)
        {
            study.RequireScenarios(names, nameof(PopulationOptions.Scenarios));
            scenarios = scenarios.Where(s => names.Contains(s.Name));
        }
        return Run(study, [.. scenarios], options, engine, progress, cancellationToken);
    }

    /// <summary>Runs <paramref name="study"/>'s cell types under <paramref name="scenarios"/> (e.g. made by <see cref="Study.MakeScenario"/>).</summary>
    /// <remarks>
    /// With a shared ligand pool (<see cref="StudySettings.LigandPool"/>) each scenario is one well of
    /// every cell type's cells, run interval by interval (<see cref="LigandPool"/>); progress then counts
    /// cell-equivalents of simulated time, and a cancellation keeps the wells already finished.
    /// </remarks>
    /// <exception cref="NotSupportedException">The study has a ligand pool and the engine is not an <see cref="IResumableCellSimulator"/> (the batch engine).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="PopulationOptions.Coupling"/> is not a positive number.</exception>
    /// <exception cref="ArgumentException"><see cref="PopulationOptions.Coupling"/> is set but the study has neither a ligand pool nor a lineage block;
    /// or <see cref="PopulationOptions.CellTypes"/> is set and the study has one.</exception>
    /// <exception cref="ModelException"><see cref="PopulationOptions.CellTypes"/> names an unknown cell type, or one twice.</exception>
    public static PopulationResult Run(Study study, IReadOnlyList<Scenario> scenarios, PopulationOptions options, Func<CompiledNetwork, ICellSimulator>? engine = null,
        IProgress<PopulationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var network = NetworkCompiler.Compile(study.Model);
        int cells = options.CellsPerType > 0 ? options.CellsPerType : study.Settings.Cells;
        ulong seed = options.Seed ?? study.Settings.Seed;
        int blockSize = options.BlockSize > 0 ? options.BlockSize
            : options.Method.CellBlockSize;
        if (options.Coupling is { } coupling)
        {
            if (!(coupling > 0) || double.IsInfinity(coupling)) throw new ArgumentOutOfRangeException(nameof(options), $"the coupling interval must be a positive number, got {coupling}");
            if (study.Settings.LigandPool is null && study.Lineage is null) throw new ArgumentException("a coupling interval was given, but the study has no ligand_pool setting (nor a lineage block)", nameof(options));
        }
        int[] types = [.. Enumerable.Range(0, study.CellTypes.Length)];
        if (options.CellTypes is { Count: > 0 } typeNames)
        {
            types = study.CellTypeIndices(typeNames, nameof(PopulationOptions.CellTypes));
            Array.Sort(types);
            // In a well every cell type shares the fluid or the lineage checks: a subset would be another experiment.
            if (study.WellCoupling is { } coupledBy)
                throw new ArgumentException($"the study has a {coupledBy}: its cell types run together in each well, and cannot be chosen", nameof(options));
        }
        var outputNames = network.OutputNames;
        var variableNames = CellVariables.Names(outputNames);
        var groups = new List<PopulationGroup>();
        foreach (var scenario in scenarios)
            foreach (int c in types)
                groups.Add(new PopulationGroup(scenario, study.CellTypes[c], c, cells, variableNames.Length, study.FateNames, study.Traits));
        // A shard makes the engines of its own groups only (the slow-scale reduction of a group costs a few ms).
        Func<int, bool>? needed = options.Plan?.Range is { } range ? g => (long)g * cells < range.End && (long)(g + 1) * cells > range.First : null;
        var engines = CellEngines.For(study, network, groups, options, engine, needed);
        if ((study.Lineage is not null || study.Settings.LigandPool is not null) && options.Plan is { } coupledPlan
            && (coupledPlan.Range is not null || coupledPlan.Restore is not null || coupledPlan.Finished is not null))
            throw new NotSupportedException("the cells of a well with a shared ligand pool or a lineage are coupled: such a study is not split into shards or checkpointed by cell, only well by well (CellRunPlan.Wells); run each scenario as its own job with --scenario to spread it");
        if (options.Plan?.Wells is not null && study.Lineage is null && study.Settings.LigandPool is null)
            throw new NotSupportedException("CellRunPlan.Wells is for studies with a shared ligand pool or a lineage; this study's cells are checkpointed by cell (CellRunPlan.Restore, Finished)");
        if (study.Lineage is { } lineage)
            return LineagePopulationRunner.Run(study, lineage, scenarios, options, study.Settings.LigandPool, network, engines, groups, cells, seed, blockSize, progress, cancellationToken);
        if (study.Settings.LigandPool is { } pool)
            return PooledPopulationRunner.Run(study, scenarios, options, pool, network, engines, groups, cells, seed, blockSize, progress, cancellationToken);
        int v = variableNames.Length, p = network.Parameters.Length, o = outputNames.Length;
        var fateNames = study.FateNames;
        var criterion = SlowScaleCriterionCheck.For(engines.Reduced, options.SlowScale);
        string[] sampled = SampledParameters(study);
        int[] sampledIndex = [.. sampled.Select(network.ParameterIndex)];
        var layout = CellLayout(study, variableNames, sampled);
        int nt = study.Traits.Length, ps = sampled.Length;
        var (work, cancelled) = RunBlocks(study, network, groups, engines, cells, seed, blockSize, options.Threads, criterion,
            group => GridFor(group.Scenario, study.Settings.OutputInterval), layout,
            (gi, block, i, grid, record, row) =>
            {
                var group = groups[gi];
                var vars = new double[v + p];
                var traits = new bool[nt];
                CellVariables.Compute(record, grid.Times(), o, vars);
                block.Parameters.AsSpan(i * p, p).CopyTo(vars.AsSpan(v));
                EvaluateTraits(study, group.CellType.Name, vars, traits);
                vars.AsSpan(0, v).CopyTo(row);
                for (int k = 0; k < ps; k++) row[v + k] = vars[v + sampledIndex[k]];
                row[v + ps] = 1;
                row[v + ps + 1] = Classify(study, group.CellType.Name, vars, fateNames);
                for (int t = 0; t < nt; t++) row[v + ps + 2 + t] = traits[t] ? 1 : 0;
            },
            (gi, cell, row) => groups[gi].StoreRow(cell, row, v, ps),
            options.Plan, progress, cancellationToken);
        return new PopulationResult(study, [.. scenarios], variableNames, fateNames, groups, work.Events, cancelled || cancellationToken.IsCancellationRequested)
        {
            Method = engines.Description,
            LeapedEvents = work.LeapedFirings,
            SlowScaleCriterion = criterion?.Rows(groups) ?? [],
            SampledParameters = sampled,
        };
    }

    /// <summary>The parameters some cell type of <paramref name="study"/> samples per cell, in model order.</summary>
    public static string[] SampledParameters(Study study)
    {
        var names = study.CellTypes.SelectMany(c => c.Parameters.Select(cp => cp.Parameter)).ToHashSet(StringComparer.Ordinal);
        return [.. study.Model.Parameters.Select(x => x.Name).Where(names.Contains)];
    }

    /// <summary>
    /// The per-cell row of a population run (<c>cells.parquet</c>, shards, checkpoints): every per-cell variable
    /// (<see cref="CellVariables"/>), the sampled parameters (<c>param:NAME</c>), the cell's weight (1 without a
    /// lineage), its fate and a flag per trait.
    /// </summary>
    public static CellLayout CellLayout(Study study, IEnumerable<string> variableNames, IEnumerable<string> sampledParameters) =>
        new([.. variableNames.Select(n => new CellColumn(n, CellColumnKind.Number)),
            .. sampledParameters.Select(n => new CellColumn("param:" + n, CellColumnKind.Number)),
            new CellColumn("weight", CellColumnKind.Number),
            new CellColumn("fate", CellColumnKind.Fate),
            .. study.Traits.Select(t => new CellColumn(t.Trait, CellColumnKind.Flag))], study.FateNames);

    /// <summary>Fills <paramref name="row"/> (a <see cref="CellLayout"/> row) for cell <paramref name="i"/> of <paramref name="block"/> from its <paramref name="record"/> on <paramref name="grid"/>.</summary>
    internal delegate void CellEvaluator(int group, CellBlock block, int i, TimeGrid grid, ReadOnlySpan<double> record, Span<double> row);

    /// <summary>
    /// The run without a ligand pool: every group's cells in blocks of <paramref name="blockSize"/>, on all
    /// cores. Each cell's parameters and initial counts come from stream (seed, cell type, cell), its
    /// trajectory from stream (seed ⊕ hash(scenario name), cell type, cell); each cell of a block simulated on
    /// its group's grid is turned into a row by <paramref name="evaluate"/> and handed to <paramref name="apply"/>
    /// (group, cell, row; called concurrently for different cells). <paramref name="plan"/> restricts the cells
    /// to a range, restores finished cells (applied as they are, not simulated again) and receives each finished
    /// block's rows. A cancellation keeps the blocks already applied.
    /// </summary>
    /// <returns>The engines' work (restored cells' included), and whether the run was cancelled.</returns>
    internal static (SimulationCounters Work, bool Cancelled) RunBlocks(Study study, CompiledNetwork network, IReadOnlyList<PopulationGroup> groups,
        CellEngines engines, int cells, ulong seed, int blockSize, int threads, SlowScaleCriterionCheck? criterion,
        Func<PopulationGroup, TimeGrid> gridOf, CellLayout layout, CellEvaluator evaluate, Action<int, int, ReadOnlySpan<double>> apply, CellRunPlan? plan,
        IProgress<PopulationProgress>? progress, CancellationToken cancellationToken)
    {
        var sampler = new CellParameterSampler(study.Model);
        int p = network.Parameters.Length, s = network.SpeciesCount, o = network.OutputCount, width = layout.Width;
        var (lo, hi) = plan?.Range ?? (0, (long)groups.Count * cells);
        var restored = Restore(groups, cells, layout, plan, apply, out var work);
        if (criterion is not null)
        {
            // The criterion covers every cell of the run, restored ones too: sampled again (cheap), not simulated.
            var parameters = new double[p];
            var counts = new double[s];
            for (int g = 0; g < groups.Count; g++)
                for (int c = 0; c < cells; c++)
                    if (restored[g]?[c] == true)
                    {
                        sampler.Sample(seed, groups[g].Scenario, groups[g].CellType, groups[g].CellTypeIndex, c, parameters, counts);
                        criterion.Check(g, counts, parameters);
                    }
        }
        var units = new List<(int Group, int First, int Count)>();
        long total = 0, done = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            int first = (int)Math.Clamp(lo - (long)g * cells, 0, cells), end = (int)Math.Clamp(hi - (long)g * cells, 0, cells);
            total += end - first;
            // contiguous runs of cells not restored, in blocks of at most blockSize
            for (int c = first; c < end;)
            {
                if (restored[g]?[c] == true) { c++; done++; continue; }
                int start = c;
                while (c < end && c - start < blockSize && restored[g]?[c] != true) c++;
                units.Add((g, start, c - start));
            }
        }
        if (threads <= 0) threads = Environment.ProcessorCount;
        // Per worker, one simulator per engine kind, made when first needed and reused by later tasks.
        var workers = new WorkerPool<ICellSimulator?[]>(() => new ICellSimulator?[engines.Kinds], threads);
        bool cancelled = false;
        var workLock = new object();
        try
        {
            Parallel.For(0, units.Count,
                new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken },
                workers.Get,
                (u, _, local) =>
                {
                    var (gi, first, count) = units[u];
                    var group = groups[gi];
                    int kind = engines.KindOf[gi];
                    var simulator = local[kind] ??= engines.Create(kind, network);
                    var grid = gridOf(group);
                    var block = new CellBlock(count, s, p) { Seed = seed ^ ScenarioHash(group.Scenario.Name) };
                    for (int i = 0; i < count; i++)
                    {
                        int cell = first + i;
                        block.StreamIndices[i] = CellParameterSampler.ParameterStream(group.CellTypeIndex, cell);
                        sampler.Sample(seed, group.Scenario, group.CellType, group.CellTypeIndex, cell,
                            block.Parameters.AsSpan(i * p, p), block.InitialCounts.AsSpan(i * s, s));
                        criterion?.Check(gi, block.InitialCounts.AsSpan(i * s, s), block.Parameters.AsSpan(i * p, p));
                    }
                    var record = new double[count * grid.Points * o];
                    var before = GroupCost.Read(simulator);
                    try { simulator.Simulate(block, grid, record, cancellationToken); }
                    catch (OperationCanceledException) { return local; }
                    var rows = new CellRows(layout) { Work = group.Cost.AddSince(before, simulator, count * (grid.End - grid.Start)) };
                    var row = new double[width];
                    for (int i = 0; i < count; i++)
                    {
                        evaluate(gi, block, i, grid, record.AsSpan(i * grid.Points * o, grid.Points * o), row);
                        apply(gi, first + i, row);
                        rows.Add(group.Scenario.Name, group.CellType.Name, first + i, row);
                    }
                    lock (workLock) work += rows.Work;
                    plan?.Finished?.Invoke(rows);
                    progress?.Report(new PopulationProgress(Interlocked.Add(ref done, count), total));
                    return local;
                },
                workers.Return);
        }
        catch (OperationCanceledException) { cancelled = true; }
        catch (AggregateException e) when (ParallelErrors.IsCancellation(e)) { cancelled = true; }
        catch (AggregateException e) { ParallelErrors.Rethrow(e); }
        return (work, cancelled);
    }

    /// <summary>
    /// Applies the plan's restored rows (each must name a group of the run and a cell in it, once); returns per group
    /// which cells were restored (null: none), and their work.
    /// </summary>
    private static bool[]?[] Restore(IReadOnlyList<PopulationGroup> groups, int cells, CellLayout layout, CellRunPlan? plan,
        Action<int, int, ReadOnlySpan<double>> apply, out SimulationCounters work)
    {
        var restored = new bool[]?[groups.Count];
        work = new SimulationCounters();
        if (plan?.Restore is not { } restore) return restored;
        var index = new Dictionary<(string, string), int>();
        for (int g = 0; g < groups.Count; g++) index[(groups[g].Scenario.Name, groups[g].CellType.Name)] = g;
        plan.RestoredCells = 0;
        foreach (var rows in restore(layout))
        {
            for (int r = 0; r < rows.Count; r++)
            {
                if (!index.TryGetValue((rows.Scenario(r), rows.CellType(r)), out int g))
                    throw new SimulationException($"a stored cell belongs to scenario '{rows.Scenario(r)}' × cell type '{rows.CellType(r)}', which this run does not have");
                int c = rows.Cell(r);
                if (c < 0 || c >= cells) throw new SimulationException($"a stored cell has index {c}, outside 0..{cells - 1}");
                var done = restored[g] ??= new bool[cells];
                if (done[c]) throw new SimulationException($"cell {c} of {rows.Scenario(r)} × {rows.CellType(r)} is stored twice");
                done[c] = true;
                apply(g, c, rows.Row(r));
            }
            work += rows.Work;
            plan.RestoredCells += rows.Count;
        }
        return restored;
    }

    /// <summary>The recorded grid of a scenario: 0 to its duration every <paramref name="interval"/> (the last step may be shorter).</summary>
    public static TimeGrid GridFor(Scenario scenario, double interval)
    {
        int steps = Math.Max(1, (int)Math.Ceiling(scenario.Duration / interval - 1e-9));
        return new TimeGrid(0, scenario.Duration, steps + 1);
    }

    /// <summary>
    /// The fate of a cell of type <paramref name="cellType"/>: the first rule that applies to the type
    /// (<see cref="FateRule.AppliesTo"/>) and whose condition is non-zero, else <see cref="Study.Unclassified"/>;
    /// as an index into <paramref name="fateNames"/>.
    /// </summary>
    public static int Classify(Study study, string cellType, double[] variables, IReadOnlyList<string> fateNames)
    {
        foreach (var rule in study.Fates)
        {
            if (!rule.AppliesTo(cellType)) continue;
            double value = ExpressionEvaluator.Evaluate(rule.Condition, sym => variables[sym.Index]);
            if (value != 0 && !double.IsNaN(value)) return IndexOf(fateNames, rule.Fate);
        }
        return fateNames.Count - 1;
    }

    /// <summary>
    /// The traits of a cell of type <paramref name="cellType"/> (<see cref="Study.Traits"/>, in order) into
    /// <paramref name="traits"/>: whether each holds; false where the trait does not apply to the type.
    /// </summary>
    public static void EvaluateTraits(Study study, string cellType, double[] variables, Span<bool> traits)
    {
        for (int t = 0; t < study.Traits.Length; t++)
            traits[t] = study.Traits[t].AppliesTo(cellType) && study.Traits[t].Holds(variables);
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return names.Count - 1;
    }

    /// <summary>FNV-1a 64 of the scenario name, mixed: scenario streams are independent and stable under reordering.</summary>
    public static ulong ScenarioHash(string name)
    {
        ulong h = 14695981039346656037UL;
        foreach (char ch in name) { h ^= ch; h *= 1099511628211UL; }
        return Random.SplitMix64.Mix(h);
    }
}
