using System.Collections.Immutable;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Simulation.SlowScale;

/// <summary>Options of <see cref="SlowScaleReduction.Reduce"/>.</summary>
public sealed record SlowScaleOptions
{
    /// <summary>
    /// Default separation θ = 10: one order of magnitude. On the IL-2 model it lumps neither CD25
    /// capture (separation 3.8) nor CD122 capture (2.4); the error measured against exact SSA at θ = 2
    /// is within a few percent (docs/il2-results.md, "Slow-scale error"). Use 100 to be conservative.
    /// </summary>
    public const double DefaultTheta = 10;

    /// <summary>
    /// Required time-scale separation θ: a reversible first-order pair A ⇄ B (rates kf, kr) is fast
    /// when kf + kr ≥ θ × c, where c is the largest per-molecule propensity of any other reaction
    /// consuming A or B, evaluated at the model's initial counts and parameter values.
    /// The relative error of the equilibrium assumption for the fluxes leaving the pair is of order 1/θ.
    /// </summary>
    public double Theta { get; init; } = DefaultTheta;

    /// <summary>Alternative absolute criterion: when set, a pair is fast when kf + kr ≥ this rate (per unit model time), whatever the other reactions.</summary>
    public double? MinimumRate { get; init; }
}

/// <summary>
/// A fast reversible first-order pair A ⇄ B lumped into a total T = A + B. Given T, the fast
/// subsystem's equilibrium is B ~ Binomial(T, p) with p = kf/(kf + kr).
/// </summary>
/// <param name="A">Species A (index in the full model).</param>
/// <param name="B">Species B (index in the full model).</param>
/// <param name="Forward">Reaction A → B (index in the full model).</param>
/// <param name="Reverse">Reaction B → A (index in the full model).</param>
/// <param name="Total">The total's species index in the reduced model.</param>
/// <param name="ProbabilityB">p = kf/(kf + kr) as an expression over parameters (0 when kf + kr = 0).</param>
/// <param name="Separation">(kf + kr) / c at the reference state (∞ when nothing else consumes A or B).</param>
public sealed record FastPair(int A, int B, int Forward, int Reverse, int Total, Expr ProbabilityB, double Separation);

/// <summary>
/// The result of <see cref="SlowScaleReduction.Reduce"/>: a model over the slow variables and the maps
/// between its state and the full model's.
/// </summary>
public sealed class ReducedModel
{
    private readonly CompiledExpression[] _p;

    internal ReducedModel(ReactionModel full, ReactionModel model, ImmutableArray<FastPair> pairs, int[] speciesMap, ImmutableArray<string> notes)
    {
        Full = full;
        Model = model;
        Pairs = pairs;
        SpeciesMap = speciesMap;
        Notes = notes;
        _p = [.. pairs.Select(p => ExpressionCompiler.Compile(p.ProbabilityB))];
    }

    /// <summary>The model that was reduced.</summary>
    public ReactionModel Full { get; }
    /// <summary>The reduced model: same parameters (same order), pair species replaced by their totals, fast reactions removed.</summary>
    public ReactionModel Model { get; }
    /// <summary>The fast pairs lumped (empty: the reduced model is the full one, re-indexed).</summary>
    public ImmutableArray<FastPair> Pairs { get; }
    /// <summary>Reduced species index of each full species (A and B of a pair map to its total).</summary>
    public IReadOnlyList<int> SpeciesMap { get; }
    /// <summary>Why candidate pairs were refused (one line each).</summary>
    public ImmutableArray<string> Notes { get; }

    /// <summary>Maps full-model counts to reduced counts (T = A + B).</summary>
    public void ReduceCounts(ReadOnlySpan<double> full, Span<double> reduced)
    {
        reduced.Clear();
        for (int s = 0; s < full.Length; s++) reduced[SpeciesMap[s]] += full[s];
    }

    /// <summary>
    /// The full-model state expected given a reduced state: A = T(1 − p), B = T·p (the conditional
    /// mean under the fast equilibrium; not whole numbers), every other species copied.
    /// </summary>
    public void ExpectedFullState(double[] reduced, double[] parameters, double[] full)
    {
        for (int s = 0; s < full.Length; s++) full[s] = reduced[SpeciesMap[s]];
        for (int k = 0; k < Pairs.Length; k++)
        {
            var pair = Pairs[k];
            double p = _p[k](reduced, parameters, 0), n = reduced[pair.Total];
            full[pair.B] = n * p;
            full[pair.A] = n - full[pair.B];
        }
    }
}

