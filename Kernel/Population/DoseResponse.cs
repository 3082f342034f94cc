using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Cells;

namespace Stochastic.Population;

/// <summary>One dose-response curve at one read-out time: a read-out's mean and sd over cells at each dose, and the EC50, with bootstrap intervals.</summary>
/// <param name="Ligand">Ligand kind.</param>
/// <param name="CellType">Cell type.</param>
/// <param name="Doses">Doses (dose unit of the study), ascending.</param>
/// <param name="Mean">Mean read-out at each dose.</param>
/// <param name="StandardDeviation">Cell-to-cell standard deviation at each dose.</param>
/// <param name="Baseline">Mean read-out without ligand.</param>
/// <param name="Ec50">Dose of half-maximal response (<see cref="DoseResponse.Ec50"/>); NaN when not bracketed.</param>
public sealed record DoseResponseCurve(string Ligand, string CellType, double[] Doses, double[] Mean, double[] StandardDeviation, double Baseline, double Ec50)
{
    /// <summary>Read-out time (the study's time unit).</summary>
    public double Time { get; init; }
    /// <summary>Bootstrap replicates behind the intervals (0: none; the intervals are then NaN).</summary>
    public int Replicates { get; init; }
    /// <summary>Replicates whose EC50 was not bracketed by the doses (NaN), left out of <see cref="Ec50Low"/> and <see cref="Ec50High"/>.</summary>
    public int Unbracketed { get; init; }
    /// <summary>Lower end of the 95% percentile-bootstrap interval of <see cref="Ec50"/> (NaN without replicates or when none was bracketed).</summary>
    public double Ec50Low { get; init; } = double.NaN;
    /// <summary>Upper end of the 95% interval of <see cref="Ec50"/>.</summary>
    public double Ec50High { get; init; } = double.NaN;
    /// <summary>Lower ends of the 95% bootstrap intervals of <see cref="Mean"/> (empty without replicates).</summary>
    public double[] MeanLow { get; init; } = [];
    /// <summary>Upper ends of the 95% bootstrap intervals of <see cref="Mean"/>.</summary>
    public double[] MeanHigh { get; init; } = [];
    /// <summary>95% bootstrap interval of <see cref="Baseline"/> (NaN without replicates).</summary>
    public (double Low, double High) BaselineInterval { get; init; } = (double.NaN, double.NaN);
}

/// <summary>
/// The ratio of two EC50s of one ligand at one time, <see cref="CellType"/>'s over <see cref="Reference"/>'s,
/// with the 95% percentile interval of the ratios of the same bootstrap replicates.
/// </summary>
/// <param name="Ligand">Ligand kind.</param>
/// <param name="Time">Read-out time.</param>
/// <param name="CellType">Cell type of the numerator.</param>
/// <param name="Reference">Cell type of the denominator (the study's first cell type).</param>
/// <param name="Ratio">Point estimate: EC50(cell type) / EC50(reference).</param>
/// <param name="Low">Lower end of the 95% interval.</param>
/// <param name="High">Upper end of the 95% interval.</param>
/// <param name="Replicates">Bootstrap replicates.</param>
/// <param name="Unbracketed">Replicates in which either EC50 was not bracketed, left out of the interval.</param>
public sealed record Ec50Ratio(string Ligand, double Time, string CellType, string Reference, double Ratio, double Low, double High, int Replicates, int Unbracketed);

/// <summary>An EC50 with its 95% percentile-bootstrap interval (<see cref="DoseResponse.BootstrapEc50"/>).</summary>
/// <param name="Ec50">Point estimate (<see cref="DoseResponse.Ec50"/> of the mean curve).</param>
/// <param name="Low">Lower end (2.5% quantile of the bracketed replicates' EC50s).</param>
/// <param name="High">Upper end (97.5% quantile).</param>
/// <param name="Replicates">Replicates drawn.</param>
/// <param name="Unbracketed">Replicates whose EC50 was NaN, left out.</param>
/// <param name="ReplicateEc50s">Every replicate's EC50 (NaN where not bracketed), in replicate order.</param>
public sealed record Ec50Interval(double Ec50, double Low, double High, int Replicates, int Unbracketed, double[] ReplicateEc50s);

