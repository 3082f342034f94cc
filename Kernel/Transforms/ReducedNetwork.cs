using System.Collections.Immutable;
using Stochastic.Expressions;
using Stochastic.Model;
using Stochastic.Network;

namespace Stochastic.Transforms;

/// <summary>
/// A fast reversible pair A ⇄ B, or A + G ⇄ B with reservoir species G, lumped into a group
/// (<see cref="FastGroup"/>). For a lone first-order pair, B ~ Binomial(T, p) given T = A + B with
/// p = kf/(kf + kr).
/// </summary>
/// <param name="A">Species A (index in the full model).</param>
/// <param name="B">Species B (index in the full model).</param>
/// <param name="Forward">Reaction A → B, or A + G → B (index in the full model).</param>
/// <param name="Reverse">Reaction B → A, or B → A + G (index in the full model).</param>
/// <param name="Total">The group total's species index in the reduced model.</param>
/// <param name="ProbabilityB">p = kf/(kf + kr) as an expression over parameters (0 when kf + kr = 0): B's share of A + B when the pair has no reservoir.</param>
/// <param name="Separation">
/// (kf·[G] + kr) / c at the reference state (∞ when nothing else consumes A or B); with a reservoir,
/// no more than its abundance there (G over what the groups binding it hold of it at equilibrium), the
/// other ratio θ bounds.
/// </param>
public sealed record FastPair(int A, int B, int Forward, int Reverse, int Total, Expr ProbabilityB, double Separation)
{
    /// <summary>The reservoir species G of A + G ⇄ B (index in the full model), or -1 for a first-order pair.</summary>
    public int Reservoir { get; init; } = -1;
}

/// <summary>
/// Species connected by fast pairs (a tree: a single pair, or a chain such as
/// CD122 ⇄ L_CD122 ⇄ L_CD122·γc). Given the total T, the members are multinomial with weights
/// W_i = K_i·Π_q g_q^(c_iq), where K_i is the product over the group's pairs of kf (member on B's
/// side) or kr (on A's side), g_q the free count of the q-th reservoir the group binds and
/// c_iq ∈ {0, 1} the molecules of it the member holds.
/// <para>
/// A reservoir may itself be a member of a group, its <em>home</em> (free CD122 is a member of
/// CD122 ⇄ L_CD122 ⇄ L_CD122·γc and the reservoir of IL-2·CD25 + CD122 ⇄ IL-2·CD25·CD122). The home
/// group then has no total of its own: it holds the reservoir's molecules that no other group binds,
/// h = G_T − bound, and its members are h·π_i, so that the reservoir's free count is g = h·π_G.
/// </para>
/// </summary>
/// <param name="Members">Member species (indices in the full model).</param>
/// <param name="Reservoirs">The reservoir species the group binds (full indices, ascending; empty without reservoir).</param>
/// <param name="Content">Per member, the molecules it holds of each reservoir in <paramref name="Reservoirs"/> (0 or 1).</param>
/// <param name="Home">The reservoir species (full index) that is a member of this group, or -1.</param>
/// <param name="Total">The total's species index in the reduced model (a home group: its reservoir's total).</param>
/// <param name="Pairs">The group's pairs (indices into <see cref="ReducedNetwork.Pairs"/>).</param>
internal sealed record FastGroup(ImmutableArray<int> Members, ImmutableArray<int> Reservoirs, ImmutableArray<ImmutableArray<int>> Content, int Home, int Total, ImmutableArray<int> Pairs);

/// <summary>
/// The result of <see cref="SlowScaleReduction.Reduce"/>: the network over the slow variables,
/// compiled once, the full network it came from, and the maps between their states. Immutable and
/// shared read-only by every simulator and thread that runs it; simulators read only the compiled forms.
/// </summary>
public sealed class ReducedNetwork
{
    internal ReducedNetwork(ReactionModel fullModel, CompiledNetwork full, ReactionModel model, ImmutableArray<FastPair> pairs, ImmutableArray<FastGroup> groups,
        int[] speciesMap, int[] reservoirFree, int[] slowReactions, ImmutableArray<string> notes, SlowScaleOptions options)
    {
        SlowReactions = slowReactions;
        FullModel = fullModel;
        Full = full;
        Model = model;
        // Compiled on first use, once, then shared: a population reduces every scenario × cell type
        // and keeps only the reductions whose pairs differ, so the others are never compiled.
        _network = new(() => NetworkCompiler.Compile(model));
        // The pairs' rate constants (statistical factors included) as the equilibrium reads them.
        _rates = new(() => ([.. pairs.Select(p => Scaled(p.Forward))], [.. pairs.Select(p => Scaled(p.Reverse))]));
        CompiledExpression Scaled(int reaction)
        {
            var f = ExpressionCompiler.Compile(full.RateExpressions[reaction]);
            double factor = full.StatisticalFactors[reaction];
            return (x, p, t) => factor * f(x, p, t);
        }
        Pairs = pairs;
        Groups = groups;
        SpeciesMap = speciesMap;
        ReservoirFree = reservoirFree;
        Notes = notes;
        Options = options;
        _fastReactions = [.. pairs.SelectMany(q => new[] { q.Forward, q.Reverse })];
        _layout = new(() => GroupLayout.Of(fullModel.Species.Length, [.. pairs.Select(p => (p.A, p.B, p.Reservoir))]));
    }

