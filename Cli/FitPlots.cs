using ScottPlot;
using Stochastic.Calibration;

namespace Stochastic.Cli;

/// <summary>Figures of a fit (ScottPlot): data with model curves per population, and the prediction at later times.</summary>
internal static class FitPlots
{
    /// <summary>
    /// fit_POPULATION.png: one panel per fitted time; the data of each replicate (filled markers; excluded points
    /// as crosses) and the model through that replicate's scale and background, fitted (solid) and at the start (dashed).
    /// </summary>
    public static IReadOnlyList<string> Fit(FitResult result, string directory)
    {
        var spec = result.Spec;
        var palette = new ScottPlot.Palettes.Category10();
        var written = new List<string>();
        var curves = result.Best.Curves;
        var startCurves = result.Start.Curves;
        double[] x = [.. curves.Doses.Select(d => Math.Log10(d / spec.Settings.DoseFactor))];
        for (int p = 0; p < curves.Populations.Length; p++)
        {
            string population = curves.Populations[p];
            var replicates = spec.Data.Concat(spec.Excluded).Where(d => d.Population == population).Select(d => d.Replicate).Distinct().Order(StringComparer.Ordinal).ToList();
            var panels = new List<Plot>();
            for (int t = 0; t < curves.Times.Length; t++)
            {
                double time = curves.Times[t];
                var plot = new Plot();
                PopulationPlots.Fonts(plot);
                for (int r = 0; r < replicates.Count; r++)
                {
                    var color = palette.GetColor(r);
                    // a replicate whose every point was excluded has no scale and background: its points alone
                    if (result.Best.Blocks.TryGetValue((population, replicates[r]), out var b) && result.Start.Blocks.TryGetValue((population, replicates[r]), out var s))
                    {
                        var line = plot.Add.ScatterLine(x, [.. curves.Mean[p][t].Select(m => b.Scale * m + b.Background)], color);
                        line.LineWidth = 2;
                        line.LegendText = $"replicate {replicates[r]}: fitted model";
                        var dashed = plot.Add.ScatterLine(x, [.. startCurves.Mean[p][t].Select(m => s.Scale * m + s.Background)], color);
                        dashed.LinePattern = LinePattern.Dashed;
                        dashed.LineWidth = 1.5f;
                        dashed.LegendText = $"replicate {replicates[r]}: start values";
                    }
                    var points = spec.Data.Where(d => d.Population == population && d.Replicate == replicates[r] && Math.Abs(d.Time - time) < 1e-9 * Math.Max(1, time)).ToList();
                    var markers = plot.Add.ScatterPoints(points.Select(d => Math.Log10(d.Dose)).ToArray(), points.Select(d => d.Value).ToArray(), color);
                    markers.MarkerSize = 8;
                    markers.LegendText = $"replicate {replicates[r]}: data";
                    var excluded = spec.Excluded.Where(d => d.Population == population && d.Replicate == replicates[r] && Math.Abs(d.Time - time) < 1e-9 * Math.Max(1, time)).ToList();
                    if (excluded.Count > 0)
                    {
                        var cross = plot.Add.ScatterPoints(excluded.Select(d => Math.Log10(d.Dose)).ToArray(), excluded.Select(d => d.Value).ToArray(), color);
                        cross.MarkerShape = MarkerShape.Cross;
                        cross.MarkerSize = 11;
                        cross.LegendText = $"replicate {replicates[r]}: excluded";
                    }
                }
                plot.XLabel("log10 dose (data unit)");
                plot.YLabel("MFI");
                plot.Title($"{population}, {spec.DataLigand}, {time:G4} {spec.Study.Settings.TimeUnit}");
                plot.ShowLegend(Alignment.UpperLeft);
                panels.Add(plot);
            }
            string path = Path.Combine(directory, $"fit_{FileName(population)}.png");
            PopulationPlots.SaveGrid(panels, 2, 900, 650, path);
            written.Add(path);
        }
        return written;
    }

    /// <summary>
    /// prediction.png: per population, the fitted model's mean read-out against dose at every prediction time
    /// (solid) and the starting model's (dashed, thin); the fitted times are calibrated, the later ones predicted.
    /// </summary>
    public static bool Prediction(FitResult result, string path)
    {
        if (result.Prediction is not { } fit || result.StartPrediction is not { } start) return false;
        var palette = new ScottPlot.Palettes.Category10();
        double[] x = [.. fit.Doses.Select(d => Math.Log10(d / result.Spec.Settings.DoseFactor))];
        var panels = new List<Plot>();
        for (int p = 0; p < fit.Populations.Length; p++)
        {
            var plot = new Plot();
            PopulationPlots.Fonts(plot);
            for (int t = 0; t < fit.Times.Length; t++)
            {
                var color = palette.GetColor(t);
                bool fitted = result.Spec.Times.Any(f => Math.Abs(f - fit.Times[t]) < 1e-9 * Math.Max(1, f));
                var line = plot.Add.ScatterLine(x, fit.Mean[p][t], color);
                line.LineWidth = 2.5f;
                line.LegendText = $"{fit.Times[t]:G4} {result.Spec.Study.Settings.TimeUnit} fitted model{(fitted ? " (calibrated time)" : " (prediction)")}";
                var dashed = plot.Add.ScatterLine(x, start.Mean[p][t], color);
                dashed.LinePattern = LinePattern.Dashed;
                dashed.LineWidth = 1.2f;
                dashed.LegendText = $"{fit.Times[t]:G4} {result.Spec.Study.Settings.TimeUnit} start values";
            }
            plot.XLabel("log10 dose (data unit)");
            plot.YLabel("mean pSTAT5 read-out (model units)");
            plot.Title($"{fit.Populations[p]}: prediction");
            plot.ShowLegend(Alignment.UpperLeft);
            panels.Add(plot);
        }
        PopulationPlots.SaveGrid(panels, 3, 800, 650, path);
        return true;
    }

    private static string FileName(string name) => new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : c == '+' ? 'p' : '_')]);
}
