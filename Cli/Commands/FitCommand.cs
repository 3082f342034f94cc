using System.CommandLine;
using Stochastic.Calibration;
using Stochastic.Formats;
using Stochastic.Population;

namespace Stochastic.Cli.Commands;

/// <summary><c>stochastic fit FIT_FILE …</c>: fits a study's parameters to dose–response data (docs/calibration.md).</summary>
internal static class FitCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("FIT") { Description = "fit file (docs/calibration.md)" };
        var threads = new Option<int>("--threads") { Description = "worker threads (0 = all cores); results do not depend on it", DefaultValueFactory = _ => 0 };
        var noProfile = new Option<bool>("--no-profile") { Description = "skip the profile-likelihood intervals (the fit alone)" };
        var noSearch = new Option<bool>("--no-search") { Description = "no search: evaluate the fit file's start values against the data (curves, residuals, EC50s, prediction)" };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "output folder", DefaultValueFactory = _ => new DirectoryInfo("fit") };
        var engine = EngineOptions.Create();

        var command = new Command("fit", "Fit model parameters to dose-response data: Nelder-Mead in log space with common random numbers, closed-form scale and background, 95% profile-likelihood intervals, fit plots, residuals, and the fitted model's prediction at later times.");
        command.Arguments.Add(file);
        command.Options.Add(threads);
        command.Options.Add(noProfile);
        command.Options.Add(noSearch);
        engine.AddTo(command);
        command.Options.Add(outDir);
        command.SetAction((parse, cancellationToken) =>
        {
            var spec = FitReader.Read(parse.GetValue(file)!.ToString());
            var named = spec.Settings.Engine is { } method ? spec.Study.Settings.Engine with { Method = method } : spec.Study.Settings.Engine;
            var options = engine.Apply(new PopulationOptions(Threads: parse.GetValue(threads)), parse, named, error);
            FitResult result;
            try
            {
                result = Calibrator.Fit(spec, options, !parse.GetValue(noProfile), line => error.WriteLine(line), cancellationToken, search: !parse.GetValue(noSearch));
            }
            catch (OperationCanceledException)
            {
                error.WriteLine("interrupted: nothing written");
                return Task.FromResult(CliApp.Interrupted);
            }
            var dir = parse.GetValue(outDir)!;
            dir.Create();
            double reference = spec.Times[^1];
            PopulationCommand.Write(Path.Combine(dir.FullName, "fitted.csv"), w => FitReport.WriteEstimates(result, w));
            PopulationCommand.Write(Path.Combine(dir.FullName, "profiles.csv"), w => FitReport.WriteProfiles(result, w));
            PopulationCommand.Write(Path.Combine(dir.FullName, "blocks.csv"), w => FitReport.WriteBlocks(result, w));
            PopulationCommand.Write(Path.Combine(dir.FullName, "residuals.csv"), w => FitReport.WriteResiduals(result, w));
            PopulationCommand.Write(Path.Combine(dir.FullName, "ec50.csv"), w => FitReport.WriteEc50(result, w));
            var written = new List<string> { "fitted.csv", "profiles.csv", "blocks.csv", "residuals.csv", "ec50.csv" };
            if (result.Prediction is not null)
            {
                PopulationCommand.Write(Path.Combine(dir.FullName, "prediction.csv"), w => FitReport.WritePrediction(result, reference, w));
                FitPlots.Prediction(result, Path.Combine(dir.FullName, "prediction.png"));
                written.AddRange(["prediction.csv", "prediction.png"]);
            }
            PopulationCommand.Write(Path.Combine(dir.FullName, "report.md"), w => FitReport.WriteMarkdown(result, reference, w));
            written.Add("report.md");
            written.AddRange(FitPlots.Fit(result, dir.FullName).Select(Path.GetFileName)!);
            output.WriteLine($"wrote {dir.FullName}/{string.Join(", ", written)}");
            return Task.FromResult(0);
        });
        return command;
    }
}
