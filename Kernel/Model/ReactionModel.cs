using System.Collections.Immutable;
using Stochastic.Expressions;

namespace Stochastic.Model;

/// <summary>A named constant. <see cref="Value"/> is <see cref="Expression"/> evaluated over earlier parameters.</summary>
public sealed record Parameter(string Name, Expr Expression, double Value, SourcePosition Position);

/// <summary>
/// A species: a molecule count. <see cref="Clamped"/> species (BNGL <c>$Name</c>, SBML boundary or
/// constant species) are never changed by reactions.
/// </summary>
public sealed record Species(string Name, Expr InitialExpression, double InitialCount, bool Clamped, SourcePosition Position);

/// <summary>One term of an observable: species index and weight.</summary>
public readonly record struct ObservableTerm(int Species, double Weight);

/// <summary>An observable: a weighted sum of species counts (BNGL <c>Molecules</c> observables).</summary>
public sealed record Observable(string Name, ImmutableArray<ObservableTerm> Terms, SourcePosition Position);

/// <summary>A named expression over parameters, observables, other functions and time (BNGL <c>functions</c> block).</summary>
public sealed record Function(string Name, Expr Body, SourcePosition Position);

/// <summary>How a reaction's rate expression becomes its propensity.</summary>
public enum RateLawKind
{
    /// <summary>
    /// Mass action: propensity = rate × statistical factor × Π falling factorial of each reactant's
    /// count by its multiplicity. The rate reads parameters only.
    /// </summary>
    MassAction,
    /// <summary>
    /// BioNetGen functional rate: the rate expression may read observables, species and time, and is
    /// multiplied by the same statistical factor and reactant counts as mass action.
    /// </summary>
    Functional,
    /// <summary>SBML kinetic law: the expression is the whole propensity (events per unit time).</summary>
    Propensity,
}

/// <summary>
/// A reaction. Reactants and products list species indices with repetition for stoichiometry
/// (<c>A + A -> B</c> has reactants [A, A]).
/// </summary>
/// <param name="Label">Optional label (BNGL <c>label:</c>, SBML id).</param>
/// <param name="Reactants">Reactant species indices, repeated for stoichiometry.</param>
/// <param name="Products">Product species indices, repeated for stoichiometry.</param>
/// <param name="Rate">The rate expression.</param>
/// <param name="Kind">How <paramref name="Rate"/> becomes the propensity.</param>
/// <param name="StatisticalFactor">Multiplies mass-action and functional propensities: 1/Π m! for identical reactants in BNGL, 1 for BioNetGen .net files (whose rates carry the factor).</param>
/// <param name="Position">Where the reaction is written.</param>
public sealed record Reaction(
    string? Label,
    ImmutableArray<int> Reactants,
    ImmutableArray<int> Products,
    Expr Rate,
    RateLawKind Kind,
    double StatisticalFactor,
    SourcePosition Position);

/// <summary>An SBML assignment rule: a species or parameter always equal to an expression.</summary>
public sealed record AssignmentRule(SymbolExpr Target, Expr Value, SourcePosition Position);

/// <summary>
/// A rate rule (SBML <c>rateRule</c>): the parameter <see cref="Target"/> is a continuous variable whose
/// value follows d<see cref="Target"/>/dt = <see cref="Derivative"/>, integrated deterministically.
/// A species with a rate rule is read through such a parameter (see the SBML reader).
/// </summary>
/// <param name="Target">The parameter (<see cref="SymbolKind.Parameter"/>) that changes continuously.</param>
/// <param name="Derivative">Its time derivative, over species, parameters and time.</param>
/// <param name="Position">Where the rule is written.</param>
public sealed record RateRule(SymbolExpr Target, Expr Derivative, SourcePosition Position);

/// <summary>One assignment of an event.</summary>
public sealed record EventAssignment(SymbolExpr Target, Expr Value);

/// <summary>
/// A discrete event: when <see cref="Trigger"/> goes from false to true, every assignment is applied
/// together (values computed at the trigger time).
/// </summary>
public sealed record ModelEvent(string Id, Expr Trigger, ImmutableArray<EventAssignment> Assignments, bool InitialValue, SourcePosition Position);

/// <summary>Default run settings read from a model file's actions (BNGL <c>simulate({...})</c>).</summary>
/// <param name="Method">Method named by the file (<c>ssa</c>, …), or null.</param>
/// <param name="TEnd">End time, or null.</param>
/// <param name="Points">Number of output intervals (BNGL <c>n_steps</c>), or null.</param>
/// <param name="TStart">Start time, or null.</param>
public sealed record RunSettings(string? Method, double? TEnd, int? Points, double? TStart);

