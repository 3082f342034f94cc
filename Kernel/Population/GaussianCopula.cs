namespace Stochastic.Population;

/// <summary>
/// The Gaussian copula of one cell type (<see cref="ParameterCorrelation"/>): the parameters that
/// take part in a non-zero correlation, in file order, and the lower Cholesky factor L of their
/// correlation matrix. Independent standard normal scores z become correlated scores L z, each
/// still standard normal (Nelsen 2006, §3.3.1; Glasserman 2003, <i>Monte Carlo Methods in
/// Financial Engineering</i>, §2.3.3).
/// </summary>
internal sealed class GaussianCopula
{
    private readonly double[] _factor;   // lower triangle of L, row-major, Size × Size

    private GaussianCopula(int[] parameterIndices, double[] factor)
    {
        ParameterIndices = parameterIndices;
        _factor = factor;
    }

    /// <summary>Indices into <see cref="CellType.Parameters"/> of the correlated parameters (copula slot k holds <c>ParameterIndices[k]</c>).</summary>
    public int[] ParameterIndices { get; }

    /// <summary>Number of correlated parameters.</summary>
    public int Size => ParameterIndices.Length;

    /// <summary>
    /// The copula of <paramref name="cellType"/>, or null when it has no non-zero correlation (its
    /// parameters are then drawn exactly as without any correlation line).
    /// </summary>
    /// <exception cref="ArgumentException">A correlation names a parameter the cell type does not vary, |ρ| ≥ 1, or the matrix is not positive definite.</exception>
    public static GaussianCopula? For(CellType cellType)
    {
        var correlations = cellType.Correlations.IsDefault ? [] : cellType.Correlations.Where(c => c.Coefficient != 0).ToList();
        if (correlations.Count == 0) return null;
        int IndexOf(string name)
        {
            for (int i = 0; i < cellType.Parameters.Length; i++)
                if (cellType.Parameters[i].Parameter == name && cellType.Parameters[i].Distribution is not FixedDistribution) return i;
            throw new ArgumentException($"cell type '{cellType.Name}' has no varying parameter '{name}' to correlate");
        }
        var indices = correlations.SelectMany(c => new[] { IndexOf(c.First), IndexOf(c.Second) }).Distinct().Order().ToArray();
        int n = indices.Length;
        var matrix = new double[n * n];
        for (int i = 0; i < n; i++) matrix[i * n + i] = 1;
        foreach (var c in correlations)
        {
            if (!(Math.Abs(c.Coefficient) < 1)) throw new ArgumentException($"correlation of '{c.First}' and '{c.Second}' in cell type '{cellType.Name}' must lie strictly between -1 and 1");
            int a = Array.IndexOf(indices, IndexOf(c.First)), b = Array.IndexOf(indices, IndexOf(c.Second));
            matrix[a * n + b] = matrix[b * n + a] = c.Coefficient;
        }
        return Cholesky(matrix, n) is { } factor ? new GaussianCopula(indices, factor)
            : throw new ArgumentException($"the correlations of cell type '{cellType.Name}' do not form a positive-definite matrix");
    }

    /// <summary>
    /// The lower Cholesky factor of the symmetric n × n <paramref name="matrix"/> (row-major), or null
    /// when a pivot is not clearly positive (below 1e-10: the matrix is not, or only barely,
    /// positive definite, and the copula would be degenerate).
    /// </summary>
    public static double[]? Cholesky(double[] matrix, int n)
    {
        var l = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = matrix[i * n + j];
                for (int k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
                if (i == j)
                {
                    if (!(sum > 1e-10)) return null;
                    l[i * n + i] = Math.Sqrt(sum);
                }
                else l[i * n + j] = sum / l[j * n + j];
            }
        }
        return l;
    }

    /// <summary>Replaces independent scores <paramref name="z"/> by L z (in place: row i reads only rows ≤ i, so rows go last to first).</summary>
    public void Correlate(Span<double> z)
    {
        int n = Size;
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = 0;
            for (int k = 0; k <= i; k++) sum += _factor[i * n + k] * z[k];
            z[i] = sum;
        }
    }
}
