using System.CommandLine;
using System.Globalization;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Population;
using Stochastic.Sensitivity;

namespace Stochastic.Cli.Commands;

/// <summary>
/// <c>stochastic sensitivity STUDY --param NAME=LOW:HIGH[:log] …</c>: global sensitivity of a study's outputs
/// (fate counts and fractions, traits, expansion, mean read-out) to model parameters and rule thresholds,
/// by Morris screening or Sobol indices. With <c>--dose-response</c> each point runs a dose-response instead
/// and the outputs are EC50s and EC50 ratios.
/// </summary>
internal static class SensitivityCommand
{
    /// <summary>Plots written at most; the CSVs hold every output.</summary>
    private const int MaxPlots = 24;

    /// <summary>Cells per cell type and dose with <c>--dose-response</c> when <c>--cells</c> is not given (the default of <c>dose-response</c>).</summary>
    private const int DoseResponseCells = 10;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("STUDY") { Description = "study file (docs/study-files.md)" };
        var parameters = new Option<string[]>("--param")
        {
            Description = "a parameter and its range, NAME=LOW:HIGH (uniform) or NAME=LOW:HIGH:log (log-uniform); NAME a model parameter, CELLTYPE.PARAMETER for the median a cell type gives it, fate.NAME, trait.NAME, lineage.divide, lineage.die for a rule's threshold, pk.AGENT.half_life, pk.AGENT.exchange_half_time (study time unit), pk.AGENT.partition or pool.cells_per_liter for the tissue; repeat for each",
            Required = true,
        };
        var design = new Option<string>("--design") { Description = "morris (elementary effects: r(k+1) runs) or sobol (Saltelli design, first-order and total indices: N(k+2) runs)", DefaultValueFactory = _ => "morris" };
        design.AcceptOnlyFromAmong("morris", "sobol");
        var trajectories = new Option<int>("--trajectories") { Description = "morris: paths r", DefaultValueFactory = _ => 10 };
        var levels = new Option<int>("--levels") { Description = "morris: grid levels p (even)", DefaultValueFactory = _ => 4 };
        var samples = new Option<int>("--samples") { Description = "sobol: base rows N (a power of two balances the Sobol sequence)", DefaultValueFactory = _ => 64 };
        var outputs = new Option<string[]>("--output") { Description = "outputs to analyse, by name or pattern with * (e.g. 'cells:*:stem_like:better_effector'); default: all", AllowMultipleArgumentsPerToken = true };
        var bootstrap = new Option<int>("--bootstrap") { Description = "bootstrap replicates for the 95% intervals (0: none)", DefaultValueFactory = _ => 1000 };
        var designSeed = new Option<ulong>("--design-seed") { Description = "seed of the Morris paths and the bootstraps (the cells use the study's seed, the same at every point)", DefaultValueFactory = _ => 1 };
        var cells = new Option<int>("--cells") { Description = "cells per cell type and scenario (0 = the study's); with --dose-response per cell type and dose (0 = 10, as dose-response)", DefaultValueFactory = _ => 0 };
        var scenarios = new Option<string[]>("--scenario") { Description = "scenario(s) to run (default: all)", AllowMultipleArgumentsPerToken = true };
        var seed = new Option<ulong?>("--seed") { Description = "master seed of every point (default: the study's)" };
        var threads = new Option<int>("--threads") { Description = "worker threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var cap = new Option<int>("--cap") { Description = "with a lineage block: simulated cells per group before thinning (0 = the study's cap)", DefaultValueFactory = _ => 0 };
        var duration = new Option<double?>("--duration") { Description = "run every scenario for this long instead (model time units; doses after it are not given): a cheaper, shorter setting" };
        var reuse = new Option<FileInfo?>("--from-design") { Description = "analyse the outputs of an earlier run's design.csv (same --param, --design and design options) instead of running the study again, e.g. to choose other --output" };
        var doseResponse = new Option<bool>("--dose-response") { Description = "run a dose-response at every point (as 'stochastic dose-response', with the same cells at every point) instead of the study's scenarios; outputs: ec50, log10_ec50, ec50_ratio and log10_ec50_ratio per ligand, time and cell type" };
        var ligands = new Option<string[]>("--ligand") { Description = "with --dose-response: ligand(s) (default: all but 'none')", AllowMultipleArgumentsPerToken = true };
        var doses = new Option<string?>("--doses") { Description = "with --dose-response: from:to:count, log-spaced, in the study's dose unit (default 1:10000:9)" };
        var times = new Option<string?>("--times") { Description = "with --dose-response: read-out times, comma-separated (default: the study's readout_time)" };
        var cellTypes = new Option<string[]>("--cell-type") { Description = "the cell types to run (default: all); with --dose-response the first is the reference of every EC50 ratio (default: the study's first), without it only for a study without a ligand pool or lineage block, whose cells then are those of a whole run", AllowMultipleArgumentsPerToken = true };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "output folder", DefaultValueFactory = _ => new DirectoryInfo("sensitivity") };
        var engine = EngineOptions.Create();

        var command = new Command("sensitivity", "Global sensitivity of a study's outputs to parameters and thresholds: Morris μ*/σ or Sobol indices with 95% bootstrap intervals.");
        command.Arguments.Add(file);
        foreach (var o in new Option[] { parameters, design, trajectories, levels, samples, outputs, bootstrap, designSeed, cells, scenarios, seed, threads, cap, duration, reuse, doseResponse, ligands, doses, times, cellTypes }) command.Options.Add(o);
        engine.AddTo(command);
        command.Options.Add(outDir);
        command.SetAction((parse, cancellationToken) =>
        {
            var study = StudyReader.Read(parse.GetValue(file)!.ToString());
            var ranges = parse.GetValue(parameters)!.Select(p => SensitivityParameter.Parse(p, "--param")).ToArray();
            study.RequireScenarios(parse.GetValue(scenarios) ?? [], "--scenario");
            bool curves = parse.GetValue(doseResponse);
            DoseResponseDesign? doseDesign = null;
            if (curves)
            {
                foreach (var (name, given) in new[] { ("--scenario", parse.GetValue(scenarios) is { Length: > 0 }), ("--cap", parse.GetValue(cap) != 0), ("--duration", parse.GetValue(duration) is not null) })
                    if (given) { error.WriteLine($"error: {name} sets the study's scenarios, which --dose-response does not run (it runs each dose for the longest --times)"); return Task.FromResult(CliApp.InputError); }
                string[] ligandList = parse.GetValue(ligands) is { Length: > 0 } l ? l : [.. study.Ligands.Keys.Where(k => k != "none").Order(StringComparer.Ordinal)];
                doseDesign = new DoseResponseDesign(ligandList, ParseDoses(parse.GetValue(doses) ?? "1:10000:9"),
                    parse.GetValue(times) is { } text ? DoseResponseCommand.ParseTimes(text) : null, parse.GetValue(cellTypes));
            }
            else
                foreach (var (name, given) in new[] { ("--ligand", parse.GetValue(ligands) is { Length: > 0 }), ("--doses", parse.GetValue(doses) is not null), ("--times", parse.GetValue(times) is not null) })
                    if (given) { error.WriteLine($"error: {name} needs --dose-response"); return Task.FromResult(CliApp.InputError); }
            if (parse.GetValue(cap) is var c and not 0)
            {
                if (c < 0) throw new ArgumentOutOfRangeException(nameof(cap), $"--cap must be a positive number of cells, got {c}");
                if (study.Lineage is null) { error.WriteLine("error: --cap needs a study with a 'lineage' block"); return Task.FromResult(CliApp.InputError); }
                study = new Study(study.Model, study.CellTypes, study.Scenarios, study.Fates, study.Ligands, study.Settings) { Lineage = study.Lineage with { Cap = c }, Traits = study.Traits };
            }
            if (parse.GetValue(duration) is { } d)
            {
                if (!(d > 0) || double.IsInfinity(d)) throw new ArgumentOutOfRangeException(nameof(duration), $"--duration must be a positive number, got {d}");
                study = new Study(study.Model, study.CellTypes, [.. study.Scenarios.Select(s => s with { Duration = d })], study.Fates, study.Ligands, study.Settings) { Lineage = study.Lineage, Traits = study.Traits };
            }
            // A study's cell count is sized for its scenarios, not for every dose of a curve: dose-response's default instead.
            int cellCount = curves && parse.GetValue(cells) == 0 ? DoseResponseCells : parse.GetValue(cells);
            var options = engine.Apply(new PopulationOptions(cellCount, parse.GetValue(seed), parse.GetValue(threads), parse.GetValue(scenarios)), parse, study.Settings.Engine, error);
            if (!curves && parse.GetValue(cellTypes) is { Length: > 0 } typeNames)
            {
                study.CellTypeIndices(typeNames, "--cell-type");
                if (study.WellCoupling is { } coupledBy)
                {
                    error.WriteLine($"error: --cell-type: the study has a {coupledBy}, so its cell types run together in each well and cannot be chosen");
                    return Task.FromResult(CliApp.InputError);
                }
                options = options with { CellTypes = typeNames };
            }
            if (!curves && EngineOptions.RefusesCoupledStudy(study, options.Method, error)) return Task.FromResult(CliApp.InputError);
            int replicates = parse.GetValue(bootstrap);
            var runner = new StudySensitivity(study, options, ranges, doseDesign);
            bool morris = parse.GetValue(design) == "morris";
            ulong dseed = parse.GetValue(designSeed);
            MorrisDesign? morrisDesign = null;
            SaltelliDesign? saltelli = null;
            if (morris)
            {
                int r = parse.GetValue(trajectories), p = parse.GetValue(levels);
                if (r < 2) throw new ArgumentOutOfRangeException(nameof(trajectories), $"--trajectories must be at least 2, got {r}");
                if (p < 2 || p % 2 != 0) throw new ArgumentOutOfRangeException(nameof(levels), $"--levels must be even and at least 2, got {p}");
                morrisDesign = new MorrisDesign(ranges.Length, r, p, dseed);
            }
            else
            {
                int n = parse.GetValue(samples);
                if (n < 2) throw new ArgumentOutOfRangeException(nameof(samples), $"--samples must be at least 2, got {n}");
                if (2 * ranges.Length > SobolSequence.MaxDimensions) throw new ArgumentOutOfRangeException(nameof(parameters), $"--design sobol takes at most {SobolSequence.MaxDimensions / 2} parameters; screen with --design morris first");
                saltelli = new SaltelliDesign(ranges.Length, n);
            }
            var points = morrisDesign?.Points ?? saltelli!.Points;
            var dir = parse.GetValue(outDir)!;
            dir.Create();

            if (parse.GetValue(reuse) is { } earlier)
            {
                Analyse(ReadDesign(earlier.FullName, ranges, points, runner));
                return Task.FromResult(0);
            }
            // design.csv grows point by point, so an interrupted run keeps what it computed.
            var designPath = Path.Combine(dir.FullName, "design.csv");
            using (var designFile = new StreamWriter(designPath))
            {
                var run = ProgressDisplay.Run($"{parse.GetValue(design)}: {points.Length} runs of the {(curves ? "dose-response" : "study")}", points.Length, (SensitivityProgress p) => p.PointsDone,
                    progress => runner.Run(points, progress, (i, names, values) =>
                    {
                        if (i == 0) designFile.WriteLine(string.Join(",", ["point", .. ranges.Select(r => r.Name), .. names]));
                        var x = runner.Values(points[i]);
                        designFile.WriteLine(string.Join(",", [i.ToString(CultureInfo.InvariantCulture), .. ranges.Select(r => F(x[r.Name])), .. values.Select(F)]));
                        designFile.Flush();
                    }, cancellationToken));
                if (run.Cancelled)
                {
                    error.WriteLine($"interrupted: {run.Values.Count} of {points.Length} points finished (design.csv); no indices without the whole design");
                    return Task.FromResult(CliApp.Interrupted);
                }
                Analyse(run);
            }
            return Task.FromResult(0);

            void Analyse(SensitivityRun run)
            {
                var wanted = parse.GetValue(outputs) ?? [];
                var chosen = Enumerable.Range(0, run.Names.Count).Where(j => StudyOutputs.Matches(run.Names[j], wanted)).ToArray();
                if (chosen.Length == 0) throw new ArgumentOutOfRangeException(nameof(outputs), $"no output matches --output {string.Join(" ", wanted)}; outputs are named like {string.Join(", ", run.Names.Take(4))}, … (design.csv lists all)");
                // Outputs that do not change over the design have no sensitivity to show.
                var varying = chosen.Where(j => run.Column(j) is var v && v.Where(double.IsFinite).Distinct().Count() > 1).ToArray();
                // A NaN output (an EC50 the doses do not bracket, a fraction of no cells) is no number to
                // impute: the points are counted, and the effects (Morris) or base rows (Sobol) they enter are left out.
                var nanPoints = new int[run.Names.Count];
                foreach (int j in chosen) nanPoints[j] = run.Column(j).Count(double.IsNaN);
                string csv = Path.Combine(dir.FullName, morris ? "morris.csv" : "sobol.csv");
                int plotted = 0;
                using (var w = new StreamWriter(csv))
                {
                    w.WriteLine(morris ? "output,parameter,mu,mu_star,mu_star_low,mu_star_high,sigma,effects,nan_points" : "output,parameter,S1,S1_low,S1_high,ST,ST_low,ST_high,nan_points");
                    foreach (int j in chosen)
                    {
                        string name = run.Names[j];
                        int nan = nanPoints[j];
                        bool plot = varying.Contains(j) && plotted < MaxPlots;
                        if (morris)
                        {
                            var f = MorrisIndices.Analyze(morrisDesign!, run.Column(j), replicates, dseed);
                            for (int i = 0; i < ranges.Length; i++)
                                w.WriteLine($"{name},{ranges[i].Name},{F(f[i].Mu)},{F(f[i].MuStar)},{F(f[i].MuStarLow)},{F(f[i].MuStarHigh)},{F(f[i].Sigma)},{f[i].Effects},{nan}");
                            if (plot) SensitivityPlots.Morris(name, ranges, f, Path.Combine(dir.FullName, $"morris_{FileName(name)}.png"));
                        }
                        else
                        {
                            var f = SobolIndices.Analyze(saltelli!, run.Column(j), replicates, dseed);
                            for (int i = 0; i < ranges.Length; i++)
                                w.WriteLine($"{name},{ranges[i].Name},{F(f[i].First)},{F(f[i].FirstLow)},{F(f[i].FirstHigh)},{F(f[i].Total)},{F(f[i].TotalLow)},{F(f[i].TotalHigh)},{nan}");
                            if (plot) SensitivityPlots.Sobol(name, ranges, f, Path.Combine(dir.FullName, $"sobol_{FileName(name)}.png"));
                        }
                        if (plot) plotted++;
                    }
                }
                output.WriteLine($"wrote {(parse.GetValue(reuse) is null ? Path.Combine(dir.FullName, "design.csv") + ", " : "")}{csv} ({chosen.Length} outputs, {varying.Length} of them varying) and {plotted} plots");
                var withNaN = chosen.Where(j => nanPoints[j] > 0).ToArray();
                if (withNaN.Length > 0)
                    error.WriteLine($"note: {withNaN.Length} outputs are NaN at some points (not bracketed by the doses, or no cells), left out of their effects: " +
                        string.Join(", ", withNaN.Take(6).Select(j => $"{run.Names[j]} at {nanPoints[j]} of {run.Values.Count}")) + (withNaN.Length > 6 ? ", … (nan_points in the CSV)" : ""));
                if (varying.Length > plotted) error.WriteLine($"note: plotted the first {plotted} varying outputs; name the ones to plot with --output");
            }
        });
        return command;
    }

