using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Network;

/// <summary>
/// A reaction network in the flat, index-based form the algorithms read: reactant indices and
/// multiplicities, net stoichiometry, rate constants, propensity kinds, the species' readers and the
/// reaction dependency graph (built on first use), all as arrays in compressed-row form, with the
/// compiled events and the names that messages and outputs need. Built once from a
/// <see cref="ReactionModel"/> by <see cref="NetworkCompiler"/>; it keeps no reference to the model,
/// and is immutable afterwards (what is built on first use is always the same) and safe to share between threads.
/// </summary>
public sealed class CompiledNetwork
{
    internal CompiledNetwork() { }

    /// <summary>The name of the model this network was compiled from.</summary>
    public required string ModelName { get; init; }
    /// <summary>Number of species.</summary>
    public int SpeciesCount => SpeciesNames.Length;
    /// <summary>Number of reactions.</summary>
    public int ReactionCount => Kinds.Length;
    /// <summary>Species names, by index.</summary>
    public required string[] SpeciesNames { get; init; }
    /// <summary>Reaction names (label, or a readable form of the reaction), by index.</summary>
    /// <remarks>Built on first use: for networks of 10^5 reactions with long BioNetGen species strings the names
    /// take more memory than the whole compiled network, and simulations need them only for messages.</remarks>
    public string[] ReactionNames => _reactionNames ??= BuildReactionNames();

    private string[]? _reactionNames;
    // What the names are made from: labels (null where none), and every reactant and product as
    // written (compressed rows), which the distinct reactants and net changes do not keep.
    internal string?[] Labels { get; init; } = [];
    internal int[] NameOffsets { get; init; } = [0];
    internal int[] NameSpecies { get; init; } = [];
    internal int[] NameProductStart { get; init; } = [];

    private string[] BuildReactionNames()
    {
        var names = new string[ReactionCount];
        for (int r = 0; r < names.Length; r++)
        {
            var species = NameSpecies.AsSpan(NameOffsets[r], NameOffsets[r + 1] - NameOffsets[r]);
            int products = NameProductStart[r] - NameOffsets[r];
            names[r] = NetworkCompiler.ReactionName(Labels[r], s => SpeciesNames[s], species[..products], species[products..]);
        }
        return names;
    }
    /// <summary>Initial species counts (exact integers stored as doubles).</summary>
    internal double[] InitialCounts { get; init; } = null!;
    /// <summary>Parameter values, by model parameter index.</summary>
    internal double[] Parameters { get; init; } = null!;
    /// <summary>Parameter names, by model parameter index.</summary>
    public required string[] ParameterNames { get; init; }
    /// <summary>The model's discrete events, compiled; null when it has none.</summary>
    internal CompiledEvents? Events { get; init; }

    /// <summary>True when the model has discrete events.</summary>
    public bool HasEvents => Events is not null;

    /// <summary>Index of the parameter named <paramref name="name"/> (ordinal), or -1.</summary>
    public int ParameterIndex(string name) => Array.IndexOf(ParameterNames, name);

    /// <summary>Propensity kind per reaction (read-only view).</summary>
    public ReadOnlySpan<PropensityKind> PropensityKinds => Kinds;
    /// <summary>Propensity kind per reaction.</summary>
    internal PropensityKind[] Kinds { get; init; } = null!;
    /// <summary>Rate constant per reaction, statistical factor included (the mass-action c); 1 for expression kinds.</summary>
    internal double[] RateConstants { get; init; } = null!;
    /// <summary>First reactant species per reaction, or -1.</summary>
    internal int[] Reactant1 { get; init; } = null!;
    /// <summary>Second (different) reactant species per reaction, or -1.</summary>
    internal int[] Reactant2 { get; init; } = null!;
    /// <summary>Compressed-row offsets into <see cref="ReactantSpecies"/>/<see cref="ReactantMultiplicities"/> (length reactions + 1).</summary>
    internal int[] ReactantOffsets { get; init; } = null!;
    /// <summary>Distinct reactant species of each reaction.</summary>
    internal int[] ReactantSpecies { get; init; } = null!;
    /// <summary>How many times each distinct reactant appears (its order).</summary>
    internal int[] ReactantMultiplicities { get; init; } = null!;
    /// <summary>Compressed-row offsets into <see cref="ChangeSpecies"/>/<see cref="ChangeAmounts"/> (length reactions + 1).</summary>
    internal int[] ChangeOffsets { get; init; } = null!;
    /// <summary>Species whose count a reaction changes (nonzero net change, clamped species excluded).</summary>
    internal int[] ChangeSpecies { get; init; } = null!;
    /// <summary>Net change of each such species when the reaction fires once.</summary>
    internal double[] ChangeAmounts { get; init; } = null!;
    /// <summary>Compressed-row offsets into <see cref="Readers"/> (length species + 1).</summary>
    internal int[] ReaderOffsets { get; init; } = null!;
    /// <summary>For each species, the reactions whose propensity reads it (reactants and species in the rate), ascending, each once.</summary>
    internal int[] Readers { get; init; } = null!;
    /// <summary>Compressed-row offsets into <see cref="Dependents"/> (length reactions + 1).</summary>
    internal int[] DependentOffsets => DependencyGraph.Offsets;
    /// <summary>
    /// For each reaction, the reactions whose propensity changes when it fires (itself included when affected):
    /// the readers of its first changed species, then the new ones among the readers of the next, and so on.
    /// </summary>
    internal int[] Dependents => DependencyGraph.Dependents;

