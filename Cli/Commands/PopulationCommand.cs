using System.CommandLine;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Cli.Commands;

/// <summary><c>stochastic population STUDY …</c>: run a population study and write fates, observables, a report and figures.</summary>
internal static class PopulationCommand
{
    public static Command Create(TextWriter output, TextWriter error, RunContext context)
    {
        var file = new Argument<FileInfo?>("STUDY") { Description = "study file (docs/study-files.md); not with --resume", Arity = ArgumentArity.ZeroOrOne };
        var cells = new Option<int>("--cells") { Description = "cells per cell type and scenario (0 = the study's)", DefaultValueFactory = _ => 0 };
        var scenarios = new Option<string[]>("--scenario") { Description = "scenario(s) to run (default: all)", AllowMultipleArgumentsPerToken = true };
        var seed = new Option<ulong?>("--seed") { Description = "master seed (default: the study's)" };
        var threads = new Option<int>("--threads") { Description = "worker threads (0 = all cores); results do not depend on it", DefaultValueFactory = _ => 0 };
        var coupling = new Option<double?>("--coupling") { Description = "coupling interval of the study's shared ligand pool (model time units; default: the study's ligand_pool coupling=); without a pool, the check interval of its lineage block (default: its every)" };
        coupling.Validators.Add(r =>
        {
            double? c = r.GetValueOrDefault<double?>();
            if (c is { } x && (!(x > 0) || double.IsInfinity(x))) r.AddError($"--coupling must be a positive number, got {x}");
        });
        var historyRoots = new Option<int>("--histories") { Description = "with a lineage block: root cells per scenario and cell type whose histories (with all descendants) go to histories.csv", DefaultValueFactory = _ => 3 };
        historyRoots.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError("--histories must not be negative");
        });
        var profile = new Option<bool>("--profile") { Description = "also write cost.csv (firings, leaped firings and worker seconds per scenario x cell type, costliest first) and print the costliest groups" };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "output folder", DefaultValueFactory = _ => new DirectoryInfo("population") };
        var engine = EngineOptions.Create();
        var runOptions = new CellRunOptions();

        var command = new Command("population", "Run a population study: fates per scenario and cell type, observable distributions.");
        command.Arguments.Add(file);
        foreach (var o in new Option[] { cells, scenarios, seed, threads }) command.Options.Add(o);
        engine.AddTo(command);
        foreach (var o in new Option[] { coupling, historyRoots, profile, outDir }) command.Options.Add(o);
        runOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(runOptions.Resume) is { } resumeDir && context.ResumeCheckpoint is null)
                return await CellRunOptions.ResumeAsync(resumeDir, parse.GetValue(file) is not null, parse.GetValue(threads), output, error);
            if (parse.GetValue(file) is not { } studyFile)
            {
                error.WriteLine("error: population needs a STUDY file (or --resume DIR)");
                return CliApp.InputError;
            }
            var study = StudyReader.Read(studyFile.ToString());
            study.RequireScenarios(parse.GetValue(scenarios) ?? [], "--scenario");
            var options = engine.Apply(new PopulationOptions(parse.GetValue(cells), parse.GetValue(seed), parse.GetValue(threads), parse.GetValue(scenarios)), parse, study.Settings.Engine, error)
                with { Coupling = parse.GetValue(coupling), HistoryRoots = parse.GetValue(historyRoots) };
            if (study.WellCoupling is null && options.Coupling is not null)
            {
                error.WriteLine("error: --coupling needs a study with a 'ligand_pool' setting or a 'lineage' block (docs/study-files.md)");
                return CliApp.InputError;
            }
            if (EngineOptions.RefusesCoupledStudy(study, options.Method, error)) return CliApp.InputError;
            int n = options.CellsPerType > 0 ? options.CellsPerType : study.Settings.Cells;
            int scenarioCount = options.Scenarios is { Count: > 0 } s ? s.Count : study.Scenarios.Length;
            long total = (long)n * scenarioCount * study.CellTypes.Length;
            var dir = parse.GetValue(outDir)!;
            bool coupled = study.WellCoupling is not null;
            var identity = CellRunOptions.Identity(parse, "population", studyFile.ToString(), study, options.Seed ?? study.Settings.Seed, total);
            if (runOptions.Open(parse, context, dir, identity, total, coupled, error) is not { } session) return CliApp.InputError;
            options = options with { Plan = session.Plan };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = ProgressDisplay.Run($"{study.Model.Name}: {total} cells", total, (PopulationProgress p) => p.CellsDone,
                progress => PopulationRunner.Run(study, options, progress: progress, cancellationToken: cancellationToken));
            long done = result.Groups.Sum(g => (long)g.Completed);
            if (session.ShardFile is { } shardFile)
            {
                if (result.Cancelled)
                {
                    error.WriteLine($"interrupted: shard not written ({done} cells had finished)");
                    return CliApp.Interrupted;
                }
                session.WriteShard(result.Cells().Layout);
                output.WriteLine($"wrote {shardFile}");
                return 0;
            }
            dir.Create();
            string? note = result.Cancelled ? session.PartialNote(done, total) : null;
            WriteTable(Path.Combine(dir.FullName, "fates.csv"), note, w => PopulationCsv.WriteFates(result, w));
            WriteTable(Path.Combine(dir.FullName, "observables.csv"), note, w => PopulationCsv.WriteObservables(result, w));
            Write(Path.Combine(dir.FullName, "report.md"), w => PopulationCsv.WriteReport(result, w));
            WriteCells(Path.Combine(dir.FullName, "cells.parquet"), result.Cells(), identity, result.Cancelled);
            if (result.LigandPools.Count > 0)
            {
                WriteTable(Path.Combine(dir.FullName, "ligand.csv"), note, w => PopulationCsv.WriteLigand(result, w));
                PopulationPlots.Ligand(result, Path.Combine(dir.FullName, "ligand.png"));
                // Without a bound observable, a shorter interval does not help where the cells' bound ligand outweighs the free.
                string advice = study.Settings.LigandPool?.Bound is null
                    ? "a shorter --coupling helps; where the cells hold more bound ligand than the fluid holds free, name it with 'bound=' (docs/study-files.md, \"Shared ligand pool\")"
                    : "a shorter --coupling (a few percent per interval) is advised";
                foreach (var t in result.LigandPools.Where(t => t.IntervalTooLong))
                    error.WriteLine(FormattableString.Invariant($"warning: scenario {t.Scenario}: a free concentration changed by up to {t.MaxRelativeChange:P1} in one coupling interval (above {LigandPool.RecommendedMaxRelativeChange:P0}); {advice}"));
            }
            if (study.Lineage is not null)
            {
                WriteTable(Path.Combine(dir.FullName, "fates_time.csv"), note, w => PopulationCsv.WriteFatesOverTime(result, w));
                WriteTable(Path.Combine(dir.FullName, "timecourse.csv"), note, w => PopulationCsv.WriteTimecourse(result, w));
                WriteTable(Path.Combine(dir.FullName, "histories.csv"), note, w => PopulationCsv.WriteHistories(result, w));
            }
            if (parse.GetValue(profile)) WriteProfile(result, dir, output);
            var criterion = SlowScaleCriterionRow.Summary(result.SlowScaleCriterion);
            if (criterion.Count > 0)
                error.WriteLine(FormattableString.Invariant($"warning: some cells start with a lumped pair below θ = {result.SlowScaleCriterion[0].Theta:G3} ({string.Join("; ", criterion)}); see report.md"));
            PopulationPlots.FateFractions(result, Path.Combine(dir.FullName, "fates.png"));
            PopulationPlots.Distributions(result, dir.FullName);
            var lineagePlots = PopulationPlots.Lineage(result, dir.FullName);
            session.Finish(result.Cancelled);
            if (session.Plan?.RestoredCells is > 0 and long restored)
                output.WriteLine(context.Shards is not null ? $"merged {context.Shards.Count} shards: {restored} cells, none simulated again" : $"resumed: {restored} cells restored from the checkpoint, the rest simulated");
            if (session.Plan?.ContinuedFrom is { } from)
                output.WriteLine($"resumed: continued from the checkpoint ({from})");
            output.WriteLine($"wrote {dir.FullName}/fates.csv, observables.csv, cells.parquet, {(result.LigandPools.Count > 0 ? "ligand.csv, ligand.png, " : "")}{(study.Lineage is not null ? "fates_time.csv, timecourse.csv, histories.csv, " : "")}{string.Concat(lineagePlots.Select(f => f + ", "))}{(parse.GetValue(profile) ? "cost.csv, " : "")}report.md, *.png");
            if (session.Checkpoint?.WellStatesWritten is { Count: > 0 } states)
                output.WriteLine(FormattableString.Invariant($"checkpoint: {states.Count} well states written in {states.Time.TotalSeconds:F2} s ({states.Time.TotalSeconds / Math.Max(1e-9, clock.Elapsed.TotalSeconds):P2} of the run's {clock.Elapsed.TotalSeconds:F0} s)"));
            if (result.Cancelled) error.WriteLine($"interrupted: wrote the {done} cells that finished (the files say they are partial){(session.Checkpoint is not null ? $"; continue with --resume {dir.FullName}" : "")}");
            return result.Cancelled ? CliApp.Interrupted : 0;
        });
        return command;
    }

    /// <summary><c>cost.csv</c> and, on <paramref name="output"/>, the groups that took 80% of the time.</summary>
    private static void WriteProfile(PopulationResult result, DirectoryInfo dir, TextWriter output)
    {
        Write(Path.Combine(dir.FullName, "cost.csv"), w => PopulationCsv.WriteCost(result, w));
        double total = result.Groups.Sum(g => g.Cost.Seconds), shown = 0;
        string unit = result.Study.Settings.TimeUnit;
        output.WriteLine(FormattableString.Invariant($"cost: {total:F1} worker-s in the cell engines; the groups that took 80% of it (cost.csv has all):"));
        foreach (var g in result.Groups.OrderByDescending(g => g.Cost.Seconds))
        {
            if (shown >= 0.8 * total || total <= 0) break;
            var c = g.Cost;
            shown += c.Seconds;
            output.WriteLine(FormattableString.Invariant(
                $"  {g.Scenario.Name} × {g.CellType.Name}: {c.Seconds / total:P1}, {c.FiringsPerCellTime:G3} firings per cell-{unit} ({c.LeapedShare:P0} leaped), {c.NanosecondsPerFiring:F0} ns per firing"));
        }
    }

    internal static void Write(string path, Action<TextWriter> write)
    {
        using var writer = new StreamWriter(path);
        write(writer);
    }

    /// <summary>A CSV table; an interrupted run's opens with <paramref name="partialNote"/> (a <c>#</c> comment line: pandas reads it with <c>comment='#'</c>).</summary>
    internal static void WriteTable(string path, string? partialNote, Action<TextWriter> write)
    {
        using var writer = new StreamWriter(path);
        if (partialNote is not null) writer.WriteLine(partialNote);
        write(writer);
    }

    /// <summary><c>cells.parquet</c>: one row per finished cell, the run's identity in its metadata (docs/outputs.md).</summary>
    internal static void WriteCells(string path, CellRows cells, IReadOnlyDictionary<string, string> identity, bool partial)
    {
        var metadata = new Dictionary<string, string>(identity) { [CellRunOptions.KindKey] = "cells" };
        if (partial) metadata[CellRunOptions.PartialKey] = "true";
        CellTable.WriteAtomic(path, cells, metadata);
    }
}