    /// <summary>
    /// The outputs of an earlier run's <c>design.csv</c>: its input columns must be <paramref name="ranges"/> in
    /// order, and its rows the values at <paramref name="points"/> (the same design), every point present.
    /// </summary>
    private static SensitivityRun ReadDesign(string path, SensitivityParameter[] ranges, double[][] points, StudySensitivity runner)
    {
        var at = new SourcePosition(path, 0, 0);
        if (!File.Exists(path)) throw new ModelException(at, "file not found");
        var lines = File.ReadAllLines(path);
        var header = lines.Length > 0 ? lines[0].Split(',') : [];
        if (header.Length < 1 + ranges.Length || header[0] != "point" || !header.Skip(1).Take(ranges.Length).SequenceEqual(ranges.Select(r => r.Name)))
            throw new ModelException(at, $"its inputs are not those of --param ({string.Join(", ", ranges.Select(r => r.Name))}) in that order");
        if (lines.Length - 1 != points.Length)
            throw new ModelException(at, $"it has {lines.Length - 1} points; this design has {points.Length} (an interrupted run, or other design options)");
        var names = header.Skip(1 + ranges.Length).ToArray();
        var values = new List<double[]>();
        for (int i = 0; i < points.Length; i++)
        {
            var cells = lines[i + 1].Split(',');
            var numbers = new double[cells.Length];
            for (int c = 0; c < cells.Length; c++)
                if (!double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[c]))
                    throw new ModelException(new SourcePosition(path, i + 2, 1), $"'{cells[c]}' is not a number");
            if (cells.Length != header.Length || numbers[0] != i)
                throw new ModelException(new SourcePosition(path, i + 2, 1), $"expected point {i} with {header.Length} values");
            var x = runner.Values(points[i]);
            for (int r = 0; r < ranges.Length; r++)
                if (Math.Abs(numbers[1 + r] - x[ranges[r].Name]) > 1e-5 * Math.Max(1, Math.Abs(x[ranges[r].Name])))
                    throw new ModelException(new SourcePosition(path, i + 2, 1), $"{ranges[r].Name} is {cells[1 + r]} here but {F(x[ranges[r].Name])} in this design: not the same design (check --trajectories, --levels, --samples, --design-seed and the ranges)");
            values.Add(numbers[(1 + ranges.Length)..]);
        }
        return new SensitivityRun(names, values, false);
    }

    /// <summary>The doses of <c>--doses FROM:TO:COUNT</c>, log-spaced (as <c>stochastic dose-response</c> reads them).</summary>
    private static double[] ParseDoses(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 3
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double from)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double to)
            || !int.TryParse(parts[2], CultureInfo.InvariantCulture, out int count))
            throw new ArgumentOutOfRangeException("doses", $"--doses must be from:to:count, e.g. 1:10000:9; got '{text}'");
        return DoseResponse.LogSpaced(from, to, count);
    }

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private static string FileName(string output) => string.Concat(output.Select(ch => char.IsLetterOrDigit(ch) || ch is '_' or '-' or '.' ? ch : '_'));
}
