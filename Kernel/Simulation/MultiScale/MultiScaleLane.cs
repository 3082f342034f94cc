using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;

namespace Stochastic.Simulation.MultiScale;

/// <summary>
/// One lane's cell of a multi-scale batch run, the part of its step that stays scalar: its cell of the
/// slow-scale hybrid (<see cref="HybridState"/>, the same as the scalar <see cref="SlowScaleSimulator"/>
/// steps: reduced state, expected full state, leap interval) and the lane's running exact total. The
/// kernel owns the lane-parallel part: every slow propensity sits in a structure-of-arrays row shared by
/// the lanes (reaction j of lane i at [j·W + i]), where the kernel sums and searches them across lanes;
/// this lane writes its own column. It holds no random stream: every draw is the kernel's, from the
/// lane's Philox stream.
/// </summary>
internal sealed class MultiScaleLane
{
    private readonly HybridState _cell;
    private readonly ReducedNetwork _reduced;
    private readonly double[] _a; // shared propensity rows, this lane's column
    private readonly int _lane, _width, _reactions;
    private int _sinceResum;

    /// <summary>Exact firings between fresh sums of <see cref="Total"/> (the running total drifts by rounding, as in the direct method).</summary>
    public const int ResumInterval = 256;

    /// <summary>The lane's exact total a₀: the running sum of its column, summed afresh at partitions and every <see cref="ResumInterval"/> firings.</summary>
    public double Total { get; private set; }

    /// <summary>A lane of <paramref name="plan"/> writing its propensities to column <paramref name="lane"/> of <paramref name="rows"/> (<paramref name="width"/> lanes per row).</summary>
    public MultiScaleLane(SlowScalePlan plan, double[] rows, int lane, int width)
    {
        _reduced = plan.Reduced;
        _a = rows;
        _lane = lane;
        _width = width;
        _reactions = plan.Slow.Length;
        _cell = new HybridState(plan, new double[plan.Network.SpeciesCount], new double[plan.Full.Parameters.Length], rows, lane, width);
    }

    /// <summary>The reduced state (group and reservoir totals, free counts, other species).</summary>
    public double[] State => _cell.State;
    /// <summary>The expected full state x̄ = E[x | reduced state] (full-network layout).</summary>
    public double[] Expected => _cell.Expected;
    /// <summary>The cell's parameters (full model's, in order).</summary>
    public double[] Parameters => _cell.Parameters;
    /// <summary>End of the current leap interval (+∞ when nothing is leaped).</summary>
    public double LeapEnd => _cell.LeapEnd;
    /// <summary>Whether slow reaction <paramref name="j"/> is leaped this interval.</summary>
    public bool IsLeaped(int j) => _cell.IsLeaped(j);
    /// <summary>Whether anything is leaped this interval.</summary>
    public bool Leaping => _cell.Leaping;
    /// <summary>Whether this interval draws some decays exactly (binomially; <see cref="EndInterval"/> then needs a seed).</summary>
    public bool HasExactDecays => _cell.HasExactDecays;

    /// <summary>Exact firings so far.</summary>
    public long ExactFirings { get; private set; }
    /// <summary>Firings made by leaps so far.</summary>
    public long LeapedFirings => _cell.LeapedFirings;
    /// <summary>Leaps (interval ends with at least one leaped firing) so far.</summary>
    public long Leaps { get; private set; }
    /// <summary>Leaps whose draw was reduced to keep counts non-negative.</summary>
    public long LeapCorrections => _cell.LeapCorrections;
    /// <summary>Partition points so far.</summary>
    public long Partitions { get; private set; }

    /// <summary>Starts a cell from full-model <paramref name="fullCounts"/> and <paramref name="parameters"/> at <paramref name="time"/>.</summary>
    public void Start(ReadOnlySpan<double> fullCounts, ReadOnlySpan<double> parameters, double time)
    {
        _reduced.ReduceCounts(fullCounts, _cell.State);
        Resume(_cell.State, parameters, time);
    }

