using System.Collections.Immutable;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Simulation.SlowScale;

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
    /// it are recomputed (<see cref="SlowScaleSimulator"/>); default 10⁻². A member binding one
    /// reservoir molecule then has a relative error in its equilibrium fraction π of at most (1 − π)·δ:
    /// 1% by default, at or below the reduction's own error against exact SSA on the IL-2 model
    /// (docs/il2-results.md, "Slow-scale error"). 0 recomputes after every change; must be in [0, 1).
    /// CLI <c>--reservoir-tolerance</c>.
    /// </summary>
    public double ReservoirTolerance { get; init; } = 1e-2;

    /// <summary>
    /// When set, hybrid SSA / tau-leaping in <see cref="SlowScaleSimulator"/> with this ε (Cao, Gillespie
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
public sealed record SlowScaleReference(IReadOnlyList<double> Counts, IReadOnlyList<double> Parameters);

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
/// <param name="Pairs">The group's pairs (indices into <see cref="ReducedModel.Pairs"/>).</param>
public sealed record FastGroup(ImmutableArray<int> Members, ImmutableArray<int> Reservoirs, ImmutableArray<ImmutableArray<int>> Content, int Home, int Total, ImmutableArray<int> Pairs);

/// <summary>
/// The result of <see cref="SlowScaleReduction.Reduce"/>: a model over the slow variables and the maps
/// between its state and the full model's.
/// </summary>
public sealed class ReducedModel
{
    internal ReducedModel(ReactionModel full, ReactionModel model, ImmutableArray<FastPair> pairs, ImmutableArray<FastGroup> groups,
        int[] speciesMap, int[] reservoirFree, int[] slowReactions, ImmutableArray<string> notes, SlowScaleOptions options)
    {
        SlowReactions = slowReactions;
        Full = full;
        Model = model;
        Pairs = pairs;
        Groups = groups;
        SpeciesMap = speciesMap;
        ReservoirFree = reservoirFree;
        Notes = notes;
        Options = options;
        _fastReactions = [.. pairs.SelectMany(q => new[] { q.Forward, q.Reverse })];
        _layout = new(() => GroupLayout.Of(full.Species.Length, [.. pairs.Select(p => (p.A, p.B, p.Reservoir))]));
    }

    // The lumped reactions (both directions of every pair): everything else drains a pair.
    private readonly HashSet<int> _fastReactions;

    /// <summary>The model that was reduced.</summary>
    public ReactionModel Full { get; }
    /// <summary>
    /// The reduced model: same parameters (same order), each group replaced by its total, each
    /// reservoir G by its total G_T = free + bound in groups (named <c>G_total</c>), and one
    /// auxiliary species <c>G_free</c> per reservoir (no reaction changes it) holding the free count
    /// the rates read; fast reactions removed. Without reservoirs any exact algorithm runs it
    /// exactly; with reservoirs <see cref="SlowScaleSimulator"/> keeps <c>G_free</c> at the fixed
    /// point g = G_T − Σ bound(g).
    /// </summary>
    public ReactionModel Model { get; }
    /// <summary>The fast pairs lumped (empty: the reduced model is the full one, re-indexed).</summary>
    public ImmutableArray<FastPair> Pairs { get; }
    /// <summary>The groups the pairs form.</summary>
    public ImmutableArray<FastGroup> Groups { get; }
    /// <summary>Reduced species index of each full species (group members map to their total, a reservoir to its total).</summary>
    public IReadOnlyList<int> SpeciesMap { get; }
    /// <summary>Why candidate pairs were refused (one line each).</summary>
    public ImmutableArray<string> Notes { get; }
    /// <summary>True when some group has a reservoir (then the reduced model needs <see cref="SlowScaleSimulator"/>).</summary>
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
    /// molecule); for a pair with reservoir G, no more than G's abundance (G over what the groups binding
    /// it hold of it at equilibrium), which θ bounds too. The reduction itself judged each pair at one reference state; cells whose
    /// parameters or counts differ (a population's cell types) can fall below θ, which this shows.
    /// </summary>
    /// <param name="full">The full model compiled (<see cref="Network.NetworkCompiler.Compile"/> of <see cref="Full"/>).</param>
    /// <param name="fullCounts">The cell's counts in the full model's layout.</param>
    /// <param name="parameters">The cell's parameter values.</param>
    /// <param name="separations">Receives one value per pair, in <see cref="Pairs"/> order (+∞ when nothing drains the pair).</param>
    public void Separations(Network.CompiledNetwork full, ReadOnlySpan<double> fullCounts, double[] parameters, Span<double> separations)
    {
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
        // Reservoir G's count over what the groups binding it hold at equilibrium with it (x is still the cell's counts here).
        var abundance = new Dictionary<int, double>();
        foreach (int g in Pairs.Where(p => p.Reservoir >= 0).Select(p => p.Reservoir).Distinct())
        {
            double bound = SlowScaleReduction.BoundAtReference(Layout, e => rates[e], g, x, Full, _fastReactions);
            abundance[g] = bound > 0 ? x[g] / bound : double.PositiveInfinity;
        }
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
            separations[k] = Math.Min(drain > 0 ? rate / drain : double.PositiveInfinity, pair.Reservoir >= 0 ? abundance[pair.Reservoir] : double.PositiveInfinity);
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
}
/// <summary>
/// Slow-scale SSA by model reduction (Cao, Gillespie &amp; Petzold 2005, J Chem Phys 122:014116;
/// cf. Rao &amp; Arkin 2003, J Chem Phys 118:4999; Haseltine &amp; Rawlings 2002, J Chem Phys 117:6959).
/// Fast reversible pairs — first-order A ⇄ B, or pseudo-first-order A + G ⇄ B with an abundant
/// reservoir species G — whose rates read only parameters are lumped into groups (trees of pairs,
/// such as chains); a group's total is a slow variable, and given the totals the members are
/// multinomial (<see cref="FastGroup"/>). A group may bind several reservoirs, and a reservoir may be
/// a member of a group (its home). A reservoir's total G_T (free, in its home group and bound in
/// other groups) is a slow variable too; its free count g solves a·g = G_T − Σ_groups T·c̄(g), jointly
/// with the reservoirs coupled to it (mean field: the fluctuations of g, of relative size ~ 1/√g,
/// are neglected). Every other reaction's propensity is replaced by its
/// conditional expectation: the full propensity at the expected full state, which is exact for
/// propensities affine in each group's members (mass action with at most one molecule from each
/// group; rate expressions checked on their tree); reactions with two molecules from one group, or
/// rates nonlinear in a group, are refused (the pair that made the group is not lumped).
/// </summary>
public static class SlowScaleReduction
{
    private readonly record struct Candidate(int A, int B, int F, int R, int G);