/// <summary>
/// Slow-scale SSA by model reduction (Cao, Gillespie &amp; Petzold 2005, J Chem Phys 122:014116;
/// cf. Rao &amp; Arkin 2003, J Chem Phys 118:4999; Haseltine &amp; Rawlings 2002, J Chem Phys 117:6959)
/// for fast reversible first-order pairs A ⇄ B whose rates read only parameters. The pair's total
/// T = A + B is the slow variable; given T, B ~ Binomial(T, p), p = kf/(kf + kr), pairs independent.
/// Every other reaction's propensity is replaced by its conditional expectation under that
/// product-binomial equilibrium: mass-action factors use E[(T−B)^(i) B^(j)] = T^(i+j) (1−p)^i p^j
/// (falling factorials), and rate expressions reading A or B must be affine in each pair (then the
/// expectation is the expression at the means; pairs that appear nonlinearly are refused). Any exact
/// algorithm then runs the reduced model.
/// </summary>
public static class SlowScaleReduction
{
    /// <summary>Finds the fast pairs of <paramref name="model"/> and builds the reduced model.</summary>
    public static ReducedModel Reduce(ReactionModel model, SlowScaleOptions? options = null)
    {
        options ??= new SlowScaleOptions();
        var notes = ImmutableArray.CreateBuilder<string>();
        var reactions = model.Reactions;
        var lowered = reactions.Select(r => model.Lower(r.Rate)).ToArray();
        var candidates = new List<(int A, int B, int F, int R)>();
        if (model.Rules.Length > 0 || model.Events.Length > 0)
        {
            notes.Add("the model has assignment rules or events: no reduction");
        }
        else
        {
            var used = new HashSet<int>();
            for (int f = 0; f < reactions.Length; f++)
            {
                if (!IsFirstOrderConversion(model, reactions[f], lowered[f], out int a, out int b) || used.Contains(f)) continue;
                for (int r = f + 1; r < reactions.Length; r++)
                {
                    if (used.Contains(r) || !IsFirstOrderConversion(model, reactions[r], lowered[r], out int a2, out int b2) || a2 != b || b2 != a) continue;
                    candidates.Add((a, b, f, r));
                    used.Add(f); used.Add(r);
                    break;
                }
            }
        }

        double[] x0 = [.. model.Species.Select(s => s.InitialCount)];
        double[] k0 = [.. model.Parameters.Select(p => p.Value)];
        var accepted = new List<(int A, int B, int F, int R, double Sep)>();
        var current = candidates.ToList();
        while (true)
        {
            var fast = new HashSet<int>(current.SelectMany(c => new[] { c.F, c.R }));
            var next = new List<(int A, int B, int F, int R)>();
            accepted.Clear();
            // A species in two fast pairs: keep the pair met first.
            var taken = new HashSet<int>();
            foreach (var c in current)
            {
                string name = $"{Name(model, c.F)}/{Name(model, c.R)}";
                double kf = Eval(lowered[c.F], x0, k0) * reactions[c.F].StatisticalFactor;
                double kr = Eval(lowered[c.R], x0, k0) * reactions[c.R].StatisticalFactor;
                double drain = 0;
                for (int r = 0; r < reactions.Length; r++)
                    if (!fast.Contains(r)) drain = Math.Max(drain, Math.Max(PerMolecule(model, reactions[r], lowered[r], c.A, x0, k0), PerMolecule(model, reactions[r], lowered[r], c.B, x0, k0)));
                double sep = drain > 0 ? (kf + kr) / drain : double.PositiveInfinity;
                bool ok = options.MinimumRate is { } min ? kf + kr >= min : sep >= options.Theta;
                if (!ok)
                {
                    notes.Add(FormattableString.Invariant($"{name}: kf + kr = {kf + kr:G4}, separation {sep:G3} below the criterion"));
                    continue;
                }
                // Rates reading the pair must be affine in (A, B); a functional rate that both reads the pair and has it as a reactant is refused.
                string? why = null;
                for (int r = 0; r < reactions.Length && why is null; r++)
                {
                    if (fast.Contains(r) || reactions[r].Kind == RateLawKind.MassAction) continue;
                    int degree = Degree(lowered[r], c.A, c.B);
                    if (degree < 0) why = $"the rate of '{Name(model, r)}' is nonlinear in {model.Species[c.A].Name} or {model.Species[c.B].Name}";
                    else if (degree > 0 && reactions[r].Kind == RateLawKind.Functional && reactions[r].Reactants.Any(s => s == c.A || s == c.B))
                        why = $"the functional rate of '{Name(model, r)}' reads the pair it consumes";
                }
                if (why is not null) { notes.Add($"{name}: {why}"); continue; }
                if (taken.Contains(c.A) || taken.Contains(c.B)) { notes.Add($"{name}: shares a species with a fast pair met earlier"); continue; }
                taken.Add(c.A); taken.Add(c.B);
                next.Add(c);
                accepted.Add((c.A, c.B, c.F, c.R, sep));
            }
            if (next.Count == current.Count) break;
            current = next;
        }
        return Build(model, lowered, accepted, notes.ToImmutable());
    }

