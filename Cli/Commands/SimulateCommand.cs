using System.CommandLine;
using System.Globalization;
using Stochastic.Methods;
using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Reports;
using Stochastic.Simulation;
using Stochastic.Simulation.Tau;

namespace Stochastic.Cli.Commands;

/// <summary><c>stochastic simulate FILE …</c>: run an ensemble and write mean/sd CSV, optionally trajectories and a plot.</summary>
internal static class SimulateCommand
{
    public static Command Create(TextWriter output, TextWriter error, RunContext context)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "model file (.bngl, .net, .xml/.sbml)" };
        var tEnd = new Option<double?>("--t-end") { Description = "end time (default: the file's simulate action)" };
        var points = new Option<int?>("--points") { Description = "number of output times including t = 0 (default: the file's n_steps + 1, else 101)" };
        var runs = new Option<int>("--runs") { Description = "number of runs", DefaultValueFactory = _ => 1000 };
        var seed = new Option<ulong>("--seed") { Description = "master seed; run r uses stream (seed, r)", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "worker threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var method = EngineOptions.MethodOption(MethodCatalog.All, "simulation method", "ssa");
        var outFile = new Option<FileInfo>("--out") { Description = "results CSV: time, NAME-mean…, NAME-sd…", DefaultValueFactory = _ => new FileInfo("results.csv") };
        var trajectories = new Option<FileInfo?>("--trajectories") { Description = "also write every trajectory, a long table run,time,NAME… (CSV; Parquet when the name ends in .parquet)" };
        var plot = new Option<FileInfo?>("--plot") { Description = "write a PNG of mean ± sd over time" };
        var epsilon = EngineOptions.EpsilonOption("tau-leaping error control ε (Cao, Gillespie & Petzold 2006)");
        var rtol = new Option<double>("--rtol") { Description = "ode, and rate rules in exact methods: relative tolerance of the integrator (CVODE)", DefaultValueFactory = _ => Simulation.Ode.OdeTolerances.Default.Relative };
        var atol = new Option<double>("--atol") { Description = "ode, and rate rules in exact methods: absolute tolerance of the integrator, in molecules (or the variable's units)", DefaultValueFactory = _ => Simulation.Ode.OdeTolerances.Default.Absolute };
        foreach (var tolerance in new[] { rtol, atol })
            tolerance.Validators.Add(r =>
            {
                double v = r.GetValueOrDefault<double>();
                if (!(v > 0 && v < 1)) r.AddError($"{tolerance.Name} must be in (0, 1), got {v}");
            });
        var stats = new Option<bool>("--stats") { Description = "print 'stats: events=… wall_s=… events_per_s=…' as the last line on stderr" };

        var command = new Command("simulate", "Simulate an ensemble of trajectories and write per-time mean and standard deviation.");
        command.Arguments.Add(file);
        var shard = new Option<string?>("--shard") { Description = "compute only shard i of n (1 ≤ i ≤ n), a contiguous range of whole blocks of 32 runs, into OUT/shard-i-of-n.parquet (--out is then a folder); join with 'stochastic merge'" };
        shard.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && CellRunOptions.ParseShard(text) is null)
                r.AddError($"--shard must be i/n with 1 ≤ i ≤ n, e.g. 2/8; got '{Population.CellTable.Excerpt([text])}'");
        });
        var force = new Option<bool>("--force") { Description = "overwrite an existing shard file or merged output folder" };
        foreach (var o in new Option[] { tEnd, points, runs, seed, threads, method, epsilon, rtol, atol, outFile, trajectories, plot, stats, shard, force }) command.Options.Add(o);

        command.SetAction((parse, cancellationToken) =>
        {
            string methodName = parse.GetValue(method)!;
            var chosen = MethodCatalog.Get(methodName, "--method");
            var settings = MethodSettings.Default with
            {
                Epsilon = parse.GetValue(epsilon),
                Ode = Simulation.Ode.OdeTolerances.Default with { Relative = parse.GetValue(rtol), Absolute = parse.GetValue(atol) },
            };
            var model = ModelLoader.Load(parse.GetValue(file)!.ToString());
            var network = NetworkCompiler.Compile(model);
            if (network.HasEvents && !chosen.AppliesEvents)
                error.WriteLine($"warning: method {chosen.Name} does not apply events; this model's events are ignored (ssa and hybrid apply them)");
            double end = parse.GetValue(tEnd) ?? model.DefaultRun?.TEnd
                ?? throw new ArgumentOutOfRangeException(nameof(tEnd), "no end time: give --t-end (the file has no simulate action with t_end)");
            var grid = TimeGrid.For(model.DefaultRun, end, parse.GetValue(points));
            int runCount = parse.GetValue(runs);
            if (runCount < 1) throw new ArgumentOutOfRangeException(nameof(runs), $"--runs must be at least 1, got {runCount}");
            var options = new EnsembleOptions(runCount, parse.GetValue(seed), grid, parse.GetValue(threads), parse.GetValue(trajectories) is not null);
            var outputs = new[] { parse.GetValue(outFile)!, parse.GetValue(trajectories), parse.GetValue(plot) }.OfType<FileInfo>().Select(f => f.FullName).ToList();
            if (outputs.Distinct().Count() < outputs.Count)
            {
                error.WriteLine("error: --out, --trajectories and --plot must name different files");
                return Task.FromResult(CliApp.InputError);
            }
            var shardOf = parse.GetValue(shard) is { } shardText ? CellRunOptions.ParseShard(shardText) : null;
            bool merging = context.Shards is not null;
            if ((shardOf is not null || merging) && !chosen.RunsBlockRanges)
            {
                error.WriteLine($"error: --shard: method {chosen.Name} does not summarize its runs in fixed blocks; use {(chosen.Name == "batch" ? "tau (the same tau-leaping, the same results)" : "an exact method or tau")}");
                return Task.FromResult(CliApp.InputError);
            }
            string modelPath = parse.GetValue(file)!.ToString();
            var identity = CellRunOptions.Identity(parse, "simulate", modelPath, CellRunOptions.FileHash(modelPath), options.Seed, options.Blocks, ["--trajectories", "--plot"]);
            var outDir = new DirectoryInfo(parse.GetValue(outFile)!.FullName);
            if (merging && outDir.Exists && outDir.EnumerateFileSystemInfos().Any() && !parse.GetValue(force))
            {
                error.WriteLine($"error: {outDir.FullName} exists and is not empty; add --force to overwrite it");
                return Task.FromResult(CliApp.InputError);
            }
            string? shardPath = shardOf is { } so ? Path.Combine(outDir.FullName, CellRunOptions.ShardFileName(so.Index, so.Count)) : null;
            if (shardPath is not null && File.Exists(shardPath) && !parse.GetValue(force))
            {
                error.WriteLine($"error: {shardPath} exists; add --force to overwrite it");
                return Task.FromResult(CliApp.InputError);
            }
            (long First, long End) blockRange = shardOf is { } sh ? Population.CellRunPlan.ShardRange(options.Blocks, sh.Index, sh.Count) : (0, options.Blocks);
            if (shardOf is not null) options = options with { BlockRange = ((int)blockRange.First, (int)blockRange.End) };

            var result = merging ? Merge(context.Shards!, grid, network.OutputNames, options)
                : ProgressDisplay.Run($"{model.Name}: {runCount} runs", runCount,
                    progress => chosen.RunEnsemble(model, network, options, settings, progress, cancellationToken));

            if (shardPath is not null)
            {
                if (result.Cancelled)
                {
                    error.WriteLine("interrupted: shard not written");
                    return Task.FromResult(CliApp.Interrupted);
                }
                outDir.Create();
                var meta = new Dictionary<string, string>(identity)
                {
                    [CellRunOptions.KindKey] = "shard",
                    [CellRunOptions.ShardKey] = $"{shardOf!.Value.Index}/{shardOf.Value.Count}",
                    [CellRunOptions.RangeKey] = $"{blockRange.First}..{blockRange.End}",
                };
                EnsembleTable.WriteAtomic(shardPath, result, (int)blockRange.First * Ensemble.BlockSize, meta);
                output.WriteLine($"wrote {shardPath}");
                return Task.FromResult(0);
            }
            FileInfo Place(FileInfo f) => merging ? new FileInfo(Path.Combine(outDir.FullName, f.Name)) : f;
            var resultsFile = merging ? new FileInfo(Path.Combine(outDir.FullName, "results.csv")) : parse.GetValue(outFile)!;
            string? note = result.Cancelled ? $"# partial: the run was interrupted; {result.Runs} of {runCount} runs finished" : null;
            Write(resultsFile, note, w => ResultsCsv.WriteSummary(result, w));
            if (parse.GetValue(trajectories) is { } trajectoryFile)
            {
                if (trajectoryFile.Extension.Equals(".parquet", StringComparison.OrdinalIgnoreCase))
                {
                    Place(trajectoryFile).Directory?.Create();
                    EnsembleTable.WriteTrajectories(Place(trajectoryFile).FullName, result, result.Cancelled ? new Dictionary<string, string> { ["stochastic.partial"] = "true" } : null);
                }
                else Write(Place(trajectoryFile), note, w => ResultsCsv.WriteTrajectories(result, w));
            }
            if (parse.GetValue(plot) is { } plotFile) Plots.MeanAndSd(result, model.Name, Place(plotFile).FullName);
            if (merging) output.WriteLine($"wrote {resultsFile.FullName}");
            if (result.Cancelled) error.WriteLine($"interrupted: wrote the {result.Runs} runs that finished (the files say they are partial)");
            if (parse.GetValue(stats))
            {
                double wall = result.Wall.TotalSeconds;
                string leaps = result.Counters.Leaps > 0 ? $" leaps={result.Counters.Leaps}" : "";
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"stats: events={result.Counters.Events}{leaps} wall_s={wall:F3} events_per_s={result.Counters.Events / Math.Max(wall, 1e-9):F0}"));
            }
            return Task.FromResult(result.Cancelled ? CliApp.Interrupted : 0);
        });
        return command;
    }

    private static void Write(FileInfo file, string? partialNote, Action<TextWriter> write)
    {
        file.Directory?.Create();
        using var writer = new StreamWriter(file.FullName);
        if (partialNote is not null) writer.WriteLine(partialNote);
        write(writer);
    }

    /// <summary>The ensemble of every shard's blocks (each block once, all of them), with their trajectories in run order.</summary>
    private static EnsembleResult Merge(IReadOnlyList<(string Path, long Cells)> shards, TimeGrid grid, IReadOnlyList<string> names, EnsembleOptions options)
    {
        var blocks = new List<EnsembleBlock>();
        var trajectories = new SortedDictionary<int, double[]>();
        var work = new SimulationCounters();
        foreach (var (path, count) in shards)
        {
            var (b, t, w) = EnsembleTable.Read(path, names, grid.Points);
            if (b.Count != count) throw new SimulationException($"{Path.GetFileName(path)}: holds {b.Count} blocks of runs, its range has {count}: the shard is corrupt");
            blocks.AddRange(b);
            foreach (var (run, record) in t)
                if (!trajectories.TryAdd(run, record)) throw new SimulationException($"{Path.GetFileName(path)}: run {run} is in another shard too");
            work += w;
        }
        var seen = new HashSet<int>();
        foreach (var b in blocks)
            if (b.Index < 0 || b.Index >= options.Blocks || !seen.Add(b.Index)) throw new SimulationException($"block {b.Index} of runs is duplicated or out of range in the shards");
        if (seen.Count != options.Blocks) throw new SimulationException($"the shards hold {seen.Count} of {options.Blocks} blocks of runs");
        if (options.KeepTrajectories && trajectories.Count != options.Runs) throw new SimulationException($"the shards hold {trajectories.Count} of {options.Runs} trajectories");
        return EnsembleResult.FromBlocks(grid, names, blocks, work, options.KeepTrajectories ? [.. trajectories.Values] : null);
    }
}