    private Graph? _dependencyGraph;

    /// <summary>A dependency graph in compressed-row form.</summary>
    internal sealed record Graph(int[] Offsets, int[] Dependents);

    /// <summary>
    /// The reaction dependency graph, built on first use from <see cref="ChangeSpecies"/> and <see cref="Readers"/>.
    /// </summary>
    /// <remarks>
    /// Built lazily because it can be far larger than the rest of the network: in a generated receptor
    /// network every reaction that binds or frees a ligand changes a species that thousands of reactions
    /// read (fceri_gamma2: 58,276 reactions, about 1,000 dependents each, 240 MB), and neither
    /// <c>stochastic check</c> nor RSSA-CR (which follows species, not reactions) needs it. Built once
    /// under a lock, so the threads of an ensemble that start together do not each build a copy.
    /// </remarks>
    private Graph DependencyGraph =>
        LazyInitializer.EnsureInitialized(ref _dependencyGraph, ref _dependencyGraphLock,
            () => NetworkCompiler.BuildDependencies(ChangeOffsets, ChangeSpecies, ReaderOffsets, Readers));

    private object? _dependencyGraphLock;

    /// <summary>True once the dependency graph has been built (for tests of its laziness).</summary>
    internal bool HasDependencyGraph => Volatile.Read(ref _dependencyGraph) is not null;
    /// <summary>Compiled rate functions for <see cref="PropensityKind.Functional"/> and <see cref="PropensityKind.Expression"/> reactions; null elsewhere.</summary>
    internal CompiledExpression?[] RateFunctions { get; init; } = null!;
    /// <summary>Each reaction's rate expression, lowered to species, parameters and time (for recomputing rate constants with other parameter values).</summary>
    internal ImmutableArray<Expr> RateExpressions { get; init; }
    /// <summary>Statistical factor per reaction (see <see cref="Reaction.StatisticalFactor"/>).</summary>
    internal double[] StatisticalFactors { get; init; } = null!;
    /// <summary>True when some propensity reads time (see <see cref="Breakpoints"/> and <see cref="SmoothTimeReactions"/>).</summary>
    internal bool TimeDependent { get; init; }
    /// <summary>
    /// Thresholds c (over parameters) of the comparisons of time in rate laws (<c>time &lt; c</c> in a
    /// piecewise or if): a propensity can jump only at c or just after it (<see cref="NextBreakpoint"/>).
    /// Empty for most networks.
    /// </summary>
    internal CompiledExpression[] Breakpoints { get; init; } = [];
    /// <summary>
    /// Reactions whose rate reads time other than in comparisons with constants (a decaying dose, say),
    /// or reads a continuous variable (<see cref="ContinuousParameters"/>), which changes between firings
    /// too: exact methods thin them against <see cref="PropensityBound"/> (over the continuous variables'
    /// ranges for the latter). Empty for most networks.
    /// </summary>
    internal int[] SmoothTimeReactions { get; init; } = [];
    /// <summary>True when some propensity changes with time between breakpoints (<see cref="SmoothTimeReactions"/> is not empty).</summary>
    internal bool SmoothTime => SmoothTimeReactions.Length > 0;

    private bool[]? _smooth;

