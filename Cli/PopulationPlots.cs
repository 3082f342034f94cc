using ScottPlot;
using Stochastic.Population;

namespace Stochastic.Cli;

/// <summary>PNG figures of population and dose-response results (ScottPlot).</summary>
internal static class PopulationPlots
{
    /// <summary>Stacked bars: fate fractions per scenario, one panel row per cell type (bars grouped by cell type).</summary>
    public static void FateFractions(PopulationResult result, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var ticks = new List<Tick>();
        int position = 0;
        var legendDone = new HashSet<int>();
        foreach (var cellType in result.Study.CellTypes)
        {
            foreach (var scenario in result.Scenarios)
            {
                var g = result.Groups.FirstOrDefault(x => x.Scenario.Name == scenario.Name && x.CellType.Name == cellType.Name);
                if (g is null) continue;
                double bottom = 0;
                for (int f = 0; f < result.FateNames.Count; f++)
                {
                    double p = g.FateFraction(result.FateNames[f]).Fraction;
                    if (double.IsNaN(p) || p <= 0) continue;
                    var bar = plot.Add.Bar(new Bar { Position = position, ValueBase = bottom, Value = bottom + p, FillColor = palette.GetColor(f) });
                    if (legendDone.Add(f)) bar.LegendText = result.FateNames[f];
                    bottom += p;
                }
                ticks.Add(new Tick(position, $"{cellType.Name}:{scenario.Name}"));
                position++;
            }
            position++;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 60;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 180;
        plot.YLabel("fraction of cells");
        plot.Title("Fate fractions per cell type and scenario");
        plot.ShowLegend(Edge.Right); // beside the bars, which fill the plot to 1
        plot.SavePng(path, Math.Max(1000, 22 * position + 200), 700);
    }

    /// <summary>Free ligand in the tissue fluid over time, one line per scenario with ligand (log scale, in the dose unit).</summary>
    public static void Ligand(PopulationResult result, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int s = 0;
        double floor = double.PositiveInfinity;
        double peak = 0;
        foreach (var t in result.LigandPools) foreach (double c in t.Agents[0].Free) if (c > 0) { floor = Math.Min(floor, c); peak = Math.Max(peak, c); }
        floor = Math.Max(floor, peak * 1e-6);  // six decades: below that the fluid holds a few molecules at most
        foreach (var t in result.LigandPools)
        {
            var free = t.Agents[0].Free;
            if (!free.Any(c => c > 0)) continue;
            // log10, with concentrations below the floor shown at it (a line cannot reach 0 on a log axis)
            var line = plot.Add.ScatterLine(t.Times, [.. free.Select(c => Math.Log10(Math.Max(c, floor)))]);
            line.Color = palette.GetColor(s++);
            line.LegendText = t.Scenario;
        }
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = y => $"1e{y:0.#}" };
        plot.XLabel($"time ({result.Study.Settings.TimeUnit})");
        plot.YLabel($"free ligand in the tissue fluid ({result.Study.Settings.DoseUnit}, log10)");
        plot.Title("Free ligand over time");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1100, 600);
    }

    /// <summary>One histogram figure per key observable (final pSTAT5-like read-outs and their time averages), all scenarios overlaid per cell type.</summary>
    public static void Distributions(PopulationResult result, string directory)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var names = result.VariableNames.Where(n => !n.EndsWith("_max", StringComparison.Ordinal) && !n.EndsWith("_auc", StringComparison.Ordinal)).ToArray();
        foreach (var cellType in result.Study.CellTypes)
        {
            foreach (var name in names.Where(n => n.Contains("pSTAT5", StringComparison.OrdinalIgnoreCase) || n.Contains("Tox", StringComparison.Ordinal) || n.Contains("Eff", StringComparison.Ordinal)))
            {
                int v = result.Variable(name);
                var plot = new Plot();
                int s = 0;
                foreach (var g in result.Groups.Where(g => g.CellType.Name == cellType.Name))
                {
                    var values = g.Values(v);
                    if (values.Length == 0) { s++; continue; }
                    double max = Math.Max(1, result.Groups.Where(x => x.CellType.Name == cellType.Name).SelectMany(x => x.Values(v)).DefaultIfEmpty(1).Max());
                    var hist = ScottPlot.Statistics.Histogram.WithBinCount(20, 0, max * 1.0001);
                    hist.AddRange(values);
                    var line = plot.Add.ScatterLine(hist.Bins, hist.GetProbability(), palette.GetColor(s));
                    line.LegendText = g.Scenario.Name;
                    line.LineWidth = 2;
                    s++;
                }
                plot.Title($"{cellType.Name}: {name}");
                plot.XLabel(name);
                plot.YLabel("fraction of cells");
                plot.ShowLegend(Alignment.UpperRight);
                plot.SavePng(Path.Combine(directory, $"dist_{cellType.Name}_{name}.png"), 900, 600);
            }
        }
    }

    /// <summary>Read-out mean vs dose (log axis), one line per ligand × cell type.</summary>
    public static void DoseResponseCurves(IReadOnlyList<DoseResponseCurve> curves, string doseUnit, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var cellTypes = curves.Select(c => c.CellType).Distinct().ToList();
        var ligands = curves.Select(c => c.Ligand).Distinct().ToList();
        var patterns = new[] { LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed };
        foreach (var c in curves)
        {
            var line = plot.Add.ScatterLine(c.Doses.Select(Math.Log10).ToArray(), c.Mean, palette.GetColor(cellTypes.IndexOf(c.CellType)));
            line.LinePattern = patterns[ligands.IndexOf(c.Ligand) % patterns.Length];
            line.LineWidth = 2;
            line.LegendText = $"{c.Ligand} {c.CellType}";
        }
        plot.XLabel($"log10 dose ({doseUnit})");
        plot.YLabel("read-out (mean over cells)");
        plot.Title("Dose-response");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1100, 700);
    }
}
