using System.Globalization;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Exact;

namespace Stochastic.Validation;

/// <summary>The settings of a DSMTS case (<c>NNNNN-settings.txt</c>).</summary>
/// <param name="Start">First output time.</param>
/// <param name="Duration">Length of the time course.</param>
/// <param name="Steps">Number of output intervals (output points are Steps + 1).</param>
/// <param name="Variables">Species whose mean and standard deviation are checked.</param>
/// <param name="MeanRange">Pass range of Z = sqrt(n)(mean − μ)/σ; (−3, 3) throughout the DSMTS.</param>
/// <param name="SdRange">Pass range of Y = sqrt(n/2)(S²/σ² − 1); (−5, 5) throughout the DSMTS.</param>
public sealed record DsmtsSettings(double Start, double Duration, int Steps, IReadOnlyList<string> Variables,
    (double Low, double High) MeanRange, (double Low, double High) SdRange);

/// <summary>
/// One case of the Discrete Stochastic Models Test Suite (Evans, Gillespie &amp; Wilkinson,
/// Bioinformatics 24:285, 2008), as shipped in the SBML Test Suite: an SBML model, its settings,
/// and the analytic mean μ_t and standard deviation σ_t of every species at every output time.
/// </summary>
public sealed class DsmtsCase
{
    private readonly double[] _mean, _sd;

    private DsmtsCase(string id, string directory, string title, DsmtsSettings settings, double[] times, double[] mean, double[] sd)
    {
        Id = id;
        Directory = directory;
        Title = title;
        Settings = settings;
        Times = times;
        _mean = mean;
        _sd = sd;
    }

    /// <summary>The case number, e.g. <c>00001</c>.</summary>
    public string Id { get; }
    /// <summary>The folder holding the case's files.</summary>
    public string Directory { get; }
    /// <summary>The model's name from the SBML file (e.g. <c>Birth-death model (001), variant 01</c>).</summary>
    public string Title { get; }
    /// <summary>The case's settings.</summary>
    public DsmtsSettings Settings { get; }
    /// <summary>Output times of the reference results.</summary>
    public IReadOnlyList<double> Times { get; }
    /// <summary>The checked species, in the order of the reference columns.</summary>
    public IReadOnlyList<string> Variables => Settings.Variables;
    /// <summary>The SBML Level 3 Version 1 model file.</summary>
    public string ModelPath => Path.Combine(Directory, $"{Id}-sbml-l3v1.xml");
    /// <summary>The SBML Level 2 Version 4 model file.</summary>
    public string Level2ModelPath => Path.Combine(Directory, $"{Id}-sbml-l2v4.xml");
    /// <summary>The output grid the case asks for.</summary>
    public TimeGrid Grid => new(Settings.Start, Settings.Start + Settings.Duration, Settings.Steps + 1);

    /// <summary>Analytic mean μ of variable <paramref name="variable"/> at time index <paramref name="point"/>.</summary>
    public double ExpectedMean(int point, int variable) => _mean[point * Variables.Count + variable];

    /// <summary>Analytic standard deviation σ of variable <paramref name="variable"/> at time index <paramref name="point"/>.</summary>
    public double ExpectedStandardDeviation(int point, int variable) => _sd[point * Variables.Count + variable];

    /// <summary>Reads the case in <paramref name="directory"/> (whose name is the case number).</summary>
    /// <exception cref="ModelException">A file is missing or malformed.</exception>
    public static DsmtsCase Load(string directory)
    {
        string id = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        var settings = ReadSettings(Path.Combine(directory, $"{id}-settings.txt"));
        var (times, mean, sd) = ReadResults(Path.Combine(directory, $"{id}-results.csv"), settings.Variables);
        string modelPath = Path.Combine(directory, $"{id}-sbml-l3v1.xml");
        string title = id;
        try
        {
            var root = SbmlReader.LoadXml(File.ReadAllText(modelPath), modelPath).Root;
            title = (string?)root?.Elements().FirstOrDefault(e => e.Name.LocalName == "model")?.Attribute("name") ?? id;
        }
        catch (IOException ex) { throw ThrowHelper.Model(new SourcePosition(modelPath, 0, 0), $"cannot read file: {ex.Message}"); }
        if (times.Length != settings.Steps + 1)
            throw ThrowHelper.Model(new SourcePosition(Path.Combine(directory, $"{id}-results.csv"), 0, 0),
                $"the results have {times.Length} rows; the settings ask for {settings.Steps + 1} output points");
        return new DsmtsCase(id, directory, title, settings, times, mean, sd);
    }

    /// <summary>Reads the case's model (Level 3 Version 1, or Level 2 Version 4 when <paramref name="level2"/>).</summary>
    public ReactionModel LoadModel(bool level2 = false) => SbmlReader.Read(level2 ? Level2ModelPath : ModelPath);