/// <summary>
/// A reaction-network model as the modeler wrote it: names, expressions and source positions,
/// validated. Immutable. Produced by the readers (<c>BnglReader</c>, …) and compiled
/// into a <see cref="Network.CompiledNetwork"/> for simulation.
/// </summary>
public sealed class ReactionModel
{
    /// <summary>Creates a model. Readers validate before calling this.</summary>
    public ReactionModel(
        string name,
        ImmutableArray<Parameter> parameters,
        ImmutableArray<Species> species,
        ImmutableArray<Observable> observables,
        ImmutableArray<Function> functions,
        ImmutableArray<Reaction> reactions,
        ImmutableArray<AssignmentRule> rules = default,
        ImmutableArray<ModelEvent> events = default,
        RunSettings? defaultRun = null,
        ImmutableArray<ModelError> warnings = default,
        ImmutableArray<RateRule> rateRules = default)
    {
        Name = name;
        Parameters = parameters;
        Species = species;
        Observables = observables;
        Functions = functions;
        Reactions = reactions;
        Rules = rules.IsDefault ? [] : rules;
        Events = events.IsDefault ? [] : events;
        DefaultRun = defaultRun;
        Warnings = warnings.IsDefault ? [] : warnings;
        RateRules = rateRules.IsDefault ? [] : rateRules;
        foreach (var rule in RateRules)
            if (rule.Target.Kind != SymbolKind.Parameter)
                throw new ArgumentException($"rate rule target '{rule.Target.Name}' must be a parameter", nameof(rateRules));
    }

    /// <summary>The model's name (file name without extension for files).</summary>
    public string Name { get; }
    /// <summary>Parameters in definition order.</summary>
    public ImmutableArray<Parameter> Parameters { get; }
    /// <summary>Species in definition order; indices are used everywhere else.</summary>
    public ImmutableArray<Species> Species { get; }
    /// <summary>Observables.</summary>
    public ImmutableArray<Observable> Observables { get; }
    /// <summary>Functions.</summary>
    public ImmutableArray<Function> Functions { get; }
    /// <summary>Reactions (a reversible rule becomes two reactions).</summary>
    public ImmutableArray<Reaction> Reactions { get; }
    /// <summary>Assignment rules (SBML).</summary>
    public ImmutableArray<AssignmentRule> Rules { get; }
    /// <summary>Rate rules (SBML): parameters that are continuous variables, each with its derivative.</summary>
    public ImmutableArray<RateRule> RateRules { get; }
    /// <summary>Events (SBML).</summary>
    public ImmutableArray<ModelEvent> Events { get; }
    /// <summary>Default run settings from the file's actions, if any.</summary>
    public RunSettings? DefaultRun { get; }
    /// <summary>Things the reader accepted but wants the user to know (unsupported actions, …).</summary>
    public ImmutableArray<ModelError> Warnings { get; }

    /// <summary>
    /// Rewrites an expression so it reads only species, parameters and time: observables become
    /// weighted sums of species, functions are inlined, and species or parameters set by assignment
    /// rules are replaced by their rule's expression. Readers reject cycles, so this terminates.
    /// </summary>
    /// <exception cref="ModelException">The inlined expression would have more than <see cref="ExpressionLimits.MaxNodes"/> nodes (functions that call each other twice per level grow exponentially) or nest too deeply for the stack.</exception>
    public Expr Lower(Expr expr)
    {
        if (!NeedsLowering(expr)) return expr;
        int nodes = 0;
        return LowerNode(expr, ref nodes);
    }

    // Rule targets by (kind, index), built on first use so lowering costs O(1) per symbol, not O(rules).
    private Dictionary<(SymbolKind, int), AssignmentRule>? _ruleTargets;

    private Dictionary<(SymbolKind, int), AssignmentRule> RuleTargets
    {
        get
        {
            if (_ruleTargets is { } cached) return cached;
            var map = new Dictionary<(SymbolKind, int), AssignmentRule>();
            foreach (var rule in Rules) map.TryAdd((rule.Target.Kind, rule.Target.Index), rule);
            return _ruleTargets = map;
        }
    }

    /// <summary>True when <paramref name="expr"/> reads something <see cref="Lower"/> replaces (no allocation; most rates read parameters only).</summary>
    private bool NeedsLowering(Expr expr)
    {
        ExpressionLimits.EnsureStack(expr);
        switch (expr)
        {
            case NumberExpr: return false;
            case SymbolExpr s:
                return s.Kind is SymbolKind.Observable or SymbolKind.Function
                    || (Rules.Length > 0 && RuleTargets.ContainsKey((s.Kind, s.Index)));
            case UnaryExpr u: return NeedsLowering(u.Operand);
            case BinaryExpr b: return NeedsLowering(b.Left) || NeedsLowering(b.Right);
            case CallExpr c:
                foreach (var a in c.Arguments) if (NeedsLowering(a)) return true;
                return false;
            default: return true;
        }
    }