    /// <summary>Per reaction: whether it is in <see cref="SmoothTimeReactions"/>.</summary>
    internal bool[] IsSmoothInTime => _smooth ??= BuildSmoothFlags();

    private bool[] BuildSmoothFlags()
    {
        var flags = new bool[ReactionCount];
        foreach (int r in SmoothTimeReactions) flags[r] = true;
        return flags;
    }

    /// <summary>
    /// The first instant after <paramref name="time"/> at which a rate law's comparison of time can
    /// change its value (a threshold c, or the next double after it for <c>time &gt; c</c>), or +∞.
    /// Between breakpoints every such comparison keeps its value, so every propensity not in
    /// <see cref="SmoothTimeReactions"/> is constant in time.
    /// </summary>
    internal double NextBreakpoint(double[] parameters, double time)
    {
        double next = double.PositiveInfinity;
        foreach (var threshold in Breakpoints) next = Math.Min(next, TimeThresholds.NextInstant(threshold(InitialCounts, parameters, 0), time));
        return next;
    }

    /// <summary>
    /// Relative margin by which <see cref="PropensityBound"/> widens the interval bound: far above the
    /// rounding of its round-to-nearest ends (a few ulps per operation, amplified at most by the size
    /// of an exponent), far below anything that costs rejections.
    /// </summary>
    internal const double BoundMargin = 1e-10;

    /// <summary>
    /// Bounds of reaction <paramref name="r"/>'s propensity in state <paramref name="x"/> for every time
    /// in [<paramref name="from"/>, <paramref name="to"/>] (interval arithmetic over its rate law,
    /// <see cref="IntervalEvaluator"/>), widened by <see cref="BoundMargin"/>; <paramref name="lower"/>
    /// receives the lower bound (≥ 0). The upper bound is +∞ where the rate cannot be bounded.
    /// </summary>
    /// <param name="r">The reaction.</param>
    /// <param name="x">Species counts (fixed over the window: a firing ends the bound's use).</param>
    /// <param name="parameters">Parameter values.</param>
    /// <param name="from">Start of the window.</param>
    /// <param name="to">End of the window.</param>
    /// <param name="lower">Receives the lower bound.</param>
    /// <param name="parameterRanges">When given, the range of each parameter over the window (parameters that change continuously); else the points <paramref name="parameters"/>.</param>
    internal double PropensityBound(int r, double[] x, double[] parameters, double from, double to, out double lower, Interval[]? parameterRanges = null)
    {
        var range = IntervalEvaluator.Evaluate(RateExpressions[r], x, parameters, new Interval(from, to), parameterRanges);
        double factor = 1;
        if (Kinds[r] != PropensityKind.Expression)
        {
            factor = Kinds[r] == PropensityKind.Functional ? StatisticalFactors[r] : 1;
            for (int k = ReactantOffsets[r]; k < ReactantOffsets[r + 1]; k++)
            {
                double n = x[ReactantSpecies[k]];
                for (int m = 0; m < ReactantMultiplicities[k]; m++) factor *= Math.Max(0, n - m);
            }
        }
        double hi = Math.Max(0, range.Hi) * factor, lo = Math.Max(0, range.Lo) * factor;
        lower = double.IsFinite(lo) ? lo * (1 - BoundMargin) : 0;
        return double.IsNaN(hi) ? double.PositiveInfinity : hi * (1 + BoundMargin);
    }

