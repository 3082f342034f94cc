using System.Globalization;
using MathNet.Numerics.Distributions;
using Stochastic.Formats;

namespace Stochastic.Population;

/// <summary>
/// A row of a population run's fate table read back: <c>fates.csv</c> (no <see cref="Time"/>) or
/// <c>fates_time.csv</c>.
/// </summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="CellType">Cell type name.</param>
/// <param name="Time">Recorded time (<c>fates_time.csv</c>); null in <c>fates.csv</c>.</param>
/// <param name="Fate">Fate name.</param>
/// <param name="Cells">(Weighted) cells of the fate.</param>
/// <param name="StartCells">Cells the group started with (a study with a lineage block); else null.</param>
/// <param name="Traits">Cells of the fate with each trait of the table, in its order; null where a trait does not apply.</param>
/// <param name="Line">Line of the row in its file (1-based), for messages.</param>
public sealed record FateRecord(string Scenario, string CellType, double? Time, string Fate, double Cells, double? StartCells,
    IReadOnlyList<double?> Traits, int Line);

/// <summary>A population run's fate table (<c>fates.csv</c> or <c>fates_time.csv</c>) read back.</summary>
/// <param name="Path">The file it was read from.</param>
/// <param name="TraitNames">The trait columns, in file order.</param>
/// <param name="Rows">Its rows, in file order.</param>
public sealed record FateTable(string Path, IReadOnlyList<string> TraitNames, IReadOnlyList<FateRecord> Rows)
{
    // The columns PopulationCsv writes before the traits; ci_low/ci_high (fates.csv) or low/high (fates_time.csv)
    // and fraction are recomputed from the cells, not read.
    private static readonly string[] Known = ["scenario", "cell_type", "time", "fate", "cells", "fraction", "ci_low", "ci_high", "low", "high", "start_cells"];

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="ModelException">Missing or unreadable file, a missing column, a count that is not a non-negative number (file:line:column).</exception>
    public static FateTable Read(string path)
    {
        string text = ThrowHelper.ReadText(path);
        return Parse(text, path);
    }

    /// <summary>Parses the text of a fate table (<paramref name="fileName"/> for positions).</summary>
    /// <exception cref="ModelException">As <see cref="Read"/>.</exception>
    public static FateTable Parse(string text, string fileName)
    {
        var errors = new ErrorList();
        var csv = CsvText.Parse(text, fileName, "empty file: expected the header of a fate table (scenario,cell_type,fate,cells,…)");
        var header = csv.Header;
        foreach (string needed in new[] { "scenario", "cell_type", "fate", "cells" })
            if (!header.Contains(needed)) errors.Add(csv.HeaderPosition, $"no column '{needed}' in the header ({string.Join(", ", header)}): not a population run's fate table");
        errors.ThrowIfAny();
        int scenario = header.IndexOf("scenario"), cellType = header.IndexOf("cell_type"), fate = header.IndexOf("fate"),
            cells = header.IndexOf("cells"), time = header.IndexOf("time"), start = header.IndexOf("start_cells");
        var traitColumns = Enumerable.Range(0, header.Count).Where(i => !Known.Contains(header[i])).ToArray();
        var rows = new List<FateRecord>();
        foreach (var row in csv.Rows(errors, skipComments: true))  // '#': a partial run's note
        {
            double? Number(int column, bool empty)
            {
                string field = row[column];
                if (empty && field.Length == 0) return null;
                if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || (v < 0 && column != time))
                {
                    errors.Add(row.At(column), $"column '{header[column]}': '{row.Fields[column]}' is not a non-negative number");
                    return 0;
                }
                return v;
            }
            rows.Add(new FateRecord(row[scenario], row[cellType], time >= 0 ? Number(time, false) : null, row[fate],
                Number(cells, false)!.Value, start >= 0 ? Number(start, false) : null, [.. traitColumns.Select(c => Number(c, true))], row.Line));
        }
        errors.ThrowIfAny();
        if (rows.Count == 0) throw ThrowHelper.Model(new SourcePosition(fileName, 1, 1), "no rows: the run wrote no fates");
        return new FateTable(fileName, [.. traitColumns.Select(c => header[c])], rows);
    }
}