    /// <summary>Finds the fast pairs of <paramref name="model"/> and builds the reduced model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">The criterion (default <see cref="SlowScaleOptions"/>).</param>
    /// <param name="reference">
    /// The state at which the criterion judges the pairs (counts and parameter values in the model's
    /// order); default the model's initial counts and parameter values. A population reduces once per
    /// scenario × cell type, at the type's median cell under the scenario.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="SlowScaleOptions.LeapEpsilon"/> is set and not in (0, 1), <see cref="SlowScaleOptions.GroupTheta"/> is not a positive number, or <see cref="SlowScaleOptions.ReservoirTolerance"/> is not in [0, 1).</exception>
    /// <exception cref="ArgumentException"><paramref name="reference"/> does not match the model's species and parameters.</exception>
    public static ReducedModel Reduce(ReactionModel model, SlowScaleOptions? options = null, SlowScaleReference? reference = null)
    {
        options ??= new SlowScaleOptions();
        if (reference is not null && (reference.Counts.Count != model.Species.Length || reference.Parameters.Count != model.Parameters.Length))
            throw new ArgumentException($"the reference state has {reference.Counts.Count} counts and {reference.Parameters.Count} parameter values; the model has {model.Species.Length} species and {model.Parameters.Length} parameters", nameof(reference));
        double[] x0 = reference is null ? [.. model.Species.Select(s => s.InitialCount)] : [.. reference.Counts];
        double[] k0 = reference is null ? [.. model.Parameters.Select(p => p.Value)] : [.. reference.Parameters];
        if (options.LeapEpsilon is { } epsilon && !(epsilon > 0 && epsilon < 1))
            throw new ArgumentOutOfRangeException(nameof(options), $"leap epsilon must be in (0, 1), got {epsilon}");
        if (!(options.GroupTheta > 0) || double.IsInfinity(options.GroupTheta))
            throw new ArgumentOutOfRangeException(nameof(options), $"the group separation must be a positive number, got {options.GroupTheta}");
        if (!(options.ReservoirTolerance >= 0 && options.ReservoirTolerance < 1))
            throw new ArgumentOutOfRangeException(nameof(options), $"the reservoir tolerance must be in [0, 1), got {options.ReservoirTolerance}");
        var notes = ImmutableArray.CreateBuilder<string>();
        var reactions = model.Reactions;
        var lowered = reactions.Select(r => model.Lower(r.Rate)).ToArray();
        var candidates = new List<Candidate>();
        if (model.Rules.Length > 0 || model.Events.Length > 0)
        {
            notes.Add("the model has assignment rules or events: no reduction");
        }
        else
        {
            var used = new HashSet<int>();
            for (int f = 0; f < reactions.Length; f++)
            {
                if (used.Contains(f) || !IsFastCandidate(model, x0, reactions[f], lowered[f], forward: true, out int a, out int b, out int g)) continue;
                for (int r = 0; r < reactions.Length; r++)
                {
                    if (r == f || used.Contains(r) || !IsFastCandidate(model, x0, reactions[r], lowered[r], forward: false, out int a2, out int b2, out int g2)
                        || a2 != a || b2 != b || g2 != g) continue;
                    candidates.Add(new Candidate(a, b, f, r, g));
                    used.Add(f); used.Add(r);
                    break;
                }
            }
        }

        var accepted = new List<(Candidate C, double Sep)>();
        var current = candidates.ToList();
        var roundNotes = new List<string>();
        while (true)
        {
            var fast = new HashSet<int>(current.SelectMany(c => new[] { c.F, c.R }));
            var next = new List<Candidate>();
            accepted.Clear();
            var groups = new GroupBuilder(model.Species.Length);
            foreach (var c in current)
            {
                string name = PairName(model, c);
                double kf = Eval(lowered[c.F], x0, k0) * reactions[c.F].StatisticalFactor;
                double kr = Eval(lowered[c.R], x0, k0) * reactions[c.R].StatisticalFactor;
                double rate = kf * (c.G >= 0 ? x0[c.G] : 1) + kr;
                double drain = 0;
                for (int r = 0; r < reactions.Length; r++)
                    if (!fast.Contains(r)) drain = Math.Max(drain, Math.Max(PerMolecule(model, reactions[r], lowered[r], c.A, x0, k0), PerMolecule(model, reactions[r], lowered[r], c.B, x0, k0)));
                double sep = drain > 0 ? rate / drain : double.PositiveInfinity;
                bool ok = options.MinimumRate is { } min ? rate >= min : sep >= options.Theta;
                if (!ok)
                {
                    roundNotes.Add(FormattableString.Invariant($"{name}: kf·[G] + kr = {rate:G4}, separation {sep:G3} below the criterion"));
                    continue;
                }
                string? why = groups.TryAdd(c);
                if (why is null)
                {
                    var group = groups.GroupOf(c.A);
                    why = GroupProblem(model, reactions, lowered, fast, [.. group.Members]);
                    foreach (int g in group.Reservoirs)
                    {
                        if (why is not null || options.MinimumRate is not null) break;
                        double bound = BoundAtReference(groups.Layout, e => PairRates(model, lowered, groups.Pair(e), x0, k0), g, x0, model, fast);
                        if (x0[g] < options.Theta * bound)
                            why = FormattableString.Invariant($"reservoir {model.Species[g].Name} ({x0[g]:G4}) holds fewer than θ × {bound:G4} molecules (what the groups binding it hold at equilibrium)");
                    }
                    if (why is not null) groups.Undo();
                }
                if (why is not null) { roundNotes.Add($"{name}: {why}"); continue; }
                next.Add(c);
                accepted.Add((c, sep));
            }
            if (options.MinimumRate is null && next.Count == current.Count && SlowestCut(model, lowered, next, x0, k0, Math.Max(options.Theta, options.GroupTheta)) is { } cut)
            {
                roundNotes.Add(FormattableString.Invariant($"{PairName(model, next[cut.Pair])}: its group relaxes across it at {cut.Rate:G3}, separation {cut.Rate / cut.Drain:G3} from the group's drain below the criterion"));
                next.RemoveAt(cut.Pair);
            }
            if (next.Count == current.Count) break;
            current = next;
        }
        notes.AddRange(roundNotes.Distinct());
        return Build(model, lowered, accepted, x0, k0, notes.ToImmutable(), options);
    }

