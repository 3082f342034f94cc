using System.Globalization;
using System.Text;

namespace Stochastic.Validation;

/// <summary>Formats DSMTS results as a markdown report.</summary>
public static class DsmtsReport
{
    /// <summary>
    /// A markdown table with one row per case (case, model, mean failures, sd failures, runs, wall
    /// time), the suite totals, the guide's expected false-failure counts, and the list of failures.
    /// </summary>
    /// <param name="results">The case results, in suite order.</param>
    /// <param name="title">A heading line (without the leading <c>#</c>), or null for none.</param>
    public static string ToMarkdown(IReadOnlyList<DsmtsCaseResult> results, string? title = null)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (title is not null) sb.Append("# ").AppendLine(title).AppendLine();
        var methods = string.Join(", ", results.Select(r => r.Method).Distinct());
        var runs = string.Join(", ", results.Select(r => r.Runs.ToString(c)).Distinct());
        var seeds = string.Join(", ", results.Select(r => r.Seed.ToString(c)).Distinct());
        sb.AppendLine(c, $"Method: {methods}; runs n = {runs}; seed {seeds}.").AppendLine();
        sb.AppendLine("| case | model | mean failures | sd failures | wall (s) |");
        sb.AppendLine("|---|---|---:|---:|---:|");
        foreach (var r in results)
            sb.AppendLine(c, $"| {r.Case.Id} | {r.Case.Title} | {r.MeanFailures} | {r.StandardDeviationFailures} | {r.Wall.TotalSeconds:F1} |");
        int mean = results.Sum(r => r.MeanFailures), sd = results.Sum(r => r.StandardDeviationFailures);
        int meanChecks = results.Sum(r => r.Case.Times.Count * r.Case.Variables.Count);
        sb.AppendLine(c, $"| **total** | {results.Count} cases, {meanChecks} checks of each kind | **{mean}** | **{sd}** | {results.Sum(r => r.Wall.TotalSeconds):F1} |");
        sb.AppendLine();
        sb.AppendLine(c, $"Expected false failures of a correct simulator: {DsmtsSuite.ExpectedFalseFailures}");
        var failures = results.SelectMany(r => r.Failures.Select(f => (r.Case.Id, f))).ToList();
        if (failures.Count > 0)
        {
            sb.AppendLine().AppendLine("| case | time | species | test | statistic | sample | analytic |");
            sb.AppendLine("|---|---:|---|---|---:|---:|---:|");
            foreach (var (id, f) in failures)
            {
                string statistic = double.IsNaN(f.Statistic) ? "σ = 0" : f.Statistic.ToString("F2", c);
                string test = f.Test == DsmtsTest.Mean ? "mean (Z)" : "sd (Y)";
                sb.AppendLine(c, $"| {id} | {f.Time:G} | {f.Variable} | {test} | {statistic} | {f.Sample:G6} | {f.Expected:G6} |");
            }
        }
        return sb.ToString();
    }
}
