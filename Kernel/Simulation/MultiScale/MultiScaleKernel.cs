using System.Numerics;
using Stochastic.Lanes;
using Stochastic.Random;
using Stochastic.Simulation.Batch;
using Stochastic.Simulation.Cells;
using Stochastic.Simulation.SlowScale;

namespace Stochastic.Simulation.MultiScale;

/// <summary>A multi-scale batch kernel of one lane width.</summary>
internal interface IMultiScaleKernel
{
    /// <summary>Cells per vector.</summary>
    int Lanes { get; }

    /// <summary>Exact firings so far, per slow reaction (all lanes).</summary>
    long[] ExactByReaction { get; }

    /// <summary>Lane steps so far (one per vector iteration per active lane) and vector iterations, for the lane occupancy.</summary>
    (long LaneSteps, long Iterations) Occupancy { get; }

    /// <summary>
    /// Simulates cells <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> of
    /// <paramref name="block"/> on the grid <paramref name="times"/>, writing cell i's record at
    /// [(i − first)·points·outputs ..] of <paramref name="record"/>.
    /// </summary>
    void Run(CellBlock block, int first, int count, double[] times, Span<double> record, CancellationToken cancellationToken);

    /// <summary>
    /// Resumes the paused <paramref name="cells"/> (cell c with parameters [c·P ..] of <paramref name="parameters"/>),
    /// runs each through <paramref name="stops"/>, writes cell c's output j at stop k to
    /// [(c·stops + k)·outputs + j] of <paramref name="outputs"/>, and pauses each at the last stop.
    /// </summary>
    void Advance(IReadOnlyList<PausedCell> cells, double[] parameters, double[] stops, Span<double> outputs, CancellationToken cancellationToken);

    /// <summary>Loads <paramref name="cell"/>'s reduced state and <paramref name="parameters"/> into a spare lane (no partition, no draw) and returns it, to read its expected full state.</summary>
    MultiScaleLane Load(PausedCell cell, ReadOnlySpan<double> parameters);

    /// <summary>The lanes' work so far: exact firings, leaped firings, leaps, partitions.</summary>
    (long Exact, long Leaped, long Leaps, long Partitions) Work { get; }
}

/// <summary>
/// The multi-scale batch engine for one vector of cells, one cell per lane, all of one scenario × cell
/// type sharing its slow-scale reduction (<see cref="SlowScalePlan"/>), written once for every width
/// (<typeparamref name="TL"/>). Each lane runs the hybrid of the scalar slow-scale simulator: the fast
/// reversible pairs at partial equilibrium (Cao, Gillespie &amp; Petzold 2005), the slow reactions among
/// abundant species leaped over intervals chosen by the ε rule (<c>LeapPartition</c>; Puchałka &amp;
/// Kierzek 2004, Harris &amp; Clancy 2006, Cao, Gillespie &amp; Petzold 2006), the rest fired exactly
/// (Gillespie's direct method) in between.
/// <para>
/// Every iteration each active lane does one of two things. Its waiting time to the next exact firing is
/// drawn from its exact total a₀ (each lane's running total); a lane whose firing comes
/// before its next stop (its leap interval's end, its next output time, a rate law's breakpoint) fires
/// the reaction that a uniform selects, searched across lanes with masks; the other lanes stop, draw the
/// Poisson firings of their leaped reactions (vector Poisson, masked), record, and choose their next
/// interval. What stays scalar per lane is <see cref="MultiScaleLane"/>: the state change, the
/// dependent propensities, the reservoirs' free counts, the partition.
/// </para>
/// <para>
/// What differs from <c>SlowScaleSimulator</c> (the scalar engine, whose trajectories these are not): the
/// lanes draw from Philox4x32-10 streams (exact decays, binomially, from a Xoshiro256** stream seeded by
/// the lane's). Otherwise the same approximation: the same partition rule, exact decays, and the state
/// held at the interval's estimated midpoint while leaped firings wait for its end.
/// </para>
/// </summary>
/// <remarks>
/// A lane's draws come from its own stream, only when its mask bit is set; its scalar part reads only
/// its own values; the vector sums and searches are the same IEEE operations in the same order at
/// every width. So a lane's integer trajectory is the same at every width, block size, position and
/// thread count.
/// </remarks>
internal sealed class MultiScaleKernel<TL, TV> : IMultiScaleKernel where TL : ILanes<TV> where TV : struct
{
    private readonly SlowScalePlan _plan;
    private readonly MultiScaleLane[] _lanes;
    private readonly double[] _rows, _means, _drawn;
    private readonly double[] _t, _stop, _buffer, _selected;
    private readonly int[] _point, _cellOf;
    private readonly double[] _totals; // per lane its running exact total a₀ (MultiScaleLane.Total)
    private readonly LaneStreams _streams = new(TL.Count);
    // Outputs are recorded on a draw of the lumped members (FullStateDraw), from each lane's cell's own draw stream.
    private readonly FullStateDraw _draw;
    private readonly Xoshiro256StarStar[] _draws;
    private readonly double[] _full;
    // _masks[m·W ..]: lane i all-ones bits when bit i of m is set.
    private readonly double[] _masks;
    private long _laneSteps, _iterations;