    private static string PairName(ReactionModel model, Candidate c) => $"{Name(model, c.F)}/{Name(model, c.R)}";

    /// <summary>
    /// Molecules of reservoir <paramref name="g"/> that the groups binding it hold at equilibrium with
    /// every reservoir at its count in <paramref name="x"/>: Σ_k T_k·c̄_k, with T_k a group's members
    /// plus the pools that one slow first-order step feeds into it (<see cref="Feed"/>). The
    /// mean-field error of a group's balance, Var(b)/(ā·ḡ), is at most b̄/ḡ, so ḡ ≥ θ·b̄ bounds it by 1/θ.
    /// </summary>
    internal static double BoundAtReference(GroupLayout layout, Func<int, (double Kf, double Kr, int G)> rates, int g, IReadOnlyList<double> x, ReactionModel model, HashSet<int> fast)
    {
        double bound = 0;
        foreach (var group in layout.Groups)
        {
            int q = group.Reservoirs.IndexOf(g);
            if (q < 0) continue;
            double total = Feed(model, fast, group.Members, x), sum = 0, held = 0;
            // kf·[G] (a member on B's side) and kr (on A's side) of each of the group's pairs, once.
            var factors = group.Pairs.Select(e => rates(e)).Select(r => (B: r.Kf * (r.G >= 0 ? x[r.G] : 1), A: r.Kr)).ToArray();
            for (int i = 0; i < group.Members.Count; i++)
            {
                int m = group.Members[i];
                double w = 1;
                for (int j = 0; j < factors.Length; j++) w *= layout.OnBSide(group.Pairs[j], m) ? factors[j].B : factors[j].A;
                sum += w;
                if (group.Content[i][q] == 1) held += w;
            }
            if (sum > 0) bound += total * held / sum;
        }
        return bound;
    }

