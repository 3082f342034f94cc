using Stochastic.Simulation;

namespace Stochastic.Population;

/// <summary>What a per-cell column holds: a number, a fate (written as its name) or a flag (a trait, written as a boolean).</summary>
public enum CellColumnKind
{
    /// <summary>A number (a per-cell variable, a sampled parameter, a read-out).</summary>
    Number,
    /// <summary>The index of the cell's fate in <see cref="CellLayout.FateNames"/>; written as the fate's name.</summary>
    Fate,
    /// <summary>0 or 1 (a trait); written as a boolean.</summary>
    Flag,
}

/// <summary>One per-cell column of a <see cref="CellLayout"/>.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Kind">What it holds.</param>
public sealed record CellColumn(string Name, CellColumnKind Kind);

/// <summary>
/// The row of numbers kept per finished cell of a population or dose-response run, after its scenario, cell type
/// and index: what a shard, a checkpoint and <c>cells.parquet</c> hold (docs/outputs.md), and all that is needed
/// to rebuild the run's result without simulating the cell again.
/// </summary>
/// <param name="Columns">The columns, in row order.</param>
/// <param name="FateNames">Names of the fate indices of a <see cref="CellColumnKind.Fate"/> column.</param>
public sealed record CellLayout(IReadOnlyList<CellColumn> Columns, IReadOnlyList<string> FateNames)
{
    /// <summary>Numbers per row.</summary>
    public int Width => Columns.Count;
}

/// <summary>Finished cells as rows of a <see cref="CellLayout"/>: per cell its scenario, cell type, index and row; and the work they took.</summary>
public sealed class CellRows(CellLayout layout)
{
    private readonly List<string> _scenarios = [], _cellTypes = [];
    private readonly List<int> _cells = [];
    private readonly List<double> _values = [];

    /// <summary>The layout of the rows.</summary>
    public CellLayout Layout { get; } = layout;
    /// <summary>Rows held.</summary>
    public int Count => _cells.Count;
    /// <summary>Reaction firings (and leaps) of these cells' simulation.</summary>
    public SimulationCounters Work { get; set; }

    /// <summary>Scenario of row <paramref name="row"/>.</summary>
    public string Scenario(int row) => _scenarios[row];
    /// <summary>Cell type of row <paramref name="row"/>.</summary>
    public string CellType(int row) => _cellTypes[row];
    /// <summary>Cell index (within its scenario × cell type) of row <paramref name="row"/>.</summary>
    public int Cell(int row) => _cells[row];
    /// <summary>The numbers of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<double> Row(int row) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_values).Slice(row * Layout.Width, Layout.Width);
    /// <summary>Number <paramref name="column"/> of row <paramref name="row"/>.</summary>
    public double Value(int row, int column) => _values[row * Layout.Width + column];

    /// <summary>Adds a row.</summary>
    public void Add(string scenario, string cellType, int cell, ReadOnlySpan<double> row)
    {
        if (row.Length != Layout.Width) throw new ArgumentException($"a row of {row.Length} numbers, the layout has {Layout.Width}", nameof(row));
        _scenarios.Add(scenario);
        _cellTypes.Add(cellType);
        _cells.Add(cell);
        foreach (double x in row) _values.Add(x);
    }

    /// <summary>The rows in a fixed order (scenario, cell type, cell; ordinal), whatever order they finished in; same work.</summary>
    public CellRows Sorted()
    {
        var order = Enumerable.Range(0, Count)
            .OrderBy(r => _scenarios[r], StringComparer.Ordinal).ThenBy(r => _cellTypes[r], StringComparer.Ordinal).ThenBy(r => _cells[r]);
        var sorted = new CellRows(Layout) { Work = Work };
        foreach (int r in order) sorted.Add(_scenarios[r], _cellTypes[r], _cells[r], Row(r));
        return sorted;
    }

    /// <summary>Adds every row of <paramref name="other"/> (same layout) and its work.</summary>
    public void AddRange(CellRows other)
    {
        for (int r = 0; r < other.Count; r++) Add(other._scenarios[r], other._cellTypes[r], other._cells[r], other.Row(r));
        Work += other.Work;
    }
}

/// <summary>
/// What a population or dose-response run computes beyond its defaults: a shard's contiguous range of cells, the
/// cells already finished (from a checkpoint or from shards: they are not simulated again), and a sink for every
/// block of cells that finishes (a checkpoint, a shard file). Results do not depend on the plan: every cell's
/// streams depend only on (seed, scenario, cell type, cell).
/// </summary>
public sealed class CellRunPlan
{
    /// <summary>
    /// Cells to compute, as a range of the run's cell order (scenario-major, then cell type, then cell: cell c of
    /// group g is number g × cells + c); null: all.
    /// </summary>
    public (long First, long End)? Range { get; init; }

    /// <summary>The finished cells to take as they are, in the run's layout (called once, before the run).</summary>
    public Func<CellLayout, IEnumerable<CellRows>>? Restore { get; init; }

    /// <summary>Called with the rows of every block of cells that finishes (concurrently from worker threads).</summary>
    public Action<CellRows>? Finished { get; init; }

    /// <summary>
    /// A study with a shared ligand pool or a lineage (whose cells are coupled): where its finished wells and the well
    /// in progress are saved, and restored from when the store holds them.
    /// </summary>
    public IWellStateStore? Wells { get; init; }

    /// <summary>After a coupled run continued from <see cref="Wells"/>: where it continued (scenario and time), or null.</summary>
    public string? ContinuedFrom { get; internal set; }

    /// <summary>After the run: how many cells were restored (taken as they were, not simulated).</summary>
    public long RestoredCells { get; internal set; }

    /// <summary>The cell range of shard <paramref name="index"/> (1-based) of <paramref name="count"/> over <paramref name="total"/> cells.</summary>
    public static (long First, long End) ShardRange(long total, int index, int count)
    {
        if (count < 1 || index < 1 || index > count) throw new ArgumentOutOfRangeException(nameof(index), $"shard {index}/{count}: need 1 ≤ i ≤ n");
        return (total * (index - 1) / count, total * index / count);
    }
}
