using System.Runtime.ExceptionServices;
using Stochastic.Expressions;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Random;
using Stochastic.Simulation;
using Stochastic.Simulation.Cells;

namespace Stochastic.Population;

/// <summary>
/// The population run of a study with a <c>lineage</c> block (docs/study-files.md, "Lineage: division and
/// death"): each scenario's cells run interval by interval as paused cells (with a ligand pool at its
/// coupling times, <see cref="TissueWell"/>; without one in a constant bath, checked every
/// <see cref="Lineage.Every"/>). In each interval the live cells advance in parallel; then a serial step
/// in cell order charges their uptake to the fluid, removes the cells whose <c>die</c> condition holds,
/// replaces each cell whose <c>divide</c> condition holds by two daughters, thins a group above the cap
/// and, at a recorded time, adds the group's weighted statistics. A daughter's molecules come from its
/// parent's stream, its own stream from its lineage key, so results do not depend on thread count or
/// block size. Per cell only running sums are kept (last, integral and maximum of each output), not
/// its recorded grid. The frame it shares with the pooled run (engines, interval step, checkpoint, progress) is
/// <see cref="CoupledRun"/>'s.
/// </summary>
internal static class LineagePopulationRunner
{
    /// <summary>How a paused count is shared at a division.</summary>
    internal enum Share : byte { Split, Replicate, Reset, Keep }

    private const byte Dies = 1, Divides = 2;

    /// <summary>Largest weighted growth of a group over its start (a guard against runaway division conditions).</summary>
    internal const double MaxFold = 1e9;

    // Daughter k's lineage key: SplitMix64 of the parent's key xor a constant per daughter.
    private const ulong Daughter1 = 0x6A09E667F3BCC909UL, Daughter2 = 0xBB67AE8584CAA73BUL;
    // The thinning stream of interval i: (SplitMix64(well seed xor this), i).
    private const ulong ThinningSalt = 0x3C6EF372FE94F82BUL;

    /// <summary>A live simulated cell.</summary>
    private sealed class LiveCell
    {
        public required PausedCell Paused;
        public int Root;              // row of its parameters (the root's draw, inherited)
        public int Type;
        public ulong Key;             // lineage key of its random stream
        public double Weight = 1;
        public double UptakeBefore;   // uptake output at the last coupling (what the fluid was charged up to)
        public double Charged;        // what the fluid was charged for that uptake, in weighted molecules, at the weights the cell had then
        public double Uptake;         // uptake output now, its conditional mean given the engine's state (what the coupling charges)
        public double Bound;          // the pool's bound output now, its conditional mean (the buffer the fluid's prediction counts)
        public required double[] Sums; // per output: now, last recorded, integral (trapezoid on the recorded grid), max
        public int Fate;
        public bool[]? Traits;        // per study trait, as classified last (null without traits)
        public byte Flag;
        public CellHistory? History;
    }

    /// <summary>Estimated bytes per live cell: the objects above, their arrays, the paused cell and its counts (64-bit runtime).</summary>
    internal static double BytesPerCell(int outputs, int pausedCounts) =>
        96 + (24 + 8 * 4 * outputs) + 64 + (24 + 8 * pausedCounts);