    /// <summary>
    /// Molecules a group can hold on the slow time scale: its members, plus every species that a slow
    /// first-order reaction turns into a member (PD-1 for {IL2v·PD-1, …}: PD-1 capture of PD1-IL2v
    /// fills it from the cell's PD-1, and with it the CD122 it binds). A group that starts empty at the
    /// reference state would otherwise pass the reservoir rule whatever it later takes.
    /// </summary>
    internal static double Feed(ReactionModel model, HashSet<int> fast, IReadOnlyCollection<int> members, IReadOnlyList<double> x)
    {
        double total = 0;
        foreach (int m in members) total += x[m];
        for (int r = 0; r < model.Reactions.Length; r++)
        {
            var reaction = model.Reactions[r];
            if (fast.Contains(r) || reaction.Reactants.Length != 1 || members.Contains(reaction.Reactants[0])) continue;
            if (reaction.Products.Any(members.Contains)) total += x[reaction.Reactants[0]];
        }
        return total;
    }

    /// <summary>
    /// The group criterion. Pairs chained into a group can each be fast while the group as a whole
    /// relaxes slowly: a ligand that reaches IL-2·CD25·CD122·γc leaves it by three steps back, each
    /// outweighed by the step forward. For each pair e of a group (a tree), the two sides of the cut
    /// exchange molecules at r_e = kf·[G]·P(a | A's side) + kr·P(b | B's side), the relaxation rate of
    /// the group lumped into those two sides at equilibrium (members' shares within a side from the
    /// group's weights). The group's drain c is the largest per-molecule propensity of a slow reaction
    /// consuming a member (reactions that only move molecules inside the group excluded). Returns the
    /// pair to refuse when some cut has r_e &lt; θ·c (θ here: max(θ, <see cref="SlowScaleOptions.GroupTheta"/>)):
    /// among those, the pair of smallest kf·[G] + kr.
    /// </summary>
    private static (int Pair, double Rate, double Drain)? SlowestCut(ReactionModel model, Expr[] lowered, List<Candidate> pairs, double[] x0, double[] k0, double theta)
    {
        var reactions = model.Reactions;
        var layout = GroupLayout.Of(model.Species.Length, [.. pairs.Select(c => (c.A, c.B, c.G))]);
        var fast = new HashSet<int>(pairs.SelectMany(c => new[] { c.F, c.R }));
        // Pseudo-first-order rates of every pair, once: kf·[G] and kr.
        var rates = pairs.Select(c => PairRates(model, lowered, c, x0, k0)).ToArray();
        double Kf(int e) => rates[e].Kf * (rates[e].G >= 0 ? x0[rates[e].G] : 1);
        double Kr(int e) => rates[e].Kr;
        (int Pair, double Rate, double Drain)? refuse = null;
        double slowest = double.PositiveInfinity;
        foreach (var g in layout.Groups)
        {
            if (g.Pairs.Count < 2) continue; // a lone pair's relaxation is its own rate, judged pairwise
            var members = new HashSet<int>(g.Members);
            double drain = 0;
            for (int r = 0; r < reactions.Length; r++)
            {
                if (fast.Contains(r) || reactions[r].Products.Any(members.Contains)) continue;
                foreach (int m in g.Members) drain = Math.Max(drain, PerMolecule(model, reactions[r], lowered[r], m, x0, k0));
            }
            if (drain <= 0) continue;
            foreach (int e in g.Pairs)
            {
                // Weights within each side from the pairs inside it (a pair outside a side, e included, is a
                // factor common to its members).
                double aSide = 0, bSide = 0, wa = 0, wb = 0;
                foreach (int m in g.Members)
                {
                    double w = 1;
                    bool side = layout.OnBSide(e, m);
                    foreach (int f in g.Pairs) if (f != e && layout.OnBSide(e, pairs[f].A) == side) w *= layout.OnBSide(f, m) ? Kf(f) : Kr(f);
                    if (layout.OnBSide(e, m)) { bSide += w; if (m == pairs[e].B) wb = w; }
                    else { aSide += w; if (m == pairs[e].A) wa = w; }
                }
                double rate = (aSide > 0 ? Kf(e) * wa / aSide : 0) + (bSide > 0 ? Kr(e) * wb / bSide : 0);
                if (rate >= theta * drain) continue;
                double own = Kf(e) + Kr(e);
                if (own < slowest) { slowest = own; refuse = (e, rate, drain); }
            }
        }
        return refuse;
    }