    /// <summary>
    /// Resumes a paused cell from its reduced state <paramref name="reducedCounts"/> with <paramref name="parameters"/>
    /// at <paramref name="time"/>, as the scalar slow-scale engine resumes one: a restart, the partition chosen afresh.
    /// </summary>
    public void Resume(ReadOnlySpan<double> reducedCounts, ReadOnlySpan<double> parameters, double time)
    {
        Load(reducedCounts, parameters);
        _cell.Forget();
        Partition(time);
    }

    /// <summary>Loads a reduced state and parameters and restarts on them (<see cref="Expected"/> is then the state's expected full state); nothing is partitioned or drawn.</summary>
    public void Load(ReadOnlySpan<double> reducedCounts, ReadOnlySpan<double> parameters)
    {
        if (reducedCounts.Length != _cell.State.Length) throw new ArgumentException("a paused cell of another reduction", nameof(reducedCounts));
        reducedCounts.CopyTo(_cell.State);
        parameters.CopyTo(_cell.Parameters);
        _cell.Restart();
    }

    /// <summary>
    /// Evaluates every slow propensity at <paramref name="time"/> and, when leaping, chooses the next
    /// interval's leaped reactions (<see cref="HybridState.Partition"/>, the scalar hybrid's rule).
    /// </summary>
    public void Partition(double time)
    {
        Partitions++;
        _cell.Partition(time);
        Resum();
    }

    /// <summary>
    /// Begins the interval chosen by the last <see cref="Partition"/> at <paramref name="time"/>, to end at
    /// <paramref name="stop"/>: adds the planned estimated-midpoint shift and evaluates every propensity there
    /// (<see cref="HybridState.BeginInterval"/>).
    /// </summary>
    public void BeginInterval(double time, double stop)
    {
        if (_cell.BeginInterval(time, stop)) Resum();
    }

    /// <summary>
    /// Fires slow reaction <paramref name="j"/> once at <paramref name="time"/> and updates the
    /// propensities it changes. True when the partition was chosen again (nothing was leaped for
    /// <see cref="HybridState.CheckInterval"/> firings), which moves <see cref="LeapEnd"/>.
    /// </summary>
    // Hot: runs once per exact firing per lane. The lane's total takes each propensity change in turn.
    public bool Fire(int j, double time)
    {
        Total = _cell.Fire(j, time, Total);
        ExactFirings++;
        if (++_sinceResum >= ResumInterval || Total <= 0) Resum();
        if (_cell.PartitionDue())
        {
            Partition(time);
            return true;
        }
        return false;
    }

    /// <summary>
    /// The Poisson means of the interval ending at <paramref name="time"/>, ∫ a_j dt for each leaped
    /// reaction, into column <see cref="_lane"/> of <paramref name="means"/> (0 for the others).
    /// </summary>
    public void Means(double time, double[] means)
    {
        for (int j = 0; j < _reactions; j++)
            means[j * _width + _lane] = _cell.IsLeaped(j) && !_cell.IsExactDecay(j) ? _cell.Mean(j, time) : 0;
    }

    /// <summary>
    /// Ends the leap interval at <paramref name="time"/> with the leaped reactions' drawn firings in
    /// column <see cref="_lane"/> of <paramref name="drawn"/> (exact decays drawn here from a Xoshiro256** stream
    /// of <paramref name="seed"/>, which the kernel draws from the lane's stream); the caller chooses the next partition.
    /// </summary>
    public void EndInterval(double time, double[] drawn, ulong seed)
    {
        if (!_cell.Leaping) return;
        var firings = _cell.Firings;
        foreach (int j in _cell.Leaped) firings[j] = _cell.IsExactDecay(j) ? 0 : drawn[j * _width + _lane];
        if (_cell.HasExactDecays)
        {
            var random = new Random.Xoshiro256StarStar(seed, 0);
            _cell.SampleDecays(time, ref random);
        }
        if (_cell.EndInterval(time) > 0) Leaps++;
    }

    // The lane's total summed afresh over its column.
    private void Resum()
    {
        double total = 0;
        for (int j = 0; j < _reactions; j++) total += _a[j * _width + _lane];
        Total = total;
        _sinceResum = 0;
    }
}
