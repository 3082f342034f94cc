using System.Globalization;
using System.Text;

namespace Stochastic.Calibration;

/// <summary>Writes a fit's tables (CSV) and its report (Markdown): docs/calibration.md, "Outputs".</summary>
public static class FitReport
{
    private static string F(double v) => double.IsNaN(v) ? "NaN" : v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>fitted.csv: per parameter the fitted value, its 95% profile interval, the start, the bounds and the literature range.</summary>
    public static void WriteEstimates(FitResult result, TextWriter w)
    {
        w.WriteLine("parameter,fitted,low95,high95,low_open,high_open,start,lower_bound,upper_bound,literature_low,literature_high,fitted_in_literature,interval_meets_literature");
        foreach (var p in result.Spec.Parameters)
        {
            double value = result.Best.Values[p.Name];
            var interval = result.Intervals.FirstOrDefault(i => i.Parameter == p.Name);
            double low = interval?.Low ?? double.NaN, high = interval?.High ?? double.NaN;
            string inLit = "", meets = "";
            if (p.Literature is { } lit)
            {
                inLit = value >= lit.Low && value <= lit.High ? "yes" : "no";
                meets = interval is null ? "" : (high >= lit.Low && low <= lit.High ? "yes" : "no");
            }
            w.WriteLine(string.Join(',', p.Name, F(value), F(low), F(high), interval?.LowOpen.ToString().ToLowerInvariant() ?? "", interval?.HighOpen.ToString().ToLowerInvariant() ?? "",
                F(p.Start), p.Fixed ? "fixed" : F(p.Lower), p.Fixed ? "fixed" : F(p.Upper), F(p.Literature?.Low ?? double.NaN), F(p.Literature?.High ?? double.NaN), inLit, meets));
        }
    }

    /// <summary>profiles.csv: every profile point (parameter, value, objective, rise above the optimum).</summary>
    public static void WriteProfiles(FitResult result, TextWriter w)
    {
        var free = result.Spec.Free;
        w.WriteLine("parameter,value,objective,delta," + string.Join(',', free.Select(p => p.Name)));
        foreach (var interval in result.Intervals)
            foreach (var point in interval.Points)
                w.WriteLine(string.Join(',', [interval.Parameter, F(point.Value), F(point.Objective), F(point.Objective - result.Best.Objective), .. point.Others.Select(F)]));
    }

    /// <summary>blocks.csv: the measurement model of every population × replicate, at the fitted and at the starting values.</summary>
    public static void WriteBlocks(FitResult result, TextWriter w)
    {
        w.WriteLine("population,replicate,points,scale,background,sigma,monte_carlo_share,start_scale,start_background,start_sigma");
        foreach (var (key, b) in result.Best.Blocks.OrderBy(k => k.Key.Population, StringComparer.Ordinal).ThenBy(k => k.Key.Replicate, StringComparer.Ordinal))
        {
            var s = result.Start.Blocks[key];
            w.WriteLine(string.Join(',', key.Population, key.Replicate, b.Count, F(b.Scale), F(b.Background), F(b.Sigma), F(result.Best.MonteCarloShare(key, result.Spec.Data)),
                F(s.Scale), F(s.Background), F(s.Sigma)));
        }
    }

    /// <summary>residuals.csv: every fitted data point with the model's read-out, its MFI through the block's scale and background, the residual and the residual over the block's σ; and the same at the start.</summary>
    public static void WriteResiduals(FitResult result, TextWriter w)
    {
        w.WriteLine("population,ligand,time,dose,replicate,mfi,model_readout,model_mfi,residual,standardized,start_model_mfi");
        var data = result.Spec.Data;
        for (int i = 0; i < data.Length; i++)
        {
            var d = data[i];
            var b = result.Best.Blocks[(d.Population, d.Replicate)];
            var s = result.Start.Blocks[(d.Population, d.Replicate)];
            double m = result.Best.ModelAtData[i], mfi = b.Scale * m + b.Background, r = d.Value - mfi;
            w.WriteLine(string.Join(',', d.Population, d.Ligand, F(d.Time), F(d.Dose), d.Replicate, F(d.Value), F(m), F(mfi), F(r), F(r / b.Sigma),
                F(s.Scale * result.Start.ModelAtData[i] + s.Background)));
        }
    }