    /// <summary>Why a slow reaction cannot be averaged over the group <paramref name="members"/>, or null.</summary>
    private static string? GroupProblem(ReactionModel model, ImmutableArray<Reaction> reactions, Expr[] lowered, HashSet<int> fast, HashSet<int> members)
    {
        for (int r = 0; r < reactions.Length; r++)
        {
            if (fast.Contains(r)) continue;
            var reaction = reactions[r];
            if (reaction.Kind != RateLawKind.Propensity && reaction.Reactants.Count(members.Contains) > 1)
                return $"'{Name(model, r)}' takes two molecules from the group, whose product the multinomial mean does not give";
            if (reaction.Kind == RateLawKind.MassAction) continue;
            int degree = Degree(lowered[r], members.Contains);
            if (degree < 0) return $"the rate of '{Name(model, r)}' is nonlinear in the group";
            if (degree > 0 && reaction.Kind == RateLawKind.Functional && reaction.Reactants.Any(members.Contains))
                return $"the functional rate of '{Name(model, r)}' reads the group it consumes";
            if (degree > 0 && reaction.Kind == RateLawKind.Propensity && reaction.Reactants.Any(members.Contains))
                return $"the rate of '{Name(model, r)}' reads the group it consumes";
        }
        return null;
    }

    /// <summary>
    /// Fast pairs joined into trees (<see cref="GroupLayout"/>); <see cref="Undo"/> takes back the last
    /// <see cref="TryAdd"/>.
    /// </summary>
    private sealed class GroupBuilder(int species)
    {
        private readonly List<(int A, int B, int G)> _pairs = [];
        private readonly List<Candidate> _added = [];
        private GroupLayout _layout = GroupLayout.Of(species, []);

        public GroupLayout.Group GroupOf(int s) => _layout.Groups[_layout.GroupOf[s]];
        public GroupLayout Layout => _layout;
        /// <summary>The candidate of the layout's pair <paramref name="e"/>.</summary>
        public Candidate Pair(int e) => _added[e];

        public string? TryAdd(Candidate c)
        {
            int ga = _layout.GroupOf[c.A], gb = _layout.GroupOf[c.B];
            if (ga >= 0 && ga == gb) return "it closes a cycle of fast pairs";
            var layout = GroupLayout.Of(species, [.. _pairs, (c.A, c.B, c.G)]);
            var reservoirs = layout.Groups.SelectMany(g => g.Reservoirs).ToHashSet();
            foreach (var g in layout.Groups)
            {
                if (g.Reservoirs.Any(g.Members.Contains)) return "the group would bind one of its own members";
                if (g.Content.Any(c => c.Any(n => n > 1))) return "a member would hold two reservoir molecules";
                if (g.Members.Count(reservoirs.Contains) > 1) return "the group would hold two reservoirs";
            }
            _pairs.Add((c.A, c.B, c.G));
            _added.Add(c);
            _layout = layout;
            return null;
        }

        public void Undo()
        {
            _pairs.RemoveAt(_pairs.Count - 1);
            _added.RemoveAt(_added.Count - 1);
            _layout = GroupLayout.Of(species, _pairs);
        }
    }

    private static string Name(ReactionModel model, int r) => Network.NetworkCompiler.ReactionName(model, model.Reactions[r]);

    /// <summary>
    /// A → B, or A + G → B with G the reactant of larger initial count (<paramref name="forward"/>); B → A or
    /// B → A + G otherwise (reported in the same orientation). Rates must read only parameters.
    /// </summary>
    private static bool IsFastCandidate(ReactionModel model, double[] x0, Reaction reaction, Expr lowered, bool forward, out int a, out int b, out int g)
    {
        a = b = g = -1;
        if (reaction.Kind == RateLawKind.Propensity) return false;
        var one = forward ? reaction.Products : reaction.Reactants;
        var two = forward ? reaction.Reactants : reaction.Products;
        if (one.Length != 1 || two.Length is < 1 or > 2) return false;
        b = one[0];
        if (two.Length == 1) a = two[0];
        else
        {
            double x = x0[two[0]], y = x0[two[1]];
            if (two[0] == two[1] || x == y) return false;
            (a, g) = x > y ? (two[1], two[0]) : (two[0], two[1]);
            if (model.Species[g].Clamped || g == b) return false;
        }
        if (a == b || model.Species[a].Clamped || model.Species[b].Clamped) return false;
        return ExpressionEvaluator.Symbols(lowered).All(s => s.Kind == SymbolKind.Parameter);
    }

    /// <summary>kf and kr of candidate <paramref name="c"/> at counts <paramref name="x"/> and parameters <paramref name="k"/> (statistical factors included; kf per reservoir molecule).</summary>
    private static (double Kf, double Kr, int G) PairRates(ReactionModel model, Expr[] lowered, Candidate c, double[] x, double[] k) =>
        (Eval(lowered[c.F], x, k) * model.Reactions[c.F].StatisticalFactor, Eval(lowered[c.R], x, k) * model.Reactions[c.R].StatisticalFactor, c.G);

    private static double Eval(Expr e, double[] x, double[] k) =>
        ExpressionEvaluator.Evaluate(e, s => s.Kind switch { SymbolKind.Species => x[s.Index], SymbolKind.Parameter => k[s.Index], _ => 0 });