/// <summary>
/// A quantity over independent replicate runs: mean, sample standard deviation, the mean's 95% Student-t
/// interval (mean ± t(0.975, n − 1)·sd/√n, clipped to the quantity's range), and the range.
/// </summary>
/// <param name="Count">Replicates it is over.</param>
/// <param name="Mean">Mean over the replicates.</param>
/// <param name="SD">Sample standard deviation (n − 1); 0 for one replicate.</param>
/// <param name="Low">Lower end of the mean's 95% interval (NaN for one replicate).</param>
/// <param name="High">Upper end of the mean's 95% interval (NaN for one replicate).</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
public readonly record struct ReplicateStatistic(int Count, double Mean, double SD, double Low, double High, double Min, double Max)
{
    /// <summary>
    /// The statistic of <paramref name="values"/> (at least one), its interval clipped to the quantity's range
    /// [<paramref name="lower"/>, <paramref name="upper"/>] (a count's mean is not negative, a fraction's not above 1).
    /// </summary>
    /// <remarks>
    /// Replicates are independent runs of the same study (different seeds), so their values are independent and
    /// identically distributed; the t interval is exact for normal values and close for sums over many cells.
    /// Counts of a whole coupled well are such sums, but with a handful of replicates and skewed counts (clonal
    /// bursts) the interval is approximate; the range beside it shows the spread as it is.
    /// </remarks>
    public static ReplicateStatistic Of(IReadOnlyList<double> values, double lower = double.NegativeInfinity, double upper = double.PositiveInfinity)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        int n = values.Count;
        double mean = values.Average();
        if (n == 1) return new ReplicateStatistic(1, mean, 0, double.NaN, double.NaN, mean, mean);
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        double half = StudentT.InvCDF(0, 1, n - 1, 0.975) * sd / Math.Sqrt(n);
        return new ReplicateStatistic(n, mean, sd, Math.Max(lower, mean - half), Math.Min(upper, mean + half), values.Min(), values.Max());
    }
}

/// <summary>A fate of one scenario × cell type (at one time, from <c>fates_time.csv</c>) over the replicates.</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="CellType">Cell type name.</param>
/// <param name="Time">Recorded time; null for the end of the run (<c>fates.csv</c>).</param>
/// <param name="Fate">Fate name.</param>
/// <param name="Cells">The fate's (weighted) cells.</param>
/// <param name="Fraction">The fate's share of the group's live cells, over the replicates in which the group has live cells (Count says how many); null when it has none in any.</param>
/// <param name="StartCells">Cells the group started with (a lineage block), the same in every replicate.</param>
/// <param name="Traits">Cells of the fate with each trait; null where the trait does not apply.</param>
public sealed record ReplicateFateRow(string Scenario, string CellType, double? Time, string Fate, ReplicateStatistic Cells,
    ReplicateStatistic? Fraction, double? StartCells, IReadOnlyList<ReplicateStatistic?> Traits);

/// <summary>Fold expansion of one scenario × cell type at the end of the run (live cells ÷ cells at the start) over the replicates.</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="CellType">Cell type name.</param>
/// <param name="StartCells">Cells the group started with.</param>
/// <param name="Fold">Live cells at the end ÷ <paramref name="StartCells"/>.</param>
public sealed record ReplicateExpansionRow(string Scenario, string CellType, double StartCells, ReplicateStatistic Fold);

/// <summary>
/// Fates over replicate runs of one study: independent wells (different seeds) summarized per scenario × cell
/// type × fate, with the spread between wells. In a study with a shared ligand pool and divisions a whole well is
/// one coupled realization, so the Wilson intervals of one run (over its cells) do not say how far a second seed
/// would move a count; the replicates do (docs/outputs.md, "Replicate runs").
/// </summary>
public static class ReplicateSummary
{
    /// <summary>
    /// The fates of <paramref name="replicates"/> (tables of the same kind: all <c>fates.csv</c> or all
    /// <c>fates_time.csv</c>) row by row.
    /// </summary>
    /// <exception cref="SimulationException">Fewer than two tables, or tables that are not of one study and one setting (other rows, start cells or traits), naming the file and line that differs.</exception>
    public static IReadOnlyList<ReplicateFateRow> Fates(IReadOnlyList<FateTable> replicates)
    {
        var reference = CheckAligned(replicates);
        // live cells per group (and time) in each replicate, for the fractions
        var totals = replicates.Select(t => t.Rows.GroupBy(r => (r.Scenario, r.CellType, r.Time)).ToDictionary(g => g.Key, g => g.Sum(r => r.Cells))).ToList();
        var rows = new List<ReplicateFateRow>(reference.Rows.Count);
        for (int i = 0; i < reference.Rows.Count; i++)
        {
            var r = reference.Rows[i];
            var key = (r.Scenario, r.CellType, r.Time);
            var cells = replicates.Select(t => t.Rows[i].Cells).ToList();
            var fractions = replicates.Select((t, k) => (Cells: t.Rows[i].Cells, Total: totals[k][key])).Where(x => x.Total > 0).Select(x => x.Cells / x.Total).ToList();
            var traits = reference.TraitNames.Select((_, j) => r.Traits[j] is null ? (ReplicateStatistic?)null
                : ReplicateStatistic.Of([.. replicates.Select(t => t.Rows[i].Traits[j] ?? 0)], 0)).ToList();
            rows.Add(new ReplicateFateRow(r.Scenario, r.CellType, r.Time, r.Fate, ReplicateStatistic.Of(cells, 0),
                fractions.Count > 0 ? ReplicateStatistic.Of(fractions, 0, 1) : null, r.StartCells, traits));
        }
        return rows;
    }

