using System.Collections.Immutable;
using Stochastic.Population;

namespace Stochastic.Calibration;

/// <summary>The model's mean read-out per population, time and dose: Mean[population][time][dose].</summary>
/// <param name="Populations">Data population names.</param>
/// <param name="Times">Times, ascending.</param>
/// <param name="Doses">Doses in the study's unit, ascending.</param>
/// <param name="Mean">Mean read-out over the simulated cells.</param>
/// <param name="Baseline">Mean read-out without ligand, per population and time.</param>
/// <param name="StandardError">Standard error of each mean over its cells (cell-to-cell sd / √cells): the simulation's own noise.</param>
public sealed record ModelCurves(string[] Populations, double[] Times, double[] Doses, double[][][] Mean, double[][] Baseline, double[][][] StandardError);

/// <summary>One evaluation of the fit objective.</summary>
/// <param name="Values">Every fitted and fixed parameter's value.</param>
/// <param name="MinusTwoLogLikelihood">−2 ln L of the data with scale, background and σ profiled out per block.</param>
/// <param name="Penalty">Σ of the priors' ((ln θ − ln median)/σ)².</param>
/// <param name="Blocks">Per (population, replicate): the closed-form scale and background.</param>
/// <param name="ModelAtData">The model's mean read-out at each data point, in data order.</param>
/// <param name="Curves">The model curves at the fitted times.</param>
/// <param name="StandardErrorAtData">The standard error of the model's mean at each data point (the simulation's noise).</param>
public sealed record FitEvaluation(ImmutableDictionary<string, double> Values, double MinusTwoLogLikelihood, double Penalty,
    ImmutableDictionary<(string Population, string Replicate), BlockFit> Blocks, double[] ModelAtData, ModelCurves Curves, double[] StandardErrorAtData)
{
    /// <summary>
    /// Per block, the simulation's share of the residual variance: the mean over its points of
    /// (scale × standard error of the model's mean)² / σ². The likelihood treats the model's mean as exact;
    /// when this share is not small (above a few percent), the objective is rough on the scale of the
    /// interval threshold and the profile intervals run short: simulate more cells.
    /// </summary>
    public double MonteCarloShare((string Population, string Replicate) block, IReadOnlyList<DataPoint> data) => Share(block, data).Share;

    /// <summary>
    /// The roughness the simulation's noise gives −2 ln L, 2·√(Σ over points of (scale·SE/σ)²): the sd of the
    /// cross term 2·Σ r·e/σ² between the residuals and the model's Monte Carlo error, which changes when a
    /// changed parameter makes the simulated cells new draws. Against the interval threshold 3.84 it says
    /// whether the intervals can be trusted (well below 1) or run short (about 1 or more: simulate more cells).
    /// </summary>
    public double MonteCarloRoughness(IReadOnlyList<DataPoint> data)
    {
        double sum = 0;
        foreach (var key in Blocks.Keys) { var (share, n) = Share(key, data); if (!double.IsNaN(share)) sum += share * n; }
        return 2 * Math.Sqrt(sum);
    }

    private (double Share, int Count) Share((string Population, string Replicate) block, IReadOnlyList<DataPoint> data)
    {
        var b = Blocks[block];
        double sum = 0;
        int n = 0;
        for (int i = 0; i < data.Count; i++)
        {
            if (data[i].Population != block.Population || data[i].Replicate != block.Replicate) continue;
            double e = b.Scale * StandardErrorAtData[i];
            sum += e * e;
            n++;
        }
        return (n > 0 && b.ResidualSumOfSquares > 0 ? sum / n / (b.Sigma * b.Sigma) : double.NaN, n);
    }

    /// <summary>The objective minimized: −2 ln L plus the prior penalty.</summary>
    public double Objective => MinusTwoLogLikelihood + Penalty;
}

/// <summary>
/// The objective of a fit: for a parameter vector, simulate every data population (its cell type with
/// the population's fixed settings) at every data dose and fitted time, with the same seed every time
/// (common random numbers: each cell keeps its random stream, so the objective is a deterministic
/// function of the parameters), then solve the measurement model per block in closed form
/// (<see cref="MeasurementModel"/>).
/// </summary>
public sealed class FitObjective
{
    private readonly FitSpec _spec;
    private readonly PopulationOptions _options;
    private readonly double[] _doses;
    private readonly int[] _populationOf, _timeOf, _doseOf;

    /// <summary>Creates the objective of <paramref name="spec"/>, simulating with <paramref name="options"/> (engine, threads); cells and seed come from the spec.</summary>
    public FitObjective(FitSpec spec, PopulationOptions options)
    {
        _spec = spec;
        _options = options with { CellsPerType = spec.Settings.Cells, Seed = spec.Settings.Seed };
        _doses = spec.StudyDoses;
        var populations = spec.Populations.Select(p => p.Data).ToList();
        var times = spec.Times.ToList();
        _populationOf = [.. spec.Data.Select(d => populations.IndexOf(d.Population))];
        _timeOf = [.. spec.Data.Select(d => times.FindIndex(t => Math.Abs(t - d.Time) <= 1e-9 * Math.Max(1, t)))];
        _doseOf = [.. spec.Data.Select(d => Array.FindIndex(_doses, x => Math.Abs(x - d.Dose * spec.Settings.DoseFactor) <= 1e-6 * x))];
    }

    /// <summary>Evaluations so far.</summary>
    public int Evaluations { get; private set; }

