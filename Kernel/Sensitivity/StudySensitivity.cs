using Stochastic.Population;

namespace Stochastic.Sensitivity;

/// <summary>The outputs of a design run over a study: one row of <see cref="Names"/> values per design point.</summary>
/// <param name="Names">Output names (<see cref="StudyOutputs"/>).</param>
/// <param name="Values">Per design point that finished, in design order, the outputs.</param>
/// <param name="Cancelled">Whether the run stopped before every point finished.</param>
public sealed record SensitivityRun(IReadOnlyList<string> Names, IReadOnlyList<double[]> Values, bool Cancelled)
{
    /// <summary>Output <paramref name="index"/> at every finished point.</summary>
    public double[] Column(int index) => [.. Values.Select(v => v[index])];
}

/// <summary>Progress of a design run: points finished of the total.</summary>
public readonly record struct SensitivityProgress(int PointsDone, int PointsTotal);

/// <summary>
/// Runs a population study at the points of a sensitivity design (<see cref="MorrisDesign"/>,
/// <see cref="SaltelliDesign"/>): each point sets the parameters (<see cref="StudyOverrides"/>) to the values
/// its unit coordinates map to and runs the whole study with the same master seed, so every point sees the
/// same cells and the same random streams (common random numbers: differences between points come from
/// the parameters, not from fresh noise). Points run one after another, each on all cores. With a
/// <see cref="DoseResponseDesign"/>, a point runs the dose-response instead of the scenarios
/// (<see cref="DoseResponse"/>, the same runner and EC50 as <c>stochastic dose-response</c>, without its
/// bootstrap) and its outputs are EC50s and EC50 ratios (<see cref="DoseResponseOutputs"/>).
/// </summary>
public sealed class StudySensitivity
{
    private readonly Study _study;
    private readonly PopulationOptions _options;
    private readonly DoseResponseDesign? _doseResponse;

    /// <summary>Prepares <paramref name="study"/> for a design over <paramref name="parameters"/>; every name is checked here.</summary>
    /// <param name="study">The study.</param>
    /// <param name="options">Cells (per cell type and scenario, or per cell type and dose), seed, threads, engine.</param>
    /// <param name="parameters">The varied inputs.</param>
    /// <param name="doseResponse">Run a dose-response at each point (outputs: EC50s and their ratios) instead of the study's scenarios.</param>
    /// <exception cref="ModelException">A parameter cannot be set (unknown, or set by the study itself), or is named twice; an unknown ligand or cell type.</exception>
    public StudySensitivity(Study study, PopulationOptions options, IReadOnlyList<SensitivityParameter> parameters, DoseResponseDesign? doseResponse = null)
    {
        if (doseResponse is not null) study = doseResponse.Restrict(study);
        if (parameters.Count == 0) throw ThrowHelper.Model(new SourcePosition("--param", 0, 0), "no parameters to vary");
        foreach (var p in parameters)
        {
            StudyOverrides.Check(study, p.Name, "--param");
            if (parameters.Count(q => q.Name == p.Name) > 1) throw ThrowHelper.Model(new SourcePosition("--param", 0, 0), $"parameter '{p.Name}' is given twice");
        }
        _study = study;
        _options = options;
        _doseResponse = doseResponse;
        Parameters = parameters;
    }

    /// <summary>The varied parameters, in design-factor order.</summary>
    public IReadOnlyList<SensitivityParameter> Parameters { get; }

    /// <summary>The parameter values at unit point <paramref name="unit"/>.</summary>
    public Dictionary<string, double> Values(IReadOnlyList<double> unit) =>
        Parameters.Select((p, i) => (p.Name, Value: p.FromUnit(unit[i]))).ToDictionary(x => x.Name, x => x.Value, StringComparer.Ordinal);

    /// <summary>Runs the study at one unit point and reads its outputs.</summary>
    public List<(string Name, double Value)> Evaluate(IReadOnlyList<double> unit, CancellationToken cancellationToken = default)
    {
        var study = StudyOverrides.Apply(_study, Values(unit), "--param");
        if (_doseResponse is { } d)
        {
            var curves = DoseResponse.Run(study, d.Ligands, d.Doses, _options, new DoseResponseSettings(d.Times, Bootstrap: 0), cancellationToken: cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            return DoseResponseOutputs.Read(curves);
        }
        var result = PopulationRunner.Run(study, _options, cancellationToken: cancellationToken);
        if (result.Cancelled) throw new OperationCanceledException(cancellationToken);
        return StudyOutputs.Read(result);
    }

    /// <summary>
    /// Runs every point of <paramref name="points"/>; a cancellation keeps the points that finished.
    /// <paramref name="finished"/> gets each point's index, the output names and its outputs as soon as it is done
    /// (to write them out before the whole design is).
    /// </summary>
    public SensitivityRun Run(IReadOnlyList<double[]> points, IProgress<SensitivityProgress>? progress = null,
        Action<int, IReadOnlyList<string>, double[]>? finished = null, CancellationToken cancellationToken = default)
    {
        string[]? names = null;
        var values = new List<double[]>();
        for (int i = 0; i < points.Count; i++)
        {
            List<(string Name, double Value)> outputs;
            try { outputs = Evaluate(points[i], cancellationToken); }
            catch (OperationCanceledException) { return new SensitivityRun(names ?? [], values, true); }
            names ??= [.. outputs.Select(o => o.Name)];
            values.Add([.. outputs.Select(o => o.Value)]);
            finished?.Invoke(i, names, values[^1]);
            progress?.Report(new SensitivityProgress(i + 1, points.Count));
        }
        return new SensitivityRun(names ?? [], values, false);
    }
}