/// <summary>Settings of a dose-response run beyond the population options.</summary>
/// <param name="Times">Read-out times (study time unit), each > 0; null or empty: the study's <c>readout_time</c>.</param>
/// <param name="Bootstrap">Bootstrap replicates for the intervals (0: none).</param>
public sealed record DoseResponseSettings(IReadOnlyList<double>? Times = null, int Bootstrap = DoseResponse.DefaultReplicates);

/// <summary>Curves (ligand × time × cell type, in that order) and EC50 ratios of a dose-response run.</summary>
/// <param name="Curves">One curve per ligand, read-out time and cell type.</param>
/// <param name="Ratios">Per ligand and time, every cell type's EC50 over the first cell type's (none with one cell type).</param>
/// <param name="Times">Read-out times, ascending.</param>
/// <param name="Replicates">Bootstrap replicates.</param>
public sealed record DoseResponseResult(IReadOnlyList<DoseResponseCurve> Curves, IReadOnlyList<Ec50Ratio> Ratios, double[] Times, int Replicates);

/// <summary>
/// Dose-response of a study's read-out (pSTAT5) per ligand and cell type: one population run
/// per dose (plus a no-ligand baseline), the read-out taken at the study's read-out time or at
/// several times of one run. The ligand is an infinite bath here even when the study has a shared
/// ligand pool: a curve and its EC50 belong to one cell type, not to a well's mixture.
/// </summary>
/// <remarks>
/// Intervals: a nonparametric percentile bootstrap over cells (Efron &amp; Tibshirani 1993, ch. 13):
/// each replicate resamples, with replacement, the cells of every dose and of the baseline of one
/// ligand × cell type (as many as were simulated), recomputes the mean curve at every read-out time
/// (a resampled cell brings all its read-outs) and its EC50 by <see cref="Ec50"/>; the 2.5% and 97.5%
/// quantiles of the replicates' values give the interval. Replicates whose EC50 is not bracketed (NaN)
/// are counted and left out. A ratio's interval takes the ratio within each replicate, so it carries
/// the spread of both EC50s. Each cell has its own random stream, so resampling cells also covers the
/// seed-to-seed variation of a run. Replicate b of (ligand, cell type) draws from its own stream of
/// the master seed: intervals are identical for any thread count.
/// </remarks>
public static class DoseResponse
{
    /// <summary>Bootstrap replicates by default.</summary>
    public const int DefaultReplicates = 1000;

    /// <summary>Log-spaced doses from <paramref name="from"/> to <paramref name="to"/>, <paramref name="count"/> of them.</summary>
    public static double[] LogSpaced(double from, double to, int count)
    {
        if (!(from > 0) || !(to > from) || count < 2) throw new ArgumentOutOfRangeException(nameof(count), "doses need 0 < from < to and count ≥ 2");
        return [.. Enumerable.Range(0, count).Select(i => from * Math.Pow(to / from, (double)i / (count - 1)))];
    }

    /// <summary>Runs the curves of every ligand in <paramref name="ligands"/> for every cell type of the study, at the study's read-out time, without intervals.</summary>
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
        IProgress<PopulationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(study, ligands, doses, options, new DoseResponseSettings(Bootstrap: 0), extraSettings, engine, progress, cancellationToken).Curves;

