using System.Collections.Immutable;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Network;

/// <summary>Builds the flat <see cref="CompiledNetwork"/> from a validated <see cref="ReactionModel"/>.</summary>
public static class NetworkCompiler
{
    /// <summary>Compiles <paramref name="model"/>.</summary>
    /// <exception cref="ModelException">A mass-action rate is negative or not finite.</exception>
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
        var reactantOffsets = new List<int> { 0 };
        var reactantSpecies = new List<int>();
        var reactantMultiplicities = new List<int>();
        var changeOffsets = new List<int> { 0 };
        var changeSpecies = new List<int>();
        var changeAmounts = new List<double>();
        var reads = new List<int>[nr];
        bool timeDependent = false;

        for (int r = 0; r < nr; r++)
        {
            var reaction = model.Reactions[r];
            var multiplicity = new SortedDictionary<int, int>();
            foreach (int s in reaction.Reactants) multiplicity[s] = multiplicity.GetValueOrDefault(s) + 1;
            foreach (var (s, m) in multiplicity) { reactantSpecies.Add(s); reactantMultiplicities.Add(m); }
            reactantOffsets.Add(reactantSpecies.Count);

            var net = new SortedDictionary<int, int>();
            foreach (int s in reaction.Reactants) net[s] = net.GetValueOrDefault(s) - 1;
            foreach (int s in reaction.Products) net[s] = net.GetValueOrDefault(s) + 1;
            foreach (var (s, d) in net)
            {
                if (d == 0 || model.Species[s].Clamped) continue;
                changeSpecies.Add(s);
                changeAmounts.Add(d);
            }
            changeOffsets.Add(changeSpecies.Count);

            var rate = model.Lower(reaction.Rate);
            lowered.Add(rate);
            factors[r] = reaction.StatisticalFactor;
            reads[r] = [.. multiplicity.Keys];
            reactant1[r] = reactant2[r] = -1;
            var distinct = multiplicity.ToArray();

            if (reaction.Kind == RateLawKind.MassAction && ExpressionEvaluator.IsConstant(rate))
            {
                double k = ExpressionEvaluator.Evaluate(rate, s => parameters[s.Index]);
                if (!double.IsFinite(k) || k < 0)
                    errors.Add(reaction.Position, $"rate constant of reaction '{ReactionName(model, reaction)}' is {Describe(k)}; it must be finite and non-negative");
                rateConstants[r] = k * reaction.StatisticalFactor;
                kinds[r] = distinct switch
                {
                    [] => PropensityKind.Constant,
                    [(_, 1)] => PropensityKind.Unimolecular,
                    [(_, 1), (_, 1)] => PropensityKind.Bimolecular,
                    [(_, 2)] => PropensityKind.Homodimer,
                    _ => PropensityKind.MassAction,
                };
                if (distinct.Length > 0) reactant1[r] = distinct[0].Key;
                if (distinct.Length > 1) reactant2[r] = distinct[1].Key;
            }
            else
            {
                kinds[r] = reaction.Kind == RateLawKind.Propensity ? PropensityKind.Expression : PropensityKind.Functional;
                rateConstants[r] = 1;
                rateFunctions[r] = ExpressionCompiler.Compile(rate);
                foreach (var symbol in ExpressionEvaluator.Symbols(rate))
                {
                    if (symbol.Kind == SymbolKind.Species) reads[r].Add(symbol.Index);
                    if (symbol.Kind == SymbolKind.Time) timeDependent = true;
                }
            }
        }
        errors.ThrowIfAny();

        // Dependency graph: reaction j affects reaction k when j changes a species k reads.
        var readers = new List<int>[ns];
        for (int s = 0; s < ns; s++) readers[s] = [];
        for (int r = 0; r < nr; r++) foreach (int s in reads[r].Distinct()) readers[s].Add(r);
        var dependentOffsets = new int[nr + 1];
        var dependents = new List<int>();
        var mark = new int[nr];
        Array.Fill(mark, -1);
        for (int j = 0; j < nr; j++)
        {
            for (int k = changeOffsets[j]; k < changeOffsets[j + 1]; k++)
            {
                foreach (int r in readers[changeSpecies[k]])
                {
                    if (mark[r] == j) continue;
                    mark[r] = j;
                    dependents.Add(r);
                }
            }
            dependentOffsets[j + 1] = dependents.Count;
        }

        var (outputNames, outputOffsets, outputSpecies, outputWeights, outputExpressions) = CompileOutputs(model);

        return new CompiledNetwork
        {
            Model = model,
            SpeciesNames = [.. model.Species.Select(s => s.Name)],
            ReactionNames = [.. model.Reactions.Select(r => ReactionName(model, r))],
            InitialCounts = [.. model.Species.Select(s => s.InitialCount)],
            Parameters = parameters,
            Kinds = kinds,
            RateConstants = rateConstants,
            Reactant1 = reactant1,
            Reactant2 = reactant2,
            ReactantOffsets = [.. reactantOffsets],
            ReactantSpecies = [.. reactantSpecies],
            ReactantMultiplicities = [.. reactantMultiplicities],
            ChangeOffsets = [.. changeOffsets],
            ChangeSpecies = [.. changeSpecies],
            ChangeAmounts = [.. changeAmounts],
            DependentOffsets = dependentOffsets,
            Dependents = [.. dependents],
            RateFunctions = rateFunctions,
            RateExpressions = lowered.MoveToImmutable(),
            StatisticalFactors = factors,
            TimeDependent = timeDependent,
            OutputNames = outputNames,
            OutputOffsets = outputOffsets,
            OutputSpecies = outputSpecies,
            OutputWeights = outputWeights,
            OutputExpressions = outputExpressions,
        };
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
        }
        return ([.. names], [.. offsets], [.. species], [.. weights], [.. expressions]);
    }

    private static string Describe(double k) => double.IsNaN(k) ? "not a number" : double.IsInfinity(k) ? "infinite" : k.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A readable name for a reaction: its label, or <c>A + B -> C</c>.</summary>
    public static string ReactionName(ReactionModel model, Reaction reaction)
    {
        if (!string.IsNullOrEmpty(reaction.Label)) return reaction.Label;
        static string Side(ReactionModel m, ImmutableArray<int> list) => list.Length == 0 ? "0" : string.Join(" + ", list.Select(i => m.Species[i].Name));
        return $"{Side(model, reaction.Reactants)} -> {Side(model, reaction.Products)}";
    }
}
