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
/// order from the cells' uptake, so the result is the same for any thread count or block size. The frame it shares
/// with the lineage run (engines, interval step, checkpoint, progress) is <see cref="CoupledRun"/>'s.
/// Each cell keeps its parameter draw and random stream of the unpooled run.
/// </summary>
internal static class PooledPopulationRunner
{
    internal static PopulationResult Run(Study study, IReadOnlyList<Scenario> scenarios, PopulationOptions options, LigandPool pool,
        CompiledNetwork network, CellEngines cellEngines, List<PopulationGroup> groups, int cells, ulong seed, int blockSize,
        IProgress<PopulationProgress>? progress, CancellationToken cancellationToken)
    {
        double coupling = options.Coupling ?? pool.Coupling;
        var run = new CoupledRun(study, scenarios, options, pool, network, cellEngines, cells, "a shared ligand pool needs", progress, cancellationToken);
        var outputNames = network.OutputNames;
        var variableNames = CellVariables.Names(outputNames);
        int v = variableNames.Length, p = network.Parameters.Length, s = network.SpeciesCount, o = outputNames.Length;
        int uptake = run.Uptake, bound = run.Bound, dose = run.Dose;
        var fateNames = study.FateNames;
        string[] sampled = PopulationRunner.SampledParameters(study);
        int[] sampledIndex = [.. sampled.Select(network.ParameterIndex)];
        int types = study.CellTypes.Length, wellCells = types * cells;

        var traces = new List<LigandPoolTrace>();
        bool cancelled = false;
        for (int si = 0; si < scenarios.Count && !cancelled; si++)
        {
            var scenario = scenarios[si];
            var grid = PopulationRunner.GridFor(scenario, study.Settings.OutputInterval);
            ulong wellSeed = seed ^ PopulationRunner.ScenarioHash(scenario.Name);
            int KindOf(int w) => run.KindOf(si, w / cells);
            if (run.Resumption.IsFinished(si))
            {
                run.Recheck(scenario, si, seed);
                run.Resumption.ReadFinished(si, r =>
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
            var boundNow = new double[wellCells];
            var counts = new double[s];
            for (int w = 0; w < wellCells; w++)
            {
                int type = w / cells, cell = w % cells;
                var starter = run.Rent(KindOf(w));
                var row = parameters.AsSpan(w * p, p);
                paused[w] = run.StartRoot(starter, scenario, si, type, cell, seed, wellSeed, row, counts, grid.Start);
                uptakeStart[w] = run.InitialUptake(counts, row, grid.Start);
                if (bound >= 0) boundNow[w] = run.ExpectedOutput(starter, paused[w], row, bound);
                run.Return(KindOf(w), starter);
            }

            var well = new CoupledWell(run, scenario, parameters, wellCells, coupling, grid.Times());
            var fluid = well.Fluid!;
            int nextPoint = 0;
            var uptakeBefore = (double[])uptakeStart.Clone();
            double t = grid.Start;
            // The well in progress: its state at the end of the interval it was saved at replaces the start made above.
            well.ContinueInProgress(si, ReadProgress, () => t);

            // The ligand the cells hold reversibly, a buffer the fluid's prediction takes into account (TissueWell).
            double Held()
            {
                if (bound < 0) return double.NaN;
                double held = 0;
                for (int w = 0; w < wellCells; w++) held += pool.WeightOf(w / cells) * boundNow[w];
                return held;
            }

            while (t < scenario.Duration && !cancelled)
            {
                double end = fluid.NextEnd(t, coupling, scenario.Duration);
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

                var averages = well.Averages(t, end, Held());
                if (!run.Advance(groups, si, wellCells, blockSize, end - t, w => w / cells, w => paused[w], parameters, w => w, stopTimes, () => new double[o], (w, simulator, outputs, mean) =>
                    {
                        var record = records.AsSpan((int)((long)w * grid.Points * o), grid.Points * o);
                        for (int k = 0; k < points.Length; k++)
                            if (points[k] >= 0) outputs.Slice(k * o, o).CopyTo(record.Slice(points[k] * o, o));
                        // The fluid is charged the expected uptake given the cell's state (as in the lineage
                        // run), not the recorded value, which a lumping engine draws.
                        simulator.Outputs(paused[w], parameters.AsSpan(w * p, p), mean);
                        uptakeNow[w] = mean[uptake];
                        if (bound >= 0) boundNow[w] = mean[bound];
                    }))
                {
                    cancelled = true;
                    break;
                }

                // Coupling, in cell order: what the cells took in this interval, each cell counted as
                // as many well cells as its type's mix weight says.
                double taken = 0;
                for (int w = 0; w < wellCells; w++) taken += pool.WeightOf(w / cells) * (uptakeNow[w] - uptakeBefore[w]);
                Array.Copy(uptakeNow, uptakeBefore, wellCells);
                fluid.Commit(t, end, taken, averages, Held());
                t = end;
                run.EndInterval(si, wellCells, t, scenario.Duration, WriteProgress);
            }
            if (cancelled) break;

            var uptakePerCell = new double[types];
            for (int w = 0; w < wellCells; w++) uptakePerCell[w / cells] += (uptakeNow[w] - uptakeStart[w]) / cells;
            traces.Add(well.Trace(uptakePerCell));
            var gridTimes = grid.Times();
            var vars = new double[v + p];
            var traits = new bool[study.Traits.Length];
            var sampledValues = new double[sampledIndex.Length];
            for (int w = 0; w < wellCells; w++)
            {
                int type = w / cells, cell = w % cells;
                // Fate rules and tables read the scenario's dose, not the concentration of the last interval.
                parameters[w * p + dose] = well.Dose;
                CellVariables.Compute(records.AsSpan((int)((long)w * grid.Points * o), grid.Points * o), gridTimes, o, vars);
                parameters.AsSpan(w * p, p).CopyTo(vars.AsSpan(v));
                PopulationRunner.EvaluateTraits(study, study.CellTypes[type].Name, vars, traits);
                groups[si * types + type].Store(cell, vars.AsSpan(0, v), PopulationRunner.Classify(study, study.CellTypes[type].Name, vars, fateNames), traits);
                for (int k = 0; k < sampledIndex.Length; k++) sampledValues[k] = vars[v + sampledIndex[k]];
                groups[si * types + type].StoreParameters(cell, sampledValues);
            }
            run.Resumption.SaveFinished(si, w =>
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
                w.WriteDoubles(well.LastAverages);
                fluid.WriteState(w);
                w.WriteDoubles(uptakeNow);
                w.WriteDoubles(uptakeBefore);
                w.WriteDoubles(boundNow);
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
                r.ReadDoubles(well.LastAverages);
                fluid.ReadState(r);
                r.ReadDoubles(uptakeNow);
                r.ReadDoubles(uptakeBefore);
                r.ReadDoubles(boundNow);
                for (int c = 0; c < wellCells; c++)
                {
                    var cell = PausedCell.Read(r);
                    if (cell.Counts.Length != paused[c].Counts.Length) throw WellState.Mismatch("a cell of another engine's layout");
                    paused[c] = cell;
                    r.ReadDoubles(records.AsSpan((int)((long)c * grid.Points * o), nextPoint * o));
                }
            }
        }

        var counters = run.Resumption.Work();
        return new PopulationResult(study, scenarios, variableNames, fateNames, groups, counters.Events, cancelled || cancellationToken.IsCancellationRequested)
        {
            Method = cellEngines.Description,
            SampledParameters = sampled,
            LeapedEvents = counters.LeapedFirings,
            LigandPools = traces,
            SlowScaleCriterion = run.Criterion?.Rows(groups) ?? [],
        };
    }
}
