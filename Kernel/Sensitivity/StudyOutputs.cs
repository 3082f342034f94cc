using System.Text.RegularExpressions;
using Stochastic.Population;

namespace Stochastic.Sensitivity;

/// <summary>
/// The numbers of a population run that a sensitivity analysis reads, each with a name, per scenario ×
/// cell type (S, C):
/// <list type="bullet">
/// <item><c>cells:S:C:FATE</c>: cells in each fate the type's rules can give, at the end (weighted, with a lineage block);</item>
/// <item><c>fraction:S:C:FATE</c>: their fraction of the group;</item>
/// <item><c>trait:S:C:TRAIT</c>: cells with each trait that applies to the type (weighted with a lineage);</item>
/// <item><c>expansion:S:C</c>: with a lineage block, cells at the end over cells at the start;</item>
/// <item><c>mean:S:C:READOUT</c>: the study's read-out (e.g. pSTAT5) averaged over the run and the cells:
/// without a lineage the mean of every cell's time average; with one, the time average (trapezoid over the
/// recorded times) of the weighted mean over the live cells.</item>
/// </list>
/// </summary>
public static class StudyOutputs
{
    /// <summary>The outputs of <paramref name="result"/>, in group order.</summary>
    public static List<(string Name, double Value)> Read(PopulationResult result)
    {
        var study = result.Study;
        var outputs = new List<(string, double)>();
        var fateNames = result.FateNames.ToList();
        string readout = study.Settings.Readout;
        int readoutOutput = Array.IndexOf(result.OutputNames, readout);
        foreach (var g in result.Groups)
        {
            string prefix = $"{g.Scenario.Name}:{g.CellType.Name}";
            foreach (var fate in study.FateNamesFor(g.CellType.Name))
            {
                double cells = g.Lineage is { } l ? l.FateCells[^1][fateNames.IndexOf(fate)] : g.FateCount(fate);
                outputs.Add(($"cells:{prefix}:{fate}", cells));
                outputs.Add(($"fraction:{prefix}:{fate}", g.FateFraction(fate).Fraction));
            }
            foreach (var trait in study.Traits.Where(t => t.AppliesTo(g.CellType.Name)))
                outputs.Add(($"trait:{prefix}:{trait.Trait}", TraitCells(g, trait.Trait, study.Traits.IndexOf(trait), fateNames.Count)));
            if (g.Lineage is { } lineage)
            {
                outputs.Add(($"expansion:{prefix}", lineage.FoldExpansion));
                outputs.Add(($"mean:{prefix}:{readout}", TimeAverage(lineage, readoutOutput)));
            }
            else
            {
                var values = g.Values(result.Variable(readout + "_mean"));
                outputs.Add(($"mean:{prefix}:{readout}", values.Length > 0 ? values.Average() : double.NaN));
            }
        }
        return outputs;
    }

    /// <summary>Whether <paramref name="name"/> matches any of <paramref name="patterns"/> (<c>*</c> matches any text; no patterns: everything).</summary>
    public static bool Matches(string name, IReadOnlyList<string> patterns) =>
        patterns.Count == 0 || patterns.Any(p => Regex.IsMatch(name, "^" + Regex.Escape(p).Replace(@"\*", ".*") + "$", RegexOptions.CultureInvariant));

    private static double TraitCells(PopulationGroup g, string trait, int traitIndex, int fates)
    {
        if (g.Lineage is not { } l) return g.TraitCount(trait);
        int traits = l.TraitCount;
        double sum = 0;
        for (int f = 0; f < fates; f++) sum += l.TraitCells[^1][f * traits + traitIndex];
        return sum;
    }

    private static double TimeAverage(LineageTrace l, int output)
    {
        var t = l.Times;
        if (t.Length < 2) return t.Length == 1 ? l.Means[0][output] : double.NaN;
        double area = 0;
        for (int k = 1; k < t.Length; k++) area += 0.5 * (l.Means[k][output] + l.Means[k - 1][output]) * (t[k] - t[k - 1]);
        return area / (t[^1] - t[0]);
    }
}