    /// <summary>Runs the case with an exact algorithm and checks the ensemble against the analytic results.</summary>
    /// <param name="algorithm">The exact algorithm.</param>
    /// <param name="runs">Number of runs n (the DSMTS asks 10,000; 1,000 is its stated minimum for unit tests).</param>
    /// <param name="seed">Master seed.</param>
    /// <param name="threads">Worker threads; 0 means one per core.</param>
    /// <param name="progress">Ensemble progress, if wanted.</param>
    /// <param name="cancellationToken">Stops the ensemble; the runs completed so far are checked.</param>
    public DsmtsCaseResult Run(IExactAlgorithm algorithm, int runs, ulong seed, int threads = 0,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(network => new ExactTrajectorySimulator(network, algorithm), algorithm.Name, runs, seed, threads, progress, cancellationToken);

    /// <summary>
    /// Runs the case with any trajectory simulator (exact or approximate) and checks the ensemble
    /// against the analytic results.
    /// </summary>
    /// <param name="createSimulator">Makes one simulator per worker thread for the compiled network.</param>
    /// <param name="method">The method's name, for reports.</param>
    /// <param name="runs">Number of runs n.</param>
    /// <param name="seed">Master seed.</param>
    /// <param name="threads">Worker threads; 0 means one per core.</param>
    /// <param name="progress">Ensemble progress, if wanted.</param>
    /// <param name="cancellationToken">Stops the ensemble; the runs completed so far are checked.</param>
    public DsmtsCaseResult Run(Func<CompiledNetwork, ITrajectorySimulator> createSimulator, string method, int runs, ulong seed, int threads = 0,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var network = NetworkCompiler.Compile(LoadModel());
        var ensemble = Ensemble.Run(() => createSimulator(network), new EnsembleOptions(runs, seed, Grid, threads), progress, cancellationToken);
        return Evaluate(ensemble, method, seed);
    }

    /// <summary>Checks an ensemble of this case's model (outputs named by species) against the analytic results.</summary>
    /// <exception cref="ArgumentException">The ensemble lacks a checked species or has a different grid.</exception>
    public DsmtsCaseResult Evaluate(EnsembleResult ensemble, string method, ulong seed)
    {
        if (ensemble.Grid.Points != Times.Count)
            throw new ArgumentException($"the ensemble has {ensemble.Grid.Points} output points; case {Id} has {Times.Count}", nameof(ensemble));
        int nv = Variables.Count, np = Times.Count;
        var columns = new int[nv];
        for (int v = 0; v < nv; v++)
        {
            columns[v] = ensemble.OutputNames.ToList().IndexOf(Variables[v]);
            if (columns[v] < 0) throw new ArgumentException($"the ensemble has no output '{Variables[v]}'", nameof(ensemble));
        }
        var mean = new double[np * nv];
        var sd = new double[np * nv];
        for (int p = 0; p < np; p++)
            for (int v = 0; v < nv; v++)
            {
                mean[p * nv + v] = ensemble.Mean(p, columns[v]);
                sd[p * nv + v] = ensemble.StandardDeviation(p, columns[v]);
            }
        return new DsmtsCaseResult(this, method, ensemble.Runs, seed, ensemble.Wall, ensemble.Counters, mean, sd);
    }

    private static DsmtsSettings ReadSettings(string path)
    {
        var values = new Dictionary<string, (string Value, int Line)>(StringComparer.Ordinal);
        string[] lines = ReadLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            int colon = lines[i].IndexOf(':');
            if (colon < 0) continue;
            values[lines[i][..colon].Trim()] = (lines[i][(colon + 1)..].Trim(), i + 1);
        }
        (string, int) Get(string key) => values.TryGetValue(key, out var v) ? v : throw ThrowHelper.Model(new SourcePosition(path, 0, 0), $"setting '{key}' is missing");
        double Number(string key)
        {
            var (text, line) = Get(key);
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d
                : throw ThrowHelper.Model(new SourcePosition(path, line, 0), $"setting '{key}' is not a number: '{text}'");
        }
        (double, double) Range(string key)
        {
            var (text, line) = Get(key);
            var parts = text.Trim('(', ')', ' ').Split(',');
            if (parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double lo)
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double hi)) return (lo, hi);
            throw ThrowHelper.Model(new SourcePosition(path, line, 0), $"setting '{key}' is not a range '(low, high)': '{text}'");
        }
        double steps = Number("steps");
        if (steps < 1 || steps != Math.Floor(steps)) throw ThrowHelper.Model(new SourcePosition(path, Get("steps").Item2, 0), $"steps must be a positive whole number, got {steps}");
        var variables = Get("variables").Item1.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new DsmtsSettings(Number("start"), Number("duration"), (int)steps, variables, Range("meanRange"), Range("sdRange"));
    }

    private static (double[] Times, double[] Mean, double[] Sd) ReadResults(string path, IReadOnlyList<string> variables)
    {
        string[] lines = ReadLines(path);
        if (lines.Length == 0) throw ThrowHelper.Model(new SourcePosition(path, 0, 0), "the results file is empty");
        var header = lines[0].Split(',').Select(h => h.Trim()).ToList();
        int nv = variables.Count;
        var meanColumn = new int[nv];
        var sdColumn = new int[nv];
        for (int v = 0; v < nv; v++)
        {
            meanColumn[v] = header.IndexOf($"{variables[v]}-mean");
            sdColumn[v] = header.IndexOf($"{variables[v]}-sd");
            if (meanColumn[v] < 0 || sdColumn[v] < 0)
                throw ThrowHelper.Model(new SourcePosition(path, 1, 0), $"the results lack the columns '{variables[v]}-mean' and '{variables[v]}-sd'");
        }
        var times = new List<double>();
        var mean = new List<double>();
        var sd = new List<double>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var cells = lines[i].Split(',');
            double Cell(int c) => c < cells.Length && double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d
                : throw ThrowHelper.Model(new SourcePosition(path, i + 1, 0), $"column {c + 1} is not a number");
            times.Add(Cell(0));
            for (int v = 0; v < nv; v++) { mean.Add(Cell(meanColumn[v])); sd.Add(Cell(sdColumn[v])); }
        }
        return ([.. times], [.. mean], [.. sd]);
    }

    private static string[] ReadLines(string path)
    {
        try { return File.ReadAllLines(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw ThrowHelper.Model(new SourcePosition(path, 0, 0), $"cannot read file: {ex.Message}");
        }
    }
}
