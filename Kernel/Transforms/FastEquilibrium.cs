using Stochastic.Expressions;

namespace Stochastic.Transforms;

/// <summary>
/// The fast groups' equilibrium for one set of parameter values (<see cref="FastGroup"/>): member
/// weights W_i = K_i·Π_q g_q^(c_iq) over the reservoirs q the group binds, shares π_i = W_i / Σ W,
/// and each reservoir's free count g_r.
/// <para>
/// Reservoir r's molecules are free (g_r), in its home group if it has one (the group it is a member
/// of: h_r = a_r·g_r molecules, a_r = Σ W / W_r over that group), or bound in the groups binding it, so
/// a_r·g_r + Σ_k T_k·c̄_kr = G_r, with c̄_kr the mean content per molecule of group k (a home group's
/// total T is its h). Given the other reservoirs' free counts the left side increases with g_r: each
/// term is either a·g, a constant, or T·S₁g / (S₀ + S₁g) (S_c = Σ of the weights, with g_r = 1, of
/// the members holding c molecules of r). Newton's method with bisection finds the unique root in
/// [0, G_r]; coupled reservoirs are solved in turn until none moves (Gauss–Seidel).
/// </para>
/// </summary>
internal sealed class FastEquilibrium
{
    private readonly ReducedNetwork _reduced;
    private readonly CompiledExpression[] _kf, _kr;
    private readonly double[] _kfValue, _krValue;
    private readonly bool[][][] _bSide; // group, member, local pair
    private readonly double[] _none = [];
    private readonly double[] _w; // scratch weights

    public FastEquilibrium(ReducedNetwork reduced)
    {
        _reduced = reduced;
        var pairs = reduced.Pairs;
        _kf = reduced.ForwardRates;
        _kr = reduced.ReverseRates;
        _kfValue = new double[pairs.Length];
        _krValue = new double[pairs.Length];
        var layout = reduced.Layout;
        var groups = reduced.Groups;
        Members = [.. groups.Select(g => g.Members.ToArray())];
        Totals = [.. groups.Select(g => g.Total)];
        _bSide = [.. groups.Select(g => g.Members.Select(m => g.Pairs.Select(e => layout.OnBSide(e, m)).ToArray()).ToArray())];
        K = [.. groups.Select(g => new double[g.Members.Length])];
        Pi = [.. groups.Select(g => new double[g.Members.Length])];
        Share = [.. groups.Select(g => new double[g.Reservoirs.Length])];
        _piSum = new double[groups.Length];
        _w = new double[groups.Length == 0 ? 0 : groups.Max(g => g.Members.Length)];
        var reservoirs = groups.SelectMany(g => g.Reservoirs).Distinct().Order().ToArray();
        ReservoirSpecies = reservoirs;
        ReservoirTotal = [.. reservoirs.Select(g => reduced.SpeciesMap[g])];
        ReservoirFreeIndex = [.. reservoirs.Select(g => reduced.ReservoirFree[g])];
        Reservoirs = [.. groups.Select(g => g.Reservoirs.Select(s => Array.IndexOf(reservoirs, s)).ToArray())];
        Content = [.. groups.Select(g => g.Content.Select(c => c.ToArray()).ToArray())];
        HomeOf = [.. groups.Select(g => Array.IndexOf(reservoirs, g.Home))];
        HomeMember = [.. groups.Select(g => g.Home >= 0 ? g.Members.IndexOf(g.Home) : -1)];
        HomeGroup = [.. reservoirs.Select(s => Enumerable.Range(0, groups.Length).FirstOrDefault(k => groups[k].Home == s, -1))];
        Binding = [.. Enumerable.Range(0, reservoirs.Length).Select(r =>
            Enumerable.Range(0, groups.Length).SelectMany(k => Enumerable.Range(0, Reservoirs[k].Length).Where(q => Reservoirs[k][q] == r).Select(q => (k, q))).ToArray())];
        Affected = [.. Enumerable.Range(0, reservoirs.Length).Select(r =>
            Binding[r].Select(b => b.k).Append(HomeGroup[r]).Where(k => k >= 0).Distinct().Order().ToArray())];
        Coupled = [.. Enumerable.Range(0, reservoirs.Length).Select(r =>
            Affected[r].SelectMany(k => Reservoirs[k].Append(HomeOf[k])).Append(r).Where(q => q >= 0).Distinct().Order().ToArray())];

    }

