using Stochastic.Network;
using Stochastic.Simulation.Ode;

namespace Stochastic.Simulation.Cells;

/// <summary>
/// <see cref="ICellSimulator"/> on the reaction rate equations (<see cref="OdeSimulator"/>, CVODE): each
/// cell is its mean-field solution from its own initial counts and parameters. Cells then differ only
/// by what the population layer samples for them (extrinsic heterogeneity); there is no intrinsic noise
/// and the random streams are not used, so with common random numbers the population mean is a smooth
/// function of the model's parameters (what a fit's profile likelihood needs). Per-cell parameters act
/// through functional rates, events and initial counts, as in <see cref="ExactCellSimulator"/>.
/// Not resumable: cells with a shared ligand pool or divisions need an integer-count engine.
/// </summary>
internal sealed class OdeCellSimulator(CompiledNetwork network, OdeTolerances tolerances) : ICellSimulator, IDisposable
{
    private readonly OdeSimulator _ode = new(network, tolerances);

    /// <inheritdoc />
    public IReadOnlyList<string> OutputNames => network.OutputNames;

    /// <summary>The work so far: the integrator's internal steps, counted as leaps (no reaction fires).</summary>
    public SimulationCounters Counters => new(0, _ode.Steps);

    /// <inheritdoc />
    public void Simulate(CellBlock block, TimeGrid grid, Span<double> record, CancellationToken cancellationToken = default)
    {
        int s = block.SpeciesCount, p = block.ParameterCount, size = grid.Points * network.OutputCount;
        for (int i = 0; i < block.Count; i++)
            _ode.Run(grid, record.Slice(i * size, size), block.InitialCounts.AsSpan(i * s, s), block.Parameters.AsSpan(i * p, p), cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _ode.Dispose();
}
