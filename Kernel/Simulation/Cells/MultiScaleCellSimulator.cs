using Stochastic.Simulation.Batch;
using Stochastic.Simulation.MultiScale;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;

namespace Stochastic.Simulation.Cells;

/// <summary>
/// <see cref="ICellSimulator"/> of the multi-scale batch method: the cells of a block, all of one scenario ×
/// cell type sharing its slow-scale reduction, advance in vector lanes (one cell per lane) under the
/// slow-scale hybrid of <c>MultiScaleKernel</c>: fast reversible binding at partial equilibrium, abundant
/// slow reactions leaped under the ε rule, the rest fired exactly per lane. Cells come in and go out in the
/// full model's layout, as in <see cref="SlowScaleCellSimulator"/> (observables on the expected full state).
/// A cell's result depends only on (seed, stream index, its inputs), whatever the block, its position in
/// it, the lane width or the thread count.
/// </summary>
/// <remarks>
/// Resumable (<see cref="IResumableCellSimulator"/>), so it runs a shared ligand pool and lineages: a paused cell holds
/// its reduced counts and where its Philox stream stands, and the many-cell
/// <see cref="AdvanceMany"/>
/// resumes the cells of a well's interval together, one per lane, each by a restart as the scalar slow-scale engine resumes.
/// </remarks>
public sealed class MultiScaleCellSimulator : IResumableCellSimulator
{
    private readonly ReducedNetwork _reduced;
    private readonly IMultiScaleKernel _kernel;
    private readonly FullStateDraw _draw;

    /// <summary>
    /// Creates a simulator of <paramref name="reduced"/> at lane width <paramref name="width"/>; slow reactions
    /// are leaped at the reduction's <see cref="SlowScaleOptions.LeapEpsilon"/> (none: all exact).
    /// </summary>
    public MultiScaleCellSimulator(ReducedNetwork reduced, SimdWidth width = SimdWidth.Auto)
    {
        ArgumentNullException.ThrowIfNull(reduced);
        _reduced = reduced;
        Width = TauLeapingKernelFactory.Resolve(width);
        _kernel = MultiScaleKernelFactory.Create(Width, new SlowScalePlan(reduced));
        _draw = new FullStateDraw(reduced);
    }

    /// <summary>The lane width run (<see cref="SimdWidth.Auto"/> resolved).</summary>
    public SimdWidth Width { get; }

    /// <summary>The reduction this simulator runs.</summary>
    public ReducedNetwork Reduced => _reduced;

    /// <inheritdoc />
    public IReadOnlyList<string> OutputNames => _reduced.Full.OutputNames;

    /// <inheritdoc />
    public SimulationCounters Counters
    {
        get
        {
            var (exact, leaped, leaps, _) = _kernel.Work;
            return new SimulationCounters(exact + leaped, leaps) { LeapedFirings = leaped };
        }
    }

    /// <summary>Exact firings so far per slow reaction of the reduced network (for profiles).</summary>
    internal long[] ExactByReaction => _kernel.ExactByReaction;

    /// <summary>Partition points (leap intervals chosen) so far.</summary>
    internal long Partitions => _kernel.Work.Partitions;

    /// <summary>Mean active lanes per vector iteration so far, out of the width's lanes.</summary>
    internal double Occupancy => _kernel.Occupancy.Iterations == 0 ? 0 : (double)_kernel.Occupancy.LaneSteps / _kernel.Occupancy.Iterations;

    /// <inheritdoc />
    public void Simulate(CellBlock block, TimeGrid grid, Span<double> record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(block);
        var full = _reduced.Full;
        if (block.SpeciesCount != full.SpeciesCount || block.ParameterCount != full.Parameters.Length)
            throw new ArgumentException($"block has {block.SpeciesCount} species and {block.ParameterCount} parameters; the network has {full.SpeciesCount} and {full.Parameters.Length}", nameof(block));
        if (block.Count == 0) return;
        _kernel.Run(block, 0, block.Count, grid.Times(), record, cancellationToken);
    }

    /// <inheritdoc />
    public PausedCell Start(ReadOnlySpan<double> initialCounts, ulong seed, ulong streamIndex, double startTime)
    {
        var reduced = new double[_reduced.Network.SpeciesCount];
        _reduced.ReduceCounts(initialCounts, reduced);
        // The lane's Philox stream is keyed as in Simulate. The cell's Xoshiro256** stream, which the trajectory does not
        // use, is the one its population draws from for it between advances (a division's partition), as for the scalar engines.
        return new PausedCell(reduced, new Random.Xoshiro256StarStar(seed, streamIndex), startTime)
        {
            Draws = FullStateDraw.Stream(seed, streamIndex), Seed = seed, StreamIndex = streamIndex,
        };
    }

    /// <inheritdoc />
    public void Advance(PausedCell cell, ReadOnlySpan<double> parameters, ReadOnlySpan<double> stops, Span<double> outputs,
        CancellationToken cancellationToken = default) =>
        AdvanceMany([cell], parameters, stops, outputs, cancellationToken);

    private double[] _rows = [];
    private double[] _stops = [];

    /// <inheritdoc />
    public void AdvanceMany(IReadOnlyList<PausedCell> cells, ReadOnlySpan<double> parameters, ReadOnlySpan<double> stops, Span<double> outputs,
        CancellationToken cancellationToken = default)
    {
        int p = IResumableCellSimulator.CellRows(cells, parameters, stops, outputs, OutputNames.Count);
        if (cells.Count == 0) return;
        if (p != _reduced.Full.Parameters.Length) throw new ArgumentException($"{p} parameters per cell; the network has {_reduced.Full.Parameters.Length}", nameof(parameters));
        for (int k = 1; k < stops.Length; k++)
            if (!(stops[k] > stops[k - 1])) throw new ArgumentException("the stops must increase", nameof(stops));
        foreach (var cell in cells)
            if (cell.Counts.Length != _reduced.Network.SpeciesCount || !(stops[0] >= cell.Time))
                throw new ArgumentException(cell.Counts.Length != _reduced.Network.SpeciesCount ? "a paused cell of another engine" : $"a cell paused at {cell.Time} cannot stop at {stops[0]}", nameof(cells));
        if (_rows.Length < parameters.Length) _rows = new double[parameters.Length];
        parameters.CopyTo(_rows);
        if (_stops.Length != stops.Length) _stops = new double[stops.Length];
        stops.CopyTo(_stops);
        _kernel.Advance(cells, _rows, _stops, outputs, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The slow-scale approximation's law of the full state given the reduced one (<see cref="FullStateDraw"/>), as <see cref="SlowScaleCellSimulator"/> draws it.</remarks>
    public void FullCounts(PausedCell cell, ReadOnlySpan<double> parameters, Span<double> full, ref Random.Xoshiro256StarStar random)
    {
        var lane = _kernel.Load(cell, parameters);
        _draw.Draw(cell.Counts, lane.Expected, full, ref random);
    }

    /// <inheritdoc />
    /// <remarks>On the expected full state given the cell's reduced state; the cell is not changed.</remarks>
    public void Outputs(PausedCell cell, ReadOnlySpan<double> parameters, Span<double> outputs)
    {
        var lane = _kernel.Load(cell, parameters);
        _reduced.Full.Outputs(lane.Expected, lane.Parameters, cell.Time, outputs);
    }
}