    public MultiScaleKernel(SlowScalePlan plan)
    {
        _plan = plan;
        int w = TL.Count, nr = plan.Slow.Length;
        _rows = new double[Math.Max(nr, 1) * w];
        _means = new double[Math.Max(nr, 1) * w];
        _drawn = new double[Math.Max(nr, 1) * w];
        _lanes = new MultiScaleLane[w];
        for (int i = 0; i < w; i++) _lanes[i] = new MultiScaleLane(plan, _rows, i, w);
        _draw = new FullStateDraw(plan.Reduced);
        _draws = new Xoshiro256StarStar[w];
        _full = new double[plan.Full.SpeciesCount];
        _t = new double[w];
        _stop = new double[w];
        _buffer = new double[w];
        _selected = new double[w];
        _point = new int[w];
        _cellOf = new int[w];
        _totals = new double[w];
        ExactByReaction = new long[nr];
        _masks = new double[(1 << w) * w];
        for (int m = 0; m < 1 << w; m++)
            for (int i = 0; i < w; i++) _masks[m * w + i] = ((m >> i) & 1) != 0 ? BitConverter.UInt64BitsToDouble(ulong.MaxValue) : 0;
    }

    /// <inheritdoc />
    public int Lanes => TL.Count;

    /// <inheritdoc />
    public long[] ExactByReaction { get; }

    /// <inheritdoc />
    public (long LaneSteps, long Iterations) Occupancy => (_laneSteps, _iterations);

    /// <inheritdoc />
    public (long Exact, long Leaped, long Leaps, long Partitions) Work
    {
        get
        {
            long e = 0, l = 0, n = 0, p = 0;
            foreach (var lane in _lanes) { e += lane.ExactFirings; l += lane.LeapedFirings; n += lane.Leaps; p += lane.Partitions; }
            return (e, l, n, p);
        }
    }

    /// <inheritdoc />
    public void Run(CellBlock block, int first, int count, double[] times, Span<double> record, CancellationToken cancellationToken)
    {
        int s = block.SpeciesCount, p = block.ParameterCount;
        _block = block;
        _first = first;
        try
        {
            Loop(count, StartOrder(count, c => _lanes[0].Start(block.InitialCounts.AsSpan((first + c) * s, s), block.Parameters.AsSpan((first + c) * p, p), times[0])),
                times, record, cancellationToken);
        }
        finally { _block = null; }
    }

