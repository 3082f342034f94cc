using System.Runtime.ExceptionServices;
using Stochastic.Simulation.Cells;
using Stochastic.Network;
using Stochastic.Simulation;

namespace Stochastic.Population;

/// <summary>
/// The population run with a shared ligand pool (<see cref="LigandPool"/>): each scenario is one
/// well holding every cell type's cells (cell type by cell type, in study order), which run
/// interval by interval. In each coupling interval every cell of the well advances independently
/// (in parallel) at each agent's predicted average concentration (<see cref="TissueWell"/>); then the fluid is updated in cell
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
        string[] sampled = PopulationRunner.SampledParameters(study);
        int[] sampledIndex = [.. sampled.Select(network.ParameterIndex)];
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
        // A checkpoint: finished wells are taken as saved, the well in progress continues from its state.
        var resumption = new WellResumption(options.Plan, scenarios.Count,
            () => engines.SelectMany(e => e.Created).Aggregate(new SimulationCounters(), (sum, simulator) => sum + simulator.Counters));
        for (int si = 0; si < scenarios.Count && !cancelled; si++)
        {
            var scenario = scenarios[si];
            var grid = PopulationRunner.GridFor(scenario, study.Settings.OutputInterval);
            ulong wellSeed = seed ^ PopulationRunner.ScenarioHash(scenario.Name);
            if (resumption.IsFinished(si))
            {
                WellResumption.Recheck(criterion, sampler, study, scenario, si, seed, cells, p, s);
                resumption.ReadFinished(si, r =>
                {
                    for (int type = 0; type < types; type++) groups[si * types + type].ReadState(r, null);
                    traces.Add(r.ReadTrace() ?? throw WellState.Mismatch("a pooled well without its ligand trace"));
                });
                continue;
            }

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
            var well = WellFor(study, scenario, pool, dose, dose0, wellCells, coupling, grid.Times());
            var agentParameters = well.Agents.Select(a => a.Parameter).ToArray();
            double initial = dose0 * pool.DoseMolar * well.MoleculesPerMolar;
            int nextPoint = 0;
            long wellsBefore = (long)si * wellCells;
            var uptakeBefore = (double[])uptakeStart.Clone();
            double t = grid.Start;
            var lastAverages = new double[agentParameters.Length];
            // Every cell reads the agents' concentrations of the interval (kept for a checkpoint).
            void UseAverages(ReadOnlySpan<double> averages)
            {
                averages.CopyTo(lastAverages);
                for (int w = 0; w < wellCells; w++)
                    for (int a = 0; a < agentParameters.Length; a++) parameters[w * p + agentParameters[a]] = averages[a];
            }
            // The well in progress: its state at the end of the interval it was saved at replaces the start made above.
            if (resumption.ContinueInProgress(si, ReadProgress, () => FormattableString.Invariant($"scenario {scenario.Name} at time {t:G6} of {scenario.Duration:G6}")))
                UseAverages(lastAverages);

            while (t < scenario.Duration && !cancelled)
            {
                double end = well.NextEnd(t, coupling, scenario.Duration);
                bool last = end >= scenario.Duration;
                // The stops of this interval: the recorded grid points in it (and 0 in the first), then its end.
                var stops = new List<double>();
                var stopPoint = new List<int>();
                while (nextPoint < grid.Points && (grid[nextPoint] <= end || last))
                {
                    stops.Add(grid[nextPoint]);
                    stopPoint.Add(nextPoint++);
                }
                if (stops.Count == 0 || stops[^1] < end) { stops.Add(end); stopPoint.Add(-1); }
                var stopTimes = stops.ToArray();
                var points = stopPoint.ToArray();

                var averages = well.Averages(t, end);
                UseAverages(averages);
                int chunks = (wellCells + blockSize - 1) / blockSize;
                try
                {
                    Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken },
                        () => new IResumableCellSimulator?[cellEngines.Kinds],
                        (chunk, _, local) =>
                        {
                            var outputs = new double[stopTimes.Length * o];
                            var mean = new double[o];
                            int stop = Math.Min(wellCells, (chunk + 1) * blockSize);
                            for (int w = chunk * blockSize; w < stop; w++)
                            {
                                int kind = KindOf(si, w);
                                var simulator = local[kind] ??= Rent(kind);
                                simulator.Advance(paused[w], parameters.AsSpan(w * p, p), stopTimes, outputs, cancellationToken);
                                var record = records.AsSpan((int)((long)w * grid.Points * o), grid.Points * o);
                                for (int k = 0; k < points.Length; k++)
                                    if (points[k] >= 0) outputs.AsSpan(k * o, o).CopyTo(record.Slice(points[k] * o, o));
                                // The fluid is charged the expected uptake given the cell's state (as in the lineage
                                // run), not the recorded value, which a lumping engine draws.
                                simulator.Outputs(paused[w], parameters.AsSpan(w * p, p), mean);
                                uptakeNow[w] = mean[uptake];
                            }
                            return local;
                        },
                        local =>
                        {
                            for (int kind = 0; kind < local.Length; kind++) if (local[kind] is { } e) engines[kind].Return(e);
                        });
                }
                catch (OperationCanceledException) { cancelled = true; break; }
                catch (AggregateException e) when (ParallelErrors.IsCancellation(e)) { cancelled = true; break; }
                catch (AggregateException e) { ParallelErrors.Rethrow(e); }

                // Coupling, in cell order: what the cells took in this interval, each cell counted as
                // as many well cells as its type's mix weight says.
                double taken = 0;
                for (int w = 0; w < wellCells; w++) taken += pool.WeightOf(w / cells) * (uptakeNow[w] - uptakeBefore[w]);
                Array.Copy(uptakeNow, uptakeBefore, wellCells);
                well.Commit(t, end, taken, averages);
                t = end;
                progress?.Report(new PopulationProgress(wellsBefore + (long)(wellCells * Math.Min(1, t / scenario.Duration)), total));
                resumption.SaveProgressIfDue(si, WriteProgress);
            }
            if (cancelled) break;

            var ligand = well.Agents[0];
            var uptakePerCell = new double[types];
            for (int w = 0; w < wellCells; w++) uptakePerCell[w / cells] += (uptakeNow[w] - uptakeStart[w]) / cells;
            var times = well.Times.ToArray();
            traces.Add(new LigandPoolTrace(scenario.Name, wellCells, coupling, initial, times,
                [.. ligand.FreeTrace.Select(c => initial > 0 && ligand.Plasma is null ? c * well.MoleculesPerMolar / initial : double.NaN)], well.MaxRelativeChange)
            {
                Agents = [.. well.Agents.Select(a => new AgentTrace(a.Name, a.Parameter == dose ? study.Settings.DoseParameter : network.ParameterNames[a.Parameter],
                    [.. a.PlasmaTrace.Select(c => c / a.ParameterMolar)], [.. a.FreeTrace.Select(c => c / a.ParameterMolar)]))],
                UptakePerCell = uptakePerCell,
                Deficit = well.Deficit,
            });
            var gridTimes = grid.Times();
            var vars = new double[v + p];
            var traits = new bool[study.Traits.Length];
            var sampledValues = new double[sampledIndex.Length];
            for (int w = 0; w < wellCells; w++)
            {
                int type = w / cells, cell = w % cells;
                // Fate rules and tables read the scenario's dose, not the concentration of the last interval.
                parameters[w * p + dose] = dose0;
                CellVariables.Compute(records.AsSpan((int)((long)w * grid.Points * o), grid.Points * o), gridTimes, o, vars);
                parameters.AsSpan(w * p, p).CopyTo(vars.AsSpan(v));
                PopulationRunner.EvaluateTraits(study, study.CellTypes[type].Name, vars, traits);
                groups[si * types + type].Store(cell, vars.AsSpan(0, v), PopulationRunner.Classify(study, study.CellTypes[type].Name, vars, fateNames), traits);
                for (int k = 0; k < sampledIndex.Length; k++) sampledValues[k] = vars[v + sampledIndex[k]];
                groups[si * types + type].StoreParameters(cell, sampledValues);
            }
            resumption.SaveFinished(si, w =>
            {
                for (int type = 0; type < types; type++) groups[si * types + type].WriteState(w);
                w.WriteTrace(traces[^1]);
            });

            // The well in progress, at the end of a coupling interval: every cell's state and recorded points, the
            // fluid's state (the parameters are drawn again; only the agents' columns change as the well runs).
            void WriteProgress(BinaryWriter w)
            {
                w.Write(t);
                w.Write(nextPoint);
                w.WriteDoubles(lastAverages);
                well.WriteState(w);
                w.WriteDoubles(uptakeNow);
                w.WriteDoubles(uptakeBefore);
                int recorded = nextPoint * o;
                for (int c = 0; c < wellCells; c++)
                {
                    paused[c].Write(w);
                    w.WriteDoubles(records.AsSpan((int)((long)c * grid.Points * o), recorded));
                }
            }

            void ReadProgress(BinaryReader r)
            {
                t = r.ReadDouble();
                nextPoint = r.ReadInt32();
                if (nextPoint < 0 || nextPoint > grid.Points) throw WellState.Mismatch($"{nextPoint} recorded points of {grid.Points}");
                r.ReadDoubles(lastAverages);
                well.ReadState(r);
                r.ReadDoubles(uptakeNow);
                r.ReadDoubles(uptakeBefore);
                for (int c = 0; c < wellCells; c++)
                {
                    var cell = PausedCell.Read(r);
                    if (cell.Counts.Length != paused[c].Counts.Length) throw WellState.Mismatch("a cell of another engine's layout");
                    paused[c] = cell;
                    r.ReadDoubles(records.AsSpan((int)((long)c * grid.Points * o), nextPoint * o));
                }
            }
        }

        var counters = resumption.Work();
        return new PopulationResult(study, scenarios, variableNames, fateNames, groups, counters.Events, cancelled || cancellationToken.IsCancellationRequested)
        {
            Method = cellEngines.Description,
            SampledParameters = sampled,
            LeapedEvents = counters.LeapedFirings,
            LigandPools = traces,
            SlowScaleCriterion = criterion?.Rows(groups) ?? [],
        };
    }

    /// <summary>
    /// The tissue fluid of one scenario: its ligand first (depleted by the cells' uptake; from plasma when
    /// the scenario doses it, else a closed well starting at the dose), then every other dosed agent.
    /// </summary>
    internal static TissueWell WellFor(Study study, Scenario scenario, LigandPool pool, int doseParameter, double dose0, int wellCells, double coupling, double[] recordTimes)
    {
        var pk = study.Settings.Pharmacokinetics;
        var dosed = pk.Where(m => scenario.Doses.Any(d => d.Agent == m.Agent)).ToList();
        var ligandPk = dosed.FirstOrDefault(m => m.Parameter == study.Settings.DoseParameter);
        var agents = new List<TissueWell.Agent>
        {
            new()
            {
                Name = scenario.Ligand, Parameter = doseParameter, ParameterMolar = pool.DoseMolar, Depleting = true,
                Plasma = ligandPk is null ? null : new PlasmaProfile(ligandPk, scenario.Doses),
                Exchange = ligandPk?.TissueExchange ?? 0, Partition = ligandPk?.Partition ?? 1,
                Free = ligandPk is null ? dose0 * pool.DoseMolar : 0,
            },
        };
        foreach (var m in dosed.Where(m => m != ligandPk))
            agents.Add(new()
            {
                Name = m.Agent, Parameter = study.Model.ParameterIndex(m.Parameter), ParameterMolar = m.ParameterMolar,
                Plasma = new PlasmaProfile(m, scenario.Doses), Exchange = m.TissueExchange, Partition = m.Partition,
            });
        return new TissueWell(agents, LigandPool.Avogadro * wellCells / pool.CellsPerLiter, scenario.Duration, coupling, recordTimes);
    }
}