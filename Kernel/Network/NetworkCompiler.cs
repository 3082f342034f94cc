using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Network;

/// <summary>Builds the flat <see cref="CompiledNetwork"/> from a validated <see cref="ReactionModel"/>.</summary>
public static class NetworkCompiler
{
    /// <summary>Compiles <paramref name="model"/>.</summary>
    /// <exception cref="ModelException">A mass-action rate is negative or not finite, or an event trigger reads time other than in a comparison with a constant (it could not be scheduled exactly).</exception>
    // Fully optimized on first call: it runs once per network, over every reaction (see BioNetGenNetReader).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static CompiledNetwork Compile(ReactionModel model)
    {
        int nr = model.Reactions.Length, ns = model.Species.Length;
        var errors = new ErrorList();
        var parameters = model.Parameters.Select(p => p.Value).ToArray();
        var kinds = new PropensityKind[nr];
        var rateConstants = new double[nr];
        var reactant1 = new int[nr];
        var reactant2 = new int[nr];
        var factors = new double[nr];
        var rateFunctions = new CompiledExpression?[nr];
        var lowered = ImmutableArray.CreateBuilder<Expr>(nr);
        // Built for networks of 10^5 reactions: one pass, no per-reaction collections, and
        // expression compilation (System.Linq.Expressions) only for rates that read species or time.
        var reactantOffsets = new int[nr + 1];
        var reactantSpecies = new List<int>(2 * nr);
        var reactantMultiplicities = new List<int>(2 * nr);
        var changeOffsets = new int[nr + 1];
        var changeSpecies = new List<int>(3 * nr);
        var changeAmounts = new List<double>(3 * nr);
        var readOffsets = new int[nr + 1];
        var readSpecies = new List<int>(2 * nr);
        var extraReads = new List<int>();
        Func<SymbolExpr, double> parameterValue = s => parameters[s.Index];
        int[] scratch = new int[8];
        bool timeDependent = false;
        var breakpoints = new List<Expr>();
        var timeOther = new List<Expr>();
        var smooth = new List<int>();

        for (int r = 0; r < nr; r++)
        {
            var reaction = model.Reactions[r];

            // Distinct reactants in ascending order with their multiplicities.
            int firstReactant = reactantSpecies.Count;
            var sorted = Sorted(reaction.Reactants, ref scratch);
            for (int i = 0; i < sorted.Length;)
            {
                int j = i;
                while (j < sorted.Length && sorted[j] == sorted[i]) j++;
                reactantSpecies.Add(sorted[i]);
                reactantMultiplicities.Add(j - i);
                i = j;
            }
            reactantOffsets[r + 1] = reactantSpecies.Count;
            int distinctCount = reactantSpecies.Count - firstReactant;

            // Net change per species, in ascending species order; clamped species never change.
            AddNetChange(model, reaction, changeSpecies, changeAmounts);
            changeOffsets[r + 1] = changeSpecies.Count;

            var rate = model.Lower(reaction.Rate);
            lowered.Add(rate);
            factors[r] = reaction.StatisticalFactor;
            reactant1[r] = reactant2[r] = -1;
            extraReads.Clear();

            // A rate reading a continuous variable changes over time: computed per call, not folded into a constant.
            if (reaction.Kind == RateLawKind.MassAction && ReadsOnlyParameters(rate) && !ReadsContinuous(model, rate))
            {
                double k = rate switch
                {
                    NumberExpr n => n.Value,
                    SymbolExpr { Kind: SymbolKind.Parameter } p => parameters[p.Index],
                    _ => ExpressionEvaluator.Evaluate(rate, parameterValue),
                };
                if (!double.IsFinite(k) || k < 0)
                    errors.Add(reaction.Position, $"rate constant of reaction '{ReactionName(model, reaction)}' is {Describe(k)}; it must be finite and non-negative");
                rateConstants[r] = k * reaction.StatisticalFactor;
                kinds[r] = MassActionKind(CollectionsMarshal.AsSpan(reactantMultiplicities).Slice(firstReactant, distinctCount));
                if (distinctCount > 0) reactant1[r] = reactantSpecies[firstReactant];
                if (distinctCount > 1) reactant2[r] = reactantSpecies[firstReactant + 1];
            }
            else
            {
                kinds[r] = reaction.Kind == RateLawKind.Propensity ? PropensityKind.Expression : PropensityKind.Functional;
                rateConstants[r] = 1;
                rateFunctions[r] = ExpressionCompiler.Compile(rate);
                foreach (var symbol in ExpressionEvaluator.Symbols(rate))
                {
                    if (symbol.Kind == SymbolKind.Species) extraReads.Add(symbol.Index);
                    if (symbol.Kind == SymbolKind.Time) timeDependent = true;
                }
                // Time read only in comparisons with constants makes the rate piecewise constant in
                // time: the thresholds are breakpoints. Any other use of time is smooth: thinned.
                timeOther.Clear();
                TimeThresholds.Collect(rate, breakpoints, timeOther);
                // A rate that reads a continuous variable (rate rule) changes between firings too: thinned the same way.
                if (timeOther.Count > 0 || ReadsContinuous(model, rate)) smooth.Add(r);
            }

            // Species the propensity reads: the reactants, then those the rate expression reads.
            for (int k = firstReactant; k < reactantSpecies.Count; k++) readSpecies.Add(reactantSpecies[k]);
            foreach (int s in extraReads) readSpecies.Add(s);
            readOffsets[r + 1] = readSpecies.Count;
        }
        errors.ThrowIfAny();

        // Readers of each species in compressed-row form (counting sort by species; each reaction once per species).
        // The reaction dependency graph is built from them on first use (CompiledNetwork.Dependents).
        var readerOffsets = new int[ns + 1];
        var seen = new int[ns];
        Array.Fill(seen, -1);
        for (int r = 0; r < nr; r++)
        {
            for (int k = readOffsets[r]; k < readOffsets[r + 1]; k++)
            {
                int s = readSpecies[k];
                if (seen[s] == r) continue;
                seen[s] = r;
                readerOffsets[s + 1]++;
            }
        }
        for (int s = 0; s < ns; s++) readerOffsets[s + 1] += readerOffsets[s];
        var readers = new int[readerOffsets[ns]];
        var fill = (int[])readerOffsets.Clone();
        Array.Fill(seen, -1);
        for (int r = 0; r < nr; r++)
        {
            for (int k = readOffsets[r]; k < readOffsets[r + 1]; k++)
            {
                int s = readSpecies[k];
                if (seen[s] == r) continue;
                seen[s] = r;
                readers[fill[s]++] = r;
            }
        }

        var (outputNames, outputOffsets, outputSpecies, outputWeights, outputExpressions) = CompileOutputs(model);

        var nameOffsets = new int[nr + 1];
        var nameSpecies = new int[model.Reactions.Sum(r => r.Reactants.Length + r.Products.Length)];
        var productStart = new int[nr];
        for (int r = 0, k = 0; r < nr; r++)
        {
            var reaction = model.Reactions[r];
            foreach (int s in reaction.Reactants) nameSpecies[k++] = s;
            productStart[r] = k;
            foreach (int s in reaction.Products) nameSpecies[k++] = s;
            nameOffsets[r + 1] = k;
        }

        return new CompiledNetwork
        {
            ModelName = model.Name,
            Labels = [.. model.Reactions.Select(r => string.IsNullOrEmpty(r.Label) ? null : r.Label)],
            NameOffsets = nameOffsets,
            NameSpecies = nameSpecies,
            NameProductStart = productStart,
            ParameterNames = [.. model.Parameters.Select(p => p.Name)],
            Events = CompiledEvents.Compile(model),
            SpeciesNames = [.. model.Species.Select(s => s.Name)],
            InitialCounts = [.. model.Species.Select(s => s.InitialCount)],
            Parameters = parameters,
            Kinds = kinds,
            RateConstants = rateConstants,
            Reactant1 = reactant1,
            Reactant2 = reactant2,
            ReactantOffsets = reactantOffsets,
            ReactantSpecies = [.. reactantSpecies],
            ReactantMultiplicities = [.. reactantMultiplicities],
            ChangeOffsets = changeOffsets,
            ChangeSpecies = [.. changeSpecies],
            ChangeAmounts = [.. changeAmounts],
            ReaderOffsets = readerOffsets,
            Readers = readers,
            RateFunctions = rateFunctions,
            RateExpressions = lowered.MoveToImmutable(),
            StatisticalFactors = factors,
            TimeDependent = timeDependent,
            Breakpoints = [.. breakpoints.Select(ExpressionCompiler.Compile)],
            SmoothTimeReactions = [.. smooth],
            ContinuousParameters = [.. model.RateRules.Select(r => r.Target.Index)],
            ContinuousDerivatives = [.. model.RateRules.Select(r => ExpressionCompiler.Compile(model.Lower(r.Derivative)))],
            ContinuousDerivativeExpressions = [.. model.RateRules.Select(r => model.Lower(r.Derivative))],
            OutputNames = outputNames,
            OutputOffsets = outputOffsets,
            OutputSpecies = outputSpecies,
            OutputWeights = outputWeights,
            OutputExpressions = outputExpressions,
        };
    }

    /// <summary>
    /// The reaction dependency graph: reaction j affects reaction k when j changes a species k reads.
    /// Two passes (count, then fill) so the graph, the largest array for big networks, is allocated once.
    /// </summary>
    internal static CompiledNetwork.Graph BuildDependencies(int[] changeOffsets, int[] changeSpecies, int[] readerOffsets, int[] readers)
    {
        int nr = changeOffsets.Length - 1;
        var dependentOffsets = new int[nr + 1];
        var mark = new int[nr];
        int[] dependents = [];
        for (int pass = 0; pass < 2; pass++)
        {
            Array.Fill(mark, -1);
            int count = 0;
            for (int j = 0; j < nr; j++)
            {
                for (int k = changeOffsets[j]; k < changeOffsets[j + 1]; k++)
                {
                    int species = changeSpecies[k];
                    for (int q = readerOffsets[species]; q < readerOffsets[species + 1]; q++)
                    {
                        int r = readers[q];
                        if (mark[r] == j) continue;
                        mark[r] = j;
                        if (pass == 1) dependents[count] = r;
                        count++;
                    }
                }
                dependentOffsets[j + 1] = count;
            }
            if (pass == 0) dependents = new int[count];
        }
        return new CompiledNetwork.Graph(dependentOffsets, dependents);
    }

