using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Sensitivity;

/// <summary>
/// What a design point runs when its outputs are EC50s: the dose-response of <see cref="DoseResponse"/>
/// (each ligand, every dose plus a no-ligand baseline, read at each time) instead of the study's scenarios.
/// </summary>
/// <param name="Ligands">Ligand kinds.</param>
/// <param name="Doses">Positive doses, ascending (the study's dose unit).</param>
/// <param name="Times">Read-out times (the study's time unit); null or empty: the study's <c>readout_time</c>.</param>
/// <param name="CellTypes">Cell types to run, the first the reference of every ratio; null or empty: all of the study's, in its order.</param>
public sealed record DoseResponseDesign(IReadOnlyList<string> Ligands, IReadOnlyList<double> Doses,
    IReadOnlyList<double>? Times = null, IReadOnlyList<string>? CellTypes = null)
{
    /// <summary>
    /// <paramref name="study"/> with only <see cref="CellTypes"/>, in that order (fate and trait rules naming the others
    /// simply apply to no cell); the ligands are checked too.
    /// </summary>
    /// <exception cref="ModelException">An unknown ligand or cell type, a cell type named twice, or no dose.</exception>
    public Study Restrict(Study study)
    {
        if (Ligands.Count == 0) throw ThrowHelper.Model(new SourcePosition("--ligand", 0, 0), "no ligand to give");
        study.RequireLigands(Ligands, "--ligand");
        if (Doses.Count < 2) throw ThrowHelper.Model(new SourcePosition("--doses", 0, 0), "a dose-response needs at least two doses");
        if (CellTypes is not { Count: > 0 } names) return study;
        var types = study.CellTypeIndices(names, "--cell-type").Select(c => study.CellTypes[c]);
        return new Study(study.Model, [.. types], study.Scenarios, study.Fates, study.Ligands, study.Settings) { Lineage = study.Lineage, Traits = study.Traits };
    }
}

/// <summary>
/// The outputs of a dose-response run that a sensitivity analysis reads, per ligand L, read-out time T
/// (written as in <c>ec50.csv</c>) and cell type C, the reference R being the first cell type (as in
/// <c>ec50_ratios.csv</c>):
/// <list type="bullet">
/// <item><c>ec50:L:T:C</c> and <c>log10_ec50:L:T:C</c>: the EC50 of the mean curve (<see cref="DoseResponse.Ec50"/>), in the dose unit;</item>
/// <item><c>ec50_ratio:L:T:C/R</c> and <c>log10_ec50_ratio:L:T:C/R</c>: EC50(C) / EC50(R), for every C after R.</item>
/// </list>
/// An EC50 the doses do not bracket is NaN, and so is every ratio it enters: the analysis counts such
/// points and leaves out the effects or rows they enter (<see cref="MorrisIndices"/>, <see cref="SobolIndices"/>).
/// The log10 outputs make μ* a number of decades per range, comparable across outputs.
/// </summary>
public static class DoseResponseOutputs
{
    /// <summary>The outputs of <paramref name="result"/>: per ligand and time, every cell type's EC50s, then every ratio.</summary>
    public static List<(string Name, double Value)> Read(DoseResponseResult result)
    {
        var outputs = new List<(string, double)>();
        foreach (var curves in result.Curves.GroupBy(c => (c.Ligand, c.Time)))
        {
            foreach (var c in curves)
            {
                string at = $"{c.Ligand}:{Time(c.Time)}:{c.CellType}";
                outputs.Add(($"ec50:{at}", c.Ec50));
                outputs.Add(($"log10_ec50:{at}", Math.Log10(c.Ec50)));
            }
            foreach (var r in result.Ratios.Where(r => r.Ligand == curves.Key.Ligand && r.Time == curves.Key.Time))
            {
                string at = $"{r.Ligand}:{Time(r.Time)}:{r.CellType}/{r.Reference}";
                outputs.Add(($"ec50_ratio:{at}", r.Ratio));
                outputs.Add(($"log10_ec50_ratio:{at}", Math.Log10(r.Ratio)));
            }
        }
        return outputs;
    }

    private static string Time(double t) => t.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
