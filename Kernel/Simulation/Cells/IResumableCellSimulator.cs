using Stochastic.Random;

namespace Stochastic.Simulation.Cells;

/// <summary>
/// A cell engine that can pause a cell and resume it later with changed parameters, which the
/// shared ligand pool needs (every coupling interval the well's ligand
/// concentration is updated). A paused cell is small (<see cref="PausedCell"/>: its counts and its
/// random stream's position), so a well of many cells does not hold a simulator per cell. The
/// exact engines resume by a restart, which the memorylessness of the exponential makes exact.
/// Contract, as for <see cref="ICellSimulator"/>: a cell's trajectory depends only on its stream
/// (seed, stream index), its inputs and the sequence of <see cref="Advance"/> calls made on it,
/// never on which instance runs it or which cells it ran before. One instance per thread.
/// </summary>
public interface IResumableCellSimulator : ICellSimulator
{
    /// <summary>A cell at <paramref name="startTime"/> with full-model <paramref name="initialCounts"/> and random stream (<paramref name="seed"/>, <paramref name="streamIndex"/>).</summary>
    PausedCell Start(ReadOnlySpan<double> initialCounts, ulong seed, ulong streamIndex, double startTime);

    /// <summary>
    /// Runs <paramref name="cell"/> from its time with <paramref name="parameters"/> (all model
    /// parameters, model order) through the increasing times <paramref name="stops"/>, writes output
    /// <c>j</c> at stop <c>k</c> to <c>outputs[k * OutputNames.Count + j]</c>, and pauses the cell at
    /// the last stop.
    /// </summary>
    void Advance(PausedCell cell, ReadOnlySpan<double> parameters, ReadOnlySpan<double> stops, Span<double> outputs,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Advances several paused cells through the same increasing <paramref name="stops"/>: cell c with parameters
    /// [c·P .. (c+1)·P) of <paramref name="parameters"/> (P = its length ÷ the cells), its output j at stop k written to
    /// [(c·stops + k)·outputs + j] of <paramref name="outputs"/>. Each cell's result is the one <see cref="Advance"/>
    /// gives it alone; an engine with vector lanes advances the cells together, the others one after the other.
    /// </summary>
    void AdvanceMany(IReadOnlyList<PausedCell> cells, ReadOnlySpan<double> parameters, ReadOnlySpan<double> stops, Span<double> outputs,
        CancellationToken cancellationToken = default)
    {
        int p = CellRows(cells, parameters, stops, outputs, OutputNames.Count), o = stops.Length * OutputNames.Count;
        for (int c = 0; c < cells.Count; c++)
            Advance(cells[c], parameters.Slice(c * p, p), stops, outputs.Slice(c * o, o), cancellationToken);
    }

    /// <summary>Parameters per cell of a many-cell <see cref="AdvanceMany"/>, the spans' lengths checked.</summary>
    protected static int CellRows(IReadOnlyList<PausedCell> cells, ReadOnlySpan<double> parameters, ReadOnlySpan<double> stops, Span<double> outputs, int outputCount)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Count == 0) return 0;
        if (parameters.Length % cells.Count != 0) throw new ArgumentException($"{parameters.Length} parameters are not a row per cell for {cells.Count} cells", nameof(parameters));
        if (outputs.Length < cells.Count * stops.Length * outputCount) throw new ArgumentException("the outputs hold fewer than a row per cell and stop", nameof(outputs));
        return parameters.Length / cells.Count;
    }

    /// <summary>
    /// Writes full-model counts for <paramref name="cell"/>'s state into <paramref name="full"/>: its counts
    /// for an engine that keeps the full state; for one that lumps species, a draw of the lumped members
    /// from their conditional law given the paused state, with <paramref name="random"/>. A cell division
    /// partitions these counts and starts each daughter from its share (<see cref="Start"/>).
    /// </summary>
    void FullCounts(PausedCell cell, ReadOnlySpan<double> parameters, Span<double> full, ref Xoshiro256StarStar random);

    /// <summary>Writes the outputs of <paramref name="cell"/>'s state at its time, as <see cref="Advance"/> would record them there (for an engine that lumps species, their mean given the paused state, where <see cref="Advance"/> records a draw); the cell is not changed.</summary>
    void Outputs(PausedCell cell, ReadOnlySpan<double> parameters, Span<double> outputs);
}

/// <summary>
/// One paused cell of an <see cref="IResumableCellSimulator"/>: its species counts (in the engine's
/// own layout), where its random stream stands, and its time.
/// </summary>
public sealed class PausedCell
{
    /// <summary>A paused cell with <paramref name="counts"/> (in the engine's layout), stream <paramref name="random"/> and time <paramref name="time"/>.</summary>
    internal PausedCell(double[] counts, Xoshiro256StarStar random, double time)
    {
        Counts = counts;
        Random = random;
        Time = time;
    }

    internal double[] Counts { get; }
    internal Xoshiro256StarStar Random;
    // The stream of the draws a lumping engine records outputs on (the lumped members given the counts), apart from Random.
    internal Xoshiro256StarStar Draws;
    // An engine whose cells draw from a counter-based stream (the multi-scale lanes' Philox4x32-10): its
    // key (seed, stream index) and the uniforms drawn from it so far; unused (0) by the others.
    internal ulong Seed, StreamIndex;
    internal long Drawn;

    /// <summary>The time the cell is paused at.</summary>
    public double Time { get; internal set; }

    /// <summary>Writes the cell's whole state (a checkpoint): counts, its random streams, time.</summary>
    internal void Write(BinaryWriter w)
    {
        Population.WellState.WriteDoubles(w, Counts);
        Random.Write(w);
        Draws.Write(w);
        w.Write(Time);
        w.Write(Seed);
        w.Write(StreamIndex);
        w.Write(Drawn);
    }

    /// <summary>A cell written by <see cref="Write"/>.</summary>
    internal static PausedCell Read(BinaryReader r) =>
        new(Population.WellState.ReadDoubles(r), Xoshiro256StarStar.Read(r), default)
        {
            Draws = Xoshiro256StarStar.Read(r), Time = r.ReadDouble(), Seed = r.ReadUInt64(), StreamIndex = r.ReadUInt64(), Drawn = r.ReadInt64(),
        };
}