    private static string Name(ReactionModel model, int r) => Network.NetworkCompiler.ReactionName(model, model.Reactions[r]);

    private static bool IsFirstOrderConversion(ReactionModel model, Reaction reaction, Expr lowered, out int a, out int b)
    {
        a = b = -1;
        if (reaction.Kind == RateLawKind.Propensity || reaction.Reactants.Length != 1 || reaction.Products.Length != 1) return false;
        a = reaction.Reactants[0]; b = reaction.Products[0];
        if (a == b || model.Species[a].Clamped || model.Species[b].Clamped) return false;
        return ExpressionEvaluator.Symbols(lowered).All(s => s.Kind == SymbolKind.Parameter);
    }

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
    internal static int Degree(Expr e, int a, int b)
    {
        switch (e)
        {
            case NumberExpr: return 0;
            case SymbolExpr s: return s.Kind == SymbolKind.Species && (s.Index == a || s.Index == b) ? 1 : 0;
            case UnaryExpr u:
                {
                    int d = Degree(u.Operand, a, b);
                    return u.Operator == UnaryOperator.Negate ? d : d == 0 ? 0 : -1;
                }
            case BinaryExpr x:
                {
                    int l = Degree(x.Left, a, b), r = Degree(x.Right, a, b);
                    if (l < 0 || r < 0) return -1;
                    return x.Operator switch
                    {
                        BinaryOperator.Add or BinaryOperator.Subtract => Math.Max(l, r),
                        BinaryOperator.Multiply => l + r <= 1 ? l + r : -1,
                        BinaryOperator.Divide => r == 0 ? l : -1,
                        _ => l == 0 && r == 0 ? 0 : -1,
                    };
                }
            case CallExpr c: return c.Arguments.All(arg => Degree(arg, a, b) == 0) ? 0 : -1;
            case PiecewiseExpr p:
                return p.Pieces.All(q => Degree(q.Value, a, b) == 0 && Degree(q.Condition, a, b) == 0) && (p.Otherwise is null || Degree(p.Otherwise, a, b) == 0) ? 0 : -1;
            default: return -1;
        }
    }

