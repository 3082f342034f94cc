using Stochastic.Random;

namespace Stochastic.Sensitivity;

/// <summary>
/// Morris's elementary-effects screening design (Morris 1991, "Factorial sampling plans for preliminary
/// computational experiments", Technometrics 33:161): <see cref="Trajectories"/> random one-at-a-time paths
/// through a grid of <see cref="Levels"/> levels per factor in the unit cube. Each path starts at a random
/// grid point and moves every factor once, in random order, by ±<see cref="Delta"/> = p / (2(p − 1)), so
/// it costs k + 1 runs and yields one elementary effect per factor; the direction is random, and every
/// coordinate is uniform over the p levels. Use it to screen many inputs cheaply (r(k + 1) runs) before
/// estimating variance-based indices (<see cref="SaltelliDesign"/>) for the few that matter.
/// </summary>
public sealed class MorrisDesign
{
    /// <summary>Builds the design; the paths depend only on <paramref name="seed"/>.</summary>
    /// <param name="factors">Number of inputs k (at least 1).</param>
    /// <param name="trajectories">Number of paths r (at least 2, for a spread).</param>
    /// <param name="levels">Grid levels p per factor (even, at least 2); 4 is Morris's and Campolongo's choice.</param>
    /// <param name="seed">Seed of the paths.</param>
    public MorrisDesign(int factors, int trajectories, int levels = 4, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(trajectories, 2);
        if (levels < 2 || levels % 2 != 0) throw new ArgumentOutOfRangeException(nameof(levels), $"Morris levels must be even and at least 2, not {levels}");
        Factors = factors;
        Trajectories = trajectories;
        Levels = levels;
        Delta = levels / (2.0 * (levels - 1));
        Points = new double[trajectories * (factors + 1)][];
        Moved = new int[trajectories][];
        var random = new Xoshiro256StarStar(seed, 0x4D6F72726973UL);
        for (int t = 0; t < trajectories; t++)
        {
            // Base level in {0, 1/(p-1), …, (p/2 - 1)/(p-1)}, so that base + Δ stays in the cube; a factor
            // moving down starts at base + Δ (Morris's B* with random D*, written out).
            var x = new double[factors];
            var down = new bool[factors];
            for (int i = 0; i < factors; i++)
            {
                x[i] = (int)(random.NextDouble() * (levels / 2)) / (double)(levels - 1);
                down[i] = random.NextDouble() < 0.5;
                if (down[i]) x[i] += Delta;
            }
            var order = Enumerable.Range(0, factors).ToArray();
            for (int i = factors - 1; i > 0; i--)
            {
                int j = (int)(random.NextDouble() * (i + 1));
                (order[i], order[j]) = (order[j], order[i]);
            }
            Moved[t] = order;
            int row = t * (factors + 1);
            Points[row] = (double[])x.Clone();
            for (int step = 0; step < factors; step++)
            {
                int i = order[step];
                x[i] += down[i] ? -Delta : Delta;
                Points[row + step + 1] = (double[])x.Clone();
            }
        }
    }

    /// <summary>Number of inputs k.</summary>
    public int Factors { get; }
    /// <summary>Number of paths r.</summary>
    public int Trajectories { get; }
    /// <summary>Grid levels p.</summary>
    public int Levels { get; }
    /// <summary>The step Δ = p / (2(p − 1)) in unit coordinates.</summary>
    public double Delta { get; }
    /// <summary>The r(k + 1) design points in the unit cube, path by path; point <c>t(k + 1) + j + 1</c> differs from the one before in factor <c>Moved[t][j]</c> only.</summary>
    public double[][] Points { get; }
    /// <summary>Per path, the factor each step moves.</summary>
    public int[][] Moved { get; }
}
