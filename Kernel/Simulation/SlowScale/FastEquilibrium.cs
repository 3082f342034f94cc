using Stochastic.Expressions;

namespace Stochastic.Simulation.SlowScale;

/// <summary>
/// The fast groups' equilibrium for one set of parameter values: member weights
/// W_i = K_i·g^(c_i) (<see cref="FastGroup"/>), shares π_i = W_i / Σ W, and each reservoir's free
/// count g, the root of g + Σ_groups T·c̄(g) = G_T with c̄(g) = g·S₁ / (S₀ + g·S₁) the mean reservoir
/// content per group molecule (S_c = Σ of K_i over members of content c). The left side increases
/// with g, so the root in [0, G_T] is unique; Newton's method with bisection finds it.
/// </summary>
internal sealed class FastEquilibrium
{
    private readonly ReducedModel _reduced;
    private readonly CompiledExpression[] _kf, _kr;
    private readonly double[] _kfValue, _krValue;
    private readonly bool[][][] _bSide; // group, member, local pair
    private readonly double[] _none = [];

    public FastEquilibrium(ReducedModel reduced)
    {
        _reduced = reduced;
        var full = reduced.Full;
        var pairs = reduced.Pairs;
        _kf = [.. pairs.Select(p => Compile(p.Forward))];
        _kr = [.. pairs.Select(p => Compile(p.Reverse))];
        _kfValue = new double[pairs.Length];
        _krValue = new double[pairs.Length];
        var layout = GroupLayout.Of(full.Species.Length, [.. pairs.Select(p => (p.A, p.B, p.Reservoir))]);
        var groups = reduced.Groups;
        Members = [.. groups.Select(g => g.Members.ToArray())];
        Content = [.. groups.Select(g => g.Content.ToArray())];
        Totals = [.. groups.Select(g => g.Total)];
        _bSide = [.. groups.Select(g => g.Members.Select(m => g.Pairs.Select(e => layout.OnBSide(e, m)).ToArray()).ToArray())];
        K = [.. groups.Select(g => new double[g.Members.Length])];
        S0 = new double[groups.Length];
        S1 = new double[groups.Length];
        var reservoirs = groups.Select(g => g.Reservoir).Where(g => g >= 0).Distinct().Order().ToArray();
        ReservoirSpecies = reservoirs;
        ReservoirTotal = [.. reservoirs.Select(g => reduced.SpeciesMap[g])];
        ReservoirFreeIndex = [.. reservoirs.Select(g => reduced.ReservoirFree[g])];
        ReservoirOf = [.. groups.Select(g => Array.IndexOf(reservoirs, g.Reservoir))];
        GroupsOf = [.. reservoirs.Select(r => Enumerable.Range(0, groups.Length).Where(k => groups[k].Reservoir == r).ToArray())];

        CompiledExpression Compile(int reaction)
        {
            var r = full.Reactions[reaction];
            var f = ExpressionCompiler.Compile(full.Lower(r.Rate));
            double factor = r.StatisticalFactor;
            return (x, p, t) => factor * f(x, p, t);
        }
    }

    public int[][] Members { get; }
    public int[][] Content { get; }
    /// <summary>Reduced index of each group's total.</summary>
    public int[] Totals { get; }
    public double[][] K { get; }
    public double[] S0 { get; }
    public double[] S1 { get; }
    /// <summary>Reservoir index of each group, or -1.</summary>
    public int[] ReservoirOf { get; }
    public int[] ReservoirSpecies { get; }
    public int[] ReservoirTotal { get; }
    public int[] ReservoirFreeIndex { get; }
    public int[][] GroupsOf { get; }