    /// <summary>
    /// Runs the curves of every ligand for every cell type at every read-out time of
    /// <paramref name="settings"/> (each cell simulated once, to the last time, and read at each), with
    /// bootstrap intervals of the means, EC50s and EC50 ratios (every cell type against the study's first).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A time is not a positive number, or the times share no recording grid; negative replicates.</exception>
    public static DoseResponseResult Run(Study study, IReadOnlyList<string> ligands, IReadOnlyList<double> doses, PopulationOptions options,
        DoseResponseSettings settings, IReadOnlyDictionary<string, double>? extraSettings = null, Func<CompiledNetwork, ICellSimulator>? engine = null,
        IProgress<PopulationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        double[] times = settings.Times is { Count: > 0 } ts ? [.. ts.Distinct().Order()] : [study.Settings.ReadoutTime];
        foreach (double t in times)
            if (!(t > 0) || double.IsInfinity(t)) throw new ArgumentOutOfRangeException(nameof(settings), FormattableString.Invariant($"read-out times must be positive numbers, got {t}"));
        if (settings.Bootstrap < 0) throw new ArgumentOutOfRangeException(nameof(settings), $"bootstrap replicates must be ≥ 0, got {settings.Bootstrap}");
        double end = times[^1];
        // A curve belongs to one cell type at a bath concentration: no shared pool, no divisions or deaths.
        if (study.Settings.LigandPool is not null || study.Lineage is not null)
            study = new Study(study.Model, study.CellTypes, study.Scenarios, study.Fates, study.Ligands, study.Settings with { LigandPool = null });
        var scenarios = new List<Scenario>();
        foreach (var ligand in ligands)
        {
            scenarios.Add(study.MakeScenario($"{ligand}@0", ligand, 0, end, extraSettings));
            foreach (double d in doses) scenarios.Add(study.MakeScenario(FormattableString.Invariant($"{ligand}@{d:R}"), ligand, d, end, extraSettings));
        }
        var grid = ReadoutGrid(times, study.Settings.OutputInterval);
        var readouts = Simulate(study, scenarios, grid, times, options, engine, progress, cancellationToken);
        int types = study.CellTypes.Length, perLigand = doses.Count + 1;
        ulong seed = options.Seed ?? study.Settings.Seed;
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        int replicates = settings.Bootstrap;
        var curves = new List<DoseResponseCurve>();
        var ratios = new List<Ec50Ratio>();
        double[] doseArray = [.. doses];
        for (int l = 0; l < ligands.Count; l++)
        {
            // per cell type: samples[d][t][cell] (d = 0 the baseline) and the bootstrap of every time
            var boots = new Replicates[types];
            var points = new DoseResponseCurve[types][];
            for (int c = 0; c < types; c++)
            {
                var samples = new double[perLigand][][];
                for (int d = 0; d < perLigand; d++) samples[d] = readouts[(l * perLigand + d) * types + c];
                boots[c] = Bootstrap(doseArray, samples, times.Length, replicates, BootstrapSeed(seed, ligands[l]), (ulong)c, threads);
                points[c] = new DoseResponseCurve[times.Length];
                for (int t = 0; t < times.Length; t++)
                {
                    var mean = new double[doses.Count];
                    var sd = new double[doses.Count];
                    for (int i = 0; i < doses.Count; i++) (mean[i], sd[i]) = MeanSd(samples[i + 1][t]);
                    double b = MeanSd(samples[0][t]).Mean;
                    var (low, high, bad) = Percentiles(boots[c].Ec50[t]);
                    points[c][t] = new DoseResponseCurve(ligands[l], study.CellTypes[c].Name, [.. doses], mean, sd, b, Ec50(doseArray, mean, b))
                    {
                        Time = times[t],
                        Replicates = replicates,
                        Unbracketed = bad,
                        Ec50Low = low,
                        Ec50High = high,
                        MeanLow = replicates > 0 ? [.. Enumerable.Range(0, doses.Count).Select(i => Percentiles(boots[c].Means[t][i + 1]).Low)] : [],
                        MeanHigh = replicates > 0 ? [.. Enumerable.Range(0, doses.Count).Select(i => Percentiles(boots[c].Means[t][i + 1]).High)] : [],
                        BaselineInterval = replicates > 0 ? (Percentiles(boots[c].Means[t][0]).Low, Percentiles(boots[c].Means[t][0]).High) : (double.NaN, double.NaN),
                    };
                }
            }
            for (int t = 0; t < times.Length; t++)
            {
                for (int c = 0; c < types; c++) curves.Add(points[c][t]);
                for (int c = 1; c < types; c++)
                {
                    var ratio = new double[replicates];
                    for (int r = 0; r < replicates; r++) ratio[r] = boots[c].Ec50[t][r] / boots[0].Ec50[t][r];
                    var (low, high, bad) = Percentiles(ratio);
                    ratios.Add(new Ec50Ratio(ligands[l], times[t], study.CellTypes[c].Name, study.CellTypes[0].Name,
                        points[c][t].Ec50 / points[0][t].Ec50, low, high, replicates, bad));
                }
            }
        }
        return new DoseResponseResult(curves, ratios, times, replicates);
    }

