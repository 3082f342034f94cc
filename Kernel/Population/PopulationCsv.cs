using System.Globalization;

namespace Stochastic.Population;

/// <summary>CSV and Markdown tables of population and dose-response results (invariant culture).</summary>
public static class PopulationCsv
{
    /// <summary>Quantiles reported per observable.</summary>
    public static IReadOnlyList<double> Quantiles { get; } = [0.05, 0.25, 0.5, 0.75, 0.95];

    private static string F(double x) => x.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>scenario,cell_type,fate,cells,fraction,ci_low,ci_high</c> (95% Wilson intervals); per cell type
    /// only the fates its rules can give, then "unclassified" (<see cref="Study.FateNamesFor"/>).
    /// </summary>
    /// <remarks>
    /// <para>With a <c>traits</c> block, one column per trait after the others: the (weighted) cells of the row's
    /// fate that have the trait, empty where the trait does not apply to the cell type.</para>
    /// With a <c>lineage</c> block: <c>cells</c> is the weighted number of cells of the fate alive at the end
    /// (after divisions, deaths and thinning), the fraction is over the weighted live cells with the
    /// interval at Kish's effective sample size (Σw)²/Σw², and a column <c>start_cells</c> gives the cells
    /// the group started with. Without one the file is as it always was.
    /// </remarks>
    public static void WriteFates(PopulationResult result, TextWriter w)
    {
        bool lineage = result.Study.Lineage is not null;
        var traits = result.Study.Traits;
        w.WriteLine("scenario,cell_type,fate,cells,fraction,ci_low,ci_high" + (lineage ? ",start_cells" : "") + TraitHeader(traits));
        var names = result.FateNames.ToList();
        foreach (var g in result.Groups)
            foreach (var fate in result.Study.FateNamesFor(g.CellType.Name))
            {
                var (p, lo, hi) = g.FateFraction(fate);
                int f = names.IndexOf(fate);
                if (g.Lineage is { } l)
                    w.WriteLine($"{g.Scenario.Name},{g.CellType.Name},{fate},{F(l.FateCells[^1][f])},{F(p)},{F(lo)},{F(hi)},{l.StartCells}" + TraitCells(traits, g, l, l.Times.Length - 1, f));
                else w.WriteLine($"{g.Scenario.Name},{g.CellType.Name},{fate},{g.FateCount(fate)},{F(p)},{F(lo)},{F(hi)}{(lineage ? $",{g.Completed}" : "")}"
                    + string.Concat(traits.Select(t => "," + (t.AppliesTo(g.CellType.Name) ? F(g.TraitCount(t.Trait, fate)) : ""))));
            }
    }

    /// <summary>The trait columns of the fate tables: one per trait, after the others (nothing without traits).</summary>
    private static string TraitHeader(IReadOnlyList<TraitRule> traits) => string.Concat(traits.Select(t => "," + t.Trait));

    /// <summary>The trait columns of a lineage group's fate row at recorded time <paramref name="k"/>: weighted cells with each trait, empty where it does not apply.</summary>
    private static string TraitCells(IReadOnlyList<TraitRule> traits, PopulationGroup g, LineageTrace l, int k, int fate) =>
        string.Concat(traits.Select((t, j) => "," + (t.AppliesTo(g.CellType.Name) ? F(l.TraitCells[k][fate * traits.Count + j]) : "")));

    /// <summary>
    /// <c>scenario,cell_type,time,fate,cells,fraction,low,high</c> (<c>fates_time.csv</c>, with a <c>lineage</c> block):
    /// the fates of the live cells at every recorded time, weighted, the fraction's 95% Wilson interval at
    /// the effective sample size; per cell type the fates its rules can give; then, with traits, the weighted cells of
    /// the fate with each trait (as <see cref="WriteFates"/>). Only the header without a lineage.
    /// </summary>
    public static void WriteFatesOverTime(PopulationResult result, TextWriter w)
    {
        var traits = result.Study.Traits;
        w.WriteLine("scenario,cell_type,time,fate,cells,fraction,low,high" + TraitHeader(traits));
        var names = result.FateNames.ToList();
        foreach (var g in result.Groups)
        {
            if (g.Lineage is not { } l) continue;
            var fates = result.Study.FateNamesFor(g.CellType.Name);
            for (int k = 0; k < l.Times.Length; k++)
                foreach (var fate in fates)
                {
                    int f = names.IndexOf(fate);
                    var (p, lo, hi) = l.Fraction(k, f);
                    w.WriteLine($"{g.Scenario.Name},{g.CellType.Name},{F(l.Times[k])},{fate},{F(l.FateCells[k][f])},{F(p)},{F(lo)},{F(hi)}" + TraitCells(traits, g, l, k, f));
                }
        }
    }

