using System.Diagnostics;
using Stochastic.Population;

namespace Stochastic.Calibration;

/// <summary>What a fit found.</summary>
/// <param name="Spec">The fit.</param>
/// <param name="Start">The objective at the starting values (the model's own values unless the fit file gives others).</param>
/// <param name="Best">The objective at the fitted values.</param>
/// <param name="Intervals">Profile-likelihood intervals of the free parameters (empty when not profiled).</param>
/// <param name="Prediction">The fitted model at the prediction times (null without any).</param>
/// <param name="StartPrediction">The starting model at the prediction times (null without any).</param>
/// <param name="Evaluations">Objective evaluations, profiles included.</param>
/// <param name="CellsSimulated">Cells simulated, predictions included.</param>
/// <param name="WallSeconds">Wall-clock time.</param>
public sealed record FitResult(FitSpec Spec, FitEvaluation Start, FitEvaluation Best, IReadOnlyList<ProfileInterval> Intervals,
    ModelCurves? Prediction, ModelCurves? StartPrediction, int Evaluations, long CellsSimulated, double WallSeconds)
{
    /// <summary>
    /// The lowest objective any profile found, below <see cref="Best"/>'s when the search stopped short of
    /// the optimum (reported, so a reader can judge; the intervals are measured from <see cref="Best"/>).
    /// </summary>
    public double LowestProfileObjective => Intervals.SelectMany(i => i.Points).Select(p => p.Objective).DefaultIfEmpty(Best.Objective).Min();
}

/// <summary>
/// Fits a study's parameters to dose–response data (docs/calibration.md): Nelder–Mead in log space within
/// the bounds (<see cref="BoundedNelderMead"/>) on the objective of <see cref="FitObjective"/> (common random
/// numbers, closed-form measurement model), then 95% profile-likelihood intervals (<see cref="ProfileLikelihood"/>)
/// and the fitted model's prediction at the times asked for.
/// </summary>
public static class Calibrator
{
    /// <summary>Runs the fit.</summary>
    /// <param name="spec">The fit (<see cref="Formats.FitReader"/>).</param>
    /// <param name="options">Engine and threads (cells and seed come from the spec); the study's engine unless the caller chose another.</param>
    /// <param name="profile">Whether to compute the profile-likelihood intervals.</param>
    /// <param name="log">Receives one line per stage and per improvement (null: silent).</param>
    /// <param name="cancellationToken">Stops between evaluations (<see cref="OperationCanceledException"/>).</param>
    /// <param name="search">False: no search (and no profile): the result is the objective, curves and prediction at the start values, to check a parameter set against the data.</param>
    public static FitResult Fit(FitSpec spec, PopulationOptions options, bool profile = true, Action<string>? log = null, CancellationToken cancellationToken = default, bool search = true)
    {
        var clock = Stopwatch.StartNew();
        var objective = new FitObjective(spec, options);
        var free = spec.Free;
        double[] lower = [.. free.Select(p => p.Lower)], upper = [.. free.Select(p => p.Upper)], start = [.. free.Select(p => p.Start)];
        var startEval = objective.Evaluate(start, cancellationToken);
        log?.Invoke(FormattableString.Invariant($"start: -2lnL = {startEval.MinusTwoLogLikelihood:F2} at {Describe(startEval)} ({clock.Elapsed.TotalSeconds:F1} s per evaluation)"));
        var best = startEval;
        double Objective(double[] x)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var e = objective.Evaluate(x, cancellationToken);
            if (e.Objective < best.Objective)
            {
                best = e;
                log?.Invoke(FormattableString.Invariant($"evaluation {objective.Evaluations}: -2lnL = {e.MinusTwoLogLikelihood:F2} at {Describe(e)}"));
            }
            return e.Objective;
        }
        if (free.Length > 0 && search)
            BoundedNelderMead.Minimize(Objective, lower, upper, start, spec.Settings.MaxEvaluations, spec.Settings.Restarts);
        var fitted = best;
        log?.Invoke(FormattableString.Invariant($"fitted after {objective.Evaluations} evaluations: -2lnL = {fitted.MinusTwoLogLikelihood:F2} at {Describe(fitted)}"));
        var intervals = new List<ProfileInterval>();
        if (profile && search)
        {
            double[] optimum = [.. free.Select(p => fitted.Values[p.Name])];
            for (int i = 0; i < free.Length; i++)
            {
                var interval = ProfileLikelihood.Profile(free[i].Name, Objective, optimum, fitted.Objective, i, lower, upper,
                    spec.Settings.ProfileSteps, Math.Max(15, spec.Settings.MaxEvaluations / 3));
                intervals.Add(interval);
                log?.Invoke(FormattableString.Invariant($"profile {free[i].Name}: {interval.Estimate:G4} [{(interval.LowOpen ? "≤" : "")}{interval.Low:G4}, {(interval.HighOpen ? "≥" : "")}{interval.High:G4}] ({interval.Points.Count} points)"));
            }
        }
        ModelCurves? prediction = null, startPrediction = null;
        if (spec.Settings.PredictTimes.Length > 0)
        {
            double[] times = [.. spec.Settings.PredictTimes];
            prediction = objective.Simulate(fitted.Values, times, cancellationToken);
            startPrediction = objective.Simulate(startEval.Values, times, cancellationToken);
        }
        return new FitResult(spec, startEval, fitted, intervals, prediction, startPrediction, objective.Evaluations, objective.CellsSimulated, clock.Elapsed.TotalSeconds);
    }

    private static string Describe(FitEvaluation e) =>
        string.Join(", ", e.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => FormattableString.Invariant($"{kv.Key} = {kv.Value:G4}")));
}
