using ScottPlot;
using Stochastic.Sensitivity;

namespace Stochastic.Cli;

/// <summary>PNG figures of sensitivity analyses (ScottPlot): the μ*–σ plane of a Morris screen, bars of Sobol indices.</summary>
internal static class SensitivityPlots
{
    /// <summary>
    /// μ* against σ, one labelled point per parameter with μ*'s 95% interval as a horizontal bar (Morris 1991;
    /// Campolongo et al. 2007): far right = important; high σ against μ* = non-linear or interacting. The dashed
    /// line σ = μ* separates mostly additive effects (below) from effects that change sign or size across the range.
    /// </summary>
    public static void Morris(string output, IReadOnlyList<SensitivityParameter> parameters, IReadOnlyList<MorrisFactor> factors, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double top = 0;
        // Points near the origin would pile their labels on each other: those under 5% of the largest μ* go by the legend only.
        double largest = factors.Where(f => double.IsFinite(f.MuStar)).Select(f => f.MuStar).DefaultIfEmpty(0).Max();
        for (int i = 0; i < factors.Count; i++)
        {
            var f = factors[i];
            if (!double.IsFinite(f.MuStar)) continue;
            var color = palette.GetColor(i);
            double sigma = double.IsFinite(f.Sigma) ? f.Sigma : 0;
            if (double.IsFinite(f.MuStarLow) && double.IsFinite(f.MuStarHigh))
            {
                var bar = plot.Add.Line(f.MuStarLow, sigma, f.MuStarHigh, sigma);
                bar.Color = color.WithAlpha(0.6);
                bar.LineWidth = 2;
                top = Math.Max(top, f.MuStarHigh);
            }
            var marker = plot.Add.Marker(f.MuStar, sigma, MarkerShape.FilledCircle, 10, color);
            marker.LegendText = parameters[i].Name;
            if (f.MuStar >= 0.05 * largest && largest > 0)
            {
                var label = plot.Add.Text(parameters[i].Name, f.MuStar, sigma);
                label.LabelFontSize = 13;
                label.LabelFontColor = color;
                label.LabelAlignment = Alignment.LowerLeft;
            }
            top = Math.Max(top, Math.Max(f.MuStar, sigma));
        }
        if (top > 0)
        {
            var diagonal = plot.Add.Line(0, 0, top * 1.1, top * 1.1);
            diagonal.LinePattern = LinePattern.Dashed;
            diagonal.Color = Colors.Gray;
            diagonal.LegendText = "σ = μ*";
            plot.Axes.SetLimits(0, top * 1.15, 0, top * 1.15);
        }
        plot.XLabel("μ* (mean |elementary effect|, output per unit of the parameter's range)");
        plot.YLabel("σ (sd of the elementary effects)");
        plot.Title($"Morris screening: {output}");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1100, 750);
    }

    /// <summary>First-order (S_i) and total (S_Ti) Sobol indices per parameter as bars, with their 95% bootstrap intervals as whiskers.</summary>
    public static void Sobol(string output, IReadOnlyList<SensitivityParameter> parameters, IReadOnlyList<SobolFactor> factors, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var ticks = new List<Tick>();
        bool legend = false;
        for (int i = 0; i < factors.Count; i++)
        {
            var f = factors[i];
            foreach (var (offset, value, low, high, name, c) in new[]
                     { (-0.2, f.First, f.FirstLow, f.FirstHigh, "first order S_i", 0), (0.2, f.Total, f.TotalLow, f.TotalHigh, "total S_Ti", 1) })
            {
                if (!double.IsFinite(value)) continue;
                double x = 3 * i + 1 + offset * 2.5;
                var bar = plot.Add.Bar(new Bar { Position = x, Value = value, Size = 0.9, FillColor = palette.GetColor(c) });
                if (!legend) bar.LegendText = name;
                if (double.IsFinite(low) && double.IsFinite(high))
                {
                    var whisker = plot.Add.Line(x, low, x, high);
                    whisker.Color = Colors.Black;
                    whisker.LineWidth = 2;
                    foreach (double end in new[] { low, high })
                    {
                        var cap = plot.Add.Line(x - 0.2, end, x + 0.2, end);
                        cap.Color = Colors.Black;
                        cap.LineWidth = 2;
                    }
                }
            }
            legend = true;
            ticks.Add(new Tick(3 * i + 1, parameters[i].Name));
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 120;
        plot.Add.HorizontalLine(0, 1, Colors.Gray);
        plot.YLabel("share of the output's variance");
        plot.Title($"Sobol indices: {output}");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, Math.Max(900, 110 * factors.Count + 300), 650);
    }
}