    /// <summary>Fold expansion per scenario × cell type at the end of the run (tables of <c>fates.csv</c>, with start cells).</summary>
    /// <exception cref="SimulationException">As <see cref="Fates"/>; or tables without start cells (a study without a lineage block).</exception>
    public static IReadOnlyList<ReplicateExpansionRow> Expansion(IReadOnlyList<FateTable> replicates)
    {
        var reference = CheckAligned(replicates);
        if (reference.Rows.Any(r => r.StartCells is null))
            throw new SimulationException($"{reference.Path}: no start_cells column; fold expansion needs a study with a lineage block");
        return [.. reference.Rows.Select((r, i) => (r, i)).GroupBy(x => (x.r.Scenario, x.r.CellType, x.r.Time))
            .Select(g =>
            {
                double start = g.First().r.StartCells!.Value;
                var folds = replicates.Select(t => g.Sum(x => t.Rows[x.i].Cells) / start).ToList();
                return new ReplicateExpansionRow(g.Key.Scenario, g.Key.CellType, start, ReplicateStatistic.Of(folds, 0));
            })];
    }

    /// <summary>The first table, after checking that every table has its rows (keys and start cells) and traits.</summary>
    private static FateTable CheckAligned(IReadOnlyList<FateTable> replicates)
    {
        if (replicates.Count < 2) throw new SimulationException($"replicates: {replicates.Count} fate table(s); the spread between runs needs at least 2");
        var reference = replicates[0];
        foreach (var t in replicates.Skip(1))
        {
            if (!t.TraitNames.SequenceEqual(reference.TraitNames))
                throw new SimulationException($"{t.Path}: traits {Names(t.TraitNames)}, while {reference.Path} has {Names(reference.TraitNames)}: not replicates of one study");
            for (int i = 0; i < Math.Max(t.Rows.Count, reference.Rows.Count); i++)
            {
                var a = i < reference.Rows.Count ? reference.Rows[i] : null;
                var b = i < t.Rows.Count ? t.Rows[i] : null;
                if (a is null || b is null)
                    throw new SimulationException($"{t.Path}: {t.Rows.Count} rows, while {reference.Path} has {reference.Rows.Count}: not replicates of one study and setting (scenarios, cell types, recorded times)");
                if (a.Scenario != b.Scenario || a.CellType != b.CellType || a.Time != b.Time || a.Fate != b.Fate)
                    throw new SimulationException($"{t.Path}:{b.Line}: {Key(b)}, where {reference.Path}:{a.Line} has {Key(a)}: not replicates of one study and setting");
                if (a.StartCells != b.StartCells)
                    throw new SimulationException($"{t.Path}:{b.Line}: {Key(b)} started with {b.StartCells} cells, {reference.Path}:{a.Line} with {a.StartCells}: not replicates of one setting (--cells)");
                for (int j = 0; j < a.Traits.Count; j++)
                    if (a.Traits[j] is null != b.Traits[j] is null)
                        throw new SimulationException($"{t.Path}:{b.Line}: trait '{t.TraitNames[j]}' applies to {Key(b)} in one table and not in the other: not replicates of one study");
            }
        }
        return reference;

        static string Names(IReadOnlyList<string> names) => names.Count == 0 ? "(none)" : string.Join(", ", names);
        static string Key(FateRecord r) => r.Time is { } time
            ? string.Create(CultureInfo.InvariantCulture, $"{r.Scenario}/{r.CellType}/{r.Fate} at {time:G6}")
            : $"{r.Scenario}/{r.CellType}/{r.Fate}";
    }

    private static string F(double x) => double.IsNaN(x) ? "" : x.ToString("G6", CultureInfo.InvariantCulture);

    private static string Columns(ReplicateStatistic? s) => s is { } v
        ? $"{F(v.Mean)},{F(v.Low)},{F(v.High)}" : ",,";