    /// <summary>Per-molecule propensity of <paramref name="reaction"/> consuming species <paramref name="s"/> (0 when it does not consume it).</summary>
    private static double PerMolecule(ReactionModel model, Reaction reaction, Expr lowered, int s, double[] x0, double[] k0)
    {
        int mult = reaction.Reactants.Count(r => r == s);
        if (mult == 0) return 0;
        var x = (double[])x0.Clone();
        x[s] = Math.Max(x[s], mult);
        double value = Eval(lowered, x, k0);
        if (reaction.Kind != RateLawKind.Propensity)
        {
            value *= reaction.StatisticalFactor;
            foreach (var g in reaction.Reactants.GroupBy(r => r))
                for (int m = 0; m < g.Count(); m++) value *= x[g.Key] - m;
        }
        return double.IsFinite(value) ? Math.Abs(value) / x[s] : double.PositiveInfinity;
    }

    /// <summary>Polynomial degree of <paramref name="e"/> in species {a, b} jointly: 0, 1, or −1 when not affine.</summary>
    internal static int Degree(Expr e, int a, int b) => Degree(e, s => s == a || s == b);

    /// <summary>Polynomial degree of <paramref name="e"/> in the species <paramref name="inGroup"/> accepts, jointly: 0, 1, or −1 when not affine.</summary>
    internal static int Degree(Expr e, Func<int, bool> inGroup)
    {
        switch (e)
        {
            case NumberExpr: return 0;
            case SymbolExpr s: return s.Kind == SymbolKind.Species && inGroup(s.Index) ? 1 : 0;
            case UnaryExpr u:
                {
                    int d = Degree(u.Operand, inGroup);
                    return u.Operator == UnaryOperator.Negate ? d : d == 0 ? 0 : -1;
                }
            case BinaryExpr x:
                {
                    int l = Degree(x.Left, inGroup), r = Degree(x.Right, inGroup);
                    if (l < 0 || r < 0) return -1;
                    return x.Operator switch
                    {
                        BinaryOperator.Add or BinaryOperator.Subtract => Math.Max(l, r),
                        BinaryOperator.Multiply => l + r <= 1 ? l + r : -1,
                        BinaryOperator.Divide => r == 0 ? l : -1,
                        _ => l == 0 && r == 0 ? 0 : -1,
                    };
                }
            case CallExpr c: return c.Arguments.All(arg => Degree(arg, inGroup) == 0) ? 0 : -1;
            case PiecewiseExpr p:
                return p.Pieces.All(q => Degree(q.Value, inGroup) == 0 && Degree(q.Condition, inGroup) == 0) && (p.Otherwise is null || Degree(p.Otherwise, inGroup) == 0) ? 0 : -1;
            default: return -1;
        }
    }

