using System.Collections.Concurrent;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Cells;

namespace Stochastic.Population;

/// <summary>
/// What the two coupled population runs share, the runs whose cells cannot be finished one by one
/// (<see cref="PooledPopulationRunner"/>: a well's cells share a ligand pool; <see cref="LineagePopulationRunner"/>:
/// cells divide and die): the cells' engines, pooled by kind and rented by the workers of each interval's
/// parallel step; how a root cell is drawn and started; the checkpoint (<see cref="WellResumption"/>); and
/// the progress. Each scenario is one well (<see cref="CoupledWell"/>) that the runner steps interval by
/// interval; what a cell does in an interval and what the serial step after it does are the runner's own.
/// </summary>
internal sealed class CoupledRun
{
    private readonly CellEngines _cellEngines;
    private readonly WorkerPool<IResumableCellSimulator>[] _engines;
    private readonly double[] _startOutputs;
    private readonly IProgress<PopulationProgress>? _progress;
    private readonly CancellationToken _cancellationToken;
    private readonly long _total;

    /// <param name="study">The study run.</param>
    /// <param name="scenarios">Its scenarios run (one well each).</param>
    /// <param name="options">The run's options (threads, slow-scale settings, checkpoint plan).</param>
    /// <param name="pool">The ligand pool (its uptake must be an output of the model), or null.</param>
    /// <param name="network">The compiled model.</param>
    /// <param name="cellEngines">The cells' engines by group.</param>
    /// <param name="cells">Cells per cell type at the start.</param>
    /// <param name="need">What needs engines that pause and resume a cell, for the error when the engine cannot.</param>
    /// <param name="progress">Where the progress goes, or null.</param>
    /// <param name="cancellationToken">Stops the run between intervals (the result says it was cancelled).</param>
    public CoupledRun(Study study, IReadOnlyList<Scenario> scenarios, PopulationOptions options, LigandPool? pool, CompiledNetwork network,
        CellEngines cellEngines, int cells, string need, IProgress<PopulationProgress>? progress, CancellationToken cancellationToken)
    {
        Study = study;
        Network = network;
        Pool = pool;
        Cells = cells;
        Types = study.CellTypes.Length;
        _cellEngines = cellEngines;
        _progress = progress;
        _cancellationToken = cancellationToken;
        var outputNames = network.OutputNames;
        if (pool is not null)
        {
            Uptake = Array.IndexOf(outputNames, pool.Uptake);
            if (Uptake < 0) throw ThrowHelper.Model(pool.Position, $"ligand pool uptake '{pool.Uptake}' is not an output of the model ({string.Join(", ", outputNames)})");
            if (pool.Bound is { } bound && (Bound = Array.IndexOf(outputNames, bound)) < 0)
                throw ThrowHelper.Model(pool.Position, $"ligand pool bound '{bound}' is not an output of the model ({string.Join(", ", outputNames)})");
        }
        Dose = study.Model.ParameterIndex(study.Settings.DoseParameter);
        Sampler = new CellParameterSampler(study.Model);
        _startOutputs = new double[outputNames.Length];
        Threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        // Engines by kind (a paused cell resumes on an engine of its group's kind), pooled: a worker holds
        // one per kind while it runs a chunk.
        _engines = [.. Enumerable.Range(0, cellEngines.Kinds).Select(kind => new WorkerPool<IResumableCellSimulator>(() =>
            cellEngines.Create(kind, network) as IResumableCellSimulator ?? throw new NotSupportedException(
                $"the cell engine ({cellEngines.Description}) cannot pause and resume a cell, which {need}; use the exact SSA, the slow-scale SSA or the multiscale engine"),
            Threads + 1))];
        _total = (long)scenarios.Count * Types * cells;
        Criterion = SlowScaleCriterionCheck.For(cellEngines.Reduced, options.SlowScale);
        // A checkpoint: finished wells are taken as saved, the well in progress continues from its state.
        Resumption = new WellResumption(options.Plan, scenarios.Count,
            () => _engines.SelectMany(e => e.Created).Aggregate(new SimulationCounters(), (sum, simulator) => sum + simulator.Counters));
    }