    /// <summary>
    /// The rate an exact method draws reaction <paramref name="r"/> with during a window ending at
    /// <paramref name="windowEnd"/>: its <see cref="Propensity"/>, or for a reaction in
    /// <see cref="SmoothTimeReactions"/> the bound of its propensity over [<paramref name="t"/>, <paramref name="windowEnd"/>]
    /// (the method then thins). Mass-action kinds take the same inline path as <see cref="Propensity"/>.
    /// </summary>
    /// <exception cref="SimulationException">The bound is not finite.</exception>
    /// <param name="r">The reaction.</param>
    /// <param name="x">Species counts.</param>
    /// <param name="parameters">Parameter values.</param>
    /// <param name="t">Now.</param>
    /// <param name="windowEnd">End of the window the bound must hold over.</param>
    /// <param name="parameterRanges">The range of every parameter over the window when some change continuously (rate rules), else null.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal double DrawRate(int r, double[] x, double[] parameters, double t, double windowEnd, Interval[]? parameterRanges = null)
    {
        return MassAction(in Terms[r], x, out double value) ? value : SlowDrawRate(r, x, parameters, t, windowEnd, parameterRanges);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private double SlowDrawRate(int r, double[] x, double[] parameters, double t, double windowEnd, Interval[]? parameterRanges)
    {
        if (!IsSmoothInTime[r]) return SlowPropensity(r, x, parameters, t);
        double bound = PropensityBound(r, x, parameters, t, windowEnd, out _, parameterRanges);
        if (!double.IsFinite(bound)) ThrowHelper.Unbounded(ReactionNames[r], t, windowEnd);
        return bound;
    }

    /// <summary>Continuous variables (SBML rate rules): the parameters whose value follows an ODE, by model parameter index.</summary>
    internal int[] ContinuousParameters { get; init; } = [];
    /// <summary>d/dt of each of <see cref="ContinuousParameters"/>, compiled over (species, parameters, time).</summary>
    internal CompiledExpression[] ContinuousDerivatives { get; init; } = [];
    /// <summary>The same derivatives as lowered expressions (for bounds over a time window).</summary>
    internal ImmutableArray<Expr> ContinuousDerivativeExpressions { get; init; } = [];
    /// <summary>
    /// True when some parameter is a continuous variable (an SBML rate rule): <c>--method ode</c> integrates
    /// it with the reaction rate equations; the exact methods integrate it between firings and thin the
    /// reactions that read it (docs/algorithms.md, "Continuous variables").
    /// </summary>
    public bool HasRateRules => ContinuousParameters.Length > 0;

    /// <summary>Names of the recorded outputs: the observables, or every species when there are none.</summary>
    public required string[] OutputNames { get; init; }
    /// <summary>Compressed-row offsets into <see cref="OutputSpecies"/>/<see cref="OutputWeights"/>.</summary>
    internal int[] OutputOffsets { get; init; } = null!;
    /// <summary>Species summed by each output.</summary>
    internal int[] OutputSpecies { get; init; } = null!;
    /// <summary>Weights of <see cref="OutputSpecies"/>.</summary>
    internal double[] OutputWeights { get; init; } = null!;
    /// <summary>Outputs computed by an expression instead (species set by assignment rules); null where the weighted sum applies.</summary>
    internal CompiledExpression?[] OutputExpressions { get; init; } = null!;

    /// <summary>Number of recorded outputs.</summary>
    public int OutputCount => OutputNames.Length;

    // The fast-path fields of every reaction packed together: one cache line per propensity.
    private PropensityTerm[]? _terms;

    private PropensityTerm[] Terms => _terms ??= BuildTerms();

    private PropensityTerm[] BuildTerms()
    {
        var terms = new PropensityTerm[ReactionCount];
        for (int r = 0; r < terms.Length; r++)
            terms[r] = new PropensityTerm(RateConstants[r], Math.Max(0, Reactant1[r]), Math.Max(0, Reactant2[r]), Kinds[r]);
        return terms;
    }

    /// <summary>A propensity of one of the four mass-action kinds: its rate, reactants and kind (one cache line per reaction).</summary>
    internal readonly record struct PropensityTerm(double Rate, int Reactant1, int Reactant2, PropensityKind Kind);

    /// <summary>
    /// For a reaction whose rate law reads only parameters (a ligand's capture rate at the cell's dose, say: no
    /// species, no time, no continuous variable) and whose reactants fit a mass-action kind: that kind and
    /// its reactants, the rate left to fill with <see cref="RateAt"/>; null otherwise. An engine that holds a
    /// cell's parameters fixed between restarts evaluates the rate law once per restart instead of at every
    /// update of the propensity, and <see cref="PropensityAtRate"/> gives bit for bit the value
    /// <see cref="Propensity"/> would.
    /// </summary>
    internal PropensityTerm? ParameterRateTerm(int r)
    {
        if (!RateReadsOnlyParameters(r) || IsSmoothInTime[r]) return null;
        int first = ReactantOffsets[r], count = ReactantOffsets[r + 1] - first;
        // The kinds whose product MassAction forms as SlowPropensity's loop does: rate·x₁·x₂ in reactant order, a·(a − 1).
        var kind = NetworkCompiler.MassActionKind(ReactantMultiplicities.AsSpan(first, count));
        if (kind == PropensityKind.MassAction) return null;
        return new PropensityTerm(double.NaN, count > 0 ? ReactantSpecies[first] : 0, count > 1 ? ReactantSpecies[first + 1] : 0, kind);
    }

    /// <summary>Whether reaction <paramref name="r"/> has a functional rate law that reads neither species nor time (its value moves only with the parameters).</summary>
    internal bool RateReadsOnlyParameters(int r) =>
        Kinds[r] == PropensityKind.Functional
        && !ExpressionEvaluator.Symbols(RateExpressions[r]).Any(q => q.Kind is SymbolKind.Species or SymbolKind.Time);

    /// <summary>The rate of <see cref="PropensityKind.Functional"/> reaction <paramref name="r"/>: its rate law times its statistical factor.</summary>
    internal double RateAt(int r, double[] x, double[] parameters, double t) => RateFunctions[r]!(x, parameters, t) * StatisticalFactors[r];

    /// <summary>
    /// Propensity of reaction <paramref name="r"/> from <paramref name="term"/> (a <see cref="ParameterRateTerm"/> with
    /// its rate filled); negative or not finite throws as <see cref="Propensity"/> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal double PropensityAtRate(in PropensityTerm term, int r, double[] x, double t)
    {
        MassAction(in term, x, out double value);
        if (!(value >= 0) || double.IsInfinity(value)) ThrowHelper.BadPropensity(ReactionNames[r], value, t);
        return value;
    }

    /// <summary>
    /// Propensity of reaction <paramref name="r"/> in state <paramref name="x"/> at time
    /// <paramref name="t"/>. Mass-action kinds are computed inline; the others go through the
    /// compiled rate function, and a value that is negative or not finite throws a
    /// <see cref="SimulationException"/> naming the reaction.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal double Propensity(int r, double[] x, double[] parameters, double t)
    {
        return MassAction(in Terms[r], x, out double value) ? value : SlowPropensity(r, x, parameters, t);
    }

    // The fast paths of Propensity and DrawRate: the four mass-action kinds, computed inline.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MassAction(in PropensityTerm term, double[] x, out double value)
    {
        switch (term.Kind)
        {
            case PropensityKind.Constant: value = term.Rate; return true;
            case PropensityKind.Unimolecular: value = term.Rate * x[term.Reactant1]; return true;
            case PropensityKind.Bimolecular: value = term.Rate * x[term.Reactant1] * x[term.Reactant2]; return true;
            case PropensityKind.Homodimer:
                double a = x[term.Reactant1];
                value = term.Rate * a * (a - 1);
                return true;
            default: value = 0; return false;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private double SlowPropensity(int r, double[] x, double[] parameters, double t)
    {
        double value = Kinds[r] switch
        {
            PropensityKind.MassAction => RateConstants[r],
            PropensityKind.Functional => RateAt(r, x, parameters, t),
            _ => RateFunctions[r]!(x, parameters, t),
        };
        if (Kinds[r] != PropensityKind.Expression)
        {
            for (int k = ReactantOffsets[r]; k < ReactantOffsets[r + 1]; k++)
            {
                double n = x[ReactantSpecies[k]];
                for (int m = 0; m < ReactantMultiplicities[k]; m++) value *= n - m;
            }
        }
        if (!(value >= 0) || double.IsInfinity(value)) ThrowHelper.BadPropensity(ReactionNames[r], value, t);
        return value;
    }

    /// <summary>Applies one firing of reaction <paramref name="r"/> to <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Fire(int r, double[] x)
    {
        // The arrays in locals: read through the fields, they were reloaded after every store into x.
        var species = ChangeSpecies;
        var amounts = ChangeAmounts;
        for (int k = ChangeOffsets[r], end = ChangeOffsets[r + 1]; k < end; k++) x[species[k]] += amounts[k];
    }

    /// <summary>Writes the recorded outputs of state <paramref name="x"/> into <paramref name="outputs"/>.</summary>
    internal void Outputs(double[] x, double[] parameters, double t, Span<double> outputs)
    {
        for (int j = 0; j < OutputNames.Length; j++)
        {
            if (OutputExpressions[j] is { } f) { outputs[j] = f(x, parameters, t); continue; }
            double sum = 0;
            for (int k = OutputOffsets[j]; k < OutputOffsets[j + 1]; k++) sum += OutputWeights[k] * x[OutputSpecies[k]];
            outputs[j] = sum;
        }
    }
}
