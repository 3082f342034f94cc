using Stochastic.Expressions;

namespace Stochastic.Model;

/// <summary>Finds things in a valid model that are probably mistakes, for <c>stochastic check</c>.</summary>
public static class ModelDiagnostics
{
    /// <summary>Lists suspicious features of <paramref name="model"/>, each with its place.</summary>
    // Fully optimized on first call: it runs once per check, over every reaction.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static IReadOnlyList<ModelError> Check(ReactionModel model)
    {
        var findings = new List<ModelError>();
        int ns = model.Species.Length;
        var consumed = new bool[ns];
        var produced = new bool[ns];
        var read = new bool[ns];
        var delta = new int[ns]; // net change of the current reaction, cleared as it is read
        foreach (var r in model.Reactions)
        {
            foreach (int s in r.Reactants) { delta[s]--; read[s] = true; }
            foreach (int s in r.Products) delta[s]++;
            foreach (int s in r.Reactants) Settle(s);
            foreach (int s in r.Products) Settle(s);
            // Generated networks have tens of thousands of rates that are a number or a parameter: no symbol walk for those.
            var rate = model.Lower(r.Rate);
            if (rate is not (NumberExpr or SymbolExpr { Kind: SymbolKind.Parameter }))
            {
                foreach (var sym in ExpressionEvaluator.Symbols(rate))
                    if (sym.Kind == SymbolKind.Species) read[sym.Index] = true;
            }
            if (r.Kind == RateLawKind.MassAction && ConstantRate(model, r.Rate) == 0)
                findings.Add(new ModelError(r.Position, "reaction has rate 0 and never fires"));
        }

        void Settle(int s)
        {
            if (delta[s] < 0) consumed[s] = true;
            if (delta[s] > 0) produced[s] = true;
            delta[s] = 0;
        }
        for (int s = 0; s < ns; s++)
        {
            var sp = model.Species[s];
            if (sp.Clamped) continue;
            if (model.Rules.Any(x => x.Target.Kind == SymbolKind.Species && x.Target.Index == s)) continue;
            if (!consumed[s] && !produced[s])
                findings.Add(new ModelError(sp.Position, $"species '{sp.Name}' is neither produced nor consumed by any reaction"));
            else if (!produced[s] && sp.InitialCount == 0)
                findings.Add(new ModelError(sp.Position, $"species '{sp.Name}' starts at 0 and nothing produces it"));
        }
        var usedParameters = new HashSet<int>();
        void Use(Expr e)
        {
            switch (e)
            {
                case NumberExpr: return;
                case SymbolExpr { Kind: SymbolKind.Parameter } p: usedParameters.Add(p.Index); return;
                default:
                    foreach (var sym in ExpressionEvaluator.Symbols(e)) if (sym.Kind == SymbolKind.Parameter) usedParameters.Add(sym.Index);
                    return;
            }
        }
        foreach (var p in model.Parameters) Use(p.Expression);
        foreach (var sp in model.Species) Use(sp.InitialExpression);
        foreach (var f in model.Functions) Use(f.Body);
        foreach (var r in model.Reactions) Use(r.Rate);
        foreach (var rule in model.Rules) Use(rule.Value);
        foreach (var rule in model.RateRules) { Use(rule.Derivative); Use(rule.Target); }
        foreach (var ev in model.Events) { Use(ev.Trigger); foreach (var a in ev.Assignments) Use(a.Value); }
        for (int i = 0; i < model.Parameters.Length; i++)
        {
            if (!usedParameters.Contains(i))
                findings.Add(new ModelError(model.Parameters[i].Position, $"parameter '{model.Parameters[i].Name}' is never used"));
        }
        return findings;
    }

    /// <summary>The value of a rate that reads only parameters, or NaN when it reads anything else.</summary>
    private static double ConstantRate(ReactionModel model, Expr rate) => rate switch
    {
        NumberExpr n => n.Value,
        SymbolExpr { Kind: SymbolKind.Parameter } p => model.Parameters[p.Index].Value,
        _ => ExpressionEvaluator.IsConstant(rate) ? ExpressionEvaluator.Evaluate(rate, s => model.Parameters[s.Index].Value) : double.NaN,
    };
}