    /// <summary>
    /// <c>scenario,cell_type[,time],fate,replicates,cells,cells_sd,cells_low,cells_high,cells_min,cells_max,fraction,fraction_low,fraction_high[,start_cells]</c>,
    /// then per trait <c>TRAIT,TRAIT_low,TRAIT_high</c>: means over the replicates with the mean's 95% t interval
    /// (<see cref="ReplicateStatistic"/>); a fraction is over the replicates in which the group has live cells.
    /// </summary>
    public static void WriteFates(IReadOnlyList<ReplicateFateRow> rows, IReadOnlyList<string> traitNames, TextWriter w)
    {
        bool time = rows.Any(r => r.Time is not null), start = rows.Any(r => r.StartCells is not null);
        w.WriteLine("scenario,cell_type," + (time ? "time," : "") + "fate,replicates,cells,cells_sd,cells_low,cells_high,cells_min,cells_max,fraction,fraction_low,fraction_high"
            + (start ? ",start_cells" : "") + string.Concat(traitNames.Select(t => $",{t},{t}_low,{t}_high")));
        foreach (var r in rows)
        {
            var c = r.Cells;
            w.WriteLine($"{r.Scenario},{r.CellType}," + (time ? $"{F(r.Time ?? double.NaN)}," : "") + $"{r.Fate},{c.Count},{F(c.Mean)},{F(c.SD)},{F(c.Low)},{F(c.High)},{F(c.Min)},{F(c.Max)},"
                + Columns(r.Fraction) + (start ? $",{F(r.StartCells ?? double.NaN)}" : "") + string.Concat(r.Traits.Select(t => "," + Columns(t))));
        }
    }

    /// <summary><c>scenario,cell_type,start_cells,replicates,fold,fold_sd,fold_low,fold_high,fold_min,fold_max</c>.</summary>
    public static void WriteExpansion(IReadOnlyList<ReplicateExpansionRow> rows, TextWriter w)
    {
        w.WriteLine("scenario,cell_type,start_cells,replicates,fold,fold_sd,fold_low,fold_high,fold_min,fold_max");
        foreach (var r in rows)
        {
            var f = r.Fold;
            w.WriteLine($"{r.Scenario},{r.CellType},{F(r.StartCells)},{f.Count},{F(f.Mean)},{F(f.SD)},{F(f.Low)},{F(f.High)},{F(f.Min)},{F(f.Max)}");
        }
    }

    /// <summary>
    /// <c>report.md</c>: the replicate runs (<paramref name="runs"/>: folder and seed), then per cell type a table of
    /// the mean cells of each fate per scenario with the 95% interval and the range, and the fold expansion.
    /// </summary>
    public static void WriteReport(IReadOnlyList<(string Run, string Seed)> runs, IReadOnlyList<ReplicateFateRow> fates,
        IReadOnlyList<ReplicateExpansionRow>? expansion, TextWriter w)
    {
        static string G(double x) => double.IsNaN(x) ? "–" : x.ToString(Math.Abs(x) >= 100 ? "0" : "G3", CultureInfo.InvariantCulture);
        static string Cell(ReplicateStatistic s) => $"{G(s.Mean)} [{G(s.Low)}, {G(s.High)}] ({G(s.Min)}–{G(s.Max)})";
        w.WriteLine($"# Fates over {runs.Count} replicate runs");
        w.WriteLine();
        w.WriteLine("Each run is an independent well of the same study and setting (its own seed). A cell gives the mean over the");
        w.WriteLine("runs, the mean's 95% Student-t interval in brackets and the range over the runs in parentheses.");
        w.WriteLine();
        w.WriteLine("| run | seed |");
        w.WriteLine("|---|---|");
        foreach (var (run, seed) in runs) w.WriteLine($"| {run} | {seed} |");
        foreach (var cellType in fates.Select(r => r.CellType).Distinct())
        {
            var rows = fates.Where(r => r.CellType == cellType && r.Time is null).ToList();
            var fateNames = rows.Select(r => r.Fate).Distinct().ToList();
            w.WriteLine();
            w.WriteLine($"## {cellType}: cells by fate at the end");
            w.WriteLine();
            bool fold = expansion?.Any(e => e.CellType == cellType) == true;
            w.WriteLine("| scenario | " + string.Join(" | ", fateNames) + (fold ? " | fold expansion |" : " |"));
            w.WriteLine("|---" + string.Concat(fateNames.Select(_ => "|---")) + (fold ? "|---|" : "|"));
            foreach (var scenario in rows.Select(r => r.Scenario).Distinct())
            {
                var cells = fateNames.Select(f => rows.FirstOrDefault(r => r.Scenario == scenario && r.Fate == f) is { } r ? Cell(r.Cells) : "");
                string e = fold && expansion!.FirstOrDefault(x => x.Scenario == scenario && x.CellType == cellType) is { } x ? $" | {Cell(x.Fold)}" : "";
                w.WriteLine($"| {scenario} | {string.Join(" | ", cells)}{e} |");
            }
        }
    }
}
