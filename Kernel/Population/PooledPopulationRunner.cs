using System.Runtime.ExceptionServices;
using Stochastic.Simulation.Cells;
using Stochastic.Network;
using Stochastic.Simulation;

namespace Stochastic.Population;

/// <summary>
/// The population run with a shared ligand pool (<see cref="LigandPool"/>): each scenario is one
/// well holding every cell type's cells (cell type by cell type, in study order), which run
/// interval by interval. In each coupling interval every cell of the well advances independently
/// (in parallel) at the well's current concentration; then the free ligand is recomputed in cell
/// order from the cells' uptake, so the result is the same for any thread count or block size.
/// Each cell keeps its parameter draw and random stream of the unpooled run.
/// </summary>
internal static class PooledPopulationRunner
{
    internal static PopulationResult Run(Study study, IReadOnlyList<Scenario> scenarios, PopulationOptions options, LigandPool pool,
        CompiledNetwork network, CellEngines cellEngines, List<PopulationGroup> groups, int cells, ulong seed, int blockSize,
        IProgress<PopulationProgress>? progress, CancellationToken cancellationToken)
    {
        double coupling = options.Coupling ?? pool.Coupling;
        var sampler = new CellParameterSampler(study.Model);
        var outputNames = network.OutputNames;
        var variableNames = CellVariables.Names(outputNames);
        int v = variableNames.Length, p = network.Parameters.Length, s = network.SpeciesCount, o = outputNames.Length;
        int uptake = Array.IndexOf(outputNames, pool.Uptake);
        if (uptake < 0) throw ThrowHelper.Model(pool.Position, $"ligand pool uptake '{pool.Uptake}' is not an output of the model ({string.Join(", ", outputNames)})");
        int dose = study.Model.ParameterIndex(study.Settings.DoseParameter);
        var fateNames = study.FateNames;
        int types = study.CellTypes.Length, wellCells = types * cells;

        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        // Engines by kind (a paused cell resumes on an engine of its group's kind), pooled: a worker
        // holds one per kind while it runs a chunk.
        var engines = Enumerable.Range(0, cellEngines.Kinds).Select(kind => new WorkerPool<IResumableCellSimulator>(() =>
            cellEngines.Create(kind, network) as IResumableCellSimulator ?? throw new NotSupportedException(
                $"the cell engine ({cellEngines.Description}) cannot pause and resume a cell, which a shared ligand pool needs; use the exact SSA or the slow-scale SSA"),
            threads + 1)).ToArray();
        IResumableCellSimulator Rent(int kind) => engines[kind].Get();
        int KindOf(int si, int w) => cellEngines.KindOf[si * types + w / cells];

        long total = (long)groups.Count * cells;
        var criterion = SlowScaleCriterionCheck.For(cellEngines.Reduced, options.SlowScale);
        var traces = new List<LigandPoolTrace>();
        bool cancelled = false;
        for (int si = 0; si < scenarios.Count && !cancelled; si++)
        {
            var scenario = scenarios[si];
            var grid = PopulationRunner.GridFor(scenario, study.Settings.OutputInterval);
            var times = grid.Times();
            ulong wellSeed = seed ^ PopulationRunner.ScenarioHash(scenario.Name);

            // The well: per-cell parameters, paused cells and records (memory per cell: P + S doubles
            // and the recorded grid).
            var parameters = new double[wellCells * p];
            var paused = new PausedCell[wellCells];
            var records = new double[(long)wellCells * grid.Points * o];
            var uptakeStart = new double[wellCells];
            var uptakeNow = new double[wellCells];
            var counts = new double[s];
            var startOutputs = new double[o];
            for (int w = 0; w < wellCells; w++)
            {
                int type = w / cells, cell = w % cells;
                var starter = Rent(KindOf(si, w));
                sampler.Sample(seed, scenario, study.CellTypes[type], type, cell, parameters.AsSpan(w * p, p), counts);
                criterion?.Check(si * types + type, counts, parameters.AsSpan(w * p, p));
                paused[w] = starter.Start(counts, wellSeed, CellParameterSampler.ParameterStream(type, cell), grid.Start);
                // The uptake the cell starts with, from its initial counts: what an engine records at
                // the start may already include ligand taken up (the slow-scale engine's fast pairs start
                // at equilibrium with the dose), and that came out of the well.
                network.Outputs(counts, parameters.AsSpan(w * p, p).ToArray(), grid.Start, startOutputs);
                uptakeStart[w] = startOutputs[uptake];
                engines[KindOf(si, w)].Return(starter);
            }

            double dose0 = wellCells > 0 ? parameters[dose] : 0;
            double moleculesPerDoseUnit = pool.MoleculesPerCellPerDoseUnit * wellCells;
            double initial = dose0 * moleculesPerDoseUnit;
            int intervals = Math.Max(1, (int)Math.Ceiling(scenario.Duration / coupling - 1e-9));
            var couplingTimes = new double[intervals + 1];
            for (int j = 0; j <= intervals; j++) couplingTimes[j] = j == intervals ? scenario.Duration : j * coupling;
            var fraction = new double[intervals + 1];
            fraction[0] = initial > 0 ? 1 : double.NaN;
            double free = initial, concentration = dose0, maxChange = 0;
            int nextPoint = 0;
            long wellsBefore = (long)si * wellCells;

            for (int j = 0; j < intervals; j++)
            {
                // The stops of this interval: the recorded grid points in it (and 0 in the first), then its end.
                var stops = new List<double>();
                var stopPoint = new List<int>();
                double end = couplingTimes[j + 1];
                while (nextPoint < grid.Points && (grid[nextPoint] <= end || j == intervals - 1))
                {
                    stops.Add(grid[nextPoint]);
                    stopPoint.Add(nextPoint++);
                }
                if (stops.Count == 0 || stops[^1] < end) { stops.Add(end); stopPoint.Add(-1); }
                var stopTimes = stops.ToArray();
                var points = stopPoint.ToArray();

                for (int w = 0; w < wellCells; w++) parameters[w * p + dose] = concentration;
                int chunks = (wellCells + blockSize - 1) / blockSize;
                try
                {
                    Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken },
                        () => new IResumableCellSimulator?[cellEngines.Kinds],
                        (chunk, _, local) =>
                        {
                            var outputs = new double[stopTimes.Length * o];
                            int stop = Math.Min(wellCells, (chunk + 1) * blockSize);
                            for (int w = chunk * blockSize; w < stop; w++)
                            {
                                int kind = KindOf(si, w);
                                var simulator = local[kind] ??= Rent(kind);
                                simulator.Advance(paused[w], parameters.AsSpan(w * p, p), stopTimes, outputs, cancellationToken);
                                var record = records.AsSpan((int)((long)w * grid.Points * o), grid.Points * o);
                                for (int k = 0; k < points.Length; k++)
                                    if (points[k] >= 0) outputs.AsSpan(k * o, o).CopyTo(record.Slice(points[k] * o, o));
                                uptakeNow[w] = outputs[(stopTimes.Length - 1) * o + uptake];
                            }
                            return local;
                        },
                        local =>
                        {
                            for (int kind = 0; kind < local.Length; kind++) if (local[kind] is { } e) engines[kind].Return(e);
                        });
                }
                catch (OperationCanceledException) { cancelled = true; break; }
                catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException)) { cancelled = true; break; }
                catch (AggregateException e) when (e.InnerExceptions.Count == 1) { ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw(); }

                // Coupling, in cell order: free ligand = initial amount − what the cells took since the
                // start, each cell counted as as many well cells as its type's mix weight says.
                double taken = 0;
                for (int w = 0; w < wellCells; w++) taken += pool.WeightOf(w / cells) * (uptakeNow[w] - uptakeStart[w]);
                double next = initial - taken;
                if (initial > 0)
                {
                    if (free > 0) maxChange = Math.Max(maxChange, Math.Abs(next - free) / free);
                    fraction[j + 1] = next / initial;
                    concentration = Math.Max(0, next) / moleculesPerDoseUnit;
                }
                else fraction[j + 1] = double.NaN;
                free = next;
                progress?.Report(new PopulationProgress(wellsBefore + (long)wellCells * (j + 1) / intervals, total));
            }
            if (cancelled) break;

            traces.Add(new LigandPoolTrace(scenario.Name, wellCells, coupling, initial, couplingTimes, fraction, maxChange));
            var vars = new double[v + p];
            for (int w = 0; w < wellCells; w++)
            {
                int type = w / cells, cell = w % cells;
                // Fate rules and tables read the scenario's dose, not the concentration of the last interval.
                parameters[w * p + dose] = dose0;
                CellVariables.Compute(records.AsSpan((int)((long)w * grid.Points * o), grid.Points * o), times, o, vars);
                parameters.AsSpan(w * p, p).CopyTo(vars.AsSpan(v));
                groups[si * types + type].Store(cell, vars.AsSpan(0, v), PopulationRunner.Classify(study, study.CellTypes[type].Name, vars, fateNames));
            }
        }

        var counters = engines.SelectMany(e => e.Created).Aggregate(new Simulation.SimulationCounters(), (sum, simulator) => sum + simulator.Counters);
        return new PopulationResult(study, scenarios, variableNames, fateNames, groups, counters.Events, cancelled || cancellationToken.IsCancellationRequested)
        {
            Method = cellEngines.Description,
            LeapedEvents = counters.LeapedFirings,
            LigandPools = traces,
            SlowScaleCriterion = criterion?.Rows(groups) ?? [],
        };
    }
}