    private static ReducedModel Build(ReactionModel model, Expr[] lowered, List<(int A, int B, int F, int R, double Sep)> pairs, ImmutableArray<string> notes)
    {
        var pos = new SourcePosition();
        int n = model.Species.Length;
        var pairOf = new int[n];
        Array.Fill(pairOf, -1);
        for (int k = 0; k < pairs.Count; k++) { pairOf[pairs[k].A] = k; pairOf[pairs[k].B] = k; }

        // Reduced species: full order, B dropped, A replaced by the total.
        var map = new int[n];
        var species = ImmutableArray.CreateBuilder<Species>();
        var totalIndex = new int[pairs.Count];
        for (int s = 0; s < n; s++)
        {
            int k = pairOf[s];
            if (k >= 0 && pairs[k].B == s) continue;
            map[s] = species.Count;
            if (k < 0) { species.Add(model.Species[s]); continue; }
            var a = model.Species[pairs[k].A];
            var b = model.Species[pairs[k].B];
            totalIndex[k] = species.Count;
            species.Add(new Species($"{a.Name}_{b.Name}_total", new BinaryExpr(BinaryOperator.Add, a.InitialExpression, b.InitialExpression, a.Position),
                a.InitialCount + b.InitialCount, false, a.Position));
        }
        for (int k = 0; k < pairs.Count; k++) map[pairs[k].B] = totalIndex[k];
        var reducedSpecies = species.ToImmutable();

        SymbolExpr Sym(int reducedIndex) => new(SymbolKind.Species, reducedIndex, reducedSpecies[reducedIndex].Name, pos);
        var pExpr = new Expr[pairs.Count];
        var fastPairs = ImmutableArray.CreateBuilder<FastPair>();
        for (int k = 0; k < pairs.Count; k++)
        {
            var (a, b, f, r, sep) = pairs[k];
            Expr kf = Scale(lowered[f], model.Reactions[f].StatisticalFactor), kr = Scale(lowered[r], model.Reactions[r].StatisticalFactor);
            Expr sum = new BinaryExpr(BinaryOperator.Add, kf, kr, pos);
            pExpr[k] = new CallExpr(BuiltinFunction.If, [new BinaryExpr(BinaryOperator.Greater, sum, new NumberExpr(0, pos), pos),
                new BinaryExpr(BinaryOperator.Divide, kf, sum, pos), new NumberExpr(0, pos)], pos);
            fastPairs.Add(new FastPair(a, b, f, r, totalIndex[k], pExpr[k], sep));
        }
        Expr Q(int k) => new BinaryExpr(BinaryOperator.Subtract, new NumberExpr(1, pos), pExpr[k], pos);

        // Species symbols: A → T(1 − p), B → T p, others re-indexed.
        Expr Replace(SymbolExpr s)
        {
            if (s.Kind != SymbolKind.Species) return s;
            int k = pairOf[s.Index];
            if (k < 0) return Sym(map[s.Index]);
            return new BinaryExpr(BinaryOperator.Multiply, Sym(totalIndex[k]), pairs[k].B == s.Index ? pExpr[k] : Q(k), pos);
        }

        var fastSet = new HashSet<int>(pairs.SelectMany(p => new[] { p.F, p.R }));
        var reduced = ImmutableArray.CreateBuilder<Reaction>();
        for (int r = 0; r < model.Reactions.Length; r++)
        {
            if (fastSet.Contains(r)) continue;
            var reaction = model.Reactions[r];
            var reactants = reaction.Reactants.Select(s => map[s]).ToImmutableArray();
            var products = reaction.Products.Select(s => map[s]).ToImmutableArray();
            // A slow reaction that only moves molecules inside a pair changes no slow variable: drop it.
            if (NetChangeIsZero(reactants, products)) continue;
            bool touches = reaction.Reactants.Any(s => pairOf[s] >= 0)
                || ExpressionEvaluator.Symbols(lowered[r]).Any(s => s.Kind == SymbolKind.Species && pairOf[s.Index] >= 0);
            var rate = ExpressionEvaluator.Substitute(lowered[r], Replace);
            if (!touches || reaction.Kind == RateLawKind.Propensity)
            {
                reduced.Add(reaction with { Reactants = reactants, Products = products, Rate = rate });
                continue;
            }
            // Propensity = factor × E[rate] × Π falling factorials, with pair factors replaced by their expectation.
            Expr prop = Scale(rate, reaction.StatisticalFactor);
            foreach (var g in reaction.Reactants.GroupBy(s => pairOf[s] >= 0 ? -1 - pairOf[s] : s))
            {
                if (g.Key >= 0) { prop = Mul(prop, Falling(Sym(map[g.Key]), g.Count())); continue; }
                int k = -1 - g.Key;
                int i = g.Count(s => s == pairs[k].A), j = g.Count(s => s == pairs[k].B);
                prop = Mul(prop, Falling(Sym(totalIndex[k]), i + j));
                for (int m = 0; m < i; m++) prop = Mul(prop, Q(k));
                for (int m = 0; m < j; m++) prop = Mul(prop, pExpr[k]);
            }
            reduced.Add(new Reaction(reaction.Label, reactants, products, prop, RateLawKind.Propensity, 1, reaction.Position));
        }

        // Observables that stay exact: pair members with equal weights (or none); others are dropped (use ExpectedFullState).
        var observables = ImmutableArray.CreateBuilder<Observable>();
        foreach (var o in model.Observables)
        {
            var weights = new Dictionary<int, double>();
            bool exact = true;
            foreach (var t in o.Terms)
            {
                int k = pairOf[t.Species];
                if (k >= 0)
                {
                    int other = pairs[k].A == t.Species ? pairs[k].B : pairs[k].A;
                    var w = o.Terms.Where(u => u.Species == other).Select(u => u.Weight).DefaultIfEmpty(double.NaN).First();
                    if (w != t.Weight) { exact = false; break; }
                    if (pairs[k].A != t.Species) continue;
                }
                weights[map[t.Species]] = weights.GetValueOrDefault(map[t.Species]) + t.Weight;
            }
            if (exact) observables.Add(o with { Terms = [.. weights.Select(kv => new ObservableTerm(kv.Key, kv.Value))] });
        }

        var reducedModel = new ReactionModel(model.Name + " (slow-scale)", model.Parameters, reducedSpecies, observables.ToImmutable(), [],
            reduced.ToImmutable(), defaultRun: model.DefaultRun, warnings: model.Warnings);
        return new ReducedModel(model, reducedModel, fastPairs.ToImmutable(), map, notes);

        static Expr Mul(Expr l, Expr r) => new BinaryExpr(BinaryOperator.Multiply, l, r, l.Position);
        Expr Scale(Expr e, double f) => f == 1 ? e : Mul(new NumberExpr(f, pos), e);
        Expr Falling(Expr x, int m)
        {
            Expr result = x;
            for (int q = 1; q < m; q++) result = Mul(result, new BinaryExpr(BinaryOperator.Subtract, x, new NumberExpr(q, pos), pos));
            return result;
        }
    }

    private static bool NetChangeIsZero(ImmutableArray<int> reactants, ImmutableArray<int> products)
    {
        var delta = new Dictionary<int, int>();
        foreach (int s in reactants) delta[s] = delta.GetValueOrDefault(s) - 1;
        foreach (int s in products) delta[s] = delta.GetValueOrDefault(s) + 1;
        return delta.Values.All(v => v == 0);
    }
}