    // The lumped reactions (both directions of every pair): everything else drains a pair.
    private readonly HashSet<int> _fastReactions;

    /// <summary>The model that was reduced (the criterion's notes and tests read it; simulators do not).</summary>
    internal ReactionModel FullModel { get; }
    /// <summary>The full network, compiled: the propensities of the slow reactions are its propensities at the expected full state.</summary>
    public CompiledNetwork Full { get; }
    /// <summary>The reduced network (<see cref="Model"/> compiled once, on first use).</summary>
    public CompiledNetwork Network => _network.Value;
    private readonly Lazy<CompiledNetwork> _network;
    /// <summary>Per pair, kf and kr as functions of (species, parameters, time), statistical factors included.</summary>
    internal CompiledExpression[] ForwardRates => _rates.Value.Forward;
    internal CompiledExpression[] ReverseRates => _rates.Value.Reverse;
    private readonly Lazy<(CompiledExpression[] Forward, CompiledExpression[] Reverse)> _rates;
    /// <summary>
    /// The reduced model: same parameters (same order), each group replaced by its total, each
    /// reservoir G by its total G_T = free + bound in groups (named <c>G_total</c>), and one
    /// auxiliary species <c>G_free</c> per reservoir (no reaction changes it) holding the free count
    /// the rates read; fast reactions removed. Without reservoirs any exact algorithm runs it
    /// exactly; with reservoirs the slow-scale simulator keeps <c>G_free</c> at the fixed
    /// point g = G_T − Σ bound(g).
    /// </summary>
    internal ReactionModel Model { get; }
    /// <summary>The fast pairs lumped (empty: the reduced model is the full one, re-indexed).</summary>
    public ImmutableArray<FastPair> Pairs { get; }
    /// <summary>The groups the pairs form.</summary>
    internal ImmutableArray<FastGroup> Groups { get; }
    /// <summary>Reduced species index of each full species (group members map to their total, a reservoir to its total).</summary>
    public IReadOnlyList<int> SpeciesMap { get; }
    /// <summary>Why candidate pairs were refused (one line each).</summary>
    public ImmutableArray<string> Notes { get; }
    /// <summary>True when some group has a reservoir (then the reduced network needs the slow-scale simulator, which keeps the free counts at their fixed point).</summary>
    public bool HasReservoirs => ReservoirFree.Any(i => i >= 0);

    /// <summary>Per full species: the reduced index of its auxiliary free count when it is a reservoir, else -1.</summary>
    internal int[] ReservoirFree { get; }
    internal SlowScaleOptions Options { get; }
    /// <summary>Full-model index of each reduced reaction.</summary>
    internal int[] SlowReactions { get; }

    /// <summary>Maps full-model counts to reduced counts (totals; a reservoir's total counts the molecules bound in its groups).</summary>
    public void ReduceCounts(ReadOnlySpan<double> full, Span<double> reduced)
    {
        reduced.Clear();
        for (int s = 0; s < full.Length; s++) reduced[SpeciesMap[s]] += full[s];
        foreach (var g in Groups)
            for (int q = 0; q < g.Reservoirs.Length; q++)
                for (int i = 0; i < g.Members.Length; i++) reduced[SpeciesMap[g.Reservoirs[q]]] += g.Content[i][q] * full[g.Members[i]];
        for (int s = 0; s < full.Length; s++) if (ReservoirFree[s] >= 0) reduced[ReservoirFree[s]] = full[s];
    }