    /// <summary>
    /// The EC50 of a curve from per-cell responses, with its 95% percentile-bootstrap interval: the
    /// routine <see cref="Run(Study, IReadOnlyList{string}, IReadOnlyList{double}, PopulationOptions, DoseResponseSettings, IReadOnlyDictionary{string, double}?, Func{CompiledNetwork, ICellSimulator}?, IProgress{PopulationProgress}?, CancellationToken)"/>
    /// uses, for one curve at one time.
    /// </summary>
    /// <param name="doses">Positive doses, ascending.</param>
    /// <param name="baselineCells">Responses of the cells without ligand.</param>
    /// <param name="doseCells">Responses of the cells at each dose.</param>
    /// <param name="replicates">Bootstrap replicates.</param>
    /// <param name="seed">Seed of the resampling.</param>
    /// <param name="threads">Worker threads (0: all cores); the result does not depend on it.</param>
    public static Ec50Interval BootstrapEc50(double[] doses, double[] baselineCells, IReadOnlyList<double[]> doseCells, int replicates, ulong seed, int threads = 0)
    {
        if (doseCells.Count != doses.Length) throw new ArgumentException("one array of cells per dose", nameof(doseCells));
        var samples = new double[doses.Length + 1][][];
        samples[0] = [baselineCells];
        for (int d = 0; d < doses.Length; d++) samples[d + 1] = [doseCells[d]];
        var boot = Bootstrap(doses, samples, 1, replicates, BootstrapSeed(seed, ""), 0, threads > 0 ? threads : Environment.ProcessorCount);
        double[] mean = [.. doseCells.Select(c => MeanSd(c).Mean)];
        var (low, high, bad) = Percentiles(boot.Ec50[0]);
        return new Ec50Interval(Ec50(doses, mean, MeanSd(baselineCells).Mean), low, high, replicates, bad, boot.Ec50[0]);
    }

    /// <summary>Replicates of one ligand × cell type: Ec50[time][replicate], Means[time][dose (0: baseline)][replicate].</summary>
    private sealed record Replicates(double[][] Ec50, double[][][] Means);

    private static ulong BootstrapSeed(ulong seed, string ligand) => Random.SplitMix64.Mix(seed ^ 0xB0075724A9D1E3C5UL) ^ PopulationRunner.ScenarioHash(ligand);

    /// <summary>
    /// Percentile bootstrap over cells of one curve: <paramref name="samples"/>[d][t][cell] (d = 0 the
    /// baseline); replicate r resamples every dose's cells from stream (seed, stream·2³² + r), one
    /// index draw per cell, shared by all times.
    /// </summary>
    private static Replicates Bootstrap(double[] doses, double[][][] samples, int times, int replicates, ulong seed, ulong stream, int threads)
    {
        int groups = samples.Length;
        var ec50 = new double[times][];
        var means = new double[times][][];
        for (int t = 0; t < times; t++)
        {
            ec50[t] = new double[replicates];
            means[t] = new double[groups][];
            for (int d = 0; d < groups; d++) means[t][d] = new double[replicates];
        }
        Parallel.For(0, replicates, new ParallelOptions { MaxDegreeOfParallelism = threads }, r =>
        {
            var rng = new Random.Xoshiro256StarStar(seed, (stream << 32) | (uint)r);
            var sums = new double[times];
            for (int d = 0; d < groups; d++)
            {
                var cells = samples[d];
                int n = cells[0].Length;
                Array.Clear(sums);
                for (int i = 0; i < n; i++)
                {
                    int k = (int)((rng.NextUInt64() >> 32) * (ulong)n >> 32);
                    for (int t = 0; t < times; t++) sums[t] += cells[t][k];
                }
                for (int t = 0; t < times; t++) means[t][d][r] = n > 0 ? sums[t] / n : double.NaN;
            }
            var curve = new double[groups - 1];
            for (int t = 0; t < times; t++)
            {
                for (int d = 1; d < groups; d++) curve[d - 1] = means[t][d][r];
                ec50[t][r] = Ec50(doses, curve, means[t][0][r]);
            }
        });
        return new Replicates(ec50, means);
    }

    /// <summary>2.5% and 97.5% quantiles of the non-NaN values, and how many were NaN.</summary>
    private static (double Low, double High, int NaN) Percentiles(double[] values)
    {
        double[] finite = [.. values.Where(v => !double.IsNaN(v))];
        return (PopulationResult.Quantile(finite, 0.025), PopulationResult.Quantile(finite, 0.975), values.Length - finite.Length);
    }

