using Stochastic.Transforms;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The group criterion's first-order error (<see cref="SlowScaleGroupError"/>) against the exact stationary
/// shares of a chain with a drain: a molecule drained at Z at δ per unit time and put back into the group
/// (at X, or spread as π) has the stationary law of the chain with that extra move, which a linear solve
/// gives exactly. For small δ the relative change of Z's share must be the first-order error.
/// </summary>
public class SlowScaleGroupErrorTests
{
    // X ⇄ Y ⇄ Z: X → Y 0.01, Y → X 100, Y → Z 10⁴, Z → Y 10 (the chain of the reduction test); π = (1, 10⁻⁴, 0.1)/1.1001.
    private static readonly (int A, int B, double Forward, double Reverse)[] Chain = [(0, 1, 0.01, 100), (1, 2, 1e4, 10)];

    // Stationary law of the 3-state chain plus a move from Z at rate δ to state j with probability refill[j].
    private static double[] Stationary(double delta, double[] refill)
    {
        var q = new double[3, 3];
        foreach (var (a, b, f, r) in Chain) { q[a, b] += f; q[b, a] += r; }
        for (int j = 0; j < 3; j++) if (j != 2) q[2, j] += delta * refill[j];
        // Σ_i π_i Q_ik = 0 for k = 0, 1 and Σ π = 1, by Cramer's rule on the 3×3 system.
        double Out(int i) => Enumerable.Range(0, 3).Where(k => k != i).Sum(k => q[i, k]);
        double[,] m = { { -Out(0), q[1, 0], q[2, 0] }, { q[0, 1], -Out(1), q[2, 1] }, { 1, 1, 1 } };
        double Det(double[,] x) => x[0, 0] * (x[1, 1] * x[2, 2] - x[1, 2] * x[2, 1]) - x[0, 1] * (x[1, 0] * x[2, 2] - x[1, 2] * x[2, 0])
            + x[0, 2] * (x[1, 0] * x[2, 1] - x[1, 1] * x[2, 0]);
        double d = Det(m);
        var pi = new double[3];
        for (int c = 0; c < 3; c++)
        {
            var x = (double[,])m.Clone();
            for (int r = 0; r < 3; r++) x[r, c] = r == 2 ? 1 : 0;
            pi[c] = Det(x) / d;
        }
        return pi;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FirstOrderErrorIsTheExactChangeOfTheDrainedShareForASmallDrain(bool refillAtX)
    {
        const double delta = 1e-4;
        double[] pi0 = Stationary(0, [1, 0, 0]);
        double[] refill = refillAtX ? [1, 0, 0] : [.. pi0];
        double exact = Math.Abs(Stationary(delta, refill)[2] / pi0[2] - 1);
        double firstOrder = SlowScaleGroupError.Error(3, Chain, [0, 0, delta], [refillAtX, false, false], [false, false, true]);
        // By hand (refill at X): δ·π_Z·m_{X→Z} = 10⁻⁴·0.0909·101 = 9.2·10⁻⁴. The next order is O((that)²) ~ 10⁻⁶
        // relative to it; 1% leaves room for nothing else.
        if (refillAtX) Assert.InRange(firstOrder, 9.1e-4, 9.3e-4);
        Assert.InRange(exact, firstOrder * 0.99, firstOrder * 1.01);
    }

    [Fact]
    public void AReadMemberWithNoShareIsUnbounded_AndNoDrainIsNoError()
    {
        // X → Y at rate 0 (a ligand at dose 0): Y has no equilibrium share but is drained.
        Assert.Equal(double.PositiveInfinity, SlowScaleGroupError.Error(2, [(0, 1, 0, 10)], [0, 0.1], [true, false], [false, true]));
        Assert.Equal(0, SlowScaleGroupError.Error(3, Chain, [0, 0, 0], [true, false, false], [true, true, true]));
    }
}
