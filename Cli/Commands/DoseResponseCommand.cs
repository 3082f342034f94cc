using System.CommandLine;
using System.Globalization;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Cli.Commands;

/// <summary><c>stochastic dose-response STUDY …</c>: pSTAT5 dose-response curves and EC50s per ligand and cell type.</summary>
internal static class DoseResponseCommand
{
    public static Command Create(TextWriter output, TextWriter error, RunContext context)
    {
        var file = new Argument<FileInfo?>("STUDY") { Description = "study file (docs/study-files.md); not with --resume", Arity = ArgumentArity.ZeroOrOne };
        var ligands = new Option<string[]>("--ligand") { Description = "ligand(s) from the study's ligands block (default: all but 'none')", AllowMultipleArgumentsPerToken = true };
        var doses = new Option<string>("--doses") { Description = "from:to:count, log-spaced, in the study's dose unit", DefaultValueFactory = _ => "1:10000:9" };
        var cells = new Option<int>("--cells") { Description = "cells per cell type and dose", DefaultValueFactory = _ => 10 };
        var seed = new Option<ulong?>("--seed") { Description = "master seed (default: the study's)" };
        var threads = new Option<int>("--threads") { Description = "worker threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var times = new Option<string?>("--times") { Description = "read-out times, comma-separated, in the study's time unit (default: its readout_time); each cell is simulated once to the last and read at each" };
        var bootstrap = new Option<int>("--bootstrap") { Description = "bootstrap replicates over cells for the 95% intervals of means, EC50s and EC50 ratios (0: none)", DefaultValueFactory = _ => DoseResponse.DefaultReplicates };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "output folder", DefaultValueFactory = _ => new DirectoryInfo("dose-response") };
        var engine = EngineOptions.Create();
        var runOptions = new CellRunOptions();

        var command = new Command("dose-response", "pSTAT5 dose-response curves, EC50s and EC50 ratios with 95% bootstrap intervals, per ligand, cell type and read-out time.");
        command.Arguments.Add(file);
        foreach (var o in new Option[] { ligands, doses, times, cells, seed, threads, bootstrap }) command.Options.Add(o);
        engine.AddTo(command);
        command.Options.Add(outDir);
        runOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(runOptions.Resume) is { } resumeDir && context.ResumeCheckpoint is null)
                return await CellRunOptions.ResumeAsync(resumeDir, parse.GetValue(file) is not null, parse.GetValue(threads), output, error);
            if (parse.GetValue(file) is not { } studyFile)
            {
                error.WriteLine("error: dose-response needs a STUDY file (or --resume DIR)");
                return CliApp.InputError;
            }
            var study = StudyReader.Read(studyFile.ToString());
            var parts = parse.GetValue(doses)!.Split(':');
            if (parts.Length != 3
                || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double from)
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double to)
                || !int.TryParse(parts[2], CultureInfo.InvariantCulture, out int count))
                throw new ArgumentOutOfRangeException(nameof(doses), $"--doses must be from:to:count, e.g. 1:10000:9; got '{parse.GetValue(doses)}'");
            var doseList = DoseResponse.LogSpaced(from, to, count);
            double[]? timeList = parse.GetValue(times) is { } text ? ParseTimes(text) : null;
            int replicates = parse.GetValue(bootstrap);
            string[] ligandList = parse.GetValue(ligands) is { Length: > 0 } l ? l : [.. study.Ligands.Keys.Where(k => k != "none").Order(StringComparer.Ordinal)];
            study.RequireLigands(ligandList, "--ligand");
            var options = engine.Apply(new PopulationOptions(parse.GetValue(cells), parse.GetValue(seed), parse.GetValue(threads)), parse, study.Settings.Engine, error);
            long total = (long)ligandList.Length * (doseList.Length + 1) * study.CellTypes.Length * (options.CellsPerType > 0 ? options.CellsPerType : study.Settings.Cells);
            var settings = new DoseResponseSettings(timeList, replicates);
            var dir = parse.GetValue(outDir)!;
            var identity = CellRunOptions.Identity(parse, "dose-response", studyFile.ToString(), study, options.Seed ?? study.Settings.Seed, total);
            if (runOptions.Open(parse, context, dir, identity, total, coupled: false, error) is not { } session) return CliApp.InputError;
            options = options with { Plan = session.Plan };
            var result = ProgressDisplay.Run($"dose-response: {total} cells", total, (PopulationProgress p) => p.CellsDone,
                progress => DoseResponse.Run(study, ligandList, doseList, options, settings, progress: progress, cancellationToken: cancellationToken));
            bool cancelled = cancellationToken.IsCancellationRequested;
            if (session.ShardFile is { } shardFile)
            {
                if (cancelled)
                {
                    error.WriteLine("interrupted: shard not written");
                    return CliApp.Interrupted;
                }
                session.WriteShard(DoseResponse.CellLayout(study, result.Times));
                output.WriteLine($"wrote {shardFile}");
                return 0;
            }
            dir.Create();
            string unit = study.Settings.DoseUnit, timeUnit = study.Settings.TimeUnit;
            string? note = cancelled ? "# partial: the run was interrupted; the curves use the cells that finished" +
                (session.Checkpoint is not null ? $"; continue it with: stochastic dose-response --resume {dir.FullName}" : "") : null;
            PopulationCommand.WriteTable(Path.Combine(dir.FullName, "dose_response.csv"), note, w => PopulationCsv.WriteDoseResponse(result.Curves, unit, timeUnit, w));
            PopulationCommand.WriteTable(Path.Combine(dir.FullName, "ec50.csv"), note, w => PopulationCsv.WriteEc50(result.Curves, unit, timeUnit, w));
            PopulationCommand.WriteTable(Path.Combine(dir.FullName, "ec50_ratios.csv"), note, w => PopulationCsv.WriteEc50Ratios(result.Ratios, timeUnit, w));
            PopulationPlots.DoseResponseCurves(result.Curves, unit, timeUnit, Path.Combine(dir.FullName, "dose_response.png"));
            session.Finish(cancelled);
            if (session.Plan?.RestoredCells is > 0 and long restored)
                output.WriteLine(context.Shards is not null ? $"merged {context.Shards.Count} shards: {restored} cells, none simulated again" : $"resumed: {restored} cells restored from the checkpoint, the rest simulated");
            output.WriteLine($"wrote {dir.FullName}/dose_response.csv, ec50.csv, ec50_ratios.csv, dose_response.png");
            if (cancelled) error.WriteLine("interrupted: curves use the cells that finished (the files say they are partial)");
            return cancelled ? CliApp.Interrupted : 0;
        });
        return command;
    }

    /// <summary>The read-out times of <c>--times</c>: positive numbers, comma-separated.</summary>
    internal static double[] ParseTimes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var list = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out list[i]) || !(list[i] > 0) || double.IsInfinity(list[i]))
                throw new ArgumentOutOfRangeException("times", $"--times must be positive numbers separated by commas, e.g. 30,60,120,240; got '{text}'");
        return list;
    }
}
