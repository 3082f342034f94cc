using Stochastic.Simulation;

namespace Stochastic.Simulation.Cells;

/// <summary>
/// Simulates a block of independent cells of one network: per-cell initial counts and per-cell
/// parameter values in, per-cell recorded outputs on a time grid out. The population layer
/// depends only on this, so an exact SSA, a tau-leaping engine or a SIMD batch engine can run
/// the same study. Contract: cell <c>i</c>'s result depends only on (<see cref="CellBlock.Seed"/>,
/// <see cref="CellBlock.StreamIndices"/>[i], its inputs), never on which cells share the block.
/// One instance per thread.
/// </summary>
public interface ICellSimulator
{
    /// <summary>Names of the recorded outputs (the network's observables), in record order.</summary>
    IReadOnlyList<string> OutputNames { get; }

    /// <summary>The work of this instance so far, over every cell it simulated.</summary>
    SimulationCounters Counters { get; }

    /// <summary>
    /// Simulates every cell of <paramref name="block"/> over <paramref name="grid"/> and writes
    /// output <c>j</c> of cell <c>i</c> at grid point <c>k</c> to
    /// <c>record[(i * grid.Points + k) * OutputNames.Count + j]</c>.
    /// </summary>
    void Simulate(CellBlock block, TimeGrid grid, Span<double> record, CancellationToken cancellationToken = default);
}

/// <summary>
/// Inputs of a block of cells, structure of arrays: cell <c>i</c>'s initial counts are
/// <c>InitialCounts[i*S .. (i+1)*S)</c> (S species) and its parameters
/// <c>Parameters[i*P .. (i+1)*P)</c> (P model parameters, all of them, in model order).
/// </summary>
public sealed class CellBlock(int count, int species, int parameters)
{
    /// <summary>Number of cells.</summary>
    public int Count { get; } = count;
    /// <summary>Species per cell.</summary>
    public int SpeciesCount { get; } = species;
    /// <summary>Parameters per cell.</summary>
    public int ParameterCount { get; } = parameters;
    /// <summary>Master seed of the random streams.</summary>
    public ulong Seed { get; set; }
    /// <summary>Random stream index of each cell.</summary>
    public ulong[] StreamIndices { get; } = new ulong[count];
    /// <summary>Initial counts, cell-major.</summary>
    public double[] InitialCounts { get; } = new double[count * species];
    /// <summary>Parameter values, cell-major.</summary>
    public double[] Parameters { get; } = new double[count * parameters];
}
