using System.Collections.Immutable;
using Stochastic.Expressions;
using Stochastic.Model;
using Stochastic.Network;

namespace Stochastic.Transforms;

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
/// <remarks>
/// This file is the criterion (which pairs are fast, and why others are refused); the rewrite that
/// builds the reduced network is <see cref="SlowScaleRewrite"/>. Over 500 lines because the
/// criterion's checks (separation, the reservoirs' free counts at equilibrium, group drain, affinity of
/// every slow rate in the group) re-run together each round as pairs are dropped, at every parameter set
/// of the reference.
/// </remarks>
public static class SlowScaleReduction
{
    internal readonly record struct Candidate(int A, int B, int F, int R, int G);

    /// <summary>Finds the fast pairs of <paramref name="model"/> and builds the reduced network.</summary>
    /// <param name="model">The model.</param>
    /// <param name="full"><paramref name="model"/> compiled, when the caller has it (compiled here otherwise).</param>
    /// <param name="options">The criterion (default <see cref="SlowScaleOptions"/>).</param>
    /// <param name="reference">
    /// The state at which the criterion judges the pairs (counts and parameter values in the model's
    /// order); default the model's initial counts and parameter values. A population reduces once per
    /// scenario × cell type, at the type's median cell under the scenario.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="SlowScaleOptions.LeapEpsilon"/> is set and not in (0, 1), <see cref="SlowScaleOptions.GroupTheta"/> is not a positive number, or <see cref="SlowScaleOptions.ReservoirTolerance"/> is not in [0, 1).</exception>
    /// <exception cref="ArgumentException"><paramref name="reference"/> does not match the model's species and parameters.</exception>
    public static ReducedNetwork Reduce(ReactionModel model, SlowScaleOptions? options = null, SlowScaleReference? reference = null, CompiledNetwork? full = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new SlowScaleOptions();
        if (reference is not null && (reference.Counts.Count != model.Species.Length || reference.Parameters.Count != model.Parameters.Length))
            throw new ArgumentException($"the reference state has {reference.Counts.Count} counts and {reference.Parameters.Count} parameter values; the model has {model.Species.Length} species and {model.Parameters.Length} parameters", nameof(reference));
        double[] x0 = reference is null ? [.. model.Species.Select(s => s.InitialCount)] : [.. reference.Counts];
        double[] k0 = reference is null ? [.. model.Parameters.Select(p => p.Value)] : [.. reference.Parameters];
        // Every criterion holds at each parameter set: the reference's and those it adds (a dosed scenario's concentrations).
        double[][] ks = [k0, .. (reference?.AlsoAt ?? []).Select(k => k.ToArray())];
        if (ks.Any(k => k.Length != model.Parameters.Length))
            throw new ArgumentException($"a parameter set of the reference does not have the model's {model.Parameters.Length} parameters", nameof(reference));
        CheckOptions(options);
        full = Compiled(model, full);
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

        // The rounds: every pair is judged with the others still in, and the group criterion refuses one pair at a time.
        List<(Candidate C, double Sep)> Judge(List<Candidate> start, List<string> roundNotes, List<Candidate> cuts)
        {
            var accepted = new List<(Candidate C, double Sep)>();
            var current = start.ToList();
            while (true)
            {
                var fast = new HashSet<int>(current.SelectMany(c => new[] { c.F, c.R }));
                var next = new List<Candidate>();
                accepted.Clear();
                var groups = new GroupBuilder(model.Species.Length);
                foreach (var c in current)
                {
                    string name = PairName(model, c);
                    // The pair criterion at each parameter set; the worst one speaks.
                    double rate = double.PositiveInfinity, sep = double.PositiveInfinity;
                    foreach (var k in ks)
                    {
                        var (rateK, sepK) = Separation(model, lowered, fast, c, x0, k);
                        if (options.MinimumRate is not null ? rateK < rate : sepK < sep) (rate, sep) = (rateK, sepK);
                    }
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
                            foreach (var k in ks)
                            {
                                why = ReservoirProblem(model, lowered, groups.Layout, e => groups.Pair(e), g, x0, k, fast, options.Theta);
                                if (why is not null) break;
                            }
                        }
                        if (why is not null) groups.Undo();
                    }
                    if (why is not null) { roundNotes.Add($"{name}: {why}"); continue; }
                    next.Add(c);
                    accepted.Add((c, sep));
                }
                if (options.MinimumRate is null && next.Count == current.Count && SlowestCut(model, lowered, next, x0, ks, Math.Max(options.Theta, options.GroupTheta)) is { } cut)
                {
                    roundNotes.Add(double.IsPositiveInfinity(cut.Error)
                        ? $"{PairName(model, next[cut.Pair])}: its group has a member that slow reactions read but that holds no equilibrium share at the reference (a rate into it is 0), below the group criterion; refusing this pair leaves the least error"
                        : FormattableString.Invariant($"{PairName(model, next[cut.Pair])}: its group's partial equilibrium is off by {cut.Error:P1} to first order (separation {1 / cut.Error:G3}), below the group criterion; refusing this pair leaves the least error"));
                    cuts.Add(next[cut.Pair]);
                    next.RemoveAt(cut.Pair);
                }
                if (next.Count == current.Count) break;
                current = next;
            }
            return accepted;
        }

        var roundNotes = new List<string>();
        var cuts = new List<Candidate>();
        var accepted = Judge(candidates, roundNotes, cuts);
        // A pair the group criterion refused may pass once a later refusal has split its group (the criterion refuses
        // one pair at a time): each is tried again with the pairs kept, and kept when every pair then passes.
        foreach (var c in cuts)
        {
            var trial = Judge([.. candidates.Where(x => x == c || accepted.Any(a => a.C == x))], [], []);
            if (trial.Count != accepted.Count + 1) continue;
            accepted = trial;
            roundNotes.RemoveAll(n => n.StartsWith(PairName(model, c) + ":", StringComparison.Ordinal));
        }
        notes.AddRange(roundNotes.Distinct());
        return SlowScaleRewrite.Build(model, full, lowered, accepted, x0, k0, notes.ToImmutable(), options);
    }

    /// <summary>
    /// Hybrid SSA / tau-leaping on <paramref name="model"/> itself, nothing lumped: the identity
    /// reduction (species in the model's order; reactions that change nothing dropped) with leaping at
    /// ε = <paramref name="epsilon"/>, for <c>SlowScaleSimulator</c> (docs/algorithms.md, "Hybrid leaping").
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">ε not in (0, 1).</exception>
    public static ReducedNetwork Hybrid(ReactionModel model, double epsilon, CompiledNetwork? full = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var options = new SlowScaleOptions { LeapEpsilon = epsilon };
        CheckOptions(options);
        full = Compiled(model, full);
        double[] x0 = [.. model.Species.Select(s => s.InitialCount)];
        double[] k0 = [.. model.Parameters.Select(p => p.Value)];
        var lowered = model.Reactions.Select(r => model.Lower(r.Rate)).ToArray();
        return SlowScaleRewrite.Build(model, full, lowered, [], x0, k0, [], options);
    }

    private static CompiledNetwork Compiled(ReactionModel model, CompiledNetwork? full)
    {
        if (full is null) return NetworkCompiler.Compile(model);
        if (full.SpeciesCount != model.Species.Length || full.ReactionCount != model.Reactions.Length)
            throw new ArgumentException("the compiled network is not the model's", nameof(full));
        return full;
    }

    private static void CheckOptions(SlowScaleOptions options)
    {
        if (options.LeapEpsilon is { } epsilon && !(epsilon > 0 && epsilon < 1))
            throw new ArgumentOutOfRangeException(nameof(options), $"leap epsilon must be in (0, 1), got {epsilon}");
        if (!(options.GroupTheta > 0) || double.IsInfinity(options.GroupTheta))
            throw new ArgumentOutOfRangeException(nameof(options), $"the group separation must be a positive number, got {options.GroupTheta}");
        if (!(options.ReservoirTolerance >= 0 && options.ReservoirTolerance < 1))
            throw new ArgumentOutOfRangeException(nameof(options), $"the reservoir tolerance must be in [0, 1), got {options.ReservoirTolerance}");
    }

    private static string PairName(ReactionModel model, Candidate c) => $"{Name(model, c.F)}/{Name(model, c.R)}";

    /// <summary>
    /// Why reservoir <paramref name="g"/> cannot serve the groups of <paramref name="layout"/> (at parameters
    /// <paramref name="k"/>), or null. The mean-field error of a group's binding balance, Var(b)/(ā·ḡ), is about
    /// π_B/ḡ for a multinomial group (π_B the share of its members holding the reservoir), at most 1/ḡ: so the
    /// reservoir must keep at least θ molecules free at equilibrium with every group binding it (<see cref="Depleted"/>),
    /// and each pair that binds it must still be fast there, its relaxation kf·ḡ + kr at least θ × its fastest slow drain.
    /// </summary>
    private static string? ReservoirProblem(ReactionModel model, Expr[] lowered, GroupLayout layout, Func<int, Candidate> pair,
        int g, double[] x0, double[] k, HashSet<int> fast, double theta)
    {
        var xbar = Depleted(layout, e => PairRates(model, lowered, pair(e), x0, k), x0, model, fast);
        if (xbar[g] < theta)
            return FormattableString.Invariant($"reservoir {model.Species[g].Name} ({x0[g]:G4}) keeps {xbar[g]:G3} free at equilibrium with the groups binding it, fewer than θ");
        foreach (var group in layout.Groups.Where(q => q.Reservoirs.Contains(g)))
            foreach (int e in group.Pairs)
            {
                var c = pair(e);
                if (c.G != g) continue;
                var (rate, sep) = Separation(model, lowered, fast, c, xbar, k);
                if (sep < theta)
                    return FormattableString.Invariant($"at the {xbar[g]:G4} {model.Species[g].Name} left free at equilibrium, kf·[G] + kr = {rate:G4}, separation {sep:G3} below the criterion");
            }
        return null;
    }

    /// <summary>The pair criterion of <paramref name="c"/> at counts <paramref name="x"/> and parameters <paramref name="k"/>: kf·[G] + kr, and that over the largest per-molecule propensity of a slow reaction (not in <paramref name="fast"/>) consuming A or B (+∞ when none does).</summary>
    private static (double Rate, double Separation) Separation(ReactionModel model, Expr[] lowered, HashSet<int> fast, Candidate c, double[] x, double[] k)
    {
        var reactions = model.Reactions;
        var (kf, kr, _) = PairRates(model, lowered, c, x, k);
        double rate = kf * (c.G >= 0 ? x[c.G] : 1) + kr, drain = 0;
        for (int r = 0; r < reactions.Length; r++)
            if (!fast.Contains(r)) drain = Math.Max(drain, Math.Max(PerMolecule(model, reactions[r], lowered[r], c.A, x, k), PerMolecule(model, reactions[r], lowered[r], c.B, x, k)));
        return (rate, drain > 0 ? rate / drain : double.PositiveInfinity);
    }

    /// <summary>
    /// <paramref name="x"/> with each reservoir of <paramref name="layout"/> at its free count at equilibrium with the
    /// groups binding it: ḡ + Σ_groups T·c̄(ḡ) = G_T (<see cref="BoundAtReference"/>), G_T being the reservoir's free
    /// and bound molecules in <paramref name="x"/>; solved by bisection per reservoir, reservoirs in turn until none moves.
    /// </summary>
    internal static double[] Depleted(GroupLayout layout, Func<int, (double Kf, double Kr, int G)> rates, IReadOnlyList<double> x, ReactionModel model, HashSet<int> fast)
    {
        var xbar = x.ToArray();
        var reservoirs = layout.Groups.SelectMany(q => q.Reservoirs).Distinct().ToArray();
        var total = reservoirs.Select(g => x[g] + layout.Groups.Sum(q => q.Reservoirs.IndexOf(g) is int r and >= 0
            ? q.Members.Select((m, i) => x[m] * q.Content[i][r]).Sum() : 0)).ToArray();
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double moved = 0;
            for (int j = 0; j < reservoirs.Length; j++)
            {
                int g = reservoirs[j];
                double before = xbar[g], lo = 0, hi = total[j];
                for (int it = 0; it < 60 && hi - lo > 1e-9 * (1 + total[j]); it++)
                {
                    xbar[g] = (lo + hi) / 2;
                    if (xbar[g] + BoundAtReference(layout, rates, g, xbar, model, fast) > total[j]) hi = xbar[g]; else lo = xbar[g];
                }
                xbar[g] = (lo + hi) / 2;
                moved = Math.Max(moved, Math.Abs(xbar[g] - before) / (1 + total[j]));
            }
            if (moved < 1e-9) break;
        }
        return xbar;
    }

    /// <summary>
    /// Molecules of reservoir <paramref name="g"/> that the groups binding it hold at equilibrium with
    /// every reservoir at its count in <paramref name="x"/>: Σ_k T_k·c̄_k, with T_k a group's members
    /// plus the pools that one slow first-order step feeds into it (<see cref="Feed"/>).
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
    /// outweighed by the step forward, and a member far from where the group fills (free CD25) is
    /// reached late. The slow reactions that drain the members (per-molecule δ_l, reactions that only
    /// move molecules inside the group excluded) and refill it at its entries (members that a slow
    /// reaction consuming no member makes) pull each member's share from π by, to first order,
    /// Σ_l δ_l·π_l·(m_{l→i} − m_{j→i}) relative (<see cref="SlowScaleGroupError"/>; m the mean first
    /// passage times of one molecule's chain over the members). A group of two or more pairs is
    /// refused when that error, for a member a slow reaction consumes or reads, exceeds 1/θ (θ here:
    /// max(θ, <see cref="SlowScaleOptions.GroupTheta"/>)); then of its pairs the one whose refusal leaves
    /// the least such error over all groups goes (its reactions, slow from then on, drain and fill what
    /// remains). A lone pair is judged by the pair criterion, whose 1/separation is this error for a
    /// member drained and filled from the other.
    /// </summary>
    private static (int Pair, double Error)? SlowestCut(ReactionModel model, Expr[] lowered, List<Candidate> pairs, double[] x0, double[][] ks, double theta)
    {
        var errors = GroupErrors(model, lowered, pairs, x0, ks);
        var failing = errors.Where(x => x.Error * theta > 1).OrderByDescending(x => x.Error).FirstOrDefault();
        if (failing.Pairs is null) return null;
        // The pair whose refusal leaves the smallest error over every group (its reactions then drain and fill
        // the groups it split as slow reactions); ties, the pair of smallest kf·[G] + kr.
        int best = -1;
        double bestError = double.PositiveInfinity, bestRate = double.PositiveInfinity;
        foreach (int e in failing.Pairs)
        {
            var without = pairs.Where((_, i) => i != e).ToList();
            double left = GroupErrors(model, lowered, without, x0, ks).Select(x => x.Error).DefaultIfEmpty(0).Max();
            var (kf, kr, g) = PairRates(model, lowered, pairs[e], x0, ks[0]);
            double rate = kf * (g >= 0 ? x0[g] : 1) + kr;
            if (left < bestError || (left == bestError && rate < bestRate)) (best, bestError, bestRate) = (e, left, rate);
        }
        return (best, failing.Error);
    }

    /// <summary>Per group of two or more of <paramref name="pairs"/>: its pairs (indices into <paramref name="pairs"/>) and the first-order error of its partial equilibrium, the largest over the parameter sets <paramref name="ks"/>.</summary>
    private static List<(List<int> Pairs, double Error)> GroupErrors(ReactionModel model, Expr[] lowered, List<Candidate> pairs, double[] x0, double[][] ks)
    {
        var worst = GroupErrors(model, lowered, pairs, x0, ks[0]);
        foreach (var k in ks.Skip(1))
        {
            var errors = GroupErrors(model, lowered, pairs, x0, k);
            for (int i = 0; i < worst.Count; i++) worst[i] = (worst[i].Pairs, Math.Max(worst[i].Error, errors[i].Error));
        }
        return worst;
    }

    private static List<(List<int> Pairs, double Error)> GroupErrors(ReactionModel model, Expr[] lowered, List<Candidate> pairs, double[] reference, double[] k0)
    {
        var reactions = model.Reactions;
        var layout = GroupLayout.Of(model.Species.Length, [.. pairs.Select(c => (c.A, c.B, c.G))]);
        var fast = new HashSet<int>(pairs.SelectMany(c => new[] { c.F, c.R }));
        // Pseudo-first-order rates of every pair, once: kf·[G] and kr, with each reservoir at its free count at equilibrium with the groups.
        var rates = pairs.Select(c => PairRates(model, lowered, c, reference, k0)).ToArray();
        double[] x0 = Depleted(layout, e => rates[e], reference, model, fast);
        double Kf(int e) => rates[e].Kf * (rates[e].G >= 0 ? x0[rates[e].G] : 1);
        double Kr(int e) => rates[e].Kr;
        var result = new List<(List<int> Pairs, double Error)>();
        foreach (var g in layout.Groups)
        {
            if (g.Pairs.Count < 2) continue; // a lone pair: the pair criterion
            var members = new HashSet<int>(g.Members);
            int n = g.Members.Count;
            var index = g.Members.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => x.i);
            var drain = new double[n];
            var entry = new bool[n];
            var read = new bool[n];
            for (int r = 0; r < reactions.Length; r++)
            {
                if (fast.Contains(r)) continue;
                if (!reactions[r].Reactants.Any(members.Contains))
                    foreach (int p in reactions[r].Products) if (index.TryGetValue(p, out int j)) entry[j] = true;
                foreach (var sym in ExpressionEvaluator.Symbols(lowered[r]))
                    if (sym.Kind == SymbolKind.Species && index.TryGetValue(sym.Index, out int i)) read[i] = true;
                if (reactions[r].Products.Any(members.Contains)) continue; // moves molecules inside the group
                for (int i = 0; i < n; i++)
                {
                    double d = PerMolecule(model, reactions[r], lowered[r], g.Members[i], x0, k0);
                    if (d > 0) { drain[i] += d; read[i] = true; }
                }
            }
            var steps = g.Pairs.Select(e => (index[pairs[e].A], index[pairs[e].B], Kf(e), Kr(e))).ToList();
            result.Add((g.Pairs, SlowScaleGroupError.Error(n, steps, drain, entry, read)));
        }
        return result;
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
    internal static (double Kf, double Kr, int G) PairRates(ReactionModel model, Expr[] lowered, Candidate c, double[] x, double[] k) =>
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
        ExpressionLimits.EnsureStack(e);
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
}
