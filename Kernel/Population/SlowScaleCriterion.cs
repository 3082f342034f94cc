using Stochastic.Network;
using Stochastic.Simulation.SlowScale;

namespace Stochastic.Population;

/// <summary>
/// How one lumped pair of a slow-scale run stood in one scenario × cell type: its time-scale
/// separation at each cell's own initial state and parameters (<see cref="ReducedModel.Separations"/>).
/// The reduction judges pairs at the model's initial state; cell types with other receptor numbers
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
    private readonly ReducedModel _reduced;
    private readonly CompiledNetwork _full;
    private readonly double _theta;
    private readonly double[] _min;
    private readonly int[] _below, _cells;
    private readonly object[] _locks;

    public SlowScaleCriterionCheck(ReducedModel reduced, CompiledNetwork full, double theta, int groups)
    {
        _reduced = reduced;
        _full = full;
        _theta = theta;
        int n = groups * reduced.Pairs.Length;
        _min = new double[n];
        Array.Fill(_min, double.PositiveInfinity);
        _below = new int[n];
        _cells = new int[groups];
        _locks = [.. Enumerable.Range(0, groups).Select(_ => new object())];
    }

    /// <summary>The check for a slow-scale run with the θ criterion, or null (another engine, or an absolute rate criterion).</summary>
    public static SlowScaleCriterionCheck? For(ReducedModel? reduced, CompiledNetwork full, SlowScaleOptions options, int groups) =>
        reduced is { Pairs.Length: > 0 } && options.MinimumRate is null ? new SlowScaleCriterionCheck(reduced, full, options.Theta, groups) : null;

    /// <summary>Checks one cell of group <paramref name="group"/> at its initial counts and parameters.</summary>
    public void Check(int group, ReadOnlySpan<double> counts, ReadOnlySpan<double> parameters)
    {
        int k = _reduced.Pairs.Length;
        Span<double> sep = stackalloc double[k];
        _reduced.Separations(_full, counts, parameters.ToArray(), sep);
        lock (_locks[group])
        {
            _cells[group]++;
            for (int i = 0; i < k; i++)
            {
                _min[group * k + i] = Math.Min(_min[group * k + i], sep[i]);
                if (sep[i] < _theta) _below[group * k + i]++;
            }
        }
    }

    /// <summary>One row per group × pair, in group order.</summary>
    public IReadOnlyList<SlowScaleCriterionRow> Rows(IReadOnlyList<PopulationGroup> groups)
    {
        var names = _reduced.Pairs.Select(p => PopulationRunner.PairName(_reduced, p)).ToArray();
        var rows = new List<SlowScaleCriterionRow>();
        for (int g = 0; g < groups.Count; g++)
            for (int i = 0; i < names.Length; i++)
                rows.Add(new SlowScaleCriterionRow(groups[g].Scenario.Name, groups[g].CellType.Name, names[i], _cells[g], _below[g * names.Length + i], _min[g * names.Length + i], _theta));
        return rows;
    }
}
