using System.Collections.Immutable;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Population;

/// <summary>
/// Proliferation and death of simulated cells (the <c>lineage</c> block of a study file,
/// docs/study-files.md, "Lineage: division and death"). The model holds the biology as species (a
/// cell-cycle progress species, a death hazard); the block says when a cell divides or dies and how
/// its molecules are partitioned between the daughters. Conditions read the cell's outputs at a check
/// time (symbols 0..outputs−1) and its model parameters (symbols outputs..outputs+parameters−1).
/// </summary>
/// <param name="Divide">Condition for a division, checked at every check time.</param>
/// <param name="DivideText">Its text, for reports.</param>
/// <param name="Position">Where the block starts.</param>
public sealed record Lineage(Expr Divide, string DivideText, SourcePosition Position)
{
    /// <summary>Condition for a death, checked before <see cref="Divide"/>; null: cells never die.</summary>
    public Expr? Die { get; init; }
    /// <summary>Text of <see cref="Die"/>.</summary>
    public string? DieText { get; init; }
    /// <summary>Species (model indices) set to 0 in both daughters.</summary>
    public ImmutableArray<int> Reset { get; init; } = [];
    /// <summary>Species (model indices) the cell doubles over its cycle: daughter 1 gets Binomial(2n, 1/2), daughter 2 the rest.</summary>
    public ImmutableArray<int> Replicate { get; init; } = [];
    /// <summary>Most simulated cells per scenario × cell type (0: no cap); above it cells are thinned and the survivors' weights scaled.</summary>
    public int Cap { get; init; }
    /// <summary>Time between checks without a ligand pool (model time units; NaN: the study's <c>output_every</c>). With a pool the checks follow the coupling times.</summary>
    public double Every { get; init; } = double.NaN;
}