    /// <summary>
    /// The time-scale separation of every lumped pair at one cell's own state, by the criterion of
    /// <see cref="SlowScaleOptions.Theta"/>: (kf·[G] + kr) over the largest per-molecule propensity of
    /// a slow reaction consuming A or B, from the full network's propensities at
    /// <paramref name="fullCounts"/> and <paramref name="parameters"/> (A and B counted as at least one
    /// molecule); for a pair with reservoir G, no more than ḡ, G's free count at equilibrium with the groups
    /// binding it (the mean-field error of its binding is at most 1/ḡ), which θ bounds too. The reduction itself judged each pair at one reference state; cells whose
    /// parameters or counts differ (a population's cell types) can fall below θ, which this shows.
    /// </summary>
    /// <param name="fullCounts">The cell's counts in the full model's layout.</param>
    /// <param name="parameters">The cell's parameter values.</param>
    /// <param name="separations">Receives one value per pair, in <see cref="Pairs"/> order (+∞ when nothing drains the pair).</param>
    public void Separations(ReadOnlySpan<double> fullCounts, double[] parameters, Span<double> separations)
    {
        var full = Full;
        var x = fullCounts.ToArray();
        // Each pair's rate constants (the propensity with one molecule of each reactant), and each reservoir's abundance, once.
        var one = new double[full.SpeciesCount];
        double RateConstant(int reaction)
        {
            for (int i = full.ReactantOffsets[reaction]; i < full.ReactantOffsets[reaction + 1]; i++) one[full.ReactantSpecies[i]] = 1;
            double value = full.Propensity(reaction, one, parameters, 0);
            for (int i = full.ReactantOffsets[reaction]; i < full.ReactantOffsets[reaction + 1]; i++) one[full.ReactantSpecies[i]] = 0;
            return value;
        }
        var rates = Pairs.Select(p => (RateConstant(p.Forward), RateConstant(p.Reverse), p.Reservoir)).ToArray();
        // Each reservoir's free count at equilibrium with the groups binding it (x is still the cell's counts here).
        var depleted = SlowScaleReduction.Depleted(Layout, e => rates[e], x, FullModel, _fastReactions);
        for (int k = 0; k < Pairs.Length; k++)
        {
            var pair = Pairs[k];
            fullCounts.CopyTo(x);
            x[pair.A] = Math.Max(x[pair.A], 1);
            x[pair.B] = Math.Max(x[pair.B], 1);
            double rate = full.Propensity(pair.Forward, x, parameters, 0) / x[pair.A] + full.Propensity(pair.Reverse, x, parameters, 0) / x[pair.B];
            double drain = 0;
            for (int r = 0; r < full.ReactionCount; r++)
            {
                if (_fastReactions.Contains(r)) continue;
                for (int i = full.ReactantOffsets[r]; i < full.ReactantOffsets[r + 1]; i++)
                {
                    int sp = full.ReactantSpecies[i];
                    if (sp == pair.A || sp == pair.B) drain = Math.Max(drain, full.Propensity(r, x, parameters, 0) / x[sp]);
                }
            }
            separations[k] = Math.Min(drain > 0 ? rate / drain : double.PositiveInfinity, pair.Reservoir >= 0 ? depleted[pair.Reservoir] : double.PositiveInfinity);
        }
    }

    /// <summary>The groups of <see cref="Pairs"/> with each member's side of each pair (made once, on first use).</summary>
    internal GroupLayout Layout => _layout.Value;

    private readonly Lazy<GroupLayout> _layout;

    /// <summary>
    /// The full-model state expected given a reduced state: members get T·π_i (the conditional mean
    /// under the fast equilibrium; not whole numbers), a reservoir its free count g (solved anew from
    /// the totals), every other species is copied.
    /// </summary>
    public void ExpectedFullState(double[] reduced, double[] parameters, double[] full)
    {
        var eq = new FastEquilibrium(this);
        eq.Load(parameters);
        eq.ExpectedFullState(reduced, full);
    }
    /// <summary>How a slow-scale run is described in reports: the lumped pairs, or that there were none.</summary>
    public string Description => (Pairs.Length == 0
        ? "slow-scale SSA: no fast pair met the criterion, so exact SSA"
        : "slow-scale SSA, fast pairs lumped: " + string.Join(", ", Pairs.Select(p =>
            FormattableString.Invariant($"{PairName(p)} (separation {p.Separation:G3})"))))
        + LeapWords;

    /// <summary>How a leaping slow-scale run says so in reports ("" without leaping).</summary>
    internal string LeapWords => Options.LeapEpsilon is { } epsilon
        ? FormattableString.Invariant($"; slow reactions among abundant species leaped (hybrid SSA / tau-leaping, ε = {epsilon})") : "";

    /// <summary>Pair <paramref name="p"/> in words, e.g. "L_CD122 + gc &lt;-&gt; L_CD122_gc".</summary>
    public string PairName(FastPair p) =>
        $"{Full.SpeciesNames[p.A]}{(p.Reservoir >= 0 ? " + " + Full.SpeciesNames[p.Reservoir] : "")} <-> {Full.SpeciesNames[p.B]}";
}
