using System.CommandLine;
using System.Globalization;
using Stochastic.Methods;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Tau;
using Stochastic.Validation;

namespace Stochastic.Cli.Commands;

/// <summary>
/// <c>stochastic dsmts DIR</c>: runs the DSMTS (Evans, Gillespie &amp; Wilkinson 2008) cases in
/// DIR per their settings files and checks every species at every time point.
/// </summary>
internal static class DsmtsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "folder of DSMTS cases (NNNNN/ folders with settings, results and SBML), e.g. Kernel.Tests/Data/dsmts" };
        var runs = new Option<int>("--runs") { Description = "runs per case (the suite asks 10,000)", DefaultValueFactory = _ => 10_000 };
        var method = EngineOptions.MethodOption(MethodCatalog.All, "simulation method", "ssa");
        var seed = new Option<ulong>("--seed") { Description = "master seed", DefaultValueFactory = _ => 1 };
        var epsilon = EngineOptions.EpsilonOption("tau-leaping error control ε (tau, batch, hybrid, slow-scale leaping)");
        var threads = new Option<int>("--threads") { Description = "worker threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var report = new Option<FileInfo?>("--report") { Description = "write a markdown report (per-case table, totals, every failure)" };
        var command = new Command("dsmts", "Run the DSMTS stochastic test suite: Z = √n(X̄−μ)/σ in (−3, 3) and Y = √(n/2)(S²/σ²−1) in (−5, 5) at every time for every species.");
        command.Arguments.Add(dir);
        foreach (var o in new Option[] { runs, method, epsilon, seed, threads, report }) command.Options.Add(o);
        command.SetAction((parse, cancellationToken) =>
        {
            var directory = parse.GetValue(dir)!;
            if (!directory.Exists) throw new DirectoryNotFoundException($"folder not found: {directory}");
            int n = parse.GetValue(runs);
            if (n < 2) throw new ArgumentOutOfRangeException(nameof(runs), $"--runs must be at least 2, got {n}");
            string methodName = parse.GetValue(method)!;
            var chosen = MethodCatalog.Get(methodName, "--method");
            var settings = MethodSettings.Default with { Epsilon = parse.GetValue(epsilon) };
            var cases = DsmtsSuite.Load(directory.FullName);
            var results = new List<DsmtsCaseResult>();
            output.WriteLine($"{"case",-6} {"model",-28} {"mean fail",9} {"sd fail",8} {"wall s",7}");
            foreach (var c in cases)
            {
                if (cancellationToken.IsCancellationRequested) break;
                var model = c.LoadModel();
                var network = NetworkCompiler.Compile(model);
                if (network.HasEvents && !chosen.AppliesEvents)
                    error.WriteLine($"warning: {c.Id}: method {chosen.Name} does not apply events; they are ignored");
                var options = new EnsembleOptions(n, parse.GetValue(seed), c.Grid, parse.GetValue(threads));
                var ensemble = ProgressDisplay.Run($"{c.Id} {c.Title}", n,
                    progress => chosen.RunEnsemble(model, network, options, settings, progress, cancellationToken));
                var result = c.Evaluate(ensemble, methodName, options.Seed);
                results.Add(result);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{c.Id,-6} {Truncate(c.Title, 28),-28} {result.MeanFailures,9} {result.StandardDeviationFailures,8} {result.Wall.TotalSeconds,7:F1}"));
            }
            int meanFailures = results.Sum(r => r.MeanFailures), sdFailures = results.Sum(r => r.StandardDeviationFailures);
            output.WriteLine($"total: {results.Count} cases, {meanFailures} mean failures, {sdFailures} sd failures (a correct simulator at n = 10,000: about 2-3 mean and 5-6 sd failures in the whole suite)");
            if (parse.GetValue(report) is { } reportFile)
            {
                reportFile.Directory?.Create();
                File.WriteAllText(reportFile.FullName, DsmtsReport.ToMarkdown(results, $"DSMTS, {methodName}, n = {n}"));
            }
            bool interrupted = results.Count < cases.Count || results.Any(r => r.Runs < n);
            if (interrupted) error.WriteLine($"interrupted: {results.Count} of {cases.Count} cases checked");
            return Task.FromResult(interrupted ? CliApp.Interrupted : 0);
        });
        return command;
    }

    private static string Truncate(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "…";
}