    /// <summary>The study run.</summary>
    public Study Study { get; }
    /// <summary>The compiled model.</summary>
    public CompiledNetwork Network { get; }
    /// <summary>The ligand pool, or null.</summary>
    public LigandPool? Pool { get; }
    /// <summary>Cells per cell type at the start.</summary>
    public int Cells { get; }
    /// <summary>Cell types (a well's root cells: type by type, <see cref="Cells"/> each).</summary>
    public int Types { get; }
    /// <summary>The pool's uptake output, or -1 without a pool.</summary>
    public int Uptake { get; } = -1;
    /// <summary>The pool's bound output (the cells' reversibly bound ligand), or -1 without one.</summary>
    public int Bound { get; } = -1;
    /// <summary>The dose parameter.</summary>
    public int Dose { get; }
    /// <summary>Worker threads.</summary>
    public int Threads { get; }
    /// <summary>The cells' parameter and initial-count draws.</summary>
    public CellParameterSampler Sampler { get; }
    /// <summary>The slow-scale criterion check of the cells drawn, or null.</summary>
    public SlowScaleCriterionCheck? Criterion { get; }
    /// <summary>The run's checkpoint side: finished wells, the well in progress, the work counters.</summary>
    public WellResumption Resumption { get; }

    /// <summary>The engine kind of cell type <paramref name="type"/> in scenario <paramref name="scenario"/>.</summary>
    public int KindOf(int scenario, int type) => _cellEngines.KindOf[scenario * Types + type];

    /// <summary>Rents an engine of <paramref name="kind"/> (give it back with <see cref="Return"/>).</summary>
    public IResumableCellSimulator Rent(int kind) => _engines[kind].Get();

    /// <summary>Gives back an engine of <paramref name="kind"/> rented with <see cref="Rent"/>.</summary>
    public void Return(int kind, IResumableCellSimulator engine) => _engines[kind].Return(engine);

    /// <summary>
    /// Draws root cell <paramref name="cell"/> of cell type <paramref name="type"/> in scenario <paramref name="scenarioIndex"/>
    /// (its parameters into <paramref name="row"/>, its counts into <paramref name="counts"/>), checks the slow-scale
    /// criterion on it and starts it on <paramref name="engine"/> at <paramref name="start"/> with its stream of
    /// <paramref name="wellSeed"/>.
    /// </summary>
    public PausedCell StartRoot(IResumableCellSimulator engine, Scenario scenario, int scenarioIndex, int type, int cell, ulong seed, ulong wellSeed,
        Span<double> row, double[] counts, double start)
    {
        Sampler.Sample(seed, scenario, Study.CellTypes[type], type, cell, row, counts);
        Criterion?.Check(scenarioIndex * Types + type, counts, row);
        return engine.Start(counts, wellSeed, CellParameterSampler.ParameterStream(type, cell), start);
    }

    /// <summary>
    /// The uptake a cell starts with, from its initial <paramref name="counts"/>: what an engine records at the start
    /// may already include ligand taken up (the slow-scale engine's fast pairs start at equilibrium with the dose),
    /// and that came out of the well.
    /// </summary>
    public double InitialUptake(double[] counts, ReadOnlySpan<double> row, double start)
    {
        Network.Outputs(counts, row.ToArray(), start, _startOutputs);
        return _startOutputs[Uptake];
    }

    /// <summary>
    /// Output <paramref name="output"/> of <paramref name="cell"/> as the engine holds it, its conditional mean given the engine's
    /// state (a serial step's; the scratch is the run's).
    /// </summary>
    public double ExpectedOutput(IResumableCellSimulator engine, PausedCell cell, ReadOnlySpan<double> row, int output)
    {
        engine.Outputs(cell, row, _startOutputs);
        return _startOutputs[output];
    }

    /// <summary>Makes the criterion checks of finished well <paramref name="scenarioIndex"/>'s cells again (<see cref="WellResumption.Recheck"/>).</summary>
    public void Recheck(Scenario scenario, int scenarioIndex, ulong seed) =>
        WellResumption.Recheck(Criterion, Sampler, Study, scenario, scenarioIndex, seed, Cells, Network.Parameters.Length, Network.SpeciesCount);

