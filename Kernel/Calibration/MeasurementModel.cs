namespace Stochastic.Calibration;

/// <summary>The scale and background of one block of data (one population in one replicate) and what is left.</summary>
/// <param name="Scale">MFI per unit of the model read-out.</param>
/// <param name="Background">MFI without signal.</param>
/// <param name="ResidualSumOfSquares">Σ (y − scale·m − background)².</param>
/// <param name="Count">Data points in the block.</param>
public readonly record struct BlockFit(double Scale, double Background, double ResidualSumOfSquares, int Count)
{
    /// <summary>The block's maximum-likelihood noise sd, √(RSS/n).</summary>
    public double Sigma => Math.Sqrt(ResidualSumOfSquares / Count);
}

/// <summary>
/// The measurement model MFI = scale × ⟨read-out⟩ + background + ε, ε ~ N(0, σ²), with its own scale,
/// background and σ per block (a population in one replicate: the replicates are separate experiments
/// whose MFI scales differ). For fixed model parameters the scale and background enter linearly, so
/// they are solved in closed form (ordinary least squares within a block, where σ is one number);
/// σ is then profiled out too (σ̂² = RSS/n), which leaves −2 ln L = Σ_blocks n ln(RSS/n) + constant:
/// a likelihood that does not depend on the MFI units of any block.
/// </summary>
public static class MeasurementModel
{
    /// <summary>Least-squares scale and background of <paramref name="data"/> against <paramref name="model"/>.</summary>
    /// <remarks>A flat model (no variance) gets scale 0 and the data's mean as background.</remarks>
    public static BlockFit Solve(ReadOnlySpan<double> model, ReadOnlySpan<double> data)
    {
        if (model.Length != data.Length || model.Length == 0) throw new ArgumentException("one model value per data point, at least one", nameof(model));
        int n = model.Length;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) { mx += model[i]; my += data[i]; }
        mx /= n;
        my /= n;
        double sxx = 0, sxy = 0;
        for (int i = 0; i < n; i++) { sxx += (model[i] - mx) * (model[i] - mx); sxy += (model[i] - mx) * (data[i] - my); }
        double scale = sxx > 0 ? sxy / sxx : 0;
        double background = my - scale * mx;
        double rss = 0;
        for (int i = 0; i < n; i++) { double r = data[i] - scale * model[i] - background; rss += r * r; }
        return new BlockFit(scale, background, rss, n);
    }

    /// <summary>
    /// −2 ln L of the blocks with σ profiled out: Σ n ln(RSS/n) (the constant n(1 + ln 2π) dropped).
    /// A block that fits exactly (RSS = 0) is floored at RSS/n = 10⁻³⁰⁰, so the value stays finite.
    /// </summary>
    public static double MinusTwoLogLikelihood(IEnumerable<BlockFit> blocks)
    {
        double sum = 0;
        foreach (var b in blocks) sum += b.Count * Math.Log(Math.Max(b.ResidualSumOfSquares / b.Count, 1e-300));
        return sum;
    }
}