    public int[][] Members { get; }
    /// <summary>Reduced index of each group's total (for a home group, its reservoir's total).</summary>
    public int[] Totals { get; }
    /// <summary>Weights at unit free counts, per group and member.</summary>
    public double[][] K { get; }
    /// <summary>
    /// Per group and member, at the free counts of the last <see cref="Update"/>: the share π_i, or for a
    /// home group the member's molecules per free reservoir molecule, W_i / W_r.
    /// </summary>
    public double[][] Pi { get; }
    /// <summary>Per group and bound reservoir, at the last <see cref="Update"/>: molecules held per group molecule (a home group: per free molecule of its reservoir).</summary>
    public double[][] Share { get; }
    private readonly double[] _piSum;
    /// <summary>Per group, the reservoirs it binds (reservoir indices).</summary>
    public int[][] Reservoirs { get; }
    /// <summary>Per group, member and bound reservoir (in <see cref="Reservoirs"/> order): molecules held.</summary>
    public int[][][] Content { get; }
    /// <summary>Per group, the reservoir it is home to, or -1.</summary>
    public int[] HomeOf { get; }
    /// <summary>Per group, the position of its home reservoir among its members, or -1.</summary>
    public int[] HomeMember { get; }
    public int[] ReservoirSpecies { get; }
    public int[] ReservoirTotal { get; }
    public int[] ReservoirFreeIndex { get; }
    /// <summary>Per reservoir, its home group or -1.</summary>
    public int[] HomeGroup { get; }
    /// <summary>Per reservoir, the (group, position in the group's reservoirs) that bind it.</summary>
    public (int k, int q)[][] Binding { get; }
    /// <summary>Per reservoir, the groups whose members move with its free count (those binding it and its home).</summary>
    public int[][] Affected { get; }
    /// <summary>Per reservoir, the reservoirs (itself included) whose bound amount or home scale moves with its free count.</summary>
    public int[][] Coupled { get; }

    /// <summary>Evaluates the fast rates at <paramref name="parameters"/> and the weights K_i.</summary>
    public void Load(double[] parameters)
    {
        for (int e = 0; e < _kf.Length; e++)
        {
            _kfValue[e] = _kf[e](_none, parameters, 0);
            _krValue[e] = _kr[e](_none, parameters, 0);
            if (!(_kfValue[e] >= 0) || !(_krValue[e] >= 0) || double.IsInfinity(_kfValue[e] + _krValue[e]))
                throw new SimulationException($"fast pair '{_reduced.Full.ReactionNames[_reduced.Pairs[e].Forward]}' has rates {_kfValue[e]} and {_krValue[e]}; they must be finite and non-negative");
        }
        for (int k = 0; k < K.Length; k++)
        {
            var pairs = _reduced.Groups[k].Pairs;
            double sum = 0;
            for (int i = 0; i < K[k].Length; i++)
            {
                double w = 1;
                for (int j = 0; j < pairs.Length; j++) w *= _bSide[k][i][j] ? _kfValue[pairs[j]] : _krValue[pairs[j]];
                K[k][i] = w;
                sum += w;
            }
            if (Reservoirs[k].Length == 0 && sum <= 0)
                throw new SimulationException($"fast group '{string.Join(", ", Members[k].Select(m => _reduced.Full.SpeciesNames[m]))}' has no equilibrium (every weight is 0)");
        }
    }

