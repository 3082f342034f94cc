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
        var trajectories = new Option<FileInfo?>("--trajectories") { Description = "also write every trajectory (long CSV: run,time,NAME…)" };
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
        foreach (var o in new Option[] { tEnd, points, runs, seed, threads, method, epsilon, rtol, atol, outFile, trajectories, plot, stats }) command.Options.Add(o);

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
            int n = parse.GetValue(points) ?? (model.DefaultRun?.Points is int steps ? steps + 1 : 101);
            var grid = new TimeGrid(model.DefaultRun?.TStart ?? 0, end, n);
            int runCount = parse.GetValue(runs);
            if (runCount < 1) throw new ArgumentOutOfRangeException(nameof(runs), $"--runs must be at least 1, got {runCount}");
            var options = new EnsembleOptions(runCount, parse.GetValue(seed), grid, parse.GetValue(threads), parse.GetValue(trajectories) is not null);

            var result = ProgressDisplay.Run($"{model.Name}: {runCount} runs", runCount,
                progress => chosen.RunEnsemble(model, network, options, settings, progress, cancellationToken));

            Write(parse.GetValue(outFile)!, w => ResultsCsv.WriteSummary(result, w));
            if (parse.GetValue(trajectories) is { } trajectoryFile) Write(trajectoryFile, w => ResultsCsv.WriteTrajectories(result, w));
            if (parse.GetValue(plot) is { } plotFile) Plots.MeanAndSd(result, model.Name, plotFile.FullName);
            if (result.Cancelled) error.WriteLine($"interrupted: wrote the {result.Runs} runs that finished");
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

    private static void Write(FileInfo file, Action<TextWriter> write)
    {
        file.Directory?.Create();
        using var writer = new StreamWriter(file.FullName);
        write(writer);
    }
}