    /// <summary>
    /// The recording grid of a run read at <paramref name="times"/>: the study's grid to the last time
    /// (every <paramref name="interval"/>) when every time is on it, else the coarsest finer grid that holds them all.
    /// </summary>
    internal static TimeGrid ReadoutGrid(double[] times, double interval)
    {
        double end = times[^1];
        int steps = PopulationRunner.GridFor(new Scenario("", "", 0, end, System.Collections.Immutable.ImmutableDictionary<string, double>.Empty, Stochastic.SourcePosition.None), interval).Points - 1;
        for (int n = steps; n <= Math.Max(steps, 1) * 1000; n++)
            if (times.All(t => Math.Abs(Math.Round(t / end * n) * end / n - t) <= 1e-9 * end)) return new TimeGrid(0, end, n + 1);
        throw new ArgumentOutOfRangeException(nameof(times), FormattableString.Invariant(
            $"the read-out times {string.Join(", ", times.Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)))} share no recording grid finer than the study's output_every ({interval}); give times on a common step"));
    }

    /// <summary>
    /// Simulates every scenario × cell type (as <see cref="PopulationRunner"/> does without a pool: the
    /// same parameter and trajectory streams) on <paramref name="grid"/> and returns, per group
    /// (scenario-major), the read-out of each finished cell at each time: [group][time][cell].
    /// </summary>
    private static double[][][] Simulate(Study study, List<Scenario> scenarios, TimeGrid grid, double[] times, PopulationOptions options,
        Func<CompiledNetwork, ICellSimulator>? engine, IProgress<PopulationProgress>? progress, CancellationToken cancellationToken)
    {
        var network = NetworkCompiler.Compile(study.Model);
        int cells = options.CellsPerType > 0 ? options.CellsPerType : study.Settings.Cells;
        ulong seed = options.Seed ?? study.Settings.Seed;
        int blockSize = options.BlockSize > 0 ? options.BlockSize : options.Method.CellBlockSize;
        var outputNames = network.OutputNames;
        var variableNames = CellVariables.Names(outputNames);
        int readout = Array.IndexOf(variableNames, study.Settings.Readout);
        if (readout < 0) throw new ArgumentException($"unknown read-out '{study.Settings.Readout}'; known: {string.Join(", ", variableNames)}");
        var groups = new List<PopulationGroup>();
        foreach (var scenario in scenarios)
            for (int c = 0; c < study.CellTypes.Length; c++)
                groups.Add(new PopulationGroup(scenario, study.CellTypes[c], c, cells, variableNames.Length, study.FateNames));
        Func<int, bool>? needed = options.Plan?.Range is { } range ? g => (long)g * cells < range.End && (long)(g + 1) * cells > range.First : null;
        var engines = CellEngines.For(study, network, groups, options, engine, needed);
        int o = outputNames.Length;
        var gridTimes = grid.Times();
        int[] at = [.. times.Select(t => (int)Math.Round(t / grid.End * (grid.Points - 1)))];
        var values = new double[groups.Count][][];
        var done = new bool[groups.Count][];
        for (int g = 0; g < groups.Count; g++)
        {
            values[g] = [.. times.Select(_ => new double[cells])];
            done[g] = new bool[cells];
        }
        var layout = CellLayout(study, times);
        PopulationRunner.RunBlocks(study, network, groups, engines, cells, seed, blockSize, options.Threads, criterion: null, _ => grid, layout,
            (gi, block, i, _, record, row) =>
            {
                var vars = new double[variableNames.Length];
                for (int t = 0; t < times.Length; t++)
                {
                    // the variables of the run up to time t: its record to grid point at[t]
                    CellVariables.Compute(record[..((at[t] + 1) * o)], gridTimes[..(at[t] + 1)], o, vars);
                    row[t] = vars[readout];
                }
            },
            (gi, cell, row) =>
            {
                for (int t = 0; t < times.Length; t++) values[gi][t][cell] = row[t];
                done[gi][cell] = true;
            }, options.Plan, progress, cancellationToken);
        // finished cells only, in cell order
        return [.. Enumerable.Range(0, groups.Count).Select(g => values[g].Select(v => v.Where((_, i) => done[g][i]).ToArray()).ToArray())];
    }

    /// <summary>
    /// The per-cell row of a dose-response run (shards, checkpoints): the study's read-out at each read-out time,
    /// <c>READOUT@TIME</c>. Its scenarios are named <c>LIGAND@DOSE</c> (<c>@0</c>: the baseline).
    /// </summary>
    public static CellLayout CellLayout(Study study, IReadOnlyList<double> times) =>
        new([.. times.Select(t => new CellColumn(FormattableString.Invariant($"{study.Settings.Readout}@{t:R}"), CellColumnKind.Number))], []);

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