    // Substitution with a budget: every node built counts, so inlining cannot grow without bound.
    private Expr LowerNode(Expr expr, ref int nodes)
    {
        ExpressionLimits.EnsureStack(expr);
        if (++nodes > ExpressionLimits.MaxNodes)
            throw ThrowHelper.Model(expr.Position, $"expression has more than {ExpressionLimits.MaxNodes:N0} terms once its functions, observables and rules are inlined");
        switch (expr)
        {
            case SymbolExpr s: return LowerSymbol(s, ref nodes);
            case UnaryExpr u: return u with { Operand = LowerNode(u.Operand, ref nodes) };
            case BinaryExpr b:
                var left = LowerNode(b.Left, ref nodes);
                return b with { Left = left, Right = LowerNode(b.Right, ref nodes) };
            case CallExpr c:
                var args = ImmutableArray.CreateBuilder<Expr>(c.Arguments.Length);
                foreach (var a in c.Arguments) args.Add(LowerNode(a, ref nodes));
                return c with { Arguments = args.MoveToImmutable() };
            case PiecewiseExpr p:
                var pieces = ImmutableArray.CreateBuilder<Piece>(p.Pieces.Length);
                foreach (var x in p.Pieces)
                {
                    var value = LowerNode(x.Value, ref nodes);
                    pieces.Add(new Piece(value, LowerNode(x.Condition, ref nodes)));
                }
                return p with { Pieces = pieces.MoveToImmutable(), Otherwise = p.Otherwise is null ? null : LowerNode(p.Otherwise, ref nodes) };
            default: return expr;
        }
    }

    private Expr LowerSymbol(SymbolExpr s, ref int nodes)
    {
        switch (s.Kind)
        {
            case SymbolKind.Observable:
                var terms = Observables[s.Index].Terms;
                nodes += 2 * terms.Length;
                if (nodes > ExpressionLimits.MaxNodes)
                    throw ThrowHelper.Model(s.Position, $"expression has more than {ExpressionLimits.MaxNodes:N0} terms once its functions, observables and rules are inlined");
                if (terms.Length == 0) return new NumberExpr(0, s.Position);
                Expr sum = Term(terms[0], s.Position);
                for (int i = 1; i < terms.Length; i++) sum = new BinaryExpr(BinaryOperator.Add, sum, Term(terms[i], s.Position), s.Position);
                return sum;
            case SymbolKind.Function:
                return LowerNode(Functions[s.Index].Body, ref nodes);
            default:
                return Rules.Length > 0 && RuleTargets.TryGetValue((s.Kind, s.Index), out var rule) ? LowerNode(rule.Value, ref nodes) : s;
        }
    }

    private SymbolExpr SpeciesSymbol(int index, SourcePosition position) => new(SymbolKind.Species, index, Species[index].Name, position);

    private Expr Term(ObservableTerm term, SourcePosition position) => term.Weight == 1
        ? SpeciesSymbol(term.Species, position)
        : new BinaryExpr(BinaryOperator.Multiply, new NumberExpr(term.Weight, position), SpeciesSymbol(term.Species, position), position);

    /// <summary>Finds a species index by name, or -1.</summary>
    public int SpeciesIndex(string name)
    {
        for (int i = 0; i < Species.Length; i++) if (Species[i].Name == name) return i;
        return -1;
    }

    /// <summary>Finds a parameter index by name, or -1.</summary>
    public int ParameterIndex(string name)
    {
        for (int i = 0; i < Parameters.Length; i++) if (Parameters[i].Name == name) return i;
        return -1;
    }

    /// <summary>
    /// This model with the named parameters fixed at <paramref name="values"/> and every other parameter
    /// re-evaluated from its expression in definition order, so that derived ones (<c>kr5 = kf2D*K5</c>)
    /// follow, and every seed count re-evaluated; mass-action rates, which the network compiler fixes from
    /// the parameter values, follow too. The model itself is unchanged (it is immutable).
    /// </summary>
    /// <exception cref="ArgumentException">A name is not a parameter of the model.</exception>
    public ReactionModel WithParameterValues(IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var name in values.Keys)
            if (ParameterIndex(name) < 0) throw new ArgumentException($"'{name}' is not a parameter of model '{Name}'", nameof(values));
        var evaluated = new double[Parameters.Length];
        var parameters = ImmutableArray.CreateBuilder<Parameter>(Parameters.Length);
        for (int i = 0; i < Parameters.Length; i++)
        {
            var p = Parameters[i];
            if (values.TryGetValue(p.Name, out double v))
            {
                evaluated[i] = v;
                parameters.Add(p with { Expression = new NumberExpr(v, p.Position), Value = v });
                continue;
            }
            evaluated[i] = ExpressionEvaluator.Evaluate(p.Expression, s => s.Kind == SymbolKind.Parameter ? evaluated[s.Index] : double.NaN);
            parameters.Add(p with { Value = evaluated[i] });
        }
        var species = Species.Select(s =>
        {
            double c = ExpressionEvaluator.Evaluate(s.InitialExpression, x => x.Kind == SymbolKind.Parameter ? evaluated[x.Index] : double.NaN);
            return double.IsFinite(c) ? s with { InitialCount = c } : s;
        });
        return new ReactionModel(Name, parameters.MoveToImmutable(), [.. species], Observables, Functions, Reactions,
            Rules, Events, DefaultRun, Warnings, RateRules);
    }
}
