using System.Collections.Immutable;
using Stochastic.Population;

namespace Stochastic.Calibration;

/// <summary>
/// A model parameter the fit estimates, searched in log space between <see cref="Lower"/> and
/// <see cref="Upper"/> from <see cref="Start"/>, or held at a value (<see cref="Fixed"/>).
/// </summary>
/// <param name="Name">Model parameter name.</param>
/// <param name="Lower">Lower bound (&gt; 0; the search is in log space).</param>
/// <param name="Upper">Upper bound (&gt; <paramref name="Lower"/>).</param>
/// <param name="Start">Starting value, within the bounds.</param>
/// <param name="Position">Where the fit file names it.</param>
public sealed record FitParameter(string Name, double Lower, double Upper, double Start, SourcePosition Position)
{
    /// <summary>True when the parameter is held at <see cref="Start"/> and not estimated.</summary>
    public bool Fixed { get; init; }

    /// <summary>
    /// A lognormal prior, (median, σ of ln): adds ((ln θ − ln median)/σ)² to −2 ln L (a penalized, MAP
    /// fit); null: none (a flat prior in log space within the bounds).
    /// </summary>
    public (double Median, double Sigma)? Prior { get; init; }

    /// <summary>The range a published source gives (for the report: whether the fitted value and interval lie in it); null: none given.</summary>
    public (double Low, double High)? Literature { get; init; }
}

/// <summary>
/// A data population and the study cell type that stands for it, with the per-cell settings
/// (measured receptor numbers, say) that replace the cell type's distributions for the fit.
/// </summary>
/// <param name="Data">Population name as the data file writes it.</param>
/// <param name="CellType">Cell type of the study.</param>
/// <param name="Settings">Parameters fixed for every cell of the population.</param>
/// <param name="Position">Where the fit file maps it.</param>
public sealed record FitPopulation(string Data, string CellType, ImmutableDictionary<string, double> Settings, SourcePosition Position);

/// <summary>One measured response: a population's read-out at one dose and time, in one replicate.</summary>
/// <param name="Population">Data population name.</param>
/// <param name="Ligand">Data ligand name.</param>
/// <param name="Time">Time (the study's time unit).</param>
/// <param name="Dose">Dose in the data's unit.</param>
/// <param name="Replicate">Replicate (experiment) label; each population × replicate has its own scale and background.</param>
/// <param name="Value">Measured value (MFI).</param>
/// <param name="Position">Where the data file has it.</param>
public sealed record DataPoint(string Population, string Ligand, double Time, double Dose, string Replicate, double Value, SourcePosition Position);

/// <summary>A data point the fit leaves out, with the place of the rule that removes it.</summary>
/// <param name="Population">Data population.</param>
/// <param name="Ligand">Data ligand.</param>
/// <param name="Time">Time.</param>
/// <param name="Dose">Dose (data unit; matched to a relative 10⁻⁶).</param>
/// <param name="Replicate">Replicate label.</param>
/// <param name="Position">Where the fit file excludes it.</param>
public sealed record Exclusion(string Population, string Ligand, double Time, double Dose, string Replicate, SourcePosition Position)
{
    /// <summary>Whether <paramref name="point"/> is the one this rule removes.</summary>
    public bool Matches(DataPoint point) => point.Population == Population && point.Ligand == Ligand && point.Replicate == Replicate
        && Math.Abs(point.Time - Time) <= 1e-9 * Math.Max(1, Math.Abs(Time)) && Math.Abs(point.Dose - Dose) <= 1e-6 * Dose;
}

/// <summary>Settings of a fit (the fit file's <c>fit</c> block).</summary>
/// <param name="Cells">Simulated cells per population and dose.</param>
/// <param name="Seed">Master seed: the same in every evaluation (common random numbers).</param>
/// <param name="DoseFactor">Data dose × factor = study dose (nM data, pM study: 1000).</param>
/// <param name="Restarts">Nelder–Mead restarts from the best point with a fresh simplex.</param>
/// <param name="MaxEvaluations">Objective evaluations per Nelder–Mead run at most.</param>
/// <param name="ProfileSteps">Steps in log10 of the profile-likelihood grid, outward from the optimum on each side.</param>
/// <param name="PredictTimes">Times at which the fitted model predicts the curves (not fitted).</param>
public sealed record FitSettings(int Cells, ulong Seed, double DoseFactor, int Restarts, int MaxEvaluations, ImmutableArray<double> ProfileSteps, ImmutableArray<double> PredictTimes)
{
    /// <summary>
    /// The cell engine the fit file names (<c>engine ode</c>), or null for the study's. A population mean
    /// at large copy numbers is fitted best on the rate equations: the objective is then smooth and the
    /// profile intervals hold (docs/calibration.md). <c>stochastic fit</c> applies it (a <c>--method</c> flag
    /// overrides it); library callers pass it as <see cref="Population.PopulationOptions.Method"/>.
    /// </summary>
    public Methods.SimulationMethod? Engine { get; init; }
}

/// <summary>
/// Everything a fit needs: the study, the data, the parameters to estimate and how data
/// populations map to cell types (read from a fit file by <see cref="Formats.FitReader"/>,
/// docs/calibration.md).
/// </summary>
/// <param name="Study">The study whose model and cell types are fitted.</param>
/// <param name="Ligand">Study ligand the data's ligand stands for.</param>
/// <param name="DataLigand">Data ligand fitted (other ligands' rows are ignored).</param>
/// <param name="Parameters">Fitted and fixed parameters.</param>
/// <param name="Populations">Data populations fitted, with their cell types.</param>
/// <param name="Data">Data points fitted (exclusions removed; only the mapped populations, the ligand and the fitted times).</param>
/// <param name="Excluded">Data points removed by the exclusions.</param>
/// <param name="Times">Fitted times, ascending.</param>
/// <param name="Settings">Run settings.</param>
public sealed record FitSpec(Study Study, string Ligand, string DataLigand, ImmutableArray<FitParameter> Parameters, ImmutableArray<FitPopulation> Populations,
    ImmutableArray<DataPoint> Data, ImmutableArray<DataPoint> Excluded, ImmutableArray<double> Times, FitSettings Settings)
{
    /// <summary>The parameters estimated (not fixed), in file order.</summary>
    public ImmutableArray<FitParameter> Free => [.. Parameters.Where(p => !p.Fixed)];

    /// <summary>The doses of the data in the study's unit, ascending, distinct.</summary>
    public double[] StudyDoses => [.. Data.Select(d => d.Dose).Distinct().Order().Select(d => d * Settings.DoseFactor)];
}