    /// <summary>prediction.csv: the fitted and the starting model's mean read-out per population, time and dose (the study's dose unit), and each as a fraction of its value at <paramref name="reference"/> at the same dose.</summary>
    public static void WritePrediction(FitResult result, double reference, TextWriter w)
    {
        if (result.Prediction is not { } fit || result.StartPrediction is not { } start) return;
        int at = Array.FindIndex(fit.Times, t => Math.Abs(t - reference) <= 1e-9 * Math.Max(1, reference));
        w.WriteLine("population,time,dose,fitted_readout,fitted_of_reference,start_readout,start_of_reference,fitted_baseline,start_baseline");
        for (int p = 0; p < fit.Populations.Length; p++)
            for (int t = 0; t < fit.Times.Length; t++)
                for (int d = 0; d < fit.Doses.Length; d++)
                {
                    double a = fit.Mean[p][t][d], b = start.Mean[p][t][d];
                    w.WriteLine(string.Join(',', fit.Populations[p], F(fit.Times[t]), F(fit.Doses[d]), F(a), at >= 0 ? F(a / fit.Mean[p][at][d]) : "NaN",
                        F(b), at >= 0 ? F(b / start.Mean[p][at][d]) : "NaN", F(fit.Baseline[p][t]), F(start.Baseline[p][t])));
                }
    }

    /// <summary>
    /// ec50.csv: per population and time, the EC50 of the fitted and of the starting model's mean curve
    /// (<see cref="Population.DoseResponse.Ec50"/>: half of the curve's own maximum above its no-ligand baseline,
    /// in the study's dose unit; NaN when the doses do not bracket it), at the prediction times (else the fitted ones).
    /// </summary>
    public static void WriteEc50(FitResult result, TextWriter w)
    {
        var fit = result.Prediction ?? result.Best.Curves;
        var start = result.StartPrediction ?? result.Start.Curves;
        w.WriteLine("population,time,fitted_ec50,start_ec50");
        for (int p = 0; p < fit.Populations.Length; p++)
            for (int t = 0; t < fit.Times.Length; t++)
                w.WriteLine(string.Join(',', fit.Populations[p], F(fit.Times[t]),
                    F(Population.DoseResponse.Ec50(fit.Doses, fit.Mean[p][t], fit.Baseline[p][t])),
                    F(Population.DoseResponse.Ec50(start.Doses, start.Mean[p][t], start.Baseline[p][t]))));
    }