    internal static PopulationResult Run(Study study, Lineage lineage, IReadOnlyList<Scenario> scenarios, PopulationOptions options, LigandPool? pool,
        CompiledNetwork network, CellEngines cellEngines, List<PopulationGroup> groups, int cells, ulong seed, int blockSize,
        IProgress<PopulationProgress>? progress, CancellationToken cancellationToken)
    {
        double coupling = options.Coupling ?? pool?.Coupling ?? (double.IsNaN(lineage.Every) ? study.Settings.OutputInterval : lineage.Every);
        var run = new CoupledRun(study, scenarios, options, pool, network, cellEngines, cells, "cells that divide and die need", progress, cancellationToken);
        var outputNames = network.OutputNames;
        var variableNames = CellVariables.Names(outputNames);
        int v = variableNames.Length, p = network.Parameters.Length, s = network.SpeciesCount, o = outputNames.Length;
        int uptake = run.Uptake, bound = run.Bound, dose = run.Dose;
        var fateNames = study.FateNames;
        int nTraits = study.Traits.Length;
        int types = study.CellTypes.Length, wellCells = types * cells;
        int historyRoots = Math.Max(0, options.HistoryRoots);
        int threads = run.Threads;

        // How each species is shared at a division.
        var shares = SharesOf(study.Model, lineage);

        var traces = new List<LigandPoolTrace>();
        var histories = new List<CellHistory>();
        int maxPaused = 0;
        bool cancelled = false;
        var resumption = run.Resumption;
        for (int si = 0; si < scenarios.Count && !cancelled; si++)
        {
            var scenario = scenarios[si];
            var grid = PopulationRunner.GridFor(scenario, study.Settings.OutputInterval);
            var recordTimes = grid.Times();
            ulong wellSeed = seed ^ PopulationRunner.ScenarioHash(scenario.Name);
            int KindOf(int type) => run.KindOf(si, type);
            int historyStart = histories.Count;
            if (resumption.IsFinished(si))
            {
                run.Recheck(scenario, si, seed);
                resumption.ReadFinished(si, r =>
                {
                    maxPaused = Math.Max(maxPaused, r.ReadInt32());
                    for (int type = 0; type < types; type++)
                        groups[si * types + type].ReadState(r, new LineageTrace(cells, recordTimes, o, fateNames.Count, nTraits));
                    if (r.ReadTrace() is { } trace) traces.Add(trace);
                    int n = r.ReadInt32();
                    for (int i = 0; i < n; i++) histories.Add(r.ReadHistory());
                });
                continue;
            }

            // The roots: parameters (kept per root, shared by its descendants) and paused cells.
            var parameters = new double[wellCells * p];
            var live = new List<LiveCell>(wellCells);
            var counts = new double[s];
            double uptakeStart = 0;
            for (int w = 0; w < wellCells; w++)
            {
                int type = w / cells, cell = w % cells;
                var starter = run.Rent(KindOf(type));
                var row = parameters.AsSpan(w * p, p);
                var paused = run.StartRoot(starter, scenario, si, type, cell, seed, wellSeed, row, counts, grid.Start);
                ulong key = CellParameterSampler.ParameterStream(type, cell);
                maxPaused = Math.Max(maxPaused, paused.Counts.Length);
                var sums = new double[4 * o];
                starter.Outputs(paused, row, sums.AsSpan(0, o));
                sums.AsSpan(0, o).CopyTo(sums.AsSpan(o, o));
                sums.AsSpan(0, o).CopyTo(sums.AsSpan(3 * o, o));
                var c = new LiveCell { Paused = paused, Root = w, Type = type, Key = key, Sums = sums };
                if (uptake >= 0)
                {
                    // As in the pooled run: the uptake from the initial counts, so that what the engine holds
                    // bound from the first instant (the slow-scale engine's fast pairs) is charged to the well.
                    c.UptakeBefore = run.InitialUptake(counts, row, grid.Start);
                    c.Charged = c.UptakeBefore;
                    uptakeStart += (pool!.WeightOf(type)) * c.UptakeBefore;
                }
                if (bound >= 0) c.Bound = sums[bound];
                if (cell < historyRoots)
                {
                    c.History = new CellHistory(scenario.Name, study.CellTypes[type].Name, cell.ToString(System.Globalization.CultureInfo.InvariantCulture), "", 0, grid.Start);
                    histories.Add(c.History);
                }
                live.Add(c);
                run.Return(KindOf(type), starter);
            }

            var coupled = new CoupledWell(run, scenario, parameters, wellCells, coupling, recordTimes);
            var well = coupled.Fluid;
            double dose0 = coupled.Dose;
            var lineageTraces = Enumerable.Range(0, types).Select(_ => new LineageTrace(cells, recordTimes, o, fateNames.Count, study.Traits.Length)).ToArray();
            var divisions = new double[types];
            var deaths = new double[types];
            var typeTaken = new double[types];
            double deadUptake = 0;

            int nextRecord = 1, interval = 0, checksSinceRecord = 0;
            double lastRecord = grid.Start, t = grid.Start;
            // The well in progress: its state at the end of the interval it was saved at replaces the start made above.
            if (!coupled.ContinueInProgress(si, ReadProgress, () => t))
            {
                Classify(live, 0, grid.Start, grid.Start);
                Record(0);
            }

            // The ligand the live cells hold reversibly (weighted), a buffer the fluid's prediction takes into account (TissueWell).
            double Held(LiveCell[] cellsNow)
            {
                if (bound < 0) return double.NaN;
                double held = 0;
                foreach (var c in cellsNow) held += pool!.WeightOf(c.Type) * c.Weight * c.Bound;
                return held;
            }

            for (; t < scenario.Duration && !cancelled; interval++)
            {
                // Without a pool: every 'every' from the last recorded time (counted, so that no rounding adds a check).
                double end = well?.NextEnd(t, coupling, scenario.Duration) ?? Math.Min(lastRecord + ++checksSinceRecord * coupling, scenario.Duration);
                bool record = nextRecord < grid.Points && end >= grid[nextRecord] - 1e-9 * Math.Max(1, Math.Abs(grid[nextRecord]));
                if (!record && well is null && nextRecord < grid.Points && grid[nextRecord] - end < 1e-6 * coupling) record = true;
                if (record) { end = grid[nextRecord]; checksSinceRecord = 0; }
                double[] stops = [end];
                double sinceRecord = end - lastRecord;

                var current = live.ToArray();
                var averages = coupled.Averages(t, end, Held(current));
                if (!run.Advance(groups, si, current.Length, blockSize, end - t, i => current[i].Type, i => current[i].Paused, parameters, i => current[i].Root, stops,
                    () => (Vars: new double[o + p], Mean: new double[o]), (i, simulator, outputs, local) =>
                    {
                        var c = current[i];
                        var row = parameters.AsSpan(c.Root * p, p);
                        var sums = c.Sums;
                        outputs.CopyTo(sums.AsSpan(0, o));
                        if (uptake >= 0)
                        {
                            // The fluid is charged the expected uptake given the cell's state, not the recorded
                            // value: a lumping engine records a draw of its fast members, whose noise between
                            // intervals would move ligand in and out of the fluid that the cell never took.
                            simulator.Outputs(c.Paused, row, local.Mean);
                            c.Uptake = local.Mean[uptake];
                            if (bound >= 0) c.Bound = local.Mean[bound];
                        }
                        if (record)
                            for (int j = 0; j < o; j++)
                            {
                                double now = sums[j];
                                sums[2 * o + j] += 0.5 * (sums[o + j] + now) * sinceRecord;
                                sums[o + j] = now;
                                if (now > sums[3 * o + j]) sums[3 * o + j] = now;
                            }
                        sums.AsSpan(0, o).CopyTo(local.Vars);
                        row.CopyTo(local.Vars.AsSpan(o));
                        c.Flag = lineage.Die is { } die && Holds(die, local.Vars) ? Dies : Holds(lineage.Divide, local.Vars) ? Divides : (byte)0;
                    }))
                {
                    cancelled = true;
                    break;
                }

                // Coupling, in cell order: what the cells took in this interval, each weighted by its own
                // weight and its type's mix weight.
                if (well is not null)
                {
                    double taken = 0;
                    foreach (var c in current)
                    {
                        // Uptake is charged at the cell's weight now; a release is credited at the average
                        // weight its held ligand was charged at (Charged / UptakeBefore). After thinning raised
                        // a survivor's weight, crediting its release at the new weight would return more
                        // ligand than the fluid gave it: unbiased on average, but turned into ligand without
                        // supply by the fluid's floor at zero. So the fluid never gets back more than it was
                        // charged for a cell, and its balance with the cells stays exact with the cap too.
                        double du = c.Uptake - c.UptakeBefore;
                        double delta = du >= 0 || !(c.UptakeBefore > 0) ? c.Weight * du : c.Charged / c.UptakeBefore * du;
                        c.Charged += delta;
                        typeTaken[c.Type] += delta;
                        taken += pool!.WeightOf(c.Type) * delta;
                        c.UptakeBefore = c.Uptake;
                    }
                    well.Commit(t, end, taken, averages, Held(current));
                }

                // Deaths, then divisions, in cell order.
                var next = new List<LiveCell>(current.Length + current.Length / 8);
                IResumableCellSimulator?[] serial = new IResumableCellSimulator?[cellEngines.Kinds];
                var full = new double[s];
                foreach (var c in current)
                {
                    if (c.Flag == Dies)
                    {
                        deaths[c.Type] += c.Weight;
                        if (uptake >= 0) deadUptake += pool!.WeightOf(c.Type) * c.Charged;
                        if (c.History is { } h) h.Death = end;
                        continue;
                    }
                    if (c.Flag != Divides) { next.Add(c); continue; }
                    divisions[c.Type] += c.Weight;
                    int kind = KindOf(c.Type);
                    var engine = serial[kind] ??= run.Rent(kind);
                    var row = parameters.AsSpan(c.Root * p, p);
                    var (d1, d2) = Divide(c, engine, row, shares, full, wellSeed, end);
                    foreach (var d in (ReadOnlySpan<LiveCell>)[d1, d2])
                    {
                        engine.Outputs(d.Paused, row, d.Sums.AsSpan(0, o));
                        // Born at a recorded time: its own value there starts its next trapezoid.
                        if (record) d.Sums.AsSpan(0, o).CopyTo(d.Sums.AsSpan(o, o));
                    }
                    if (uptake >= 0)
                    {
                        // The two daughters' baselines add up to the parent's, so what the fluid was charged
                        // stays exact whatever the engine reports for each.
                        d1.UptakeBefore = d1.Sums[uptake];
                        if (bound >= 0) (d1.Bound, d2.Bound) = (d1.Sums[bound], d2.Sums[bound]);
                        d2.UptakeBefore = c.UptakeBefore - d1.UptakeBefore;
                        double perMolecule = c.UptakeBefore > 0 ? c.Charged / c.UptakeBefore : c.Weight;
                        d1.Charged = perMolecule * d1.UptakeBefore;
                        d2.Charged = c.Charged - d1.Charged;
                    }
                    if (c.History is { } ph)
                    {
                        ph.Division = end;
                        d1.History = new CellHistory(ph.Scenario, ph.CellType, ph.Id + ".1", ph.Id, ph.Generation + 1, end);
                        d2.History = new CellHistory(ph.Scenario, ph.CellType, ph.Id + ".2", ph.Id, ph.Generation + 1, end);
                        histories.Add(d1.History);
                        histories.Add(d2.History);
                    }
                    next.Add(d1);
                    next.Add(d2);
                }
                for (int kind = 0; kind < serial.Length; kind++) if (serial[kind] is { } e) run.Return(kind, e);

                // The cap: above it a group keeps each cell with probability q = cap / N, survivors' weights / q.
                if (lineage.Cap > 0)
                {
                    var sizes = new int[types];
                    foreach (var c in next) sizes[c.Type]++;
                    if (sizes.Any(n => n > lineage.Cap))
                    {
                        var thinning = new Xoshiro256StarStar(SplitMix64.Mix(wellSeed ^ ThinningSalt), (ulong)interval);
                        var kept = new List<LiveCell>(next.Count);
                        foreach (var c in next)
                        {
                            if (sizes[c.Type] <= lineage.Cap) { kept.Add(c); continue; }
                            double q = (double)lineage.Cap / sizes[c.Type];
                            if (thinning.NextDouble() < q) { c.Weight /= q; kept.Add(c); continue; }
                            // Thinned: its uptake so far stays taken (as at a death), not counted as a death.
                            if (uptake >= 0) deadUptake += pool!.WeightOf(c.Type) * c.Charged;
                            if (c.History is { } h) { h.Death = end; h.Thinned = true; }
                        }
                        next = kept;
                    }
                }
                live = next;
                // A divide condition that still holds in the daughters doubles the population at every check:
                // stop with a clear error before the weights overflow.
                var weighted = new double[types];
                foreach (var c in live) weighted[c.Type] += c.Weight;
                for (int type = 0; type < types; type++)
                    if (!(weighted[type] <= MaxFold * cells))
                        throw ThrowHelper.Model(lineage.Position, FormattableString.Invariant(
                            $"scenario {scenario.Name}, cell type {study.CellTypes[type].Name}: the population grew more than {MaxFold:G0}-fold by time {end:G6} ({weighted[type]:G3} cells from {cells}); does the 'divide' condition still hold in the daughters (reset the cycle species), or divide far faster than the checks can resolve?"));

                if (record)
                {
                    Classify(live, nextRecord, end, grid.Start);
                    Record(nextRecord);
                    lastRecord = end;
                    nextRecord++;
                }
                t = end;
                run.EndInterval(si, wellCells, t, scenario.Duration, WriteProgress);
            }
            if (cancelled) break;

            if (well is not null)
            {
                double cellUptake = deadUptake - uptakeStart;
                // Each live cell's uptake as last charged (its output then; a daughter born at the last check holds
                // its share of its parent's, the difference to its own output being charged at the next interval).
                foreach (var c in live) cellUptake += pool!.WeightOf(c.Type) * c.Charged;
                traces.Add(coupled.Trace([.. typeTaken.Select(x => x / cells)]) with { CellUptake = cellUptake });
            }
            // The groups keep their live cells at the end (variables and fates as classified last).
            var end0 = new double[v + p];
            for (int type = 0; type < types; type++)
            {
                var members = live.Where(c => c.Type == type).ToArray();
                var values = new double[members.Length * v];
                for (int i = 0; i < members.Length; i++)
                {
                    Variables(members[i], scenario.Duration, grid.Start, end0);
                    end0.AsSpan(0, v).CopyTo(values.AsSpan(i * v, v));
                }
                var group = groups[si * types + type];
                group.StoreAll(values, [.. members.Select(c => c.Fate)], [.. members.SelectMany(c => c.Traits ?? new bool[nTraits])], [.. members.Select(c => c.Weight)]);
                group.Lineage = lineageTraces[type];
            }
            resumption.SaveFinished(si, w =>
            {
                w.Write(maxPaused);
                for (int type = 0; type < types; type++) groups[si * types + type].WriteState(w);
                w.WriteTrace(well is null ? null : traces[^1]);
                w.Write(histories.Count - historyStart);
                for (int i = historyStart; i < histories.Count; i++) w.WriteHistory(histories[i]);
            });

            // The well in progress, at the end of a coupling interval: everything the next intervals and the
            // results read (the parameters are drawn again; only the agents' columns change as the well runs).
            void WriteProgress(BinaryWriter w)
            {
                w.Write(maxPaused);
                w.Write(t);
                w.Write(interval + 1);
                w.Write(nextRecord);
                w.Write(checksSinceRecord);
                w.Write(lastRecord);
                w.WriteDoubles(coupled.LastAverages);
                w.Write(well is not null);
                well?.WriteState(w);
                w.Write(deadUptake);
                w.WriteDoubles(divisions);
                w.WriteDoubles(deaths);
                w.WriteDoubles(typeTaken);
                foreach (var trace in lineageTraces) w.WriteLineage(trace);
                var historyIndex = new Dictionary<CellHistory, int>(ReferenceEqualityComparer.Instance);
                w.Write(histories.Count - historyStart);
                for (int i = historyStart; i < histories.Count; i++)
                {
                    historyIndex[histories[i]] = i - historyStart;
                    w.WriteHistory(histories[i]);
                }
                w.Write(live.Count);
                foreach (var c in live)
                {
                    c.Paused.Write(w);
                    w.Write(c.Root);
                    w.Write(c.Type);
                    w.Write(c.Key);
                    w.Write(c.Weight);
                    w.Write(c.UptakeBefore);
                    w.Write(c.Charged);
                    w.Write(c.Bound);
                    w.WriteDoubles(c.Sums);
                    w.Write(c.Fate);
                    w.Write(c.Traits is not null);
                    if (c.Traits is not null) w.WriteBools(c.Traits);
                    w.Write(c.History is null ? -1 : historyIndex[c.History]);
                }
            }

            void ReadProgress(BinaryReader r)
            {
                histories.RemoveRange(historyStart, histories.Count - historyStart);
                maxPaused = Math.Max(maxPaused, r.ReadInt32());
                t = r.ReadDouble();
                interval = r.ReadInt32();
                nextRecord = r.ReadInt32();
                checksSinceRecord = r.ReadInt32();
                lastRecord = r.ReadDouble();
                r.ReadDoubles(coupled.LastAverages);
                if (r.ReadBoolean() != well is not null) throw WellState.Mismatch("a well with or without a ligand pool, unlike the run");
                well?.ReadState(r);
                deadUptake = r.ReadDouble();
                r.ReadDoubles(divisions);
                r.ReadDoubles(deaths);
                r.ReadDoubles(typeTaken);
                foreach (var trace in lineageTraces) r.ReadLineage(trace);
                var restored = new CellHistory[r.ReadInt32()];
                for (int i = 0; i < restored.Length; i++) histories.Add(restored[i] = r.ReadHistory());
                int liveCount = r.ReadInt32();
                live = new List<LiveCell>(liveCount);
                for (int n = 0; n < liveCount; n++)
                {
                    var c = new LiveCell
                    {
                        Paused = PausedCell.Read(r), Root = r.ReadInt32(), Type = r.ReadInt32(), Key = r.ReadUInt64(), Weight = r.ReadDouble(),
                        UptakeBefore = r.ReadDouble(), Charged = r.ReadDouble(), Bound = r.ReadDouble(), Sums = r.ReadDoubles(), Fate = r.ReadInt32(),
                    };
                    if (r.ReadBoolean()) c.Traits = r.ReadBools();
                    int h = r.ReadInt32();
                    if (h >= restored.Length || c.Root < 0 || c.Root >= wellCells || c.Type != c.Root / cells || c.Sums.Length != 4 * o)
                        throw WellState.Mismatch("a live cell that does not belong to the well");
                    if (h >= 0) c.History = restored[h];
                    live.Add(c);
                }
            }

            // Fates of every live cell at a recorded time (in parallel; each cell's own), fate rules reading
            // the scenario's dose.
            void Classify(List<LiveCell> cellsNow, int k, double time, double start)
            {
                var array = cellsNow.ToArray();
                Parallel.For(0, (array.Length + 255) / 256, new ParallelOptions { MaxDegreeOfParallelism = threads },
                    () => new double[v + p],
                    (chunk, _, vars) =>
                    {
                        for (int i = chunk * 256; i < Math.Min(array.Length, (chunk + 1) * 256); i++)
                        {
                            var c = array[i];
                            Variables(c, time, start, vars);
                            c.Fate = PopulationRunner.Classify(study, study.CellTypes[c.Type].Name, vars, fateNames);
                            if (nTraits > 0) PopulationRunner.EvaluateTraits(study, study.CellTypes[c.Type].Name, vars, c.Traits ??= new bool[nTraits]);
                        }
                        return vars;
                    },
                    _ => { });
            }

            // A cell's fate variables at a recorded time from its running sums, then its parameters (the dose: the scenario's).
            void Variables(LiveCell c, double time, double start, double[] vars)
            {
                var sums = c.Sums;
                double duration = time - start;
                for (int j = 0; j < o; j++)
                {
                    vars[j] = sums[j];
                    vars[o + j] = sums[2 * o + j];
                    vars[2 * o + j] = duration > 0 ? sums[2 * o + j] / duration : sums[j];
                    vars[3 * o + j] = sums[3 * o + j];
                }
                parameters.AsSpan(c.Root * p, p).CopyTo(vars.AsSpan(v));
                vars[v + dose] = dose0;
            }

            // The groups' weighted statistics at recorded time k, in cell order; the sampled histories.
            void Record(int k)
            {
                for (int type = 0; type < types; type++)
                {
                    lineageTraces[type].Divisions[k] = divisions[type];
                    lineageTraces[type].Deaths[k] = deaths[type];
                }
                Array.Clear(divisions);
                Array.Clear(deaths);
                foreach (var c in live)
                {
                    var trace = lineageTraces[c.Type];
                    double w = c.Weight;
                    trace.Cells[k] += w;
                    trace.SquaredWeights[k] += w * w;
                    trace.Simulated[k]++;
                    trace.FateCells[k][c.Fate] += w;
                    if (c.Traits is { } traits)
                        for (int t = 0; t < nTraits; t++) if (traits[t]) trace.TraitCells[k][c.Fate * nTraits + t] += w;
                    var means = trace.Means[k];
                    for (int j = 0; j < o; j++) means[j] += w * c.Sums[j];
                    if (c.History is { } h)
                    {
                        h.Times.Add(recordTimes[k]);
                        h.Outputs.Add(c.Sums.AsSpan(0, o).ToArray());
                    }
                }
                foreach (var trace in lineageTraces)
                    if (trace.Cells[k] > 0)
                        for (int j = 0; j < o; j++) trace.Means[k][j] /= trace.Cells[k];
                    else Array.Fill(trace.Means[k], double.NaN);
            }
        }

        var counters = resumption.Work();
        return new PopulationResult(study, scenarios, variableNames, fateNames, groups, counters.Events, cancelled || cancellationToken.IsCancellationRequested)
        {
            Method = cellEngines.Description,
            LeapedEvents = counters.LeapedFirings,
            LigandPools = traces,
            SlowScaleCriterion = run.Criterion?.Rows(groups) ?? [],
            Histories = histories,
            BytesPerCell = BytesPerCell(o, maxPaused),
        };
    }

