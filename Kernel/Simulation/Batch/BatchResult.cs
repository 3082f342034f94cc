namespace Stochastic.Simulation.Batch;

/// <summary>Per-cell results of a batch run: outputs on the grid, optional time integrals, work counters.</summary>
public sealed class BatchResult
{
    private readonly double[] _records;
    private readonly double[]? _integrals;
    private readonly long[] _events, _leaps;
    private readonly bool[] _done;

    internal BatchResult(TimeGrid grid, string[] outputNames, int cells, double[] records, double[]? integrals,
        long[] events, long[] leaps, bool[] done, SimdWidth width, TimeSpan wall)
    {
        Grid = grid; OutputNames = outputNames; Cells = cells;
        _records = records; _integrals = integrals; _events = events; _leaps = leaps; _done = done;
        Width = width; Wall = wall;
    }

    /// <summary>The output times.</summary>
    public TimeGrid Grid { get; }
    /// <summary>Output names.</summary>
    public IReadOnlyList<string> OutputNames { get; }
    /// <summary>Cells asked for.</summary>
    public int Cells { get; }
    /// <summary>The lane width that ran.</summary>
    public SimdWidth Width { get; }
    /// <summary>Wall-clock time of the run.</summary>
    public TimeSpan Wall { get; }
    /// <summary>True when cancellation left some cells unsimulated (see <see cref="Completed"/>).</summary>
    public bool Cancelled => Array.IndexOf(_done, false) >= 0;
    /// <summary>Whether cell <paramref name="cell"/> was simulated (false only after cancellation).</summary>
    public bool Completed(int cell) => _done[cell];
    /// <summary>Whether time integrals were computed.</summary>
    public bool HasIntegrals => _integrals is not null;

    /// <summary>Cell <paramref name="cell"/>'s output <paramref name="output"/> at grid point <paramref name="point"/>.</summary>
    public double Output(int cell, int point, int output) => _records[((long)cell * Grid.Points + point) * OutputNames.Count + output];

    /// <summary>Cell <paramref name="cell"/>'s recorded outputs, row-major (point, then output).</summary>
    public ReadOnlySpan<double> Trajectory(int cell) => _records.AsSpan(cell * Grid.Points * OutputNames.Count, Grid.Points * OutputNames.Count);

    /// <summary>∫ output dt from the grid's start to its end for cell <paramref name="cell"/> (exact for the simulated piecewise-constant path).</summary>
    public double Integral(int cell, int output) =>
        (_integrals ?? throw new InvalidOperationException("integrals were not computed; set BatchOptions.IntegrateOutputs"))[cell * OutputNames.Count + output];

    /// <summary>Work done by cell <paramref name="cell"/>.</summary>
    public SimulationCounters Counters(int cell) => new(_events[cell], _leaps[cell]);

    /// <summary>Work done by all cells.</summary>
    public SimulationCounters TotalCounters()
    {
        long e = 0, l = 0;
        for (int i = 0; i < Cells; i++) { e = SimulationCounters.Add(e, _events[i]); l = SimulationCounters.Add(l, _leaps[i]); }
        return new SimulationCounters(e, l);
    }

    /// <summary>
    /// Summarizes the completed cells as an <see cref="EnsembleResult"/> (mean and sd per time per
    /// output, counters), computed exactly as <see cref="Ensemble"/> does, so a batch run and
    /// <c>Ensemble.Run(() =&gt; new TauLeapingSimulator(network, ε), …)</c> with the same seed give
    /// identical summaries.
    /// </summary>
    public EnsembleResult ToEnsembleResult(bool keepTrajectories = false)
    {
        int width = Grid.Points * OutputNames.Count;
        var total = new Ensemble.BlockStatistics(width);
        var kept = keepTrajectories ? new List<double[]>() : null;
        long e = 0, l = 0;
        for (int first = 0; first < Cells; first += Ensemble.BlockSize)
        {
            int last = Math.Min(Cells, first + Ensemble.BlockSize);
            bool complete = true;
            for (int c = first; c < last; c++) complete &= _done[c];
            if (!complete) continue;
            var block = new Ensemble.BlockStatistics(width);
            for (int c = first; c < last; c++)
            {
                block.Add(Trajectory(c));
                e = SimulationCounters.Add(e, _events[c]); l = SimulationCounters.Add(l, _leaps[c]);
                kept?.Add(Trajectory(c).ToArray());
            }
            total.Merge(block);
        }
        var (mean, sd) = total.MeanAndStandardDeviation();
        return new EnsembleResult(Grid, [.. OutputNames], (int)total.Count, mean, sd, new SimulationCounters(e, l), Wall, Cancelled, kept?.ToArray());
    }
}
