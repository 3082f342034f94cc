using Stochastic.Network;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;

namespace Stochastic.Population;

/// <summary>
/// How one lumped pair of a slow-scale run stood in one scenario × cell type: its time-scale
/// separation at each cell's own initial state and parameters (<see cref="ReducedNetwork.Separations"/>).
/// The reduction judges pairs at the group's median cell; cells with other receptor numbers
/// can fall below θ, where the equilibrium assumption's error (of order 1/separation) grows.
/// </summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="CellType">Cell type name.</param>
/// <param name="Pair">The pair, as in the run's description (e.g. "CD25 &lt;-&gt; L_CD25").</param>
/// <param name="Cells">Cells checked.</param>
/// <param name="BelowTheta">Cells whose separation was below θ.</param>
/// <param name="MinimumSeparation">The smallest separation among them.</param>
/// <param name="Theta">The run's θ.</param>
public sealed record SlowScaleCriterionRow(string Scenario, string CellType, string Pair, int Cells, int BelowTheta, double MinimumSeparation, double Theta)
{
    /// <summary>
    /// Per pair and cell type (over scenarios), the share of cells below θ, for the pairs and types
    /// that have any, in words: e.g. "CD25 &lt;-&gt; L_CD25: NK 100% (min 0.21), terminal 40% (min 1.2)".
    /// Empty when every cell met θ.
    /// </summary>
    public static IReadOnlyList<string> Summary(IReadOnlyList<SlowScaleCriterionRow> rows)
    {
        var lines = new List<string>();
        foreach (var pair in rows.GroupBy(r => r.Pair))
        {
            var parts = new List<string>();
            foreach (var type in pair.GroupBy(r => r.CellType))
            {
                int below = type.Sum(r => r.BelowTheta), cells = type.Sum(r => r.Cells);
                if (below > 0) parts.Add(FormattableString.Invariant($"{type.Key} {100.0 * below / cells:F0}% (min {type.Min(r => r.MinimumSeparation):G2})"));
            }
            if (parts.Count > 0) lines.Add(pair.Key + ": " + string.Join(", ", parts));
        }
        return lines;
    }
}

/// <summary>Collects <see cref="SlowScaleCriterionRow"/>s while a population runs (thread-safe; the result does not depend on the order cells are checked in).</summary>
internal sealed class SlowScaleCriterionCheck
{
    private readonly IReadOnlyList<ReducedNetwork?> _reduced;
    private readonly double _theta;
    // Per group, per pair of its reduction.
    private readonly double[][] _min;
    private readonly int[][] _below;
    private readonly int[] _cells;
    private readonly object[] _locks;

    private SlowScaleCriterionCheck(IReadOnlyList<ReducedNetwork?> reduced, double theta)
    {
        _reduced = reduced;
        _theta = theta;
        _min = [.. reduced.Select(r => Enumerable.Repeat(double.PositiveInfinity, r?.Pairs.Length ?? 0).ToArray())];
        _below = [.. reduced.Select(r => new int[r?.Pairs.Length ?? 0])];
        _cells = new int[reduced.Count];
        _locks = [.. Enumerable.Range(0, reduced.Count).Select(_ => new object())];
    }

    /// <summary>
    /// The check for a slow-scale run with the θ criterion, given each group's reduction, or null
    /// (another engine, or an absolute rate criterion, or no pair lumped anywhere).
    /// </summary>
    public static SlowScaleCriterionCheck? For(IReadOnlyList<ReducedNetwork?> reduced, SlowScaleOptions options) =>
        reduced.Any(r => r is { Pairs.Length: > 0 }) && options.MinimumRate is null ? new SlowScaleCriterionCheck(reduced, options.Theta) : null;

    /// <summary>Checks one cell of group <paramref name="group"/> at its initial counts and parameters.</summary>
    public void Check(int group, ReadOnlySpan<double> counts, ReadOnlySpan<double> parameters)
    {
        if (_reduced[group] is not { } reduced) return;
        int k = reduced.Pairs.Length;
        Span<double> sep = stackalloc double[k];
        reduced.Separations(counts, parameters.ToArray(), sep);
        lock (_locks[group])
        {
            _cells[group]++;
            for (int i = 0; i < k; i++)
            {
                _min[group][i] = Math.Min(_min[group][i], sep[i]);
                if (sep[i] < _theta) _below[group][i]++;
            }
        }
    }

    /// <summary>One row per group × pair lumped in it, in group order.</summary>
    public IReadOnlyList<SlowScaleCriterionRow> Rows(IReadOnlyList<PopulationGroup> groups)
    {
        var rows = new List<SlowScaleCriterionRow>();
        for (int g = 0; g < groups.Count; g++)
        {
            if (_reduced[g] is not { } reduced) continue;
            for (int i = 0; i < reduced.Pairs.Length; i++)
                rows.Add(new SlowScaleCriterionRow(groups[g].Scenario.Name, groups[g].CellType.Name, reduced.PairName(reduced.Pairs[i]),
                    _cells[g], _below[g][i], _min[g][i], _theta));
        }
        return rows;
    }
}