    private static ReducedModel Build(ReactionModel model, Expr[] lowered, List<(Candidate C, double Sep)> pairs, double[] x0, double[] k0, ImmutableArray<string> notes, SlowScaleOptions options)
    {
        var pos = new SourcePosition();
        int n = model.Species.Length;
        var layout = GroupLayout.Of(n, pairs.Select(p => (p.C.A, p.C.B, p.C.G)).ToList());
        var groupOf = layout.GroupOf;
        var isReservoir = new bool[n];
        foreach (var g in layout.Groups) foreach (int r in g.Reservoirs) isReservoir[r] = true;
        // The reservoir each group is home to, or -1.
        var home = layout.Groups.Select(g => g.Members.Where(m => isReservoir[m]).DefaultIfEmpty(-1).First()).ToArray();
        // The members (with repetition) of the groups binding reservoir r that hold one of its molecules.
        List<int> BoundIn(int r) => [.. layout.Groups.Where(g => g.Reservoirs.Contains(r))
            .SelectMany(g => g.Members.Where((m, i) => g.Content[i][g.Reservoirs.IndexOf(r)] == 1))];

        // Reduced species: full order; a group's first member becomes its total, the other members are dropped;
        // a reservoir becomes its total (free, in its home group and bound in others); one auxiliary free
        // count per reservoir at the end.
        var map = new int[n];
        var species = ImmutableArray.CreateBuilder<Species>();
        var totalIndex = new int[layout.Groups.Count];
        for (int s = 0; s < n; s++)
        {
            int k = groupOf[s];
            var sp = model.Species[s];
            if (k >= 0)
            {
                var members = layout.Groups[k].Members;
                if (members[0] != s) continue;
                totalIndex[k] = species.Count;
                var counted = home[k] >= 0 ? [.. members, .. BoundIn(home[k])] : members;
                string name = home[k] >= 0 ? model.Species[home[k]].Name : string.Join("_", members.Select(m => model.Species[m].Name));
                species.Add(new Species(name + "_total", Sum(counted.Select(m => model.Species[m].InitialExpression)),
                    counted.Sum(m => model.Species[m].InitialCount), false, sp.Position));
            }
            else if (isReservoir[s])
            {
                var bound = BoundIn(s);
                map[s] = species.Count;
                species.Add(new Species(sp.Name + "_total", Sum([sp.InitialExpression, .. bound.Select(m => model.Species[m].InitialExpression)]),
                    sp.InitialCount + bound.Sum(m => model.Species[m].InitialCount), false, sp.Position));
            }
            else
            {
                map[s] = species.Count;
                species.Add(sp);
            }
        }
        for (int s = 0; s < n; s++) if (groupOf[s] >= 0) map[s] = totalIndex[groupOf[s]];
        var reservoirFree = Enumerable.Repeat(-1, n).ToArray();
        for (int s = 0; s < n; s++)
        {
            if (!isReservoir[s]) continue;
            reservoirFree[s] = species.Count;
            var sp = model.Species[s];
            species.Add(new Species(sp.Name + "_free", sp.InitialExpression, sp.InitialCount, false, sp.Position));
        }
        var reducedSpecies = species.ToImmutable();
        SymbolExpr Sym(int reducedIndex) => new(SymbolKind.Species, reducedIndex, reducedSpecies[reducedIndex].Name, pos);

        // Rates of the pairs and the members' shares π_i = W_i / Σ W, W_i = Π over the group's pairs of kf·[g] (i on B's side) or kr.
        // A home group's members are g·W_i / W_G instead, g its reservoir's free count.
        Expr Kf(int e) => Scale(lowered[pairs[e].C.F], model.Reactions[pairs[e].C.F].StatisticalFactor);
        Expr Kr(int e) => Scale(lowered[pairs[e].C.R], model.Reactions[pairs[e].C.R].StatisticalFactor);
        var share = new Expr[n];
        for (int k = 0; k < layout.Groups.Count; k++)
        {
            var g = layout.Groups[k];
            var w = new Expr[g.Members.Count];
            for (int i = 0; i < w.Length; i++)
            {
                Expr prod = new NumberExpr(1, pos);
                foreach (int e in g.Pairs)
                {
                    Expr f = pairs[e].C.G >= 0 ? Mul(Kf(e), Sym(reservoirFree[pairs[e].C.G])) : Kf(e);
                    prod = Mul(prod, layout.OnBSide(e, g.Members[i]) ? f : Kr(e));
                }
                w[i] = prod;
            }
            var total = home[k] >= 0 ? w[g.Members.IndexOf(home[k])] : Sum(w);
            for (int i = 0; i < w.Length; i++)
                share[g.Members[i]] = new CallExpr(BuiltinFunction.If, [new BinaryExpr(BinaryOperator.Greater, total, new NumberExpr(0, pos), pos),
                    new BinaryExpr(BinaryOperator.Divide, w[i], total, pos), new NumberExpr(0, pos)], pos);
        }
        var fastPairs = ImmutableArray.CreateBuilder<FastPair>();
        for (int e = 0; e < pairs.Count; e++)
        {
            var (c, sep) = pairs[e];
            Expr sum = new BinaryExpr(BinaryOperator.Add, Kf(e), Kr(e), pos);
            Expr p = new CallExpr(BuiltinFunction.If, [new BinaryExpr(BinaryOperator.Greater, sum, new NumberExpr(0, pos), pos),
                new BinaryExpr(BinaryOperator.Divide, Kf(e), sum, pos), new NumberExpr(0, pos)], pos);
            if (c.G >= 0)
            {
                // The reservoir's abundance at the reference state bounds the pair's separation too.
                double bound = BoundAtReference(layout, f => PairRates(model, lowered, pairs[f].C, x0, k0), c.G, x0, model, [.. pairs.SelectMany(p => new[] { p.C.F, p.C.R })]);
                if (bound > 0) sep = Math.Min(sep, x0[c.G] / bound);
            }
            fastPairs.Add(new FastPair(c.A, c.B, c.F, c.R, totalIndex[groupOf[c.A]], p, sep) { Reservoir = c.G });
        }
        var fastGroups = layout.Groups.Select((g, k) => new FastGroup([.. g.Members], [.. g.Reservoirs],
            [.. g.Content.Select(c => c.ToImmutableArray())], home[k], totalIndex[k], [.. g.Pairs])).ToImmutableArray();

        // Species symbols: member → T·π (of a home group: g·W_i / W_G), reservoir → its free count, others re-indexed.
        Expr Replace(SymbolExpr s)
        {
            if (s.Kind != SymbolKind.Species) return s;
            if (isReservoir[s.Index]) return Sym(reservoirFree[s.Index]);
            if (groupOf[s.Index] is int k and >= 0)
                return Mul(Sym(home[k] >= 0 ? reservoirFree[home[k]] : map[s.Index]), share[s.Index]);
            return Sym(map[s.Index]);
        }
        bool Lumped(int s) => groupOf[s] >= 0 || isReservoir[s];

        var fastSet = new HashSet<int>(pairs.SelectMany(p => new[] { p.C.F, p.C.R }));
        var reduced = ImmutableArray.CreateBuilder<Reaction>();
        var slowIndex = new List<int>();
        for (int r = 0; r < model.Reactions.Length; r++)
        {
            if (fastSet.Contains(r)) continue;
            var reaction = model.Reactions[r];
            var delta = new Dictionary<int, int>();
            void Add(int s, int d)
            {
                delta[map[s]] = delta.GetValueOrDefault(map[s]) + d;
                foreach (int r in Held(s)) delta[map[r]] = delta.GetValueOrDefault(map[r]) + d;
            }
            foreach (int s in reaction.Reactants) Add(s, -1);
            foreach (int s in reaction.Products) Add(s, +1);
            // A slow reaction that only moves molecules inside a group (net change zero) changes no slow variable: drop it.
            if (delta.Values.All(v => v == 0)) continue;
            slowIndex.Add(r);
            bool touches = reaction.Reactants.Any(Lumped)
                || ExpressionEvaluator.Symbols(lowered[r]).Any(s => s.Kind == SymbolKind.Species && Lumped(s.Index));
            var rate = ExpressionEvaluator.Substitute(lowered[r], Replace);
            if (!touches)
            {
                var products = reaction.Products.Select(s => map[s]).ToList();
                foreach (int s in reaction.Products) products.AddRange(Held(s).Select(r => map[r]));
                reduced.Add(reaction with { Reactants = [.. reaction.Reactants.Select(s => map[s])], Products = [.. products], Rate = rate });
                continue;
            }
            var reactants = delta.Where(kv => kv.Value < 0).SelectMany(kv => Enumerable.Repeat(kv.Key, -kv.Value)).ToImmutableArray();
            var made = delta.Where(kv => kv.Value > 0).SelectMany(kv => Enumerable.Repeat(kv.Key, kv.Value)).ToImmutableArray();
            if (reaction.Kind == RateLawKind.Propensity)
            {
                reduced.Add(reaction with { Reactants = reactants, Products = made, Rate = rate });
                continue;
            }
            // Propensity = factor × E[rate] × mass-action factors: a member (one per group at most) → T·π, others falling factorials.
            Expr prop = Scale(rate, reaction.StatisticalFactor);
            foreach (var g in reaction.Reactants.GroupBy(s => s))
            {
                if (groupOf[g.Key] >= 0) { prop = Mul(prop, Replace(new SymbolExpr(SymbolKind.Species, g.Key, model.Species[g.Key].Name, pos))); continue; }
                prop = Mul(prop, Falling(isReservoir[g.Key] ? Sym(reservoirFree[g.Key]) : Sym(map[g.Key]), g.Count()));
            }
            reduced.Add(new Reaction(reaction.Label, reactants, made, prop, RateLawKind.Propensity, 1, reaction.Position));
        }

        // Observables that stay exact: equal weights on every member of a group (or none), no reservoir; others are dropped (use ExpectedFullState).
        var observables = ImmutableArray.CreateBuilder<Observable>();
        foreach (var o in model.Observables)
        {
            var weight = o.Terms.GroupBy(t => t.Species).ToDictionary(g => g.Key, g => g.Sum(t => t.Weight));
            bool exact = !weight.Keys.Any(s => isReservoir[s] || groupOf[s] >= 0 && home[groupOf[s]] >= 0)
                && layout.Groups.All(g => g.Members.Select(m => weight.GetValueOrDefault(m)).Distinct().Count() == 1);
            if (!exact) continue;
            var terms = new Dictionary<int, double>();
            foreach (var (s, w) in weight)
            {
                if (groupOf[s] >= 0 && layout.Groups[groupOf[s]].Members[0] != s) continue;
                terms[map[s]] = terms.GetValueOrDefault(map[s]) + w;
            }
            observables.Add(o with { Terms = [.. terms.Select(kv => new ObservableTerm(kv.Key, kv.Value))] });
        }

        var reducedModel = new ReactionModel(model.Name + " (slow-scale)", model.Parameters, reducedSpecies, observables.ToImmutable(), [],
            reduced.ToImmutable(), defaultRun: model.DefaultRun, warnings: model.Warnings);
        return new ReducedModel(model, reducedModel, fastPairs.ToImmutable(), fastGroups, map, reservoirFree, [.. slowIndex], notes, options);

        // The reservoirs whose molecules a member of a group holds (bound ones; a home group's own reservoir is its total).
        IEnumerable<int> Held(int s)
        {
            if (groupOf[s] < 0) yield break;
            var g = layout.Groups[groupOf[s]];
            int i = g.Members.IndexOf(s);
            for (int q = 0; q < g.Reservoirs.Count; q++) if (g.Content[i][q] == 1) yield return g.Reservoirs[q];
        }
        static Expr Mul(Expr l, Expr r) => new BinaryExpr(BinaryOperator.Multiply, l, r, l.Position);
        Expr Sum(IEnumerable<Expr> terms) => terms.Aggregate((l, r) => new BinaryExpr(BinaryOperator.Add, l, r, pos));
        Expr Scale(Expr e, double f) => f == 1 ? e : Mul(new NumberExpr(f, pos), e);
        Expr Falling(Expr x, int m)
        {
            Expr result = x;
            for (int q = 1; q < m; q++) result = Mul(result, new BinaryExpr(BinaryOperator.Subtract, x, new NumberExpr(q, pos), pos));
            return result;
        }
    }
}