    private static (string[], int[], int[], double[], CompiledExpression?[]) CompileOutputs(ReactionModel model)
    {
        var names = new List<string>();
        var offsets = new List<int> { 0 };
        var species = new List<int>();
        var weights = new List<double>();
        var expressions = new List<CompiledExpression?>();
        if (model.Observables.Length > 0)
        {
            foreach (var o in model.Observables)
            {
                names.Add(o.Name);
                foreach (var t in o.Terms) { species.Add(t.Species); weights.Add(t.Weight); }
                offsets.Add(species.Count);
                expressions.Add(null);
            }
        }
        else
        {
            for (int s = 0; s < model.Species.Length; s++)
            {
                names.Add(model.Species[s].Name);
                var rule = model.Rules.FirstOrDefault(x => x.Target.Kind == SymbolKind.Species && x.Target.Index == s);
                if (rule is null) { species.Add(s); weights.Add(1); }
                expressions.Add(rule is null ? null : ExpressionCompiler.Compile(model.Lower(rule.Value)));
                offsets.Add(species.Count);
            }
            // Continuous variables that are not species (SBML rate rules on parameters and compartments) are outputs too.
            foreach (var rateRule in model.RateRules)
            {
                if (model.SpeciesIndex(rateRule.Target.Name) >= 0) continue;
                names.Add(rateRule.Target.Name);
                expressions.Add(ExpressionCompiler.Compile(rateRule.Target));
                offsets.Add(species.Count);
            }
        }
        return ([.. names], [.. offsets], [.. species], [.. weights], [.. expressions]);
    }