    /// <summary>
    /// <c>scenario,cell_type,time,cells,simulated,divisions,deaths,</c> then one column per output
    /// (<c>timecourse.csv</c>, with a <c>lineage</c> block): at every recorded time the weighted live cells,
    /// the simulated ones, the weighted divisions and deaths since the previous recorded time, and each
    /// output's weighted mean over the live cells. Only the header without a lineage.
    /// </summary>
    public static void WriteTimecourse(PopulationResult result, TextWriter w)
    {
        w.WriteLine("scenario,cell_type,time,cells,simulated,divisions,deaths" + string.Concat(result.OutputNames.Select(n => "," + n)));
        foreach (var g in result.Groups)
        {
            if (g.Lineage is not { } l) continue;
            for (int k = 0; k < l.Times.Length; k++)
                w.WriteLine($"{g.Scenario.Name},{g.CellType.Name},{F(l.Times[k])},{F(l.Cells[k])},{l.Simulated[k]},{F(l.Divisions[k])},{F(l.Deaths[k])}"
                    + string.Concat(l.Means[k].Select(m => "," + F(m))));
        }
    }

    /// <summary>
    /// <c>scenario,cell_type,cell,parent,generation,birth,death,divided,time,</c> then one column per output
    /// (<c>histories.csv</c>, with a <c>lineage</c> block): one row per sampled cell and recorded time while it
    /// lived. <c>cell</c> is the lineage id (root number, then <c>.1</c>/<c>.2</c> per division), <c>death</c>
    /// the time it died (empty if it did not; <c>thinned</c> when the cap removed it), <c>divided</c> the
    /// time of the division that ended it (empty if none).
    /// </summary>
    public static void WriteHistories(PopulationResult result, TextWriter w)
    {
        w.WriteLine("scenario,cell_type,cell,parent,generation,birth,death,divided,time" + string.Concat(result.OutputNames.Select(n => "," + n)));
        foreach (var h in result.Histories)
        {
            string death = double.IsNaN(h.Death) ? "" : h.Thinned ? $"thinned {F(h.Death)}" : F(h.Death);
            string divided = double.IsNaN(h.Division) ? "" : F(h.Division);
            for (int k = 0; k < h.Times.Count; k++)
                w.WriteLine($"{h.Scenario},{h.CellType},{h.Id},{h.Parent},{h.Generation},{F(h.Birth)},{death},{divided},{F(h.Times[k])}"
                    + string.Concat(h.Outputs[k].Select(x => "," + F(x))));
        }
    }

    /// <summary><c>scenario,cell_type,variable,cells,mean,q05,q25,q50,q75,q95</c> for every per-cell variable.</summary>
    public static void WriteObservables(PopulationResult result, TextWriter w)
    {
        w.WriteLine("scenario,cell_type,variable,cells,mean,q05,q25,q50,q75,q95");
        foreach (var g in result.Groups)
            for (int v = 0; v < result.VariableNames.Length; v++)
            {
                var values = g.Values(v);
                string mean = values.Length > 0 ? F(values.Average()) : "NaN";
                w.WriteLine($"{g.Scenario.Name},{g.CellType.Name},{result.VariableNames[v]},{values.Length},{mean}," +
                    string.Join(",", Quantiles.Select(q => F(PopulationResult.Quantile(values, q)))));
            }
    }