    // Weights of group k's members at the free counts into _w; returns their sum. A free count of 0
    // that leaves every weight 0 is taken as the limit g → 0 (the members holding that reservoir share
    // the group in proportion to their K).
    private double Weights(int k, double[] free)
    {
        var w = _w;
        var kk = K[k];
        var res = Reservoirs[k];
        var content = Content[k];
        double sum = 0;
        for (int i = 0; i < kk.Length; i++)
        {
            double v = kk[i];
            for (int q = 0; q < res.Length; q++) if (content[i][q] == 1) v *= free[res[q]];
            w[i] = v;
            sum += v;
        }
        if (sum > 0 || res.Length == 0) return sum;
        sum = 0;
        for (int i = 0; i < kk.Length; i++)
        {
            double v = kk[i];
            for (int q = 0; q < res.Length; q++) if (content[i][q] == 1) v *= Math.Max(free[res[q]], double.Epsilon);
            w[i] = v;
            sum += v;
        }
        if (sum > 0) for (int i = 0; i < kk.Length; i++) w[i] /= sum;
        return sum > 0 ? 1 : 0;
    }

    /// <summary>Computes group <paramref name="k"/>'s <see cref="Pi"/> and <see cref="Share"/> at the free counts <paramref name="free"/>.</summary>
    public void Update(int k, double[] free)
    {
        double sum = Weights(k, free);
        double norm = HomeOf[k] >= 0 ? _w[HomeMember[k]] : sum;
        var pi = Pi[k];
        double total = 0;
        for (int i = 0; i < pi.Length; i++) total += pi[i] = norm > 0 ? _w[i] / norm : 0;
        _piSum[k] = total;
        var share = Share[k];
        var content = Content[k];
        for (int q = 0; q < share.Length; q++)
        {
            double held = 0;
            for (int i = 0; i < pi.Length; i++) if (content[i][q] == 1) held += pi[i];
            share[q] = held;
        }
    }

    /// <summary>Molecules in group <paramref name="k"/> (at the last <see cref="Update"/>): its total, or for a home group its reservoir's free count times a.</summary>
    private double GroupTotal(int k, double[] reduced, double[] free) => HomeOf[k] < 0 ? reduced[Totals[k]] : free[HomeOf[k]] * _piSum[k];

    /// <summary>a_r = Σ W / W_r of reservoir <paramref name="r"/>'s home group at its last <see cref="Update"/> (1 without one): its molecules in that group per free one.</summary>
    public double Scale(int r)
    {
        int k = HomeGroup[r];
        return k < 0 || _piSum[k] <= 0 ? 1 : _piSum[k];
    }

    /// <summary>Reservoir <paramref name="r"/>'s molecules bound in the groups binding it (at their last <see cref="Update"/>).</summary>
    public double Bound(int r, double[] reduced, double[] free)
    {
        double bound = 0;
        foreach (var (k, q) in Binding[r]) bound += (HomeOf[k] < 0 ? reduced[Totals[k]] : free[HomeOf[k]]) * Share[k][q];
        return bound;
    }

    /// <summary>Writes the expected counts of group <paramref name="k"/>'s members into <paramref name="full"/> (shares of its last <see cref="Update"/>).</summary>
    public void Fill(int k, double[] reduced, double[] free, double[] full)
    {
        var members = Members[k];
        var pi = Pi[k];
        double scale = HomeOf[k] >= 0 ? free[HomeOf[k]] : reduced[Totals[k]];
        for (int i = 0; i < members.Length; i++) full[members[i]] = pi[i] * scale;
    }