    /// <summary>Cells simulated so far.</summary>
    public long CellsSimulated { get; private set; }

    /// <summary>The values of every parameter of the spec with the free ones set to <paramref name="free"/> (in <see cref="FitSpec.Free"/> order).</summary>
    public ImmutableDictionary<string, double> ValuesOf(IReadOnlyList<double> free)
    {
        var b = ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
        int k = 0;
        foreach (var p in _spec.Parameters) b[p.Name] = p.Fixed ? p.Start : free[k++];
        return b.ToImmutable();
    }

    /// <summary>Evaluates the objective at the free parameters <paramref name="free"/>.</summary>
    public FitEvaluation Evaluate(IReadOnlyList<double> free, CancellationToken cancellationToken = default)
    {
        var values = ValuesOf(free);
        var curves = Simulate(values, [.. _spec.Times], cancellationToken);
        Evaluations++;
        var model = new double[_spec.Data.Length];
        var se = new double[_spec.Data.Length];
        for (int i = 0; i < model.Length; i++)
        {
            model[i] = curves.Mean[_populationOf[i]][_timeOf[i]][_doseOf[i]];
            se[i] = curves.StandardError[_populationOf[i]][_timeOf[i]][_doseOf[i]];
        }
        var blocks = ImmutableDictionary.CreateBuilder<(string, string), BlockFit>();
        foreach (var group in Enumerable.Range(0, model.Length).GroupBy(i => (_spec.Data[i].Population, _spec.Data[i].Replicate)))
        {
            int[] idx = [.. group];
            blocks[group.Key] = MeasurementModel.Solve([.. idx.Select(i => model[i])], [.. idx.Select(i => _spec.Data[i].Value)]);
        }
        double penalty = 0;
        foreach (var p in _spec.Parameters)
            if (p.Prior is { } prior) { double z = (Math.Log(values[p.Name]) - Math.Log(prior.Median)) / prior.Sigma; penalty += z * z; }
        return new FitEvaluation(values, MeasurementModel.MinusTwoLogLikelihood(blocks.Values), penalty, blocks.ToImmutable(), model, curves, se);
    }

    /// <summary>
    /// The model curves of every population at the data doses and <paramref name="times"/>, with
    /// <paramref name="values"/> applied to the model (a prediction at times not fitted, or the curves of a fit).
    /// </summary>
    public ModelCurves Simulate(IReadOnlyDictionary<string, double> values, double[] times, CancellationToken cancellationToken = default)
    {
        var study = StudyFor(values);
        var result = DoseResponse.Run(study, [_spec.Ligand], _doses, _options, new DoseResponseSettings(times, Bootstrap: 0), cancellationToken: cancellationToken);
        CellsSimulated += (long)study.CellTypes.Length * (_doses.Length + 1) * _spec.Settings.Cells;
        int np = _spec.Populations.Length;
        bool deterministic = _options.Method.IsDeterministic;
        var mean = new double[np][][];
        var error = new double[np][][];
        var baseline = new double[np][];
        for (int p = 0; p < np; p++)
        {
            mean[p] = new double[times.Length][];
            error[p] = new double[times.Length][];
            baseline[p] = new double[times.Length];
            for (int t = 0; t < times.Length; t++)
            {
                var curve = result.Curves.Single(c => c.CellType == _spec.Populations[p].Data && Math.Abs(c.Time - times[t]) <= 1e-9 * Math.Max(1, times[t]));
                mean[p][t] = curve.Mean;
                // A deterministic engine's cells are the same every evaluation (common random numbers draw their
                // parameters), so the mean has no noise that changes with the parameters: the objective is smooth.
                error[p][t] = deterministic ? new double[curve.StandardDeviation.Length]
                    : [.. curve.StandardDeviation.Select(sd => sd / Math.Sqrt(_spec.Settings.Cells))];
                baseline[p][t] = curve.Baseline;
            }
        }
        return new ModelCurves([.. _spec.Populations.Select(p => p.Data)], [.. times], _doses, mean, baseline, error);
    }

    /// <summary>
    /// The study a fit simulates: the model with <paramref name="values"/>, one cell type per data
    /// population (its study cell type with the population's settings fixed), no fate rules.
    /// </summary>
    public Study StudyFor(IReadOnlyDictionary<string, double> values)
    {
        var study = _spec.Study;
        var model = study.Model.WithParameterValues(values);
        var types = _spec.Populations.Select(p =>
        {
            var type = study.CellTypes.Single(c => c.Name == p.CellType);
            var parameters = type.Parameters.Select(cp => p.Settings.TryGetValue(cp.Parameter, out double v) ? cp with { Distribution = new FixedDistribution(v) } : cp).ToList();
            foreach (var (name, v) in p.Settings)
                if (!parameters.Any(cp => cp.Parameter == name)) parameters.Add(new CellParameter(name, new FixedDistribution(v), p.Position));
            // A fixed value has no copula score: correlations among fixed parameters are dropped.
            var correlations = type.Correlations.Where(c => !p.Settings.ContainsKey(c.First) && !p.Settings.ContainsKey(c.Second));
            return new CellType(p.Data, [.. parameters], p.Position) { Correlations = [.. correlations] };
        });
        return new Study(model, [.. types], study.Scenarios, [], study.Ligands, study.Settings with { LigandPool = null }) { Traits = [] };
    }
}
