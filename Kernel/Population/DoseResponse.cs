using Stochastic.Simulation.Cells;
using Stochastic.Network;

namespace Stochastic.Population;

/// <summary>One dose-response curve: a read-out's mean and sd over cells at each dose, and the EC50.</summary>
/// <param name="Ligand">Ligand kind.</param>
/// <param name="CellType">Cell type.</param>
/// <param name="Doses">Doses (dose unit of the study), ascending.</param>
/// <param name="Mean">Mean read-out at each dose.</param>
/// <param name="StandardDeviation">Cell-to-cell standard deviation at each dose.</param>
/// <param name="Baseline">Mean read-out without ligand.</param>
/// <param name="Ec50">Dose of half-maximal response (<see cref="DoseResponse.Ec50"/>); NaN when not bracketed.</param>
public sealed record DoseResponseCurve(string Ligand, string CellType, double[] Doses, double[] Mean, double[] StandardDeviation, double Baseline, double Ec50);

/// <summary>
/// Dose-response of a study's read-out (pSTAT5) per ligand and cell type: one population run
/// per dose (plus a no-ligand baseline), the read-out taken at the study's read-out time. The
/// ligand is an infinite bath here even when the study has a shared ligand pool: a curve and its
/// EC50 belong to one cell type, not to a well's mixture.
/// </summary>
public static class DoseResponse
{
    /// <summary>Log-spaced doses from <paramref name="from"/> to <paramref name="to"/>, <paramref name="count"/> of them.</summary>
    public static double[] LogSpaced(double from, double to, int count)
    {
        if (!(from > 0) || !(to > from) || count < 2) throw new ArgumentOutOfRangeException(nameof(count), "doses need 0 < from < to and count ≥ 2");
        return [.. Enumerable.Range(0, count).Select(i => from * Math.Pow(to / from, (double)i / (count - 1)))];
    }

    /// <summary>Runs the curves of every ligand in <paramref name="ligands"/> for every cell type of the study.</summary>
    /// <param name="study">The study (cell types, ligands, read-out settings).</param>
    /// <param name="ligands">Ligand kinds.</param>
    /// <param name="doses">Positive doses, ascending.</param>
    /// <param name="options">Cells, seed, threads.</param>
    /// <param name="extraSettings">Parameter settings added to every scenario (e.g. a blocking antibody).</param>
    /// <param name="engine">Cell simulator (default: <see cref="PopulationOptions.Method"/>).</param>
    /// <param name="progress">Progress over all doses.</param>
    /// <param name="cancellationToken">Cancels; curves then use the cells finished.</param>
    public static IReadOnlyList<DoseResponseCurve> Run(Study study, IReadOnlyList<string> ligands, IReadOnlyList<double> doses, PopulationOptions options,
        IReadOnlyDictionary<string, double>? extraSettings = null, Func<CompiledNetwork, ICellSimulator>? engine = null,
        IProgress<PopulationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        double t = study.Settings.ReadoutTime;
        // A curve belongs to one cell type at a bath concentration: no shared pool, no divisions or deaths.
        if (study.Settings.LigandPool is not null || study.Lineage is not null)
            study = new Study(study.Model, study.CellTypes, study.Scenarios, study.Fates, study.Ligands, study.Settings with { LigandPool = null });
        var scenarios = new List<Scenario>();
        foreach (var ligand in ligands)
        {
            scenarios.Add(study.MakeScenario($"{ligand}@0", ligand, 0, t, extraSettings));
            foreach (double d in doses) scenarios.Add(study.MakeScenario(FormattableString.Invariant($"{ligand}@{d:R}"), ligand, d, t, extraSettings));
        }
        var result = PopulationRunner.Run(study, scenarios, options, engine, progress, cancellationToken);
        int readout = result.Variable(study.Settings.Readout);
        var curves = new List<DoseResponseCurve>();
        foreach (var ligand in ligands)
        {
            foreach (var cellType in study.CellTypes)
            {
                var baseline = result.Group($"{ligand}@0", cellType.Name).Values(readout);
                var mean = new double[doses.Count];
                var sd = new double[doses.Count];
                for (int i = 0; i < doses.Count; i++)
                {
                    var values = result.Group(FormattableString.Invariant($"{ligand}@{doses[i]:R}"), cellType.Name).Values(readout);
                    (mean[i], sd[i]) = MeanSd(values);
                }
                double b = MeanSd(baseline).Mean;
                curves.Add(new DoseResponseCurve(ligand, cellType.Name, [.. doses], mean, sd, b, Ec50([.. doses], mean, b)));
            }
        }
        return curves;
    }

    /// <summary>
    /// EC50 as the dose at which the response first reaches half of its own maximum above
    /// <paramref name="baseline"/> (the measure of PARAMETERS.md's pSTAT5 EC50s), by log-linear
    /// interpolation between the bracketing doses; NaN if the lowest dose already exceeds it or no
    /// dose raises the response.
    /// </summary>
    public static double Ec50(double[] doses, double[] response, double baseline)
    {
        double max = response.Max();
        if (!(max > baseline)) return double.NaN;
        double half = baseline + (max - baseline) / 2;
        if (response[0] >= half) return double.NaN;
        for (int i = 1; i < doses.Length; i++)
        {
            if (response[i] < half) continue;
            double f = (half - response[i - 1]) / (response[i] - response[i - 1]);
            return Math.Exp(Math.Log(doses[i - 1]) + f * (Math.Log(doses[i]) - Math.Log(doses[i - 1])));
        }
        return double.NaN;
    }

    private static (double Mean, double Sd) MeanSd(double[] values)
    {
        if (values.Length == 0) return (double.NaN, double.NaN);
        double mean = values.Average();
        double ss = values.Sum(x => (x - mean) * (x - mean));
        return (mean, values.Length > 1 ? Math.Sqrt(ss / (values.Length - 1)) : 0);
    }
}
