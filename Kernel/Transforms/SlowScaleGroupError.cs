namespace Stochastic.Transforms;

/// <summary>
/// The first-order error of a group's partial equilibrium: how far the slow reactions that drain its
/// members, and refill it at its entries, pull the members' shares from the equilibrium shares π
/// the reduction uses. A molecule in the group is a Markov chain over the members (generator Q, the
/// pairs' pseudo-first-order rates kf·[G] and kr); a slow reaction consuming member l at δ_l per
/// molecule, whose molecules come back into the group at member j (where slow reactions make members),
/// moves the stationary shares by, to first order in δ (Cho &amp; Meyer 2000, Linear Algebra Appl.
/// 313:21, perturbation of a Markov chain through its mean first passage times m),
/// <code>Δπ_i / π_i = Σ_l δ_l·π_l·(m_{l→i} − m_{j→i}).</code>
/// For one pair A ⇄ B drained at B and filled at A this is −δ/(kf·[G] + kr), the pair criterion's
/// 1/separation. For a chain it is what the chain's slowest way through costs: a share far from its
/// entries (IL-2·CD25·CD122·γc, three steps from free CD25) is as wrong as the mean time to reach it
/// is long against its drain, even when each step, and each two-state lumping of the chain at one of
/// its pairs, is fast.
/// </summary>
internal static class SlowScaleGroupError
{
    /// <summary>
    /// max over the members <paramref name="read"/> (those a slow reaction consumes or reads) and the
    /// entries <paramref name="entry"/> of |Δπ_i/π_i|; with no entry the group refills in proportion to π
    /// (j averaged over π). +∞ when such a member has no share at all (a step into it has rate 0 at the
    /// reference); 0 when nothing drains the group.
    /// </summary>
    /// <param name="n">Members.</param>
    /// <param name="steps">The pairs as member indices with their rates A → B (kf·[G]) and B → A (kr).</param>
    /// <param name="drain">Per member, δ: the summed per-molecule propensities of the slow reactions consuming it.</param>
    /// <param name="entry">Per member, whether a slow reaction that consumes no member makes it.</param>
    /// <param name="read">Per member, whether a slow reaction consumes it or its rate reads it.</param>
    public static double Error(int n, IReadOnlyList<(int A, int B, double Forward, double Reverse)> steps, double[] drain, bool[] entry, bool[] read)
    {
        if (drain.All(d => d <= 0)) return 0;
        var q = new double[n, n];
        foreach (var (a, b, f, r) in steps) { q[a, b] += f; q[b, a] += r; }
        var pi = Stationary(q, n);
        if (pi is null) return 0;
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            if (!read[i]) continue;
            // A member read with no share at all: the equilibrium says it stays empty, which holds only while the
            // rate that would fill it stays zero (a ligand at dose 0); the reference state cannot vouch for that.
            if (!(pi[i] > 0)) return double.PositiveInfinity;
            var m = FirstPassage(q, n, i);
            if (m is null) continue;
            // Σ_l δ_l π_l m_{l→i} and the drain's total Σ_l δ_l π_l.
            double through = 0, total = 0;
            for (int l = 0; l < n; l++)
            {
                if (drain[l] <= 0 || pi[l] <= 0) continue;
                through += drain[l] * pi[l] * m[l];
                total += drain[l] * pi[l];
            }
            bool any = false;
            for (int j = 0; j < n; j++)
            {
                if (!entry[j] || !double.IsFinite(m[j])) continue;
                any = true;
                worst = Math.Max(worst, Math.Abs(through - total * m[j]));
            }
            if (!any)
            {
                double mean = 0;
                for (int j = 0; j < n; j++) mean += pi[j] * m[j];
                worst = Math.Max(worst, Math.Abs(through - total * mean));
            }
        }
        return worst;
    }

    // π with πQ = 0, Σπ = 1 (null when singular).
    private static double[]? Stationary(double[,] q, int n)
    {
        var a = new double[n, n];
        var b = new double[n];
        for (int i = 0; i < n; i++)
        {
            double out_ = 0;
            for (int k = 0; k < n; k++) if (k != i) out_ += q[i, k];
            for (int k = 0; k < n; k++) a[k, i] = k == i ? -out_ : q[i, k]; // row k of Qᵀ: Σ_i π_i Q_ik = 0
        }
        for (int i = 0; i < n; i++) a[n - 1, i] = 1;
        b[n - 1] = 1;
        if (!Solve(a, b, n)) return null;
        for (int i = 0; i < n; i++) b[i] = Math.Max(0, b[i]);
        return b;
    }

    // Mean first passage times m_{j→target} (0 at the target; +∞ where it is not reached).
    private static double[]? FirstPassage(double[,] q, int n, int target)
    {
        // For j ≠ target: Σ_k Q_jk (m_k − m_j) = −1, m_target = 0; unknowns in the order of j, target left out.
        int size = n - 1;
        var m = new double[n];
        if (size == 0) return m;
        var a = new double[size, size];
        var b = new double[size];
        int Row(int s) => s < target ? s : s - 1;
        for (int j = 0; j < n; j++)
        {
            if (j == target) continue;
            double out_ = 0;
            for (int k = 0; k < n; k++)
            {
                if (k == j) continue;
                out_ += q[j, k];
                if (k != target) a[Row(j), Row(k)] += q[j, k];
            }
            a[Row(j), Row(j)] -= out_;
            b[Row(j)] = -1;
        }
        if (!Solve(a, b, size)) return null;
        for (int j = 0; j < n; j++) m[j] = j == target ? 0 : b[Row(j)] is var v && v >= 0 && double.IsFinite(v) ? v : double.PositiveInfinity;
        return m;
    }

    // Gaussian elimination with partial pivoting; the solution replaces b (false when singular).
    private static bool Solve(double[,] a, double[] b, int n)
    {
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[p, c])) p = r;
            if (!(Math.Abs(a[p, c]) > 0)) return false;
            if (p != c)
            {
                for (int k = 0; k < n; k++) (a[c, k], a[p, k]) = (a[p, k], a[c, k]);
                (b[c], b[p]) = (b[p], b[c]);
            }
            for (int r = c + 1; r < n; r++)
            {
                double f = a[r, c] / a[c, c];
                if (f == 0) continue;
                for (int k = c; k < n; k++) a[r, k] -= f * a[c, k];
                b[r] -= f * b[c];
            }
        }
        for (int c = n - 1; c >= 0; c--)
        {
            double s = b[c];
            for (int k = c + 1; k < n; k++) s -= a[c, k] * b[k];
            b[c] = s / a[c, c];
        }
        return b.All(double.IsFinite);
    }
}
