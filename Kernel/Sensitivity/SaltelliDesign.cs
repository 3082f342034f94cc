namespace Stochastic.Sensitivity;

/// <summary>
/// Saltelli's design for first-order and total Sobol indices (Saltelli et al. 2010, "Variance based
/// sensitivity analysis of model output. Design and estimator for the total sensitivity index", Comput.
/// Phys. Commun. 181:259): two base matrices A and B of N rows (the first and last k coordinates of a
/// 2k-dimensional <see cref="SobolSequence"/>, its first point, the origin, skipped) and, for every
/// factor i, the matrix AB_i: A with column i taken from B. N(k + 2) runs, stored per base row
/// as A_j, B_j, AB_j^(1), …, AB_j^(k). Choose N a power of two: the sequence is balanced there.
/// </summary>
public sealed class SaltelliDesign
{
    /// <summary>Builds the design for <paramref name="factors"/> inputs and <paramref name="baseRows"/> rows N.</summary>
    /// <exception cref="ArgumentOutOfRangeException">k outside 1..16 (the sequence has 32 dimensions) or N &lt; 2.</exception>
    public SaltelliDesign(int factors, int baseRows)
    {
        if (factors < 1 || 2 * factors > SobolSequence.MaxDimensions)
            throw new ArgumentOutOfRangeException(nameof(factors), $"the Saltelli design here takes 1 to {SobolSequence.MaxDimensions / 2} inputs, not {factors}");
        ArgumentOutOfRangeException.ThrowIfLessThan(baseRows, 2);
        Factors = factors;
        BaseRows = baseRows;
        var sequence = new SobolSequence(2 * factors);
        sequence.Skip(1);
        var s = new double[2 * factors];
        Points = new double[baseRows * (factors + 2)][];
        for (int j = 0; j < baseRows; j++)
        {
            sequence.Next(s);
            var a = s[..factors];
            var b = s[factors..];
            int row = j * (factors + 2);
            Points[row] = a;
            Points[row + 1] = b;
            for (int i = 0; i < factors; i++)
            {
                var ab = (double[])a.Clone();
                ab[i] = b[i];
                Points[row + 2 + i] = ab;
            }
        }
    }

    /// <summary>Number of inputs k.</summary>
    public int Factors { get; }
    /// <summary>Base rows N.</summary>
    public int BaseRows { get; }
    /// <summary>The N(k + 2) points in the unit cube: per base row A_j, B_j, then AB_j^(i) for i = 1..k.</summary>
    public double[][] Points { get; }
}
