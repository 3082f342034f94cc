using Stochastic.Random;

namespace Stochastic.Sensitivity;

/// <summary>One factor's Sobol indices for one output, with 95% percentile-bootstrap intervals (over base rows).</summary>
/// <param name="First">First-order index S_i = V[E(Y|X_i)] / V(Y).</param>
/// <param name="FirstLow">Lower end of S_i's interval.</param>
/// <param name="FirstHigh">Upper end.</param>
/// <param name="Total">Total index S_Ti = E[V(Y|X_~i)] / V(Y).</param>
/// <param name="TotalLow">Lower end of S_Ti's interval.</param>
/// <param name="TotalHigh">Upper end.</param>
public readonly record struct SobolFactor(double First, double FirstLow, double FirstHigh, double Total, double TotalLow, double TotalHigh);

/// <summary>
/// Variance-based indices from a <see cref="SaltelliDesign"/>: the first-order estimator of Saltelli et al.
/// 2010 (their Table 2, (b)): V_i ≈ (1/N) Σ f(B)_j (f(AB_i)_j − f(A)_j), and Jansen's total-effect estimator
/// (Jansen 1999; Saltelli et al. 2010 Table 2, (f)): V_Ti ≈ (1/2N) Σ (f(A)_j − f(AB_i)_j)², both divided by
/// V(Y) estimated from the 2N outputs of A and B. Intervals: percentiles of the indices recomputed on base
/// rows drawn with replacement (as SALib does). Rows with a NaN output are left out.
/// </summary>
public static class SobolIndices
{
    /// <summary>Analyzes one output.</summary>
    /// <param name="design">The design that was run.</param>
    /// <param name="outputs">The output at each of <see cref="SaltelliDesign.Points"/>, in order.</param>
    /// <param name="bootstrap">Bootstrap replicates (0: no intervals, NaN).</param>
    /// <param name="seed">Seed of the bootstrap.</param>
    public static SobolFactor[] Analyze(SaltelliDesign design, IReadOnlyList<double> outputs, int bootstrap = 1000, ulong seed = 1)
    {
        if (outputs.Count != design.Points.Length) throw new ArgumentException($"expected {design.Points.Length} outputs, got {outputs.Count}", nameof(outputs));
        var y = outputs as double[] ?? [.. outputs];
        int k = design.Factors, stride = k + 2;
        var rows = Enumerable.Range(0, design.BaseRows)
            .Where(j => Enumerable.Range(0, stride).All(c => double.IsFinite(y[j * stride + c]))).ToArray();
        var first = new double[k];
        var total = new double[k];
        Estimate(y, k, rows, first, total);
        var result = new SobolFactor[k];
        var firstLow = new double[k]; var firstHigh = new double[k]; var totalLow = new double[k]; var totalHigh = new double[k];
        Array.Fill(firstLow, double.NaN); Array.Fill(firstHigh, double.NaN); Array.Fill(totalLow, double.NaN); Array.Fill(totalHigh, double.NaN);
        if (bootstrap > 0 && rows.Length > 1)
        {
            var random = new Xoshiro256StarStar(seed, 0x736F626FUL);
            var f = new double[bootstrap, k];
            var t = new double[bootstrap, k];
            var draw = new int[rows.Length];
            var bf = new double[k]; var bt = new double[k];
            for (int b = 0; b < bootstrap; b++)
            {
                for (int j = 0; j < draw.Length; j++) draw[j] = rows[(int)(random.NextDouble() * rows.Length)];
                Estimate(y, k, draw, bf, bt);
                for (int i = 0; i < k; i++) { f[b, i] = bf[i]; t[b, i] = bt[i]; }
            }
            var column = new double[bootstrap];
            for (int i = 0; i < k; i++)
            {
                int n = Column(f, i, column);
                (firstLow[i], firstHigh[i]) = MorrisIndices.Percentiles(column.AsSpan(0, n));
                n = Column(t, i, column);
                (totalLow[i], totalHigh[i]) = MorrisIndices.Percentiles(column.AsSpan(0, n));
            }
        }
        for (int i = 0; i < k; i++) result[i] = new SobolFactor(first[i], firstLow[i], firstHigh[i], total[i], totalLow[i], totalHigh[i]);
        return result;

        static int Column(double[,] values, int i, double[] column)
        {
            int n = 0;
            for (int b = 0; b < values.GetLength(0); b++) if (double.IsFinite(values[b, i])) column[n++] = values[b, i];
            return n;
        }
    }

    /// <summary>The indices over base rows <paramref name="rows"/> (repeats allowed); NaN when V(Y) is 0.</summary>
    private static void Estimate(double[] y, int k, int[] rows, double[] first, double[] total)
    {
        int stride = k + 2, n = rows.Length;
        // V(Y) from the 2N outputs of A and B (population variance, as in Saltelli et al. 2010).
        double mean = 0;
        foreach (int j in rows) mean += y[j * stride] + y[j * stride + 1];
        mean /= 2.0 * n;
        double variance = 0;
        foreach (int j in rows)
        {
            double a = y[j * stride] - mean, b = y[j * stride + 1] - mean;
            variance += a * a + b * b;
        }
        variance /= 2.0 * n;
        for (int i = 0; i < k; i++)
        {
            double vi = 0, vti = 0;
            foreach (int j in rows)
            {
                double fa = y[j * stride], fb = y[j * stride + 1], fab = y[j * stride + 2 + i];
                vi += fb * (fab - fa);
                vti += (fa - fab) * (fa - fab);
            }
            first[i] = variance > 0 ? vi / n / variance : double.NaN;
            total[i] = variance > 0 ? vti / (2.0 * n) / variance : double.NaN;
        }
    }
}
