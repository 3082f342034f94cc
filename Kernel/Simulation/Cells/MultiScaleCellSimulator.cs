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
/// <remarks>Not resumable yet (no shared ligand pool, no lineages): those populations run the slow-scale method.</remarks>
public sealed class MultiScaleCellSimulator : ICellSimulator
{
    private readonly ReducedNetwork _reduced;
    private readonly IMultiScaleKernel _kernel;

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
}
