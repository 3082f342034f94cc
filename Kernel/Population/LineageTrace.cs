namespace Stochastic.Population;

/// <summary>
/// One scenario × cell type of a study with a <c>lineage</c> block: its weighted population at every
/// recorded time, after that time's deaths, divisions and thinning. Every number is a weighted sum over
/// the live simulated cells (weight 1 until the cap thins the group; docs/study-files.md, "Lineage").
/// </summary>
public sealed class LineageTrace
{
    internal LineageTrace(int startCells, double[] times, int outputs, int fates, int traits = 0)
    {
        TraitCount = traits;
        TraitCells = [.. times.Select(_ => new double[fates * traits])];
        StartCells = startCells;
        Times = times;
        Cells = new double[times.Length];
        SquaredWeights = new double[times.Length];
        Simulated = new int[times.Length];
        Divisions = new double[times.Length];
        Deaths = new double[times.Length];
        Means = [.. times.Select(_ => new double[outputs])];
        FateCells = [.. times.Select(_ => new double[fates])];
    }

    /// <summary>Cells the group started with.</summary>
    public int StartCells { get; }
    /// <summary>The recorded times.</summary>
    public double[] Times { get; }
    /// <summary>Weighted live cells at each time (Σ w).</summary>
    public double[] Cells { get; }
    /// <summary>Σ w² over the live cells at each time (for the effective sample size).</summary>
    public double[] SquaredWeights { get; }
    /// <summary>Live simulated cells at each time.</summary>
    public int[] Simulated { get; }
    /// <summary>Weighted divisions since the previous recorded time (at time 0: none).</summary>
    public double[] Divisions { get; }
    /// <summary>Weighted deaths since the previous recorded time.</summary>
    public double[] Deaths { get; }
    /// <summary>Per time, the weighted mean of each output (the model's observables) over the live cells.</summary>
    public double[][] Means { get; }
    /// <summary>Per time, the weighted cells in each fate (index into the study's fate names).</summary>
    public double[][] FateCells { get; }

    /// <summary>The study's traits (<see cref="Study.Traits"/>) counted in <see cref="TraitCells"/>.</summary>
    public int TraitCount { get; }
    /// <summary>
    /// Per time, the weighted cells of each fate with each trait, at <c>fate * TraitCount + trait</c> (indices into
    /// the study's fate names and traits); zero where the trait does not apply to the cell type.
    /// </summary>
    public double[][] TraitCells { get; }

    /// <summary>Weighted cells at the end over the cells at the start.</summary>
    public double FoldExpansion => StartCells > 0 ? Cells[^1] / StartCells : double.NaN;

    /// <summary>Kish's effective sample size at time index <paramref name="k"/>: (Σ w)² / Σ w² (the live simulated cells when the weights are equal).</summary>
    public double EffectiveCells(int k) => SquaredWeights[k] > 0 ? Cells[k] * Cells[k] / SquaredWeights[k] : 0;

    /// <summary>
    /// The weighted fraction of the live cells at time index <paramref name="k"/> in fate <paramref name="fate"/>,
    /// with a 95% Wilson interval taken at the effective sample size (<see cref="EffectiveCells"/>).
    /// </summary>
    public (double Fraction, double Low, double High) Fraction(int k, int fate)
    {
        double total = Cells[k];
        if (!(total > 0)) return (double.NaN, 0, 1);
        double p = FateCells[k][fate] / total;
        var (lo, hi) = WilsonInterval.Compute(p, EffectiveCells(k));
        return (p, lo, hi);
    }
}

/// <summary>The recorded history of one simulated cell of a lineage (a sampled root or one of its descendants).</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="CellType">Cell type name.</param>
/// <param name="Id">Lineage id: the root's cell number, then per division ".1" or ".2" (e.g. <c>3.1.2</c>).</param>
/// <param name="Parent">The parent's id (empty for a root).</param>
/// <param name="Generation">Divisions since the root.</param>
/// <param name="Birth">Time of the division that made it (the start for a root).</param>
public sealed class CellHistory(string Scenario, string CellType, string Id, string Parent, int Generation, double Birth)
{
    /// <summary>Scenario name.</summary>
    public string Scenario { get; } = Scenario;
    /// <summary>Cell type name.</summary>
    public string CellType { get; } = CellType;
    /// <summary>Lineage id (root number, then ".1"/".2" per division).</summary>
    public string Id { get; } = Id;
    /// <summary>Parent id; empty for a root.</summary>
    public string Parent { get; } = Parent;
    /// <summary>Divisions since the root.</summary>
    public int Generation { get; } = Generation;
    /// <summary>Birth time.</summary>
    public double Birth { get; } = Birth;
    /// <summary>Time of death or thinning (NaN while alive); <see cref="Thinned"/> tells which.</summary>
    public double Death { get; internal set; } = double.NaN;
    /// <summary>Whether the cell left by the cap's thinning rather than by death.</summary>
    public bool Thinned { get; internal set; }
    /// <summary>Time of the division that ended it (NaN if it did not divide).</summary>
    public double Division { get; internal set; } = double.NaN;
    /// <summary>Recorded times while alive.</summary>
    public List<double> Times { get; } = [];
    /// <summary>The outputs at each of <see cref="Times"/>.</summary>
    public List<double[]> Outputs { get; } = [];
}