    /// <summary>
    /// The free count of reservoir <paramref name="r"/> given the reduced state and the other
    /// reservoirs' free counts in <paramref name="free"/> (whose entry r is the starting guess).
    /// </summary>
    public double SolveFree(int r, double[] reduced, double[] free)
    {
        double total = reduced[ReservoirTotal[r]];
        if (total <= 0) return 0;
        double guess = free[r];
        // f(g) = slope·g + constant + Σ T·S₁g / (S₀ + S₁g) − G_r, with the weights taken at g_r = 1.
        free[r] = 1;
        double slope = 1, constant = 0;
        if (HomeGroup[r] is int own and >= 0)
        {
            double sum = Weights(own, free), wr = _w[HomeMember[own]];
            if (wr > 0) slope = sum / wr;
        }
        var binding = Binding[r];
        Span<double> t = stackalloc double[binding.Length], s0 = stackalloc double[binding.Length], s1 = stackalloc double[binding.Length];
        for (int b = 0; b < binding.Length; b++)
        {
            var (k, q) = binding[b];
            Weights(k, free);
            double zero = 0, one = 0;
            var content = Content[k];
            for (int i = 0; i < content.Length; i++) if (content[i][q] == 1) one += _w[i]; else zero += _w[i];
            if (HomeOf[k] < 0) { t[b] = reduced[Totals[k]]; s0[b] = zero; s1[b] = one; continue; }
            // A home group of another reservoir: h·c̄ = g_home·Σ_{c=1} W / W_home, linear in g or constant.
            int home = HomeMember[k];
            double wr = _w[home];
            if (wr <= 0) continue;
            double coefficient = free[HomeOf[k]] * one / wr;
            if (content[home][q] == 1) constant += coefficient; else slope += coefficient;
        }
        free[r] = guess;
        if (constant >= total) return 0;
        double lo = 0, hi = (total - constant) / slope, g = Math.Clamp(guess, 0, hi);
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double f = slope * g + constant - total, df = slope;
            for (int b = 0; b < t.Length; b++)
            {
                if (t[b] == 0) continue;
                double d = s0[b] + s1[b] * g;
                if (d <= 0) { f += s1[b] > 0 ? t[b] : 0; continue; }
                f += t[b] * s1[b] * g / d;
                df += t[b] * s0[b] * s1[b] / (d * d);
            }
            double step = f / df;
            if (Math.Abs(step) <= 1e-12 * total) return Math.Clamp(g - step, 0, total);
            if (f > 0) hi = g; else lo = g;
            double next = g - step;
            if (!(next > lo && next < hi)) next = (lo + hi) / 2;
            if (hi - lo <= 1e-12 * total) return next;
            g = next;
        }
        return g;
    }

    /// <summary>
    /// Solves every reservoir's free count in turn until none moves by more than 10⁻¹⁰ relative (at most
    /// 200 rounds), from the guesses in <paramref name="free"/>, then updates every group's shares.
    /// </summary>
    public void SolveAll(double[] reduced, double[] free)
    {
        for (int round = 0; round < 200; round++)
        {
            bool moved = false;
            for (int r = 0; r < free.Length; r++)
            {
                double g = SolveFree(r, reduced, free);
                moved |= Math.Abs(g - free[r]) > 1e-10 * Math.Max(g, 1);
                free[r] = g;
            }
            if (!moved || free.Length == 1) break;
        }
        for (int k = 0; k < Members.Length; k++) Update(k, free);
    }

    /// <summary>The expected full state given <paramref name="reduced"/> (parameters loaded): see <see cref="ReducedNetwork.ExpectedFullState"/>.</summary>
    public void ExpectedFullState(double[] reduced, double[] full)
    {
        var map = _reduced.SpeciesMap;
        for (int s = 0; s < full.Length; s++) full[s] = reduced[map[s]];
        var free = new double[ReservoirSpecies.Length];
        for (int r = 0; r < free.Length; r++) free[r] = reduced[ReservoirFreeIndex[r]];
        SolveAll(reduced, free);
        for (int r = 0; r < free.Length; r++) full[ReservoirSpecies[r]] = free[r];
        for (int k = 0; k < Members.Length; k++) Fill(k, reduced, free, full);
    }
}
