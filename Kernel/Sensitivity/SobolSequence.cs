namespace Stochastic.Sensitivity;

/// <summary>
/// Sobol's low-discrepancy sequence (Sobol 1967) in up to <see cref="MaxDimensions"/> dimensions, with
/// Joe &amp; Kuo's direction numbers (Joe &amp; Kuo 2008, "Constructing Sobol sequences with better
/// two-dimensional projections", SIAM J. Sci. Comput. 30:2635) generated in Gray-code order (Antonov &amp;
/// Saleev 1979), as in Joe &amp; Kuo's own generator. The first 2^m points of every dimension put exactly
/// one point in each interval [j/2^m, (j+1)/2^m) (a (0, m, 1)-net); the Saltelli design
/// (<see cref="SaltelliDesign"/>) draws its two base matrices from it, which makes its estimators
/// converge faster than on plain Monte Carlo points (Saltelli et al. 2010, section 3).
/// </summary>
/// <remarks>
/// Direction numbers: rows d = 2..32 of <c>new-joe-kuo-6.21201</c>
/// (https://web.maths.unsw.edu.au/~fkuo/sobol/), copyright (c) 2008 Frances Y. Kuo and Stephen Joe,
/// distributed under a BSD-style licence that permits redistribution with the copyright notice; the
/// rows were checked against two independent published copies of the file. Dimension 1 uses m_i = 1
/// throughout (the van der Corput sequence in base 2).
/// </remarks>
public sealed class SobolSequence
{
    /// <summary>Dimensions this table supports.</summary>
    public const int MaxDimensions = 32;

    private const int Bits = 32;

    // (s, a, m_1..m_s) for d = 2..32, from new-joe-kuo-6.21201 (see remarks).
    private static readonly (int S, uint A, uint[] M)[] Table =
    [
        (1, 0, [1]),
        (2, 1, [1, 3]),
        (3, 1, [1, 3, 1]),
        (3, 2, [1, 1, 1]),
        (4, 1, [1, 1, 3, 3]),
        (4, 4, [1, 3, 5, 13]),
        (5, 2, [1, 1, 5, 5, 17]),
        (5, 4, [1, 1, 5, 5, 5]),
        (5, 7, [1, 1, 7, 11, 19]),
        (5, 11, [1, 1, 5, 1, 1]),
        (5, 13, [1, 1, 1, 3, 11]),
        (5, 14, [1, 3, 5, 5, 31]),
        (6, 1, [1, 3, 3, 9, 7, 49]),
        (6, 13, [1, 1, 1, 15, 21, 21]),
        (6, 16, [1, 3, 1, 13, 27, 49]),
        (6, 19, [1, 1, 1, 15, 7, 5]),
        (6, 22, [1, 3, 1, 15, 13, 25]),
        (6, 25, [1, 1, 5, 5, 19, 61]),
        (7, 1, [1, 3, 7, 11, 23, 15, 103]),
        (7, 4, [1, 3, 7, 13, 13, 15, 69]),
        (7, 7, [1, 1, 3, 13, 7, 35, 63]),
        (7, 8, [1, 3, 5, 9, 1, 25, 53]),
        (7, 14, [1, 3, 1, 13, 9, 35, 107]),
        (7, 19, [1, 3, 1, 5, 27, 61, 31]),
        (7, 21, [1, 1, 5, 11, 19, 41, 61]),
        (7, 28, [1, 3, 5, 3, 3, 13, 69]),
        (7, 31, [1, 1, 7, 13, 1, 19, 1]),
        (7, 32, [1, 3, 7, 5, 13, 19, 59]),
        (7, 37, [1, 1, 3, 9, 25, 29, 41]),
        (7, 41, [1, 3, 5, 13, 23, 1, 55]),
        (7, 42, [1, 3, 7, 3, 13, 59, 17]),
    ];

    private readonly uint[][] _directions;  // [dimension][bit] = V_i, scaled to 32 bits
    private readonly uint[] _state;
    private uint _index;

    /// <summary>A sequence in <paramref name="dimensions"/> dimensions, positioned at its first point (the origin).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Dimensions outside 1..<see cref="MaxDimensions"/>.</exception>
    public SobolSequence(int dimensions)
    {
        if (dimensions is < 1 or > MaxDimensions)
            throw new ArgumentOutOfRangeException(nameof(dimensions), $"a Sobol sequence here has 1 to {MaxDimensions} dimensions, not {dimensions}");
        Dimensions = dimensions;
        _state = new uint[dimensions];
        _directions = new uint[dimensions][];
        for (int d = 0; d < dimensions; d++) _directions[d] = Directions(d);
    }

    /// <summary>The number of dimensions.</summary>
    public int Dimensions { get; }

    /// <summary>Writes the next point into <paramref name="point"/> (length <see cref="Dimensions"/>), each coordinate in [0, 1).</summary>
    /// <exception cref="InvalidOperationException">All 2^32 points were used.</exception>
    public void Next(Span<double> point)
    {
        for (int d = 0; d < Dimensions; d++) point[d] = _state[d] * (1.0 / 4294967296.0);
        if (_index == uint.MaxValue) throw new InvalidOperationException("the Sobol sequence has no more points at 32 bits");
        // Gray code: point n+1 differs from point n by the direction of the lowest zero bit of n.
        int c = System.Numerics.BitOperations.TrailingZeroCount(~_index);
        for (int d = 0; d < Dimensions; d++) _state[d] ^= _directions[d][c];
        _index++;
    }

    /// <summary>Skips <paramref name="count"/> points.</summary>
    public void Skip(int count)
    {
        Span<double> scratch = stackalloc double[Dimensions];
        for (int i = 0; i < count; i++) Next(scratch);
    }

    /// <summary>The direction numbers V_1..V_32 of dimension <paramref name="d"/> (0-based), left-aligned in 32 bits.</summary>
    private static uint[] Directions(int d)
    {
        var v = new uint[Bits];
        if (d == 0)
        {
            for (int i = 0; i < Bits; i++) v[i] = 1u << (Bits - 1 - i);
            return v;
        }
        var (s, a, m) = Table[d - 1];
        for (int i = 0; i < Math.Min(s, Bits); i++) v[i] = m[i] << (Bits - 1 - i);
        // The recurrence of the primitive polynomial x^s + a_1 x^(s-1) + … + a_(s-1) x + 1.
        for (int i = s; i < Bits; i++)
        {
            v[i] = v[i - s] ^ (v[i - s] >> s);
            for (int k = 1; k < s; k++)
                if (((a >> (s - 1 - k)) & 1) != 0) v[i] ^= v[i - k];
        }
        return v;
    }
}