    /// <summary>
    /// <c>scenario,cell_type,cell_time,firings,leaped_firings,seconds,share_of_seconds,firings_per_cell_time,ns_per_firing,ms_per_cell_time,leaps</c>:
    /// what each scenario × cell type cost in this run (<see cref="PopulationGroup.Cost"/>; cell-time in the study's time
    /// unit), the costliest first. Its seconds depend on the machine and its load, so the file is written on request only.
    /// </summary>
    public static void WriteCost(PopulationResult result, TextWriter w)
    {
        w.WriteLine("scenario,cell_type,cell_time,firings,leaped_firings,seconds,share_of_seconds,firings_per_cell_time,ns_per_firing,ms_per_cell_time,leaps");
        double total = result.Groups.Sum(g => g.Cost.Seconds);
        foreach (var g in result.Groups.OrderByDescending(g => g.Cost.Seconds))
        {
            var c = g.Cost;
            w.WriteLine($"{g.Scenario.Name},{g.CellType.Name},{F(c.CellTime)},{c.Firings},{c.LeapedFirings},{F(c.Seconds)},{F(total > 0 ? c.Seconds / total : 0)}," +
                $"{F(c.FiringsPerCellTime)},{F(c.NanosecondsPerFiring)},{F(c.MillisecondsPerCellTime)},{c.Leaps}");
        }
    }

