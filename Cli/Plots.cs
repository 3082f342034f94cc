using ScottPlot;
using Stochastic.Simulation;

namespace Stochastic.Cli;

/// <summary>PNG figures of results (ScottPlot).</summary>
internal static class Plots
{
    /// <summary>Mean ± one standard deviation of every output over time.</summary>
    public static void MeanAndSd(EnsembleResult result, string title, string path)
    {
        var plot = new Plot();
        double[] times = result.Grid.Times();
        var palette = new ScottPlot.Palettes.Category10();
        for (int j = 0; j < result.OutputNames.Count; j++)
        {
            var mean = new double[times.Length];
            var low = new double[times.Length];
            var high = new double[times.Length];
            for (int k = 0; k < times.Length; k++)
            {
                mean[k] = result.Mean(k, j);
                double sd = result.StandardDeviation(k, j);
                low[k] = mean[k] - sd;
                high[k] = mean[k] + sd;
            }
            var color = palette.GetColor(j);
            var band = plot.Add.FillY(times, low, high);
            band.FillColor = color.WithAlpha(0.2);
            band.LineWidth = 0;
            var line = plot.Add.ScatterLine(times, mean, color);
            line.LineWidth = 2;
            line.LegendText = result.OutputNames[j];
        }
        plot.Title($"{title}: mean ± sd over {result.Runs} runs");
        plot.XLabel("time");
        plot.YLabel("count");
        plot.ShowLegend(Alignment.UpperRight);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 1000, 650);
    }
}
