using Stochastic.Expressions;
using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The reactions whose propensity reads time. Exact algorithms hold propensities constant between
/// firings (the <see cref="ExactSimulator"/> contract); every algorithm refreshes these
/// after every firing, in addition to the dependents of the fired reaction, so a time-dependent
/// rate is never older than the last event.
/// </summary>
internal static class TimeDependentReactions
{
    /// <summary>Indices of the reactions of <paramref name="network"/> whose rate reads time (empty for most networks).</summary>
    public static int[] Of(CompiledNetwork network)
    {
        if (!network.TimeDependent) return [];
        var list = new List<int>();
        for (int r = 0; r < network.ReactionCount; r++)
        {
            if (network.Kinds[r] is not (PropensityKind.Functional or PropensityKind.Expression)) continue;
            if (ExpressionEvaluator.Symbols(network.RateExpressions[r]).Any(s => s.Kind == SymbolKind.Time)) list.Add(r);
        }
        return [.. list];
    }
}