    /// <summary>Same as <see cref="ExpressionEvaluator.IsConstant"/>, without allocating (called once per reaction).</summary>
    private static bool ReadsOnlyParameters(Expr expr)
    {
        ExpressionLimits.EnsureStack(expr);
        switch (expr)
        {
            case NumberExpr: return true;
            case SymbolExpr s: return s.Kind == SymbolKind.Parameter;
            case UnaryExpr u: return ReadsOnlyParameters(u.Operand);
            case BinaryExpr b: return ReadsOnlyParameters(b.Left) && ReadsOnlyParameters(b.Right);
            case CallExpr c:
                foreach (var a in c.Arguments) if (!ReadsOnlyParameters(a)) return false;
                return true;
            default: return ExpressionEvaluator.IsConstant(expr);
        }
    }

    private static bool ReadsContinuous(ReactionModel model, Expr rate) =>
        model.RateRules.Length > 0 && ExpressionEvaluator.Symbols(rate).Any(s => s.Kind == SymbolKind.Parameter && model.RateRules.Any(r => r.Target.Index == s.Index));

    /// <summary>The reactants in ascending order (reactions have few; insertion sort into a reused buffer).</summary>
    private static ReadOnlySpan<int> Sorted(ImmutableArray<int> reactants, ref int[] buffer)
    {
        if (buffer.Length < reactants.Length) buffer = new int[reactants.Length];
        int n = reactants.Length;
        for (int i = 0; i < n; i++)
        {
            int v = reactants[i], j = i;
            while (j > 0 && buffer[j - 1] > v) { buffer[j] = buffer[j - 1]; j--; }
            buffer[j] = v;
        }
        return buffer.AsSpan(0, n);
    }

    /// <summary>Appends the nonzero net changes of <paramref name="reaction"/> in ascending species order, clamped species excluded.</summary>
    private static void AddNetChange(ReactionModel model, Reaction reaction, List<int> species, List<double> amounts)
    {
        int start = species.Count;
        void Add(int s, int d)
        {
            for (int i = start; i < species.Count; i++)
            {
                if (species[i] == s) { amounts[i] += d; return; }
                if (species[i] > s)
                {
                    species.Insert(i, s);
                    amounts.Insert(i, d);
                    return;
                }
            }
            species.Add(s);
            amounts.Add(d);
        }
        foreach (int s in reaction.Reactants) Add(s, -1);
        foreach (int s in reaction.Products) Add(s, +1);
        int write = start;
        for (int i = start; i < species.Count; i++)
        {
            if (amounts[i] == 0 || model.Species[species[i]].Clamped) continue;
            species[write] = species[i];
            amounts[write] = amounts[i];
            write++;
        }
        species.RemoveRange(write, species.Count - write);
        amounts.RemoveRange(write, amounts.Count - write);
    }

    private static string Describe(double k) => double.IsNaN(k) ? "not a number" : double.IsInfinity(k) ? "infinite" : k.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A readable name for a reaction: its label, or <c>A + B -> C</c>.</summary>
    public static string ReactionName(ReactionModel model, Reaction reaction)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reaction);
        return ReactionName(reaction.Label, s => model.Species[s].Name, reaction.Reactants.AsSpan(), reaction.Products.AsSpan());
    }

    /// <summary>The same name from its parts: <paramref name="label"/>, or the sides named by <paramref name="speciesName"/>.</summary>
    internal static string ReactionName(string? label, Func<int, string> speciesName, ReadOnlySpan<int> reactants, ReadOnlySpan<int> products)
    {
        if (!string.IsNullOrEmpty(label)) return label;
        return $"{Side(reactants)} -> {Side(products)}";
        string Side(ReadOnlySpan<int> list) => list.Length == 0 ? "0" : string.Join(" + ", list.ToArray().Select(speciesName));
    }

    /// <summary>
    /// The mass-action kind of a reaction whose distinct reactants come with <paramref name="multiplicities"/>:
    /// constant, unimolecular, homodimer or bimolecular, else the general <see cref="PropensityKind.MassAction"/>.
    /// </summary>
    internal static PropensityKind MassActionKind(ReadOnlySpan<int> multiplicities) => multiplicities switch
    {
        [] => PropensityKind.Constant,
        [1] => PropensityKind.Unimolecular,
        [2] => PropensityKind.Homodimer,
        [1, 1] => PropensityKind.Bimolecular,
        _ => PropensityKind.MassAction,
    };
}
