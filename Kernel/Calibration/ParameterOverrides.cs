using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Calibration;

/// <summary>
/// A model with some parameters set to values: each named parameter becomes a number, and every
/// parameter derived from it (<c>kr5 = kf2D*K5</c>) and every seed count is re-evaluated, so mass-action
/// rates, which the network compiler fixes from the parameter values, follow the new values.
/// </summary>
public static class ParameterOverrides
{
    /// <summary>The model with <paramref name="values"/> applied.</summary>
    /// <exception cref="ArgumentException">A name is not a parameter of the model.</exception>
    public static ReactionModel Apply(ReactionModel model, IReadOnlyDictionary<string, double> values)
    {
        foreach (var name in values.Keys)
            if (model.ParameterIndex(name) < 0) throw new ArgumentException($"'{name}' is not a parameter of model '{model.Name}'", nameof(values));
        var numbers = new double[model.Parameters.Length];
        var parameters = new Parameter[model.Parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            var p = model.Parameters[i];
            if (values.TryGetValue(p.Name, out double v))
            {
                numbers[i] = v;
                parameters[i] = p with { Expression = new NumberExpr(v, p.Position), Value = v };
            }
            else
            {
                numbers[i] = ExpressionEvaluator.Evaluate(p.Expression, s => s.Kind == SymbolKind.Parameter ? numbers[s.Index] : double.NaN);
                parameters[i] = p with { Value = numbers[i] };
            }
        }
        var species = model.Species.Select(s =>
        {
            double c = ExpressionEvaluator.Evaluate(s.InitialExpression, x => x.Kind == SymbolKind.Parameter ? numbers[x.Index] : double.NaN);
            return s with { InitialCount = double.IsFinite(c) ? c : s.InitialCount };
        });
        return new ReactionModel(model.Name, [.. parameters], [.. species], model.Observables, model.Functions, model.Reactions,
            model.Rules, model.Events, model.DefaultRun, model.Warnings, model.RateRules);
    }

    /// <summary>The value of parameter <paramref name="name"/> in <paramref name="model"/>.</summary>
    public static double Value(ReactionModel model, string name) =>
        model.ParameterIndex(name) is >= 0 and var i ? model.Parameters[i].Value : throw new ArgumentException($"'{name}' is not a parameter of model '{model.Name}'", nameof(name));
}
