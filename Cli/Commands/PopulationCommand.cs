using System.CommandLine;
using Stochastic.Methods;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Cli.Commands;

/// <summary><c>stochastic population STUDY …</c>: run a population study and write fates, observables, a report and figures.</summary>
internal static class PopulationCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("STUDY") { Description = "study file (docs/study-files.md)" };
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
        var outDir = new Option<DirectoryInfo>("--out") { Description = "output folder", DefaultValueFactory = _ => new DirectoryInfo("population") };
        var engine = EngineOptions.Create();

        var command = new Command("population", "Run a population study: fates per scenario and cell type, observable distributions.");
        command.Arguments.Add(file);
        foreach (var o in new Option[] { cells, scenarios, seed, threads }) command.Options.Add(o);
        engine.AddTo(command);
        foreach (var o in new Option[] { coupling, historyRoots, outDir }) command.Options.Add(o);
        command.SetAction((parse, cancellationToken) =>
        {
            var study = StudyReader.Read(parse.GetValue(file)!.ToString());
            study.RequireScenarios(parse.GetValue(scenarios) ?? [], "--scenario");
            var options = engine.Apply(new PopulationOptions(parse.GetValue(cells), parse.GetValue(seed), parse.GetValue(threads), parse.GetValue(scenarios)), parse, study.Settings.Engine)
                with { Coupling = parse.GetValue(coupling), HistoryRoots = parse.GetValue(historyRoots) };
            if (study.Settings.LigandPool is null && study.Lineage is null && options.Coupling is not null)
            {
                error.WriteLine("error: --coupling needs a study with a 'ligand_pool' setting or a 'lineage' block (docs/study-files.md)");
                return Task.FromResult(CliApp.InputError);
            }
            if ((study.Settings.LigandPool is not null || study.Lineage is not null) && !options.Method.ResumesCells)
            {
                error.WriteLine($"error: the study has a {(study.Settings.LigandPool is not null ? "shared ligand pool" : "lineage block")}, which needs cells that pause and resume; use --method {string.Join(", ", MethodCatalog.All.Where(m => m.ResumesCells).Select(m => m.Name))}, not {options.Method.Name}");
                return Task.FromResult(CliApp.InputError);
            }
            int n = options.CellsPerType > 0 ? options.CellsPerType : study.Settings.Cells;
            int scenarioCount = options.Scenarios is { Count: > 0 } s ? s.Count : study.Scenarios.Length;
            long total = (long)n * scenarioCount * study.CellTypes.Length;
            var result = ProgressDisplay.Run($"{study.Model.Name}: {total} cells", total, (PopulationProgress p) => p.CellsDone,
                progress => PopulationRunner.Run(study, options, progress: progress, cancellationToken: cancellationToken));
            var dir = parse.GetValue(outDir)!;
            dir.Create();
            Write(Path.Combine(dir.FullName, "fates.csv"), w => PopulationCsv.WriteFates(result, w));
            Write(Path.Combine(dir.FullName, "observables.csv"), w => PopulationCsv.WriteObservables(result, w));
            Write(Path.Combine(dir.FullName, "report.md"), w => PopulationCsv.WriteReport(result, w));
            if (result.LigandPools.Count > 0)
            {
                Write(Path.Combine(dir.FullName, "ligand.csv"), w => PopulationCsv.WriteLigand(result, w));
                PopulationPlots.Ligand(result, Path.Combine(dir.FullName, "ligand.png"));
                foreach (var t in result.LigandPools.Where(t => t.IntervalTooLong))
                    error.WriteLine(FormattableString.Invariant($"warning: scenario {t.Scenario}: a free concentration changed by up to {t.MaxRelativeChange:P1} in one coupling interval; a shorter --coupling (a few percent per interval) is advised"));
            }
            if (study.Lineage is not null)
            {
                Write(Path.Combine(dir.FullName, "fates_time.csv"), w => PopulationCsv.WriteFatesOverTime(result, w));
                Write(Path.Combine(dir.FullName, "timecourse.csv"), w => PopulationCsv.WriteTimecourse(result, w));
                Write(Path.Combine(dir.FullName, "histories.csv"), w => PopulationCsv.WriteHistories(result, w));
            }
            var criterion = SlowScaleCriterionRow.Summary(result.SlowScaleCriterion);
            if (criterion.Count > 0)
                error.WriteLine(FormattableString.Invariant($"warning: some cells start with a lumped pair below θ = {result.SlowScaleCriterion[0].Theta:G3} ({string.Join("; ", criterion)}); see report.md"));
            PopulationPlots.FateFractions(result, Path.Combine(dir.FullName, "fates.png"));
            PopulationPlots.Distributions(result, dir.FullName);
            var lineagePlots = PopulationPlots.Lineage(result, dir.FullName);
            output.WriteLine($"wrote {dir.FullName}/fates.csv, observables.csv, {(result.LigandPools.Count > 0 ? "ligand.csv, ligand.png, " : "")}{(study.Lineage is not null ? "fates_time.csv, timecourse.csv, histories.csv, " : "")}{string.Concat(lineagePlots.Select(f => f + ", "))}report.md, *.png");
            if (result.Cancelled) error.WriteLine($"interrupted: wrote the {result.Groups.Sum(g => g.Completed)} cells that finished");
            return Task.FromResult(result.Cancelled ? CliApp.Interrupted : 0);
        });
        return command;
    }

    internal static void Write(string path, Action<TextWriter> write)
    {
        using var writer = new StreamWriter(path);
        write(writer);
    }
}
