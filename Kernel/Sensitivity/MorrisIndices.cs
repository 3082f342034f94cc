using Stochastic.Random;

namespace Stochastic.Sensitivity;

/// <summary>One factor's Morris statistics for one output.</summary>
/// <param name="Mu">Mean elementary effect μ (signed: effects of opposite sign cancel).</param>
/// <param name="MuStar">Mean absolute elementary effect μ* (Campolongo, Cariboni &amp; Saltelli 2007): the screening measure of importance.</param>
/// <param name="Sigma">Standard deviation of the elementary effects (n − 1): non-linearity or interactions.</param>
/// <param name="MuStarLow">Lower end of μ*'s 95% bootstrap interval (over paths).</param>
/// <param name="MuStarHigh">Upper end.</param>
/// <param name="Effects">Elementary effects used (paths whose two outputs were both finite).</param>
public readonly record struct MorrisFactor(double Mu, double MuStar, double Sigma, double MuStarLow, double MuStarHigh, int Effects);

/// <summary>
/// Elementary effects of a <see cref="MorrisDesign"/>: per factor μ, μ* (Campolongo, Cariboni &amp; Saltelli
/// 2007, Environ. Model. Softw. 22:1509) and σ (Morris 1991), with a percentile-bootstrap interval on μ*
/// that resamples whole paths (each path gives one effect per factor). An effect is
/// (y after − y before) / (±Δ): output change per unit of the factor's normalized range.
/// </summary>
public static class MorrisIndices
{
    /// <summary>Analyzes one output.</summary>
    /// <param name="design">The design that was run.</param>
    /// <param name="outputs">The output at each of <see cref="MorrisDesign.Points"/>, in order; a NaN drops the effects it enters.</param>
    /// <param name="bootstrap">Bootstrap replicates for μ*'s interval (0: none, the interval is NaN).</param>
    /// <param name="seed">Seed of the bootstrap.</param>
    public static MorrisFactor[] Analyze(MorrisDesign design, IReadOnlyList<double> outputs, int bootstrap = 1000, ulong seed = 1)
    {
        if (outputs.Count != design.Points.Length) throw new ArgumentException($"expected {design.Points.Length} outputs, got {outputs.Count}", nameof(outputs));
        int k = design.Factors, r = design.Trajectories;
        var effects = new double[k, r];  // NaN where an output was missing
        for (int t = 0; t < r; t++)
            for (int step = 0; step < k; step++)
            {
                int row = t * (k + 1) + step, i = design.Moved[t][step];
                double dx = design.Points[row + 1][i] - design.Points[row][i];
                effects[i, t] = (outputs[row + 1] - outputs[row]) / dx;
            }
        var result = new MorrisFactor[k];
        var random = new Xoshiro256StarStar(seed, 0x626F6F74UL);
        var draw = new int[r];
        var replicates = new double[bootstrap];
        for (int i = 0; i < k; i++)
        {
            var (mu, muStar, sigma, n) = Moments(effects, i, Enumerable.Range(0, r));
            double low = double.NaN, high = double.NaN;
            if (bootstrap > 0 && n > 0)
            {
                int used = 0;
                for (int b = 0; b < bootstrap; b++)
                {
                    for (int t = 0; t < r; t++) draw[t] = (int)(random.NextDouble() * r);
                    double s = Moments(effects, i, draw).MuStar;
                    if (!double.IsNaN(s)) replicates[used++] = s;
                }
                (low, high) = Percentiles(replicates.AsSpan(0, used));
            }
            result[i] = new MorrisFactor(mu, muStar, sigma, low, high, n);
        }
        return result;
    }

    private static (double Mu, double MuStar, double Sigma, int N) Moments(double[,] effects, int i, IEnumerable<int> paths)
    {
        double sum = 0, abs = 0, squares = 0;
        int n = 0;
        foreach (int t in paths)
        {
            double e = effects[i, t];
            if (double.IsNaN(e)) continue;
            sum += e; abs += Math.Abs(e); squares += e * e; n++;
        }
        if (n == 0) return (double.NaN, double.NaN, double.NaN, 0);
        double mu = sum / n;
        double sigma = n > 1 ? Math.Sqrt(Math.Max(0, (squares - n * mu * mu) / (n - 1))) : double.NaN;
        return (mu, abs / n, sigma, n);
    }

    /// <summary>The 2.5% and 97.5% percentiles (linear interpolation) of <paramref name="values"/>; NaN when empty.</summary>
    internal static (double Low, double High) Percentiles(Span<double> values)
    {
        if (values.Length == 0) return (double.NaN, double.NaN);
        values.Sort();
        return (Quantile(values, 0.025), Quantile(values, 0.975));

        static double Quantile(Span<double> sorted, double q)
        {
            double h = (sorted.Length - 1) * q;
            int lo = (int)Math.Floor(h), hi = Math.Min(lo + 1, sorted.Length - 1);
            return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
        }
    }
}