    /// <summary>report.md: what was fitted, to what, the estimates with intervals, the fit's quality and the prediction at the highest dose.</summary>
    public static void WriteMarkdown(FitResult result, double reference, TextWriter w)
    {
        var spec = result.Spec;
        var sb = new StringBuilder();
        string unit = spec.Study.Settings.TimeUnit, doseUnit = spec.Study.Settings.DoseUnit;
        sb.AppendLine("# Fit report").AppendLine();
        sb.AppendLine(FormattableString.Invariant($"- Data: {spec.Data.Length} points of ligand {spec.DataLigand} (study ligand {spec.Ligand}) at {string.Join(", ", spec.Times)} {unit}; {spec.Excluded.Length} excluded by the fit file."));
        sb.AppendLine($"- Populations: {string.Join(", ", spec.Populations.Select(p => $"{p.Data} → {p.CellType}" + (p.Settings.Count > 0 ? " (" + string.Join(", ", p.Settings.Select(kv => FormattableString.Invariant($"{kv.Key} = {kv.Value:G6}"))) + ")" : "")))}.");
        sb.AppendLine(FormattableString.Invariant($"- Simulation: {spec.Settings.Cells} cells per population and dose, seed {spec.Settings.Seed} in every evaluation (common random numbers); {result.Evaluations} evaluations, {result.CellsSimulated:N0} cells, {result.WallSeconds:F0} s."));
        sb.AppendLine(FormattableString.Invariant($"- Measurement model: MFI = scale × read-out + background + ε per population × replicate, scale, background and σ solved in closed form; −2 ln L = Σ n ln(RSS/n)."));
        sb.AppendLine(FormattableString.Invariant($"- −2 ln L: {result.Start.MinusTwoLogLikelihood:F2} at the start, {result.Best.MinusTwoLogLikelihood:F2} fitted (Δ = {result.Start.MinusTwoLogLikelihood - result.Best.MinusTwoLogLikelihood:F2}); prior penalty {result.Best.Penalty:F2}."));
        sb.AppendLine(FormattableString.Invariant($"- Monte Carlo roughness of −2 ln L at the fit: {result.Best.MonteCarloRoughness(spec.Data):F2} (2·√Σ (scale·SE/σ)², the simulation's noise; the intervals need it well below 1, against the threshold 3.84; more cells lower it as 1/√cells)."));
        if (result.LowestProfileObjective < result.Best.Objective - 1e-9)
            sb.AppendLine(FormattableString.Invariant($"- A profile found an objective {result.Best.Objective - result.LowestProfileObjective:F2} below the fit's: the search stopped short of the optimum by that much (intervals are measured from the fit)."));
        sb.AppendLine().AppendLine("## Estimates (95% profile-likelihood intervals)").AppendLine();
        sb.AppendLine("| parameter | start | fitted | 95% interval | literature | fitted in literature range |").AppendLine("|---|---|---|---|---|---|");
        foreach (var p in spec.Parameters)
        {
            double v = result.Best.Values[p.Name];
            var i = result.Intervals.FirstOrDefault(x => x.Parameter == p.Name);
            string interval = p.Fixed ? "fixed" : i is null ? "not profiled" : FormattableString.Invariant($"{(i.LowOpen ? "≤ " : "")}{i.Low:G3} – {(i.HighOpen ? "≥ " : "")}{i.High:G3}");
            string lit = p.Literature is { } l ? FormattableString.Invariant($"{l.Low:G3} – {l.High:G3}") : "—";
            string inLit = p.Literature is { } r ? (v >= r.Low && v <= r.High ? "yes" : "no") : "—";
            sb.AppendLine(FormattableString.Invariant($"| {p.Name} | {p.Start:G4} | {v:G4} | {interval} | {lit} | {inLit} |"));
        }
        sb.AppendLine().AppendLine("## Blocks (population × replicate)").AppendLine();
        sb.AppendLine("Monte Carlo share: the simulation's share of the residual variance, mean (scale × standard error of the model's mean)² / σ². The likelihood treats the model as exact; above a few percent the objective is rough on the scale of the interval threshold and the intervals run short (simulate more cells).").AppendLine();
        sb.AppendLine("| population | replicate | points | scale | background | σ fitted | Monte Carlo share | σ start |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var (key, b) in result.Best.Blocks.OrderBy(k => k.Key.Population, StringComparer.Ordinal).ThenBy(k => k.Key.Replicate, StringComparer.Ordinal))
            sb.AppendLine(FormattableString.Invariant($"| {key.Population} | {key.Replicate} | {b.Count} | {b.Scale:G4} | {b.Background:G5} | {b.Sigma:G4} | {result.Best.MonteCarloShare(key, result.Spec.Data):F3} | {result.Start.Blocks[key].Sigma:G4} |"));
        {
            var fitCurves = result.Prediction ?? result.Best.Curves;
            var startCurves = result.StartPrediction ?? result.Start.Curves;
            sb.AppendLine().AppendLine($"## EC50 of the model's mean curves ({doseUnit}; half of each curve's maximum above its baseline)").AppendLine();
            sb.AppendLine("| population | model | " + string.Join(" | ", fitCurves.Times.Select(t => FormattableString.Invariant($"{t:G4} {unit}"))) + " |");
            sb.AppendLine("|---|---|" + string.Concat(fitCurves.Times.Select(_ => "---|")));
            for (int p = 0; p < fitCurves.Populations.Length; p++)
                foreach (var (label, c) in new[] { ("fitted", fitCurves), ("start", startCurves) })
                    sb.AppendLine($"| {c.Populations[p]} | {label} | " + string.Join(" | ", Enumerable.Range(0, c.Times.Length).Select(t =>
                        FormattableString.Invariant($"{Population.DoseResponse.Ec50(c.Doses, c.Mean[p][t], c.Baseline[p][t]):G3}"))) + " |");
        }
        if (result.Prediction is { } fit && result.StartPrediction is { } start)
        {
            int top = fit.Doses.Length - 1;
            int at = Array.FindIndex(fit.Times, t => Math.Abs(t - reference) <= 1e-9 * Math.Max(1, reference));
            sb.AppendLine().AppendLine(FormattableString.Invariant($"## Prediction at the highest dose ({fit.Doses[top]:G4} {doseUnit}): mean read-out, and its fraction of the {reference:G4}-{unit} value")).AppendLine();
            sb.AppendLine("| population | model | " + string.Join(" | ", fit.Times.Select(t => FormattableString.Invariant($"{t:G4} {unit}"))) + " |");
            sb.AppendLine("|---|---|" + string.Concat(fit.Times.Select(_ => "---|")));
            for (int p = 0; p < fit.Populations.Length; p++)
                foreach (var (label, curves) in new[] { ("fitted", fit), ("start", start) })
                    sb.AppendLine($"| {fit.Populations[p]} | {label} | " + string.Join(" | ", Enumerable.Range(0, fit.Times.Length).Select(t =>
                        FormattableString.Invariant($"{curves.Mean[p][t][top]:F0}") + (at >= 0 ? FormattableString.Invariant($" ({curves.Mean[p][t][top] / curves.Mean[p][at][top]:F2})") : ""))) + " |");
        }
        w.Write(sb.ToString());
    }
}