    /// <summary>
    /// One interval's parallel step: each of <paramref name="count"/> cells of well <paramref name="scenarioIndex"/>
    /// (cell i: paused cell <paramref name="cellOf"/>(i), of cell type <paramref name="typeOf"/>(i), with parameter row
    /// <paramref name="rowOf"/>(i) of <paramref name="parameters"/>) is advanced through <paramref name="stops"/>, then
    /// <paramref name="after"/>(i, engine, its outputs at the stops, scratch) runs for it. The cells go in chunks of
    /// <paramref name="blockSize"/> on the run's threads; a chunk's cells of one type advance together on an engine of
    /// their group's kind rented for the chunk (<see cref="IResumableCellSimulator.AdvanceMany"/>: one per lane on the
    /// multi-scale engine), with a worker's <paramref name="scratch"/>; the work is added to the group's
    /// <see cref="PopulationGroup.Cost"/> for <paramref name="span"/> of cell-time per cell. False when the run was
    /// cancelled; a cell's error is thrown as itself.
    /// </summary>
    public bool Advance<TScratch>(IReadOnlyList<PopulationGroup> groups, int scenarioIndex, int count, int blockSize, double span,
        Func<int, int> typeOf, Func<int, PausedCell> cellOf, double[] parameters, Func<int, int> rowOf, double[] stops,
        Func<TScratch> scratch, Action<int, IResumableCellSimulator, ReadOnlySpan<double>, TScratch> after)
    {
        int chunks = (count + blockSize - 1) / blockSize;
        int p = Network.Parameters.Length, perCell = stops.Length * Network.OutputCount;
        // The costliest cells first, and a chunk at a time to whichever thread is free: a well's cost sits in a few
        // groups (NK cells under IL-2 fire ten times as often as most), and a thread that took a run of them last
        // left the others idle at the interval's end. The order is by the groups' firings per cell-time so far (a
        // count, so the schedule is reproducible; the sort is stable, so ties keep the cells' order); it moves no
        // result, every cell advancing on its own stream.
        var load = new double[Types];
        for (int type = 0; type < Types; type++) load[type] = groups[scenarioIndex * Types + type].Cost.FiringsPerCellTime;
        int[] order = [.. Enumerable.Range(0, count).OrderByDescending(i => load[typeOf(i)])];
        try
        {
            Parallel.ForEach(Partitioner.Create(Enumerable.Range(0, chunks), EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = Threads, CancellationToken = _cancellationToken },
                () => (Engines: new IResumableCellSimulator?[_engines.Length], Scratch: scratch(), Cells: new List<PausedCell>(blockSize),
                    Index: new int[blockSize], Rows: new double[blockSize * p], Outputs: new double[blockSize * perCell]),
                (chunk, _, local) =>
                {
                    int from = chunk * blockSize, to = Math.Min(count, from + blockSize);
                    var (cells, index, rows, outputs) = (local.Cells, local.Index, local.Rows, local.Outputs);
                    for (int type = 0; type < Types; type++)
                    {
                        cells.Clear();
                        for (int position = from; position < to; position++)
                            if (order[position] is var i && typeOf(i) == type)
                            {
                                index[cells.Count] = i;
                                parameters.AsSpan(rowOf(i) * p, p).CopyTo(rows.AsSpan(cells.Count * p, p));
                                cells.Add(cellOf(i));
                            }
                        if (cells.Count == 0) continue;
                        int kind = KindOf(scenarioIndex, type);
                        var engine = local.Engines[kind] ??= Rent(kind);
                        var before = GroupCost.Read(engine);
                        engine.AdvanceMany(cells, rows.AsSpan(0, cells.Count * p), stops, outputs.AsSpan(0, cells.Count * perCell), _cancellationToken);
                        for (int k = 0; k < cells.Count; k++) after(index[k], engine, outputs.AsSpan(k * perCell, perCell), local.Scratch);
                        groups[scenarioIndex * Types + type].Cost.AddSince(before, engine, span * cells.Count);
                    }
                    return local;
                },
                local =>
                {
                    for (int kind = 0; kind < local.Engines.Length; kind++) if (local.Engines[kind] is { } e) Return(kind, e);
                });
            return true;
        }
        catch (OperationCanceledException) { return false; }
        catch (AggregateException e) when (ParallelErrors.IsCancellation(e)) { return false; }
        catch (AggregateException e) { ParallelErrors.Rethrow(e); throw; }
    }

    /// <summary>
    /// The end of a coupling interval of well <paramref name="scenarioIndex"/> (<paramref name="wellCells"/> root cells),
    /// now at <paramref name="time"/> of <paramref name="duration"/>: reports the progress and saves the well in
    /// progress with <paramref name="write"/> when the checkpoint says it is due.
    /// </summary>
    public void EndInterval(int scenarioIndex, int wellCells, double time, double duration, Action<BinaryWriter> write)
    {
        _progress?.Report(new PopulationProgress((long)scenarioIndex * wellCells + (long)(wellCells * Math.Min(1, time / duration)), _total));
        Resumption.SaveProgressIfDue(scenarioIndex, write);
    }
}
