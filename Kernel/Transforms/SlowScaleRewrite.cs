using System.Collections.Immutable;
using Stochastic.Expressions;
using Stochastic.Model;
using Stochastic.Network;

namespace Stochastic.Transforms;

/// <summary>
/// The model rewrite of the slow-scale reduction (Cao, Gillespie &amp; Petzold 2005): given the
/// accepted fast pairs, each group becomes its total, each reservoir its total plus an auxiliary
/// free count, fast reactions go, and every slow reaction's propensity becomes its conditional
/// expectation given the slow state. Which pairs are fast is <see cref="SlowScaleReduction"/>'s
/// criterion; this class only rewrites and compiles.
/// </summary>
internal static class SlowScaleRewrite
{
    internal static ReducedNetwork Build(ReactionModel model, CompiledNetwork full, Expr[] lowered, List<(SlowScaleReduction.Candidate C, double Sep)> pairs, double[] x0, double[] k0, ImmutableArray<string> notes, SlowScaleOptions options)
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
        var depleted = SlowScaleReduction.Depleted(layout, f => SlowScaleReduction.PairRates(model, lowered, pairs[f].C, x0, k0), x0, model, [.. pairs.SelectMany(p => new[] { p.C.F, p.C.R })]);
        var fastPairs = ImmutableArray.CreateBuilder<FastPair>();
        for (int e = 0; e < pairs.Count; e++)
        {
            var (c, sep) = pairs[e];
            Expr sum = new BinaryExpr(BinaryOperator.Add, Kf(e), Kr(e), pos);
            Expr p = new CallExpr(BuiltinFunction.If, [new BinaryExpr(BinaryOperator.Greater, sum, new NumberExpr(0, pos), pos),
                new BinaryExpr(BinaryOperator.Divide, Kf(e), sum, pos), new NumberExpr(0, pos)], pos);
            // The reservoir's free count at equilibrium with its groups bounds the pair's separation too (its mean-field error is at most 1/ḡ).
            if (c.G >= 0) sep = Math.Min(sep, depleted[c.G]);
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
        return new ReducedNetwork(model, full, reducedModel, fastPairs.ToImmutable(), fastGroups, map, reservoirFree, [.. slowIndex], notes, options);

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