    /// <summary>Evaluates the fast rates at <paramref name="parameters"/> and the weights K_i.</summary>
    public void Load(double[] parameters)
    {
        for (int e = 0; e < _kf.Length; e++)
        {
            _kfValue[e] = _kf[e](_none, parameters, 0);
            _krValue[e] = _kr[e](_none, parameters, 0);
            if (!(_kfValue[e] >= 0) || !(_krValue[e] >= 0) || double.IsInfinity(_kfValue[e] + _krValue[e]))
                throw new SimulationException($"fast pair '{Network.NetworkCompiler.ReactionName(_reduced.Full, _reduced.Full.Reactions[_reduced.Pairs[e].Forward])}' has rates {_kfValue[e]} and {_krValue[e]}; they must be finite and non-negative");
        }
        for (int k = 0; k < K.Length; k++)
        {
            var pairs = _reduced.Groups[k].Pairs;
            double s0 = 0, s1 = 0;
            for (int i = 0; i < K[k].Length; i++)
            {
                double w = 1;
                for (int j = 0; j < pairs.Length; j++) w *= _bSide[k][i][j] ? _kfValue[pairs[j]] : _krValue[pairs[j]];
                K[k][i] = w;
                if (Content[k][i] == 0) s0 += w; else s1 += w;
            }
            S0[k] = s0;
            S1[k] = s1;
            if (ReservoirOf[k] < 0 && s0 + s1 <= 0)
                throw new SimulationException($"fast group '{string.Join(", ", Members[k].Select(m => _reduced.Full.Species[m].Name))}' has no equilibrium (every weight is 0)");
        }
    }

    /// <summary>Mean reservoir molecules held per molecule of group <paramref name="k"/> at free count <paramref name="g"/>.</summary>
    public double Bound(int k, double g)
    {
        double s1 = S1[k] * g, d = S0[k] + s1;
        return d > 0 ? s1 / d : S1[k] > 0 ? 1 : 0;
    }

    /// <summary>Writes T·π_i of group <paramref name="k"/> into <paramref name="full"/> at free reservoir count <paramref name="g"/> (1 without reservoir).</summary>
    public void Fill(int k, double total, double g, double[] full)
    {
        var members = Members[k];
        var content = Content[k];
        var w = K[k];
        double d = S0[k] + S1[k] * g;
        if (d <= 0)
        {
            // g = 0 and every member without reservoir has weight 0: the members holding one are all there is.
            double s = S1[k];
            for (int i = 0; i < members.Length; i++) full[members[i]] = s > 0 && content[i] == 1 ? total * w[i] / s : 0;
            return;
        }
        double scale = total / d;
        for (int i = 0; i < members.Length; i++) full[members[i]] = content[i] == 0 ? w[i] * scale : w[i] * g * scale;
    }

    /// <summary>The free count of reservoir <paramref name="r"/> given the reduced state <paramref name="reduced"/>, starting from <paramref name="guess"/>.</summary>
    public double SolveFree(int r, double[] reduced, double guess)
    {
        double total = reduced[ReservoirTotal[r]];
        if (total <= 0) return 0;
        var groups = GroupsOf[r];
        double lo = 0, hi = total, g = Math.Clamp(guess, 0, total);
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double f = g - total, df = 1;
            foreach (int k in groups)
            {
                double t = reduced[Totals[k]];
                double d = S0[k] + S1[k] * g;
                if (d <= 0) { f += S1[k] > 0 ? t : 0; continue; }
                f += t * S1[k] * g / d;
                df += t * S0[k] * S1[k] / (d * d);
            }
            if (f > 0) hi = g; else lo = g;
            double next = g - f / df;
            if (!(next > lo && next < hi)) next = (lo + hi) / 2;
            if (Math.Abs(next - g) <= 1e-12 * total || hi - lo <= 1e-12 * total) return next;
            g = next;
        }
        return g;
    }

    /// <summary>The expected full state given <paramref name="reduced"/> (parameters loaded): see <see cref="ReducedModel.ExpectedFullState"/>.</summary>
    public void ExpectedFullState(double[] reduced, double[] full)
    {
        var map = _reduced.SpeciesMap;
        for (int s = 0; s < full.Length; s++) full[s] = reduced[map[s]];
        var free = new double[ReservoirSpecies.Length];
        for (int r = 0; r < free.Length; r++)
        {
            free[r] = SolveFree(r, reduced, reduced[ReservoirTotal[r]]);
            full[ReservoirSpecies[r]] = free[r];
        }
        for (int k = 0; k < Members.Length; k++) Fill(k, reduced[Totals[k]], ReservoirOf[k] >= 0 ? free[ReservoirOf[k]] : 1, full);
    }
}
