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

    /// <summary>
    /// Read-out mean vs dose (log axis), one line per ligand × cell type, one panel per read-out time. A shaded
    /// band gives the 95% bootstrap interval of each mean (only with at most 6 curves a panel, where the bands stay
    /// readable; dose_response.csv has them all); a marker at half-maximum the EC50, with a horizontal bar over its
    /// 95% interval (the legend, beside the panel, gives the numbers).
    /// </summary>
    public static void DoseResponseCurves(IReadOnlyList<DoseResponseCurve> curves, string doseUnit, string timeUnit, string path)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var cellTypes = curves.Select(c => c.CellType).Distinct().ToList();
        var ligands = curves.Select(c => c.Ligand).Distinct().ToList();
        var times = curves.Select(c => c.Time).Distinct().Order().ToList();
        var patterns = new[] { LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed };
        var panels = new List<Plot>();
        foreach (double time in times)
        {
            var plot = new Plot();
            Fonts(plot);
            var panel = curves.Where(c => c.Time == time).ToList();
            foreach (var c in panel)
            {
                var color = palette.GetColor(cellTypes.IndexOf(c.CellType));
                double[] x = [.. c.Doses.Select(Math.Log10)];
                if (panel.Count <= 6 && c.MeanLow.Length == c.Doses.Length && c.MeanLow.All(double.IsFinite) && c.MeanHigh.All(double.IsFinite))
                {
                    var band = plot.Add.FillY(x, c.MeanLow, c.MeanHigh);
                    band.FillColor = color.WithAlpha(0.15);
                    band.LineWidth = 0;
                }
                var line = plot.Add.ScatterLine(x, c.Mean, color);
                line.LinePattern = patterns[ligands.IndexOf(c.Ligand) % patterns.Length];
                line.LineWidth = 2;
                line.LegendText = $"{c.Ligand} {c.CellType}: EC50 {Ec50Text(c)}";
                if (double.IsFinite(c.Ec50))
                {
                    double half = c.Baseline + (c.Mean.Max() - c.Baseline) / 2;
                    if (double.IsFinite(c.Ec50Low) && double.IsFinite(c.Ec50High))
                    {
                        var bar = plot.Add.Line(Math.Log10(c.Ec50Low), half, Math.Log10(c.Ec50High), half);
                        bar.Color = color;
                        bar.LineWidth = 3;
                        foreach (double end in new[] { c.Ec50Low, c.Ec50High })
                        {
                            double span = (c.Mean.Max() - c.Baseline) * 0.03;
                            var cap = plot.Add.Line(Math.Log10(end), half - span, Math.Log10(end), half + span);
                            cap.Color = color;
                            cap.LineWidth = 2;
                        }
                    }
                    var marker = plot.Add.Marker(Math.Log10(c.Ec50), half, MarkerShape.FilledCircle, 9, color);
                    marker.MarkerLineColor = Colors.Black;
                }
            }
            plot.XLabel($"log10 dose ({doseUnit})");
            plot.YLabel("read-out (mean over cells)");
            plot.Title(times.Count > 1 || !double.IsNaN(time) ? $"Dose-response at {time:G4} {timeUnit}" : "Dose-response");
            plot.ShowLegend(Edge.Right);
            panels.Add(plot);
        }
        if (panels.Count == 1) panels[0].SavePng(path, 1300, 700);
        else SaveGrid(panels, 2, 1300, 700, path);
    }

    private static string Ec50Text(DoseResponseCurve c)
    {
        if (!double.IsFinite(c.Ec50)) return "not bracketed";
        string text = Round(c.Ec50);
        if (double.IsFinite(c.Ec50Low) && double.IsFinite(c.Ec50High)) text += $" [{Round(c.Ec50Low)}–{Round(c.Ec50High)}]";
        return c.Unbracketed > 0 ? $"{text} ({c.Unbracketed}/{c.Replicates} unbracketed)" : text;
    }

    // ---- Figures of a run with a 'lineage' block (cells divide and die); written only when the groups carry a LineageTrace ----
    //
    //  fates_time.png  Weighted cells of each fate over time: one panel per scenario × cell type, for the cell types with the most
    //                  fates (those with a fate programme, e.g. the antigen-specific CD8 types of tissue.study, rather than the
    //                  responding/quiescent read-out alone). Log y when the counts span more than a decade and a half (0 drawn at
    //                  the bottom tick, "0"); a dashed black line gives all live cells. Time in days when the time unit is min
    //                  (or h, s) and the run is longer than 2 days (all three figures).
    //  expansion.png   Fold expansion (weighted live cells / cells at the start) over time: one panel per cell type, one line per
    //                  scenario, log y, dotted line at 1 (no net growth).
    //  lineages.png    Lineage trees of the sampled histories (histories.csv): one panel per scenario, up to 3 roots of one group
    //                  (the first fate-programme cell type with divisions, else the first group with divisions). Each cell is a
    //                  horizontal segment from its birth to its division, death or the end of the run; grey vertical connectors join a
    //                  dividing cell to its two daughters; × marks a death, ○ a cell removed by the cap's thinning, ◇ a cell whose
    //                  further divisions are not drawn (at most 40 rows per panel: the deepest generations that fit; the title
    //                  says which). Segments are coloured by the output the first fate rule of that cell type reads (e.g.
    //                  Teff_obs; else the study's read-out), at the cell's last recorded time, in four equal bands from 0 to its
    //                  largest value. Not written when no sampled cell divided. A tree rather than per-cell time courses: it shows
    //                  what the population curves cannot (which cells divide, when, and whether the daughters of one cell share a
    //                  fate), whereas time courses coloured by generation overlap into a tangle after a few divisions.

    /// <summary>Whether <paramref name="result"/> has lineage traces (a study with a <c>lineage</c> block).</summary>
    public static bool HasLineage(PopulationResult result) => result.Groups.Any(g => g.Lineage is not null);

    /// <summary>Writes fates_time.png, expansion.png and lineages.png into <paramref name="directory"/> when the run has lineage traces; returns the file names written.</summary>
    public static IReadOnlyList<string> Lineage(PopulationResult result, string directory)
    {
        if (!HasLineage(result)) return [];
        var written = new List<string>();
        if (FatesOverTime(result, Path.Combine(directory, "fates_time.png"))) written.Add("fates_time.png");
        if (Expansion(result, Path.Combine(directory, "expansion.png"))) written.Add("expansion.png");
        if (LineageTrees(result, Path.Combine(directory, "lineages.png"))) written.Add("lineages.png");
        return written;
    }

    /// <summary>Cell types with the most fate rules (when every type has as many: all of them).</summary>
    internal static IReadOnlyList<string> FateProgrammeCellTypes(PopulationResult result)
    {
        var counts = result.Study.CellTypes.Select(c => (c.Name, Count: result.Study.FateNamesFor(c.Name).Count)).ToList();
        int max = counts.Max(c => c.Count);
        return [.. counts.Where(c => c.Count == max).Select(c => c.Name)];
    }

    /// <summary>Divisor and label of the time axis: days when the unit is min or h and the run is longer than 2 days.</summary>
    private static (double Divisor, string Label) TimeAxis(PopulationResult result, double end) => TimeAxis(result.Study.Settings.TimeUnit, end);

    private static (double Divisor, string Label) TimeAxis(string unit, double end)
    {
        double perDay = unit switch { "min" => 1440, "h" => 24, "s" => 86400, _ => 0 };
        return perDay > 0 && end > 2 * perDay ? (perDay, "time (days)") : (1, string.IsNullOrEmpty(unit) ? "time" : $"time ({unit})");
    }

    /// <summary>Log10 ticks at every decade (1, 10, 100 …; or 1, 2, 5 … over few decades), with "0" at <paramref name="floor"/> when it is shown.</summary>
    private static ScottPlot.TickGenerators.NumericManual LogTicks(double lowLog, double highLog, double? floorLog)
    {
        var ticks = new List<Tick>();
        bool fine = highLog - lowLog < 2.5;
        for (int d = (int)Math.Floor(lowLog); d <= (int)Math.Ceiling(highLog); d++)
            foreach (double m in fine ? new[] { 1.0, 2, 5 } : [1.0])
            {
                double y = d + Math.Log10(m);
                if (y < lowLog - 1e-9 || y > highLog + 1e-9) continue;
                if (floorLog is { } f && y < f + 0.25) continue;
                ticks.Add(new Tick(y, FormatCount(Math.Pow(10, y))));
            }
        if (floorLog is { } fl) ticks.Add(new Tick(fl, "0"));
        return new ScottPlot.TickGenerators.NumericManual([.. ticks]);
    }

    private static string Round(double x) => x.ToString(Math.Abs(x) >= 100 ? "0" : "G3", System.Globalization.CultureInfo.InvariantCulture);

    private static string FormatCount(double x) => x == 0 ? "0" : x >= 1e5 || x < 0.01
        ? x.ToString("0e0", System.Globalization.CultureInfo.InvariantCulture)
        : x.ToString(x >= 100 ? "0" : "0.##", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A grid of <paramref name="panels"/> plots, <paramref name="columns"/> wide, saved as one PNG.</summary>
    internal static void SaveGrid(IReadOnlyList<Plot> panels, int columns, int panelWidth, int panelHeight, string path)
    {
        columns = Math.Max(1, Math.Min(columns, panels.Count));
        int rows = (panels.Count + columns - 1) / columns;
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(columns * panelWidth, rows * panelHeight));
        surface.Canvas.Clear(SkiaSharp.SKColors.White);
        for (int i = 0; i < panels.Count; i++)
        {
            using var image = SkiaSharp.SKImage.FromEncodedData(panels[i].GetImageBytes(panelWidth, panelHeight, ImageFormat.Png));
            surface.Canvas.DrawImage(image, i % columns * panelWidth, i / columns * panelHeight);
        }
        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    internal static void Fonts(Plot plot)
    {
        plot.Axes.Title.Label.FontSize = 15;
        plot.Axes.Left.Label.FontSize = 13;
        plot.Axes.Bottom.Label.FontSize = 13;
        plot.Legend.FontSize = 11;
    }

    /// <summary>fates_time.png: weighted cells of each fate over time, one panel per scenario × fate-programme cell type; false when nothing was recorded.</summary>
    public static bool FatesOverTime(PopulationResult result, string path)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var types = FateProgrammeCellTypes(result);
        var groups = types.SelectMany(t => result.Scenarios.Select(s => result.Groups.FirstOrDefault(g => g.Scenario.Name == s.Name && g.CellType.Name == t)))
            .Where(g => g?.Lineage is { Times.Length: > 0 }).Select(g => g!).ToList();
        if (groups.Count == 0) return false;
        double end = groups.Max(g => g.Lineage!.Times[^1]);
        var (div, xLabel) = TimeAxis(result, end);
        // one y scale for all panels, so that scenarios compare at a glance
        double low = double.PositiveInfinity, high = 0;
        foreach (var g in groups) foreach (var row in g.Lineage!.FateCells) foreach (double c in row) if (c > 0) { low = Math.Min(low, c); high = Math.Max(high, c); }
        if (high == 0) { low = 1; high = 1; }
        bool log = high / low > 30;
        double floor = Math.Pow(10, Math.Floor(Math.Log10(low)) - 0.5);  // zero counts are drawn here, below the smallest one
        var panels = new List<Plot>();
        foreach (var g in groups)
        {
            var plot = new Plot();
            Fonts(plot);
            var t = g.Lineage!;
            var x = t.Times.Select(v => v / div).ToArray();
            foreach (string fate in result.Study.FateNamesFor(g.CellType.Name))
            {
                int f = result.FateNames.ToList().IndexOf(fate);
                if (f < 0 || !t.FateCells.Any(r => r[f] > 0)) continue;
                var y = t.FateCells.Select(r => log ? Math.Log10(Math.Max(r[f], floor)) : r[f]).ToArray();
                var line = plot.Add.ScatterLine(x, y, palette.GetColor(f));
                line.LineWidth = 2;
                line.LegendText = fate;
            }
            var total = plot.Add.ScatterLine(x, t.Cells.Select(c => log ? Math.Log10(Math.Max(c, floor)) : c).ToArray(), Colors.Black);
            total.LinePattern = LinePattern.Dashed;
            total.LegendText = "all live";
            if (log)
            {
                double top = Math.Log10(Math.Max(high, groups.Max(h => h.Lineage!.Cells.Max())));
                plot.Axes.SetLimitsY(Math.Log10(floor) - 0.15, top + 0.15);
                plot.Axes.Left.TickGenerator = LogTicks(Math.Log10(floor), top + 0.15, Math.Log10(floor));
            }
            else plot.Axes.SetLimitsY(0, groups.Max(h => h.Lineage!.Cells.Max()) * 1.05);
            plot.Axes.SetLimitsX(0, end / div);
            plot.Title($"{g.Scenario.Name}: {g.CellType.Name} cells by fate");
            plot.XLabel(xLabel);
            plot.YLabel(log ? "cells (weighted, log scale)" : "cells (weighted)");
            plot.Legend.Alignment = Alignment.UpperLeft;
            plot.ShowLegend();
            panels.Add(plot);
        }
        int columns = result.Scenarios.Count <= 4 ? result.Scenarios.Count : 4;
        SaveGrid(panels, columns, 560, 420, path);
        return true;
    }

    /// <summary>
    /// fates_time.png of replicate runs: the mean weighted cells of each fate over time with the mean's 95% interval as
    /// a band (clipped at 0), one panel per scenario × fate-programme cell type (those with the most fates), linear y
    /// shared by all panels; false when there is nothing to draw.
    /// </summary>
    public static bool ReplicateFatesOverTime(IReadOnlyList<ReplicateFateRow> rows, string timeUnit, string path)
    {
        var timed = rows.Where(r => r.Time is not null).ToList();
        if (timed.Count == 0) return false;
        var fatesPerType = timed.GroupBy(r => r.CellType).ToDictionary(g => g.Key, g => g.Select(r => r.Fate).Distinct().ToList());
        int most = fatesPerType.Values.Max(f => f.Count);
        var types = fatesPerType.Where(p => p.Value.Count == most).Select(p => p.Key).ToList();
        var scenarios = timed.Select(r => r.Scenario).Distinct().ToList();
        double end = timed.Max(r => r.Time!.Value);
        var (div, xLabel) = TimeAxis(timeUnit, end);
        double top = Math.Max(1, timed.Where(r => types.Contains(r.CellType)).Max(r => double.IsNaN(r.Cells.High) ? r.Cells.Mean : r.Cells.High)) * 1.05;
        var palette = new ScottPlot.Palettes.Category10();
        var panels = new List<Plot>();
        foreach (string type in types)
            foreach (string scenario in scenarios)
            {
                var plot = new Plot();
                Fonts(plot);
                var fates = fatesPerType[type];
                for (int f = 0; f < fates.Count; f++)
                {
                    var series = timed.Where(r => r.Scenario == scenario && r.CellType == type && r.Fate == fates[f]).OrderBy(r => r.Time).ToList();
                    if (series.Count == 0 || series.All(r => r.Cells.Max == 0)) continue;
                    var x = series.Select(r => r.Time!.Value / div).ToArray();
                    var color = palette.GetColor(f);
                    var band = plot.Add.FillY(x, [.. series.Select(r => double.IsNaN(r.Cells.High) ? r.Cells.Mean : r.Cells.High)],
                        [.. series.Select(r => double.IsNaN(r.Cells.Low) ? r.Cells.Mean : Math.Max(0, r.Cells.Low))]);
                    band.FillColor = color.WithAlpha(0.2);
                    band.LineWidth = 0;
                    var line = plot.Add.ScatterLine(x, [.. series.Select(r => r.Cells.Mean)], color);
                    line.LineWidth = 2;
                    line.LegendText = fates[f];
                }
                plot.Axes.SetLimits(0, end / div, 0, top);
                int n = timed.First().Cells.Count;
                plot.Title($"{scenario}: {type} cells by fate ({n} runs)");
                plot.XLabel(xLabel);
                plot.YLabel("cells (weighted), mean and 95% interval");
                plot.Legend.Alignment = Alignment.UpperLeft;
                plot.ShowLegend();
                panels.Add(plot);
            }
        if (panels.Count == 0) return false;
        SaveGrid(panels, scenarios.Count <= 4 ? scenarios.Count : 4, 560, 420, path);
        return true;
    }

    /// <summary>expansion.png: fold expansion over time, one panel per cell type, one line per scenario (log y); false when nothing was recorded.</summary>
    public static bool Expansion(PopulationResult result, string path)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var traces = result.Groups.Where(g => g.Lineage is { StartCells: > 0, Times.Length: > 0 }).ToList();
        if (traces.Count == 0) return false;
        double end = traces.Max(g => g.Lineage!.Times[^1]);
        var (div, xLabel) = TimeAxis(result, end);
        double low = 1, high = 1;
        foreach (var g in traces) foreach (double c in g.Lineage!.Cells) if (c > 0) { double e = c / g.Lineage.StartCells; low = Math.Min(low, e); high = Math.Max(high, e); }
        double floor = Math.Pow(10, Math.Floor(Math.Log10(low)) - 0.5);  // extinct groups are drawn here
        double lowLog = Math.Log10(floor), highLog = Math.Log10(high) + 0.1;
        var panels = new List<Plot>();
        foreach (var cellType in result.Study.CellTypes)
        {
            var plot = new Plot();
            Fonts(plot);
            int s = 0;
            foreach (var scenario in result.Scenarios)
            {
                var g = traces.FirstOrDefault(x => x.Scenario.Name == scenario.Name && x.CellType.Name == cellType.Name);
                if (g is null) { s++; continue; }
                var t = g.Lineage!;
                var line = plot.Add.ScatterLine(t.Times.Select(v => v / div).ToArray(), t.Cells.Select(c => Math.Log10(Math.Max(c / t.StartCells, floor))).ToArray(), palette.GetColor(s++));
                line.LineWidth = 2;
                line.LegendText = scenario.Name;
            }
            if (plot.GetPlottables().Any())
            {
                var one = plot.Add.HorizontalLine(0, 1, Colors.Gray, LinePattern.Dotted);
                plot.Axes.SetLimits(0, end / div, lowLog - 0.1, highLog + 0.1);
                bool anyExtinct = traces.Any(g => g.Lineage!.Cells.Any(c => c <= 0));
                plot.Axes.Left.TickGenerator = LogTicks(lowLog, highLog + 0.1, anyExtinct ? lowLog : null);
                plot.Title($"{cellType.Name}: fold expansion");
                plot.XLabel(xLabel);
                plot.YLabel("live cells / cells at start (log)");
                plot.Legend.Alignment = Alignment.UpperLeft;
                plot.ShowLegend();
                panels.Add(plot);
            }
        }
        SaveGrid(panels, Math.Min(3, panels.Count), 560, 420, path);
        return true;
    }

    /// <summary>lineages.png: trees of up to 3 sampled roots per scenario (see the list above); false when no history divided.</summary>
    public static bool LineageTrees(PopulationResult result, string path)
    {
        const int MaxRoots = 3, MaxRows = 40;
        var histories = result.Histories;
        if (histories.Count == 0) return false;
        // the group to draw: the first fate-programme cell type with a division in some scenario, else any cell type with one
        var divided = histories.Where(h => !double.IsNaN(h.Division)).Select(h => h.CellType).ToHashSet();
        if (divided.Count == 0) return false;
        string cellType = FateProgrammeCellTypes(result).FirstOrDefault(divided.Contains)
            ?? result.Study.CellTypes.Select(c => c.Name).First(divided.Contains);
        // colour by the output the cell type's first fate rule reads, else the study's read-out
        var outputs = result.OutputNames;
        var rule = result.Study.Fates.FirstOrDefault(f => f.AppliesTo(cellType));
        int output = rule is null ? -1 : Array.FindIndex(outputs, o => System.Text.RegularExpressions.Regex.IsMatch(rule.Text, $@"\b{System.Text.RegularExpressions.Regex.Escape(o)}\b"));
        if (output < 0) output = Math.Max(0, Array.IndexOf(outputs, result.Study.Settings.Readout));
        string outputName = outputs.Length > 0 ? outputs[output] : "";
        double end = histories.Max(h => h.Times.Count > 0 ? h.Times[^1] : h.Birth);
        end = Math.Max(end, result.Groups.Where(g => g.Lineage is { Times.Length: > 0 }).Select(g => g.Lineage!.Times[^1]).DefaultIfEmpty(end).Max());
        var (div, xLabel) = TimeAxis(result, end);
        double Last(CellHistory h) => h.Outputs.Count > 0 && output < h.Outputs[^1].Length ? h.Outputs[^1][output] : double.NaN;
        var ofType = histories.Where(h => h.CellType == cellType).ToList();
        double max = ofType.Select(Last).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        max = max > 0 ? max : 1;
        var bandColors = new[] { Color.FromHex("#4575b4"), Color.FromHex("#91bfdb"), Color.FromHex("#fc8d59"), Color.FromHex("#d73027") };
        int Band(double v) => double.IsFinite(v) ? Math.Clamp((int)(v / max * 4), 0, 3) : 0;
        var panels = new List<Plot>();
        foreach (var scenario in result.Scenarios)
        {
            var cells = ofType.Where(h => h.Scenario == scenario.Name).ToList();
            if (cells.Count == 0) continue;
            var byId = cells.ToDictionary(h => h.Id);
            var children = cells.Where(h => h.Parent.Length > 0).GroupBy(h => h.Parent).ToDictionary(x => x.Key, x => x.OrderBy(h => h.Id, StringComparer.Ordinal).ToList());
            // roots that divided first, then in id order
            bool Under(CellHistory h, CellHistory r) => h.Id == r.Id || h.Id.StartsWith(r.Id + ".", StringComparison.Ordinal);
            var roots = cells.Where(h => h.Parent.Length == 0 || !byId.ContainsKey(h.Parent))
                .OrderBy(r => double.IsNaN(r.Division) ? 1 : 0).ThenBy(r => r.Id.Length).ThenBy(r => r.Id, StringComparer.Ordinal)
                .Take(MaxRoots).ToList();
            // a tree of hundreds of cells is a blur: draw the generations up to the deepest that keeps to MaxRows rows
            // (a cell of that generation that divided again ends in a ◇, its descendants not drawn)
            var drawn = cells.Where(h => roots.Any(r => Under(h, r))).ToList();
            int Rows(int g) => drawn.Count(h => h.Generation <= g && (h.Generation == g || !children.ContainsKey(h.Id)));
            int deepest = drawn.Max(h => h.Generation), shown = 0;
            while (shown < deepest && Rows(shown + 1) <= MaxRows) shown++;
            drawn = [.. drawn.Where(h => h.Generation <= shown)];
            var plot = new Plot();
            Fonts(plot);
            var ys = new Dictionary<string, double>();
            double nextLeaf = 0;
            var rootTicks = new List<Tick>();
            // leaves get consecutive rows; a dividing cell sits midway between its daughters
            double Place(CellHistory h)
            {
                double y = h.Generation < shown && children.TryGetValue(h.Id, out var kids) && kids.Count > 0 ? kids.Select(Place).Average() : nextLeaf++;
                ys[h.Id] = y;
                return y;
            }
            foreach (var r in roots)
            {
                double top = nextLeaf;
                Place(r);
                rootTicks.Add(new Tick((top + nextLeaf - 1) / 2, $"root {r.Id}"));
                nextLeaf += 0.8;  // a gap between trees
            }
            var bandUsed = new bool[4];
            bool truncated = false;
            foreach (var (id, y) in ys)
            {
                var h = byId[id];
                if (h.Generation > shown) continue;
                double stop = !double.IsNaN(h.Division) ? h.Division : !double.IsNaN(h.Death) ? h.Death : end;
                int band = Band(Last(h));
                bandUsed[band] = true;
                var seg = plot.Add.Line(h.Birth / div, y, stop / div, y);
                seg.Color = bandColors[band];
                seg.LineWidth = 4;
                if (children.TryGetValue(id, out var kids) && kids.Count > 0 && h.Generation >= shown)
                {
                    var more = plot.Add.Marker(stop / div, y, MarkerShape.OpenDiamond, 9);
                    more.Color = Colors.DimGray;
                    truncated = true;
                }
                else if (children.TryGetValue(id, out kids) && kids.Count > 0)
                {
                    var conn = plot.Add.Line(h.Division / div, kids.Min(k => ys[k.Id]), h.Division / div, kids.Max(k => ys[k.Id]));
                    conn.Color = Colors.Gray;
                    conn.LineWidth = 1.5f;
                }
                if (!double.IsNaN(h.Death))
                {
                    var m = plot.Add.Marker(stop / div, y, h.Thinned ? MarkerShape.OpenCircle : MarkerShape.Eks, h.Thinned ? 7 : 10);
                    m.Color = Colors.Black;
                }
            }
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. rootTicks]);
            plot.Axes.SetLimits(0, end / div * 1.02, nextLeaf - 0.3, -0.7);  // first root at the top
            plot.Axes.Left.MajorTickStyle.Length = 0;
            plot.Grid.YAxisStyle.MajorLineStyle.Width = 0;
            plot.Title($"{scenario.Name}: {cellType} lineages, {roots.Count} root{(roots.Count == 1 ? "" : "s")}" + (shown < deepest ? $", generations 0–{shown} of {deepest}" : ""));
            plot.XLabel(xLabel);
            for (int b = 0; b < 4; b++)
                if (bandUsed[b]) plot.Legend.ManualItems.Add(new LegendItem { LineColor = bandColors[b], LineWidth = 4, LabelText = $"{outputName} {Round(b * max / 4)}–{Round((b + 1) * max / 4)} (last value)" });
            plot.Legend.ManualItems.Add(new LegendItem { MarkerShape = MarkerShape.Eks, MarkerColor = Colors.Black, MarkerSize = 10, LabelText = "died" });
            if (drawn.Any(h => h.Thinned)) plot.Legend.ManualItems.Add(new LegendItem { MarkerShape = MarkerShape.OpenCircle, MarkerColor = Colors.Black, MarkerSize = 7, LabelText = "removed by the cap" });
            if (truncated) plot.Legend.ManualItems.Add(new LegendItem { MarkerShape = MarkerShape.OpenDiamond, MarkerColor = Colors.DimGray, MarkerSize = 9, LabelText = "divides further" });
            plot.Legend.ManualItems.Add(new LegendItem { LineColor = Colors.Gray, LineWidth = 1.5f, LabelText = "division" });
            plot.ShowLegend(Edge.Right);
            panels.Add(plot);
        }
        if (panels.Count == 0) return false;
        SaveGrid(panels, Math.Min(2, panels.Count), 900, 560, path);
        return true;
    }
}