    /// <summary>A Markdown report: fate fractions per scenario × cell type ("—" where no rule for the type gives the fate) and median observables.</summary>
    public static void WriteReport(PopulationResult result, TextWriter w, IReadOnlyList<string>? variables = null)
    {
        w.WriteLine($"# Population study: {result.Study.Model.Name}");
        w.WriteLine();
        w.WriteLine($"{result.Groups.Sum(g => g.Completed)} cells simulated{(result.Cancelled ? " (interrupted: partial)" : "")}; {result.Events:N0} reactions fired{(result.LeapedEvents > 0 ? $", {result.LeapedEvents:N0} of them in leaps" : "")} ({result.Method}).");
        w.WriteLine();
        if (result.LigandPools.Count > 0) WriteLigandPoolSection(result, w);
        var criterion = SlowScaleCriterionRow.Summary(result.SlowScaleCriterion);
        if (criterion.Count > 0)
        {
            w.WriteLine("## Slow-scale criterion at each cell's own state");
            w.WriteLine();
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"The pairs were lumped at each scenario × cell type's median cell. At their own initial counts and parameters, these cells have a pair below θ = {result.SlowScaleCriterion[0].Theta:G3} (share of the cell type's cells over all scenarios, smallest separation); the equilibrium assumption's error there is of order 1/separation, so check such results against `--method ssa` on a few cells:"));
            w.WriteLine();
            foreach (var line in criterion) w.WriteLine("- " + line);
            w.WriteLine();
        }
        if (result.Study.Lineage is not null) WriteLineageSection(result, w);
        w.WriteLine("## Fate fractions (95% Wilson interval)");
        w.WriteLine();
        if (result.Study.Lineage is not null)
        {
            w.WriteLine("Over the cells alive at the end, weighted; intervals at Kish's effective sample size (Σw)²/Σw². Cells: weighted live cells at the end.");
            w.WriteLine();
        }
        w.WriteLine("| scenario | cell type | cells | " + string.Join(" | ", result.FateNames) + " |");
        w.WriteLine("|---|---|---|" + string.Concat(result.FateNames.Select(_ => "---|")));
        foreach (var g in result.Groups)
            w.WriteLine($"| {g.Scenario.Name} | {g.CellType.Name} | {(g.Lineage is { } gl ? F(gl.Cells[^1]) : g.Completed.ToString(CultureInfo.InvariantCulture))} | " + string.Join(" | ", result.FateNames.Select(f =>
            {
                if (!result.Study.FateNamesFor(g.CellType.Name).Contains(f)) return "—";  // no rule for this type gives f
                var (p, lo, hi) = g.FateFraction(f);
                return string.Create(CultureInfo.InvariantCulture, $"{p:F2} ({lo:F2}–{hi:F2})");
            })) + " |");
        if (result.Study.Traits.Length > 0) WriteTraitsSection(result, w);
        variables ??= [.. result.VariableNames.Where(n => !n.EndsWith("_max", StringComparison.Ordinal) && !n.EndsWith("_auc", StringComparison.Ordinal))];
        w.WriteLine();
        w.WriteLine("## Median per cell (final values; _mean = time average)");
        w.WriteLine();
        w.WriteLine("| scenario | cell type | " + string.Join(" | ", variables) + " |");
        w.WriteLine("|---|---|" + string.Concat(variables.Select(_ => "---|")));
        foreach (var g in result.Groups)
            w.WriteLine($"| {g.Scenario.Name} | {g.CellType.Name} | " + string.Join(" | ", variables.Select(v => F(PopulationResult.Quantile(g.Values(result.Variable(v)), 0.5)))) + " |");
    }

    /// <summary>
    /// <c>scenario,time,agent,parameter,plasma,free,free_ligand_fraction</c> of every pooled well at every coupling
    /// time: each agent's plasma and free tissue concentration in its parameter's unit, and for the ligand of a
    /// closed well its free fraction (nothing but the header without a pool).
    /// </summary>
    public static void WriteLigand(PopulationResult result, TextWriter w)
    {
        w.WriteLine("scenario,time,agent,parameter,plasma,free,free_ligand_fraction");
        foreach (var trace in result.LigandPools)
            for (int a = 0; a < trace.Agents.Count; a++)
            {
                var agent = trace.Agents[a];
                for (int k = 0; k < trace.Times.Length; k++)
                    w.WriteLine($"{trace.Scenario},{F(trace.Times[k])},{agent.Agent},{agent.Parameter},{F(agent.Plasma[k])},{F(agent.Free[k])},{(a == 0 ? F(trace.FreeFraction[k]) : "")}");
            }
    }

    /// <summary>
    /// The "Traits" section: per scenario × cell type and trait, the fraction of the cells with the trait, over all
    /// of them and per fate, with 95% Wilson intervals (weighted at Kish's effective sample size with a lineage).
    /// </summary>
    private static void WriteTraitsSection(PopulationResult result, TextWriter w)
    {
        w.WriteLine();
        w.WriteLine("## Traits (fraction of cells with the trait, 95% Wilson interval)");
        w.WriteLine();
        w.WriteLine("A trait is read apart from the fate (docs/study-files.md, \"Traits\"): over all cells of the type, then over the cells of each fate. " +
            (result.Study.Lineage is not null ? "Over the cells alive at the end, weighted; intervals at Kish's effective sample size (Σw)²/Σw². " : "") +
            "—: the fate is not one the type's rules give; empty: no cell has the fate.");
        w.WriteLine();
        w.WriteLine("| scenario | cell type | trait | all cells | " + string.Join(" | ", result.FateNames) + " |");
        w.WriteLine("|---|---|---|---|" + string.Concat(result.FateNames.Select(_ => "---|")));
        static string Cell((double P, double Lo, double Hi) x) =>
            double.IsNaN(x.P) ? "" : string.Create(CultureInfo.InvariantCulture, $"{x.P:F2} ({x.Lo:F2}–{x.Hi:F2})");
        foreach (var g in result.Groups)
            foreach (var t in result.Study.Traits)
            {
                if (!t.AppliesTo(g.CellType.Name)) continue;
                var fates = result.Study.FateNamesFor(g.CellType.Name);
                w.WriteLine($"| {g.Scenario.Name} | {g.CellType.Name} | {t.Trait} | {Cell(g.TraitFraction(t.Trait))} | " + string.Join(" | ", result.FateNames.Select(f =>
                    fates.Contains(f) ? Cell(g.TraitFraction(t.Trait, f)) : "—")) + " |");
            }
    }

    private static void WriteLineageSection(PopulationResult result, TextWriter w)
    {
        var lineage = result.Study.Lineage!;
        string I(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
        w.WriteLine("## Lineage: division and death");
        w.WriteLine();
        w.WriteLine($"Cells divide when `{lineage.DivideText}`{(lineage.DieText is { } die ? $" and die when `{die}`" : "")}, checked at every " +
            (result.Study.Settings.LigandPool is null ? "check time" : "coupling time") + " (so late by at most one interval; docs/study-files.md, \"Lineage: division and death\")." +
            (lineage.Cap > 0 ? I($" Above {lineage.Cap} simulated cells a group is thinned at random and the survivors' weights scaled (unbiased).") : ""));
        w.WriteLine();
        w.WriteLine("| scenario | cell type | start cells | end cells (weighted) | fold expansion | divisions | deaths | simulated at end | effective cells |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var g in result.Groups)
        {
            if (g.Lineage is not { } l) continue;
            w.WriteLine(I($"| {g.Scenario.Name} | {g.CellType.Name} | {l.StartCells} | {l.Cells[^1]:G4} | {l.FoldExpansion:G4} | {l.Divisions.Sum():G4} | {l.Deaths.Sum():G4} | {l.Simulated[^1]} | {l.EffectiveCells(l.Times.Length - 1):G4} |"));
        }
        w.WriteLine();
        w.WriteLine(I($"Memory per live simulated cell: about {result.BytesPerCell:F0} bytes (counts, random stream, running sums of the outputs; the parameters are kept once per starting cell)."));
        w.WriteLine();
    }

    private static void WriteLigandPoolSection(PopulationResult result, TextWriter w)
    {
        var pool = result.Study.Settings.LigandPool;
        var settings = result.Study.Settings;
        string unit = settings.TimeUnit;
        string I(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
        w.WriteLine("## Tissue and shared ligand");
        w.WriteLine();
        w.WriteLine(I($"Each scenario is one tissue volume of all its cells (every cell type) sharing one fluid: the ligand they take up (`{pool?.Uptake}`) leaves it, {pool?.CellsPerLiter:G3} simulated cells per liter of fluid. The cells see each agent's concentration averaged over coupling intervals of at most {result.LigandPools[0].Coupling:G4} {unit}, shorter where the supply changes fast, never across a dose{(pool?.Bound is { } bound ? $"; the ligand they hold on their surface (`{bound}`) is the fluid's buffer" : "")} (docs/study-files.md, \"Shared ligand pool\")."));
        if (pool is { Weights.IsDefaultOrEmpty: false })
        {
            w.WriteLine();
            w.WriteLine("Tissue composition (`mix`): each simulated cell stands for this many cells: " + string.Join(", ",
                result.Study.CellTypes.Select((c, k) => I($"{c.Name} {pool.Weights[k]:G3}"))) + ".");
        }
        var pk = settings.Pharmacokinetics;
        if (pk.Length > 0)
        {
            w.WriteLine();
            w.WriteLine("Pharmacokinetics (plasma → tissue; docs/il2-model.md, \"Pharmacokinetics and dosing\"):");
            w.WriteLine();
            w.WriteLine($"| agent | sets | plasma half-lives ({unit}) | central volume (L) | tissue exchange half-time ({unit}) | partition |");
            w.WriteLine("|---|---|---|---|---|---|");
            foreach (var m in pk)
                w.WriteLine(I($"| {m.Agent} | {m.Parameter} | {string.Join(", ", m.PlasmaPerMole().Select(r => (Math.Log(2) / r.Rate).ToString("G3", CultureInfo.InvariantCulture)))} | {m.CentralVolume:G3} | {Math.Log(2) / m.TissueExchange:G3} | {m.Partition:G3} |"));
        }
        w.WriteLine();
        w.WriteLine($"Free concentrations in the tissue fluid (unit of the parameter each agent sets; peak, time of the peak, mean over the run, final):");
        w.WriteLine();
        w.WriteLine("| scenario | dosing | agent | peak plasma | peak free | at | mean free | final free | largest change per interval |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var t in result.LigandPools)
        {
            var scenario = result.Scenarios.First(s => s.Name == t.Scenario);
            foreach (var agent in t.Agents)
            {
                var doses = scenario.Doses.Where(d => d.Agent == agent.Agent).Select(d => d.Text[(d.Text.IndexOf(' ') + 1)..]).ToList();
                string dosing = doses.Count > 0 ? string.Join("; ", doses) : agent == t.Agents[0] ? I($"constant start {scenario.Dose:G4} {settings.DoseUnit}, closed") : "";
                if (agent.Free.All(c => c == 0) && agent.Plasma.All(c => c == 0)) { w.WriteLine($"| {t.Scenario} | {dosing} | {agent.Agent} | — | none | | | | |"); continue; }
                int peak = Array.IndexOf(agent.Free, agent.Free.Max());
                double mean = 0;
                for (int k = 1; k < t.Times.Length; k++) mean += (agent.Free[k] + agent.Free[k - 1]) / 2 * (t.Times[k] - t.Times[k - 1]);
                mean /= t.Times[^1] - t.Times[0];
                w.WriteLine(I($"| {t.Scenario} | {dosing} | {agent.Agent} | {agent.Plasma.Max():G3} | {agent.Free[peak]:G3} | {t.Times[peak]:G4} | {mean:G3} | {agent.Free[^1]:G3} | {t.MaxRelativeChange:P1}{(t.IntervalTooLong ? $" (above {LigandPool.RecommendedMaxRelativeChange:P0})" : "")} |"));
            }
        }
        w.WriteLine();
        w.WriteLine("Ligand taken up per cell over the run (net molecules bound, internalized or consumed; share of the tissue's uptake, weighted by the mix):");
        w.WriteLine();
        var types = result.Study.CellTypes;
        w.WriteLine("| scenario | " + string.Join(" | ", types.Select(c => c.Name)) + " | taken beyond supply |");
        w.WriteLine("|---|" + string.Concat(types.Select(_ => "---|")) + "---|");
        foreach (var t in result.LigandPools)
        {
            if (t.UptakePerCell.Count != types.Length) continue;
            double total = types.Select((_, k) => (pool?.WeightOf(k) ?? 1) * t.UptakePerCell[k]).Sum();
            w.WriteLine($"| {t.Scenario} | " + string.Join(" | ", types.Select((_, k) => total > 0
                ? I($"{t.UptakePerCell[k]:G3} ({(pool?.WeightOf(k) ?? 1) * t.UptakePerCell[k] / total:P0})") : I($"{t.UptakePerCell[k]:G3}"))) + I($" | {t.Deficit:G3} |"));
        }
        w.WriteLine();
    }

    /// <summary>
    /// <c>ligand,cell_type,time,dose,pstat5_mean,pstat5_sd,pstat5_mean_low,pstat5_mean_high</c> (the time and dose
    /// columns named after the study's units): one row per ligand, read-out time, cell type and dose (dose 0: the
    /// baseline, without sd); the last two columns are the 95% bootstrap interval of the mean (empty without replicates).
    /// </summary>
    public static void WriteDoseResponse(IReadOnlyList<DoseResponseCurve> curves, string doseUnit, string timeUnit, TextWriter w)
    {
        w.WriteLine($"ligand,cell_type,time_{timeUnit},dose_{doseUnit},pstat5_mean,pstat5_sd,pstat5_mean_low,pstat5_mean_high");
        foreach (var c in curves)
        {
            bool ci = c.MeanLow.Length == c.Doses.Length;
            w.WriteLine($"{c.Ligand},{c.CellType},{F(c.Time)},0,{F(c.Baseline)},,{(ci ? F(c.BaselineInterval.Low) : "")},{(ci ? F(c.BaselineInterval.High) : "")}");
            for (int i = 0; i < c.Doses.Length; i++)
                w.WriteLine($"{c.Ligand},{c.CellType},{F(c.Time)},{F(c.Doses[i])},{F(c.Mean[i])},{F(c.StandardDeviation[i])},{(ci ? F(c.MeanLow[i]) : "")},{(ci ? F(c.MeanHigh[i]) : "")}");
        }
    }

    /// <summary>
    /// <c>ligand,cell_type,time,ec50,ec50_low,ec50_high,replicates,unbracketed</c>: per ligand, read-out time and
    /// cell type, the EC50 (NaN when not bracketed) with its 95% percentile-bootstrap interval over the bracketed
    /// replicates, the replicates drawn and how many of them had no bracketed EC50 (left out of the interval).
    /// </summary>
    public static void WriteEc50(IReadOnlyList<DoseResponseCurve> curves, string doseUnit, string timeUnit, TextWriter w)
    {
        w.WriteLine($"ligand,cell_type,time_{timeUnit},ec50_{doseUnit},ec50_low,ec50_high,replicates,unbracketed");
        foreach (var c in curves)
            w.WriteLine($"{c.Ligand},{c.CellType},{F(c.Time)},{F(c.Ec50)},{F(c.Ec50Low)},{F(c.Ec50High)},{c.Replicates},{c.Unbracketed}");
    }

    /// <summary>
    /// <c>ligand,time,cell_type,reference,ratio,low,high,replicates,unbracketed</c>: EC50(cell type) / EC50(reference)
    /// with the 95% interval of the same bootstrap replicates' ratios; unbracketed counts the replicates in which
    /// either EC50 was not bracketed (left out).
    /// </summary>
    public static void WriteEc50Ratios(IReadOnlyList<Ec50Ratio> ratios, string timeUnit, TextWriter w)
    {
        w.WriteLine($"ligand,time_{timeUnit},cell_type,reference,ratio,low,high,replicates,unbracketed");
        foreach (var r in ratios)
            w.WriteLine($"{r.Ligand},{F(r.Time)},{r.CellType},{r.Reference},{F(r.Ratio)},{F(r.Low)},{F(r.High)},{r.Replicates},{r.Unbracketed}");
    }
}
