namespace Stochastic.Transforms;

/// <summary>Options of <see cref="SlowScaleReduction.Reduce"/>.</summary>
public sealed record SlowScaleOptions
{
    /// <summary>
    /// Default separation θ = 10: one order of magnitude. On the IL-2 model at its default cell it lumps
    /// CD122 capture, CD122 joining IL2v·PD-1 (CD122 a reservoir with a home group) and the three γc
    /// steps; at a median NK cell under IL-2 also CD25 capture and CD122 joining IL-2·CD25. At θ = 2,
    /// the population setting of docs/il2-results.md, the error measured against exact SSA is within a
    /// few percent ("Slow-scale error"); θ = 10 also reproduces the exact low-dose Treg curve.
    /// </summary>
    public const double DefaultTheta = 10;

    /// <summary>
    /// Required time-scale separation θ. A reversible pair A ⇄ B (rates kf, kr), or A + G ⇄ B with an
    /// abundant reservoir species G, is fast when kf·[G] + kr ≥ θ × c, where [G] = 1 for a
    /// first-order pair and c is the largest per-molecule propensity of any other (slow) reaction
    /// consuming A or B, all evaluated at the reference state (default the model's initial counts and
    /// parameter values; a population's group: its median cell). Chained pairs must moreover relax
    /// together: across every pair of a group, the group's two sides exchange molecules at ≥ θ × the
    /// group's largest per-molecule drain (docs/algorithms.md, "Slow-scale SSA"). A
    /// reservoir must moreover hold at least θ times what the groups binding it hold of it at
    /// equilibrium at the reference state (their totals counting the pools a slow first-order step
    /// feeds into them). The relative error of the equilibrium assumption for the fluxes leaving a
    /// group is of order 1/θ.
    /// </summary>
    public double Theta { get; init; } = DefaultTheta;

    /// <summary>
    /// Required separation of a group's slowest cut (criterion 3 of docs/algorithms.md, "Slow-scale SSA"):
    /// across every pair of a group of chained pairs the group must relax at ≥ max(<see cref="Theta"/>,
    /// GroupTheta) × its largest drain. Default 10, one order of magnitude whatever θ: the slow mode of a
    /// chain is what carries a signal through it (IL-2 through CD25, CD122 and γc), and on the IL-2 model
    /// a cut of 5.7 (stem-like cells under IL-2, CD122 joining IL-2·CD25) put pSTAT5 at 2 h 15% above
    /// exact SSA. Must be positive.
    /// </summary>
    public double GroupTheta { get; init; } = 10;

    /// <summary>Alternative absolute criterion: when set, a pair is fast when kf·[G] + kr ≥ this rate (per unit model time), whatever the other reactions.</summary>
    public double? MinimumRate { get; init; }

    /// <summary>
    /// Relative drift of a reservoir's free count tolerated before the group equilibria that depend on
    /// it are recomputed (by the slow-scale simulator); default 10⁻². A member binding one
    /// reservoir molecule then has a relative error in its equilibrium fraction π of at most (1 − π)·δ:
    /// 1% by default, at or below the reduction's own error against exact SSA on the IL-2 model
    /// (docs/il2-results.md, "Slow-scale error"). 0 recomputes after every change; must be in [0, 1).
    /// CLI <c>--reservoir-tolerance</c>.
    /// </summary>
    public double ReservoirTolerance { get; init; } = 1e-2;

    /// <summary>
    /// When set, hybrid SSA / tau-leaping in the slow-scale simulator with this ε (Cao, Gillespie
    /// &amp; Petzold 2006; 0.03 is their default): slow reactions among abundant species, such as the
    /// synthesis and degradation of thousands of free receptors, are leaped over intervals in which
    /// no propensity they touch changes by more than about ε, and the rest stay exact SSA
    /// (docs/algorithms.md, "Hybrid leaping"). Null (default): every slow reaction is simulated one
    /// firing at a time. Must be in (0, 1).
    /// </summary>
    public double? LeapEpsilon { get; init; }
}

/// <summary>
/// The state at which <see cref="SlowScaleReduction.Reduce"/> judges the fast pairs: species counts and
/// parameter values, in the model's order.
/// </summary>
/// <param name="Counts">Species counts.</param>
/// <param name="Parameters">Parameter values.</param>
public sealed record SlowScaleReference(IReadOnlyList<double> Counts, IReadOnlyList<double> Parameters)
{
    /// <summary>
    /// Further parameter values (each in the model's order) at which every criterion must hold as well,
    /// with the same counts: the concentrations a dosed scenario passes through, so that a pair is lumped
    /// only where it is fast at each of them. Empty (default): <see cref="Parameters"/> alone.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<double>> AlsoAt { get; init; } = [];
}
