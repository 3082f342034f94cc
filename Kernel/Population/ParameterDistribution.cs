using Stochastic.Random;

namespace Stochastic.Population;

/// <summary>
/// The cell-to-cell distribution of one parameter (or initial count) within a cell type.
/// Sampling draws from the cell's own stream, so a cell's values depend only on (seed, cell).
/// </summary>
public abstract record ParameterDistribution
{
    /// <summary>Draws one value.</summary>
    public abstract double Sample(ref Xoshiro256StarStar random);

    /// <summary>The median of the distribution (used for a "typical cell").</summary>
    public abstract double Median { get; }

    /// <summary>
    /// Draws the standard normal score Z underlying one value (from the same stream positions as
    /// <see cref="Sample"/>), for the Gaussian copula of correlated parameters (<see cref="ParameterCorrelation"/>).
    /// </summary>
    internal virtual double SampleScore(ref Xoshiro256StarStar random) =>
        throw new NotSupportedException($"{GetType().Name} has no standard normal score");

    /// <summary>The value of standard normal score <paramref name="z"/>: <c>FromScore(SampleScore(r))</c> equals <c>Sample(r)</c>.</summary>
    internal virtual double FromScore(double z) => throw new NotSupportedException($"{GetType().Name} has no standard normal score");

    /// <summary>A standard normal variate (Box-Muller; one of the pair is discarded so each draw uses two uniforms).</summary>
    internal static double StandardNormal(ref Xoshiro256StarStar random)
    {
        double u1 = random.NextOpenDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>The same value in every cell.</summary>
public sealed record FixedDistribution(double Value) : ParameterDistribution
{
    /// <inheritdoc />
    public override double Sample(ref Xoshiro256StarStar random) => Value;
    /// <inheritdoc />
    public override double Median => Value;
    /// <inheritdoc />
    public override string ToString() => Value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Lognormal: ln X ~ Normal(ln <paramref name="MedianValue"/>, <paramref name="Sigma"/>²). Receptor copy
/// numbers across cells (PARAMETERS.md §2b: σ ≈ 0.7–1.1 for CD25/CD122).
/// </summary>
public sealed record LogNormalDistribution(double MedianValue, double Sigma) : ParameterDistribution
{
    /// <inheritdoc />
    public override double Sample(ref Xoshiro256StarStar random) => FromScore(StandardNormal(ref random));
    internal override double SampleScore(ref Xoshiro256StarStar random) => StandardNormal(ref random);
    internal override double FromScore(double z) => MedianValue * Math.Exp(Sigma * z);
    /// <inheritdoc />
    public override double Median => MedianValue;
    /// <inheritdoc />
    public override string ToString() => FormattableString.Invariant($"lognormal({MedianValue:G6}, {Sigma:G4})");
}

/// <summary>Normal, truncated at zero (values below zero become zero).</summary>
public sealed record NormalDistribution(double Mean, double StandardDeviation) : ParameterDistribution
{
    /// <inheritdoc />
    public override double Sample(ref Xoshiro256StarStar random) => FromScore(StandardNormal(ref random));
    internal override double SampleScore(ref Xoshiro256StarStar random) => StandardNormal(ref random);
    internal override double FromScore(double z) => Math.Max(0, Mean + StandardDeviation * z);
    /// <inheritdoc />
    public override double Median => Math.Max(0, Mean);
    /// <inheritdoc />
    public override string ToString() => FormattableString.Invariant($"normal({Mean:G6}, {StandardDeviation:G4})");
}

/// <summary>Uniform on [<paramref name="Low"/>, <paramref name="High"/>).</summary>
public sealed record UniformDistribution(double Low, double High) : ParameterDistribution
{
    /// <inheritdoc />
    public override double Sample(ref Xoshiro256StarStar random) => Low + (High - Low) * random.NextDouble();
    /// <summary>Φ⁻¹(U) of the uniform draw U (Acklam's approximation, relative error below 1.15e-9).</summary>
    internal override double SampleScore(ref Xoshiro256StarStar random) => Gaussian.Quantile(random.NextDouble());
    /// <summary>Low + (High − Low) Φ(z); within about 1e-9 of the draw <see cref="Sample"/> makes, and may reach High.</summary>
    internal override double FromScore(double z) => Low + (High - Low) * Gaussian.Cdf(z);
    /// <inheritdoc />
    public override double Median => (Low + High) / 2;
    /// <inheritdoc />
    public override string ToString() => FormattableString.Invariant($"uniform({Low:G6}, {High:G6})");
}