    /// <inheritdoc />
    public void Advance(IReadOnlyList<PausedCell> cells, double[] parameters, double[] stops, Span<double> outputs, CancellationToken cancellationToken)
    {
        int p = _plan.Full.Parameters.Length;
        _paused = cells;
        _pausedParameters = parameters;
        try
        {
            Loop(cells.Count, StartOrder(cells.Count, c => _lanes[0].Resume(cells[c].Counts, parameters.AsSpan(c * p, p), cells[c].Time)),
                stops, outputs, cancellationToken);
        }
        finally { _paused = null; _pausedParameters = null; }
    }

    /// <inheritdoc />
    public MultiScaleLane Load(PausedCell cell, ReadOnlySpan<double> parameters)
    {
        _lanes[0].Load(cell.Counts, parameters);
        return _lanes[0];
    }

    // The cells of the run in progress: a block started at the first time (Run), or paused cells resumed (Advance).
    private CellBlock? _block;
    private int _first;
    private IReadOnlyList<PausedCell>? _paused;
    private double[]? _pausedParameters;

    // Lanes are refilled: when a lane's cell reaches its last output time the next cell
    // starts in it, so the vector stays full until the last cells (cells of a group differ
    // several-fold in their firings, and a vector of fixed cells would run at the pace of its busiest).
    // Hot loop rule: no allocation and no virtual calls in the loop; per iteration a fixed sequence of
    // masked vector operations over the slow reactions (the search), then scalar work
    // only for the lanes that fire (their state change and dependent propensities) or stop.
    // Compiled fully optimized at once: it is entered once per block and loops long (on-stack replacement
    // would otherwise run it).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Loop(int count, int[] order, double[] times, Span<double> record, CancellationToken cancellationToken)
    {
        _outputTimes = times;
        int w = TL.Count, nr = _plan.Slow.Length, points = times.Length, outputs = _plan.Full.OutputCount;
        var rows = _rows; var t = _t; var stop = _stop; var buffer = _buffer; var selectedLane = _selected;
        var exactByReaction = ExactByReaction;
        var cellOf = _cellOf; var totals = _totals;
        int nextCell = 0;
        uint activeBits = 0;
        for (int i = 0; i < w; i++)
        {
            if (StartNext(i, record)) activeBits |= 1u << i;
        }
        TV zero = TL.Create(0), one = TL.Create(1), infinity = TL.Create(double.PositiveInfinity), none = TL.Create(-1);
        long iterations = 0;
        while (activeBits != 0)
        {
            if ((++iterations & 0xFFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            _laneSteps += BitOperations.PopCount(activeBits);
            TV active = Mask(activeBits);
            TV a0 = TL.Load(totals);
            TV now = TL.Load(t), until = TL.Load(stop);
            TV e = TL.Subtract(zero, LaneLog.Invoke<TL, TV>(TL.Subtract(one, _streams.NextUniform<TL, TV>(active))));
            TV next = TL.Select(TL.LessThan(zero, a0), TL.Add(now, TL.Divide(e, a0)), infinity);
            TV firing = TL.And(active, TL.LessThanOrEqual(next, until));
            uint firingBits = TL.MaskBits(firing);
            uint endingBits = activeBits & ~firingBits;
            if (firingBits != 0)
            {
                // Which reaction fires: the first j with Σ_{i≤j} a_i > u·a₀, searched across lanes.
                TV target = TL.Multiply(_streams.NextUniform<TL, TV>(firing), a0);
                TV selected = none, lastPositive = none, cumulative = zero;
                for (int j = 0; j < nr; j++)
                {
                    TV a = TL.Load(rows.AsSpan(j * w, w));
                    cumulative = TL.Add(cumulative, a);
                    TV rv = TL.Create(j);
                    TV hit = TL.And(TL.And(firing, TL.LessThan(target, cumulative)), TL.LessThan(selected, zero));
                    selected = TL.Select(hit, rv, selected);
                    lastPositive = TL.Select(TL.LessThan(zero, a), rv, lastPositive);
                    // Every firing lane found: the rest of the search changes nothing it uses.
                    if ((j & 7) == 7 && TL.MaskBits(TL.And(firing, TL.LessThan(selected, zero))) == 0) break;
                }
                // Rounding can leave u·a₀ at the very end of the running sum.
                selected = TL.Select(TL.LessThan(selected, zero), lastPositive, selected);
                TL.Store(selected, selectedLane);
                TL.Store(next, buffer);
                for (uint bits = firingBits; bits != 0; bits &= bits - 1)
                {
                    int i = BitOperations.TrailingZeroCount(bits);
                    int j = (int)selectedLane[i];
                    t[i] = buffer[i];
                    exactByReaction[j]++;
                    if (_lanes[i].Fire(j, t[i]))
                    {
                        stop[i] = Stop(i);
                        _lanes[i].BeginInterval(t[i], stop[i]);
                    }
                    totals[i] = _lanes[i].Total;
                }
            }
            if (endingBits != 0)
            {
                // Stops: each lane's leaped reactions fire Poisson(∫ a dt) times (vector draws, masked).
                uint leapingBits = 0;
                for (uint bits = endingBits; bits != 0; bits &= bits - 1)
                {
                    int i = BitOperations.TrailingZeroCount(bits);
                    t[i] = stop[i];
                    if (_lanes[i].Leaping) { _lanes[i].Means(t[i], _means); leapingBits |= 1u << i; }
                }
                if (leapingBits != 0)
                {
                    TV leaping = Mask(leapingBits);
                    for (int j = 0; j < nr; j++)
                    {
                        TV mean = TL.Load(_means.AsSpan(j * w, w));
                        TV drawing = TL.And(leaping, TL.LessThan(zero, mean));
                        if (TL.MaskBits(drawing) == 0) continue;
                        TL.Store(PoissonSampler.Sample<TL, TV>(mean, drawing, _streams), _drawn.AsSpan(j * w, w));
                    }
                }
                for (uint bits = endingBits; bits != 0; bits &= bits - 1)
                {
                    int i = BitOperations.TrailingZeroCount(bits);
                    var lane = _lanes[i];
                    if ((leapingBits >> i & 1) != 0)
                        lane.EndInterval(t[i], _drawn, lane.HasExactDecays ? (ulong)(_streams.NextDouble(i) * (1UL << 53)) : 0);
                    if (t[i] == times[_point[i]])
                    {
                        Record(i, record.Slice(cellOf[i] * points * outputs, points * outputs));
                        if (_point[i] >= points)
                        {
                            Pause(i);
                            if (!StartNext(i, record)) activeBits &= ~(1u << i);
                            continue;
                        }
                    }
                    lane.Partition(t[i]);
                    stop[i] = Stop(i);
                    lane.BeginInterval(t[i], stop[i]);
                    totals[i] = lane.Total;
                }
            }
        }
        _iterations += iterations;

        TV Mask(uint bits) => TL.Load(_masks.AsSpan((int)bits * w, w));

        // Starts the next cell in lane i (false, and the lane frozen with zero propensities, when none is left).
        bool StartNext(int i, Span<double> record)
        {
            if (nextCell >= count)
            {
                for (int j = 0; j < nr; j++) rows[j * w + i] = 0;
                _streams.Set(i, 0, 0);
                t[i] = stop[i] = double.PositiveInfinity;
                totals[i] = 0;
                cellOf[i] = -1;
                return false;
            }
            int c = order[nextCell++];
            cellOf[i] = c;
            _point[i] = 0;
            if (_block is { } block)
            {
                int cell = _first + c, s = block.SpeciesCount, p = block.ParameterCount;
                _lanes[i].Start(block.InitialCounts.AsSpan(cell * s, s), block.Parameters.AsSpan(cell * p, p), times[0]);
                _streams.Set(i, block.Seed, block.StreamIndices[cell]);
                _draws[i] = FullStateDraw.Stream(block.Seed, block.StreamIndices[cell]);
                t[i] = times[0];
                Record(i, record.Slice(c * points * outputs, points * outputs));
                if (_point[i] >= points) return StartNext(i, record);
            }
            else
            {
                // A paused cell goes on from where it stopped: its state, its time, its streams' positions.
                var cell = _paused![c];
                int p = _plan.Full.Parameters.Length;
                _lanes[i].Resume(cell.Counts, _pausedParameters.AsSpan(c * p, p), cell.Time);
                _streams.Set(i, cell.Seed, cell.StreamIndex, cell.Drawn);
                _draws[i] = cell.Draws;
                t[i] = cell.Time;
            }
            stop[i] = Stop(i);
            _lanes[i].BeginInterval(t[i], stop[i]);
            totals[i] = _lanes[i].Total;
            return true;
        }
    }

    // Longest first (LPT scheduling): the cells start in order of their exact total a₀ at the start
    // (lane 0 started on each by `start`), a proxy of their cost, so that the cheap ones fill the lanes at the
    // end; ties in the given order. Which lane a cell runs in changes nothing in its trajectory.
    private int[] StartOrder(int count, Action<int> start)
    {
        var cost = new double[count];
        var order = new int[count];
        for (int c = 0; c < count; c++)
        {
            start(c);
            cost[c] = -_lanes[0].Total;
            order[c] = c;
        }
        Array.Sort(cost, order);
        return order;
    }

    // A resumed cell's lane has passed its last stop: the cell keeps its state, time and streams' positions.
    private void Pause(int i)
    {
        if (_paused is null) return;
        var cell = _paused[_cellOf[i]];
        _lanes[i].State.CopyTo(cell.Counts, 0); // lengths checked when the cell was resumed (MultiScaleLane.Load)
        cell.Drawn = _streams.Drawn(i);
        cell.Draws = _draws[i];
        cell.Time = _t[i];
    }

    // Lane i's next stop: its leap interval's end, its next output time, or a rate law's breakpoint.
    private double Stop(int i)
    {
        var lane = _lanes[i];
        double stop = Math.Min(lane.LeapEnd, _outputTimes[_point[i]]);
        var full = _plan.Full;
        if (full.Breakpoints.Length > 0) stop = Math.Min(stop, full.NextBreakpoint(lane.Parameters, _t[i]));
        return stop;
    }

    private double[] _outputTimes = [];

    // Records lane i at its next output point (on a draw of the full state given its reduced state) and moves it past it.
    private void Record(int i, Span<double> record)
    {
        int o = _plan.Full.OutputCount;
        int k = _point[i]++;
        var lane = _lanes[i];
        _draw.Draw(lane.State, lane.Expected, _full, ref _draws[i]);
        _plan.Full.Outputs(_full, lane.Parameters, _t[i], record.Slice(k * o, o));
    }
}

/// <summary>Builds multi-scale kernels of a lane width (the batch engine's width choice, <see cref="SimdWidth"/>).</summary>
internal static class MultiScaleKernelFactory
{
    public static IMultiScaleKernel Create(SimdWidth width, SlowScalePlan plan) => TauLeapingKernelFactory.Resolve(width) switch
    {
        SimdWidth.Scalar => new MultiScaleKernel<ScalarLanes, double>(plan),
        SimdWidth.Vector128 => new MultiScaleKernel<Vector128Lanes, System.Runtime.Intrinsics.Vector128<double>>(plan),
        SimdWidth.Vector256 => new MultiScaleKernel<Vector256Lanes, System.Runtime.Intrinsics.Vector256<double>>(plan),
        SimdWidth.Vector512 => new MultiScaleKernel<Vector512Lanes, System.Runtime.Intrinsics.Vector512<double>>(plan),
        _ => throw new ArgumentOutOfRangeException(nameof(width)),
    };
}
