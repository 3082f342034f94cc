namespace Stochastic.Simulation.Batch;

/// <summary>Settings of a batch tau-leaping run.</summary>
/// <param name="Cells">Number of cells (independent trajectories).</param>
/// <param name="Seed">Master seed; cell c draws from Philox4x32-10 stream (Seed, c) unless <see cref="Streams"/> says otherwise.</param>
/// <param name="Grid">Output times.</param>
/// <param name="Epsilon">Error-control parameter ε of Cao, Gillespie &amp; Petzold (2006).</param>
/// <param name="Threads">Worker threads; 0 means one per core.</param>
/// <param name="Width">Lane width; <see cref="SimdWidth.Auto"/> picks the widest the hardware accelerates.</param>
/// <param name="BatchSize">Cells per work item handed to a thread (rounded up to a lane multiple internally); results do not depend on it.</param>
/// <param name="IntegrateOutputs">Also compute each cell's time integral of every output over the grid (outputs must be weighted sums of species).</param>
public sealed record BatchOptions(int Cells, ulong Seed, TimeGrid Grid, double Epsilon = 0.03, int Threads = 0,
    SimdWidth Width = SimdWidth.Auto, int BatchSize = 256, bool IntegrateOutputs = false)
{
    /// <summary>Random stream index of each cell (length <see cref="Cells"/>); null means cell c uses stream c.</summary>
    public long[]? Streams { get; init; }

    /// <summary>
    /// Per-cell parameter values, cell-major: cell c's values at [c·P, (c+1)·P) with P the network's
    /// parameter count, in model order; null means every cell uses <see cref="Network.CompiledNetwork.Parameters"/>.
    /// They reach functional and expression rates and expression outputs; mass-action rate constants
    /// are precomputed (set them per cell through <see cref="CellSetup"/>).
    /// </summary>
    public double[]? Parameters { get; init; }
}

/// <summary>
/// Sets one cell's initial counts and mass-action rate constants before a batch run. The spans
/// arrive filled with the network's values (<see cref="Network.CompiledNetwork.InitialCounts"/>,
/// <see cref="Network.CompiledNetwork.RateConstants"/>, statistical factors included); change what
/// differs. Called once per cell, in cell order, on the calling thread.
/// </summary>
public delegate void CellSetup(int cell, Span<double> initialCounts, Span<double> rateConstants);