    private static bool Holds(Expr condition, double[] vars)
    {
        double value = ExpressionEvaluator.Evaluate(condition, sym => vars[sym.Index]);
        return value != 0 && !double.IsNaN(value);
    }

    /// <summary>Per species of the model, how a division shares it: reset, replicated, kept (clamped species) or split.</summary>
    internal static Share[] SharesOf(ReactionModel model, Lineage lineage) =>
        [.. model.Species.Select((sp, i) => lineage.Reset.Contains(i) ? Share.Reset
            : lineage.Replicate.Contains(i) ? Share.Replicate
            : sp.Clamped ? Share.Keep : Share.Split)];

    /// <summary>
    /// The two daughters of <paramref name="parent"/> at <paramref name="time"/>: its full-model counts (drawn by
    /// the engine when it lumps species) shared species by species with the parent's stream (split:
    /// Binomial(n, 1/2) and the rest; replicated: Binomial(2n, 1/2) and the rest of 2n; reset: 0; clamped:
    /// kept), each daughter started on its share with the stream of its lineage key.
    /// </summary>
    private static (LiveCell, LiveCell) Divide(LiveCell parent, IResumableCellSimulator engine, ReadOnlySpan<double> parameters, Share[] shares,
        double[] full, ulong wellSeed, double time)
    {
        ref var random = ref parent.Paused.Random;
        engine.FullCounts(parent.Paused, parameters, full, ref random);
        var a = new double[full.Length];
        var b = new double[full.Length];
        for (int i = 0; i < full.Length; i++)
        {
            double n = Math.Max(0, Math.Round(full[i]));
            switch (shares[i])
            {
                case Share.Split:
                    a[i] = BinomialSampler.Sample(n, 0.5, ref random);
                    b[i] = n - a[i];
                    break;
                case Share.Replicate:
                    a[i] = BinomialSampler.Sample(2 * n, 0.5, ref random);
                    b[i] = 2 * n - a[i];
                    break;
                case Share.Reset:
                    break;
                default:
                    a[i] = b[i] = full[i];
                    break;
            }
        }
        LiveCell Daughter(double[] counts, ulong salt)
        {
            ulong key = SplitMix64.Mix(parent.Key ^ salt);
            return new LiveCell
            {
                Paused = engine.Start(counts, wellSeed, key, time),
                Root = parent.Root,
                Type = parent.Type,
                Key = key,
                Weight = parent.Weight,
                Sums = (double[])parent.Sums.Clone(),
            };
        }
        return (Daughter(a, Daughter1), Daughter(b, Daughter2));
    }
}
