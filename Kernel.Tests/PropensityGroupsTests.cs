using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Random;
using Stochastic.Simulation.Exact;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

/// <summary>
/// <see cref="PropensityGroups"/>, the composition–rejection group structure shared by SSA-CR
/// (<see cref="CompositionRejection"/>) and RSSA-CR (<see cref="RejectionCompositionSsa"/>): its
/// bookkeeping, its selection law, and golden checksums of whole trajectories of both algorithms,
/// recorded before the structure was extracted from them, so that any change to the random draws or
/// to the order of floating-point operations shows up as a changed checksum.
/// </summary>
public class PropensityGroupsTests(ITestOutputHelper output)
{
    private static string Path(string folder, string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Reactions", folder, name);

    /// <summary>
    /// FNV-1a over the bits of, per run and horizon: the event count, the time, and every count.
    /// </summary>
    internal static (ulong, long) TrajectoryChecksum(string algorithm, string path, double[] horizons, int runs)
    {
        var network = NetworkCompiler.Compile(ModelLoader.Load(path));
        var sim = ExactAlgorithms.Find(algorithm)!.CreateSimulator(network);
        ulong h = 14695981039346656037UL;
        void Mix(ulong v)
        {
            for (int b = 0; b < 64; b += 8) { h ^= (v >> b) & 0xFF; h *= 1099511628211UL; }
        }
        for (int run = 0; run < runs; run++)
        {
            sim.Reset(20240611, (ulong)run);
            foreach (double t in horizons)
            {
                sim.Advance(t);
                Mix((ulong)sim.Events);
                Mix((ulong)BitConverter.DoubleToInt64Bits(sim.Time));
                foreach (double x in sim.State) Mix((ulong)BitConverter.DoubleToInt64Bits(x));
            }
            Mix((ulong)BitConverter.DoubleToInt64Bits(sim.NextFiringTime()));
        }
        return (h, sim.Events);
    }

    public static TheoryData<string, string, string, double[], ulong> Golden => new()
    {
        // algorithm, folder, file, horizons, expected checksum (3 runs each; 0.08–0.5 M events per case).
        // The infinite horizon runs RSSA-CR until every propensity is 0. SSA-CR stops at t = 10 there:
        // at extinction its running total can keep a positive rounding residue with every group empty.
        // The rssa-cr checksums were recorded again when a species at 0 got the point interval [0, 0]
        // (RejectionCompositionSsa remarks): other bounds give other candidates, so other trajectories of
        // the same process; the random stream and every other algorithm's checksum are unchanged. They were
        // recorded again when RSSA-CR's trials took their waiting times from the ziggurat (ExponentialZiggurat) and
        // each member try one 64-bit draw instead of two (PropensityGroups.SelectWithVariate): the same law from
        // another use of the stream. SSA-CR's draws are unchanged.
        { "cr", "examples", "il2-toy.bngl", [1, 10, 100], 0xB5FDFE80BB5C889AUL },
        { "rssa-cr", "examples", "il2-toy.bngl", [1, 10, 100], 0xBB501BB572C9878DUL },
        { "cr", "examples", "dimerization-decay.bngl", [1e-3, 0.1, 10], 0x39935E1DB1D50BC6UL },
        { "rssa-cr", "examples", "dimerization-decay.bngl", [1e-3, 0.1, double.PositiveInfinity], 0xA6965559F1DA2237UL },
        { "cr", "networks", "multisite2.net", [0.1, 0.5, 2], 0xDCA6DD6BF4394033UL },
        { "rssa-cr", "networks", "multisite2.net", [0.1, 0.5, 2], 0x109C8741007B8BF4UL },
    };

    /// <summary>
    /// Exact regression: the checksums were recorded on the algorithms before the group structure
    /// was extracted; a refactoring that keeps every random draw and every floating-point operation
    /// in the same order keeps them bit for bit. (Recorded on linux-x64: Math.Log comes from the C
    /// runtime, so another platform could legitimately give other checksums.)
    /// </summary>
    [Theory]
    [MemberData(nameof(Golden))]
    public void Trajectories_AreBitIdenticalToTheRecordedOnes(string algorithm, string folder, string file, double[] horizons, ulong expected)
    {
        (ulong actual, long events) = TrajectoryChecksum(algorithm, Path(folder, file), horizons, 3);
        output.WriteLine($"{algorithm} {file}: 0x{actual:X16}UL {events}");
        Assert.Equal(expected, actual);
    }

    private const double Epsilon = 1.0 / (1L << 52); // ulp of 1

    /// <summary>Checks groups, member counts and sums against the weights (the sums within <paramref name="tolerance"/>·2^(g+1)).</summary>
    private static void AssertConsistent(PropensityGroups groups, double[] weights, double tolerance)
    {
        var expectedCounts = new Dictionary<int, int>();
        var expectedSums = new Dictionary<int, double>();
        double total = 0;
        for (int r = 0; r < weights.Length; r++)
        {
            Assert.Equal(weights[r], groups[r]);
            total += weights[r];
            if (weights[r] == 0) { Assert.Equal(-1, groups.GroupOf(r)); continue; }
            int g = PropensityGroups.GroupIndex(weights[r]);
            Assert.Equal(g, groups.GroupOf(r));
            Assert.InRange(weights[r], Math.ScaleB(1.0, g - PropensityGroups.GroupIndex(1.0)), Math.ScaleB(1.0, g - PropensityGroups.GroupIndex(1.0) + 1));
            expectedCounts[g] = expectedCounts.GetValueOrDefault(g) + 1;
            expectedSums[g] = expectedSums.GetValueOrDefault(g) + weights[r];
        }
        for (int g = 0; g < 2200; g++)
        {
            Assert.Equal(expectedCounts.GetValueOrDefault(g), groups.MemberCount(g));
            double bound = Math.ScaleB(1.0, g - PropensityGroups.GroupIndex(1.0) + 1);
            if (groups.MemberCount(g) == 0) Assert.Equal(0.0, groups.GroupSum(g)); // exactly
            else Assert.True(Math.Abs(groups.GroupSum(g) - expectedSums[g]) <= tolerance * bound, $"group {g}: {groups.GroupSum(g)} vs {expectedSums[g]}");
        }
        Assert.True(Math.Abs(groups.Total - total) <= tolerance * Math.ScaleB(1.0, 11), $"total {groups.Total} vs {total}");
    }

    [Fact]
    public void SetAndResum_KeepGroupsCountsAndSums()
    {
        const int n = 40, steps = 3000;
        var groups = new PropensityGroups(n);
        var weights = new double[n];
        var rng = new Xoshiro256StarStar(11, 0);
        groups.Clear();
        for (int r = 0; r < n; r++)
        {
            weights[r] = r % 5 == 0 ? 0 : Math.Pow(2, 20 * rng.NextDouble() - 10); // 2^-10 … 2^10: about 20 groups
            groups.Add(r, weights[r]);
        }
        groups.Resum();
        // After a re-sum each sum is a sum of ≤ n weights of the group: error ≤ n·ε·n·2^(g+1).
        AssertConsistent(groups, weights, n * n * Epsilon);
        for (int step = 0; step < steps; step++)
        {
            int r = (int)(rng.NextDouble() * n);
            double u = rng.NextDouble();
            weights[r] = u < 0.2 ? 0 : u < 0.3 ? weights[r] : Math.Pow(2, 20 * rng.NextDouble() - 10);
            groups.Set(r, weights[r]);
            // Each incremental update rounds once in a sum of magnitude ≤ n·2^(g+1) (the total: ≤ n·2^11):
            // after k updates the error is ≤ k·n·ε times that scale. Checked every 100 steps.
            if (step % 100 == 99) AssertConsistent(groups, weights, (step + 1 + n) * n * Epsilon);
        }
        groups.Resum();
        AssertConsistent(groups, weights, n * n * Epsilon);
    }

    [Fact]
    public void EmptiedGroup_HasSumExactlyZero()
    {
        var groups = new PropensityGroups(4);
        int g = PropensityGroups.GroupIndex(1.1);
        groups.Set(0, 1.1);
        groups.Set(1, 1.3);
        groups.Set(2, 1.7);
        groups.Set(3, 1.9);
        Assert.Equal(4, groups.MemberCount(g));
        groups.Set(1, 5.0); // moved to another group
        groups.Set(0, 0);   // removed
        groups.Set(3, 1.2); // same group, swap-removed order changed above
        Assert.Equal(2, groups.MemberCount(g));
        Assert.NotEqual(0.0, groups.GroupSum(g));
        groups.Set(2, 0.3);
        groups.Set(3, 0);
        Assert.Equal(0, groups.MemberCount(g));
        Assert.Equal(0.0, groups.GroupSum(g)); // exactly, although 1.1 + 1.3 + 1.7 + 1.9 − … need not round to 0
        Assert.Equal(1, groups.MemberCount(PropensityGroups.GroupIndex(5.0)));
        Assert.Equal(2, groups.GroupOf(1) - g);
    }

    [Fact]
    public void Select_ReturnsMinusOne_WhenOnlyRoundingResidueIsLeft()
    {
        var groups = new PropensityGroups(2, copies: true);
        groups.Set(0, 0.1);
        groups.Set(1, 0.2);
        groups.Set(0, 0);
        groups.Set(1, 0);
        Assert.True(groups.Total > 0); // 0.1 + 0.2 − 0.1 − 0.2 = 2^-55 in doubles, with every group empty
        var rng = new Xoshiro256StarStar(1, 0);
        Assert.Equal(-1, groups.Select(ref rng));
        Assert.Equal(-1, groups.SelectWithVariate(ref rng, out _, out _));
        groups.Resum();
        Assert.Equal(0.0, groups.Total);
    }

    [Fact]
    public void Companions_FollowTheirReactionsThroughMovesAndRemovals()
    {
        // RSSA-CR keeps each reaction's lower bound beside its upper bound in the group's member record; a record
        // left behind by a swap-removal, a move between groups or a weight change inside a group would hand the
        // acceptance test another reaction's bound. Random weights over ~20 groups, zeros included, and companions
        // changed with and without the weight.
        const int n = 40, steps = 3000;
        var groups = new PropensityGroups(n, copies: true);
        var companions = new double[n];
        var rng = new Xoshiro256StarStar(12, 0);
        groups.Clear();
        for (int r = 0; r < n; r++)
        {
            companions[r] = rng.NextDouble();
            groups.Add(r, r % 5 == 0 ? 0 : Math.Pow(2, 20 * rng.NextDouble() - 10), companions[r]);
        }
        groups.Resum();
        var draw = new Xoshiro256StarStar(13, 0);
        for (int step = 0; step < steps; step++)
        {
            int r = (int)(rng.NextDouble() * n);
            double u = rng.NextDouble();
            double weight = u < 0.2 ? 0 : u < 0.4 ? groups[r] : u < 0.6 ? groups[r] * (1 + 0.1 * rng.NextDouble()) : Math.Pow(2, 20 * rng.NextDouble() - 10);
            companions[r] = rng.NextDouble();
            groups.Set(r, weight, companions[r]);
            for (int k = 0; k < 5; k++)
            {
                int j = groups.SelectWithVariate(ref draw, out _, out double companion);
                if (j < 0) continue;
                Assert.Equal(companions[j], companion);
            }
        }
        for (int r = 0; r < n; r++) Assert.Equal(companions[r], groups.Companion(r));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Select_DrawsInProportionToTheWeights(bool withVariate)
    {
        // Weights over several groups, two in one group, and a zero weight.
        double[] weights = [0.5, 1, 1.5, 3, 0, 7, 20, 0.01];
        var groups = new PropensityGroups(weights.Length, copies: withVariate);
        for (int r = 0; r < weights.Length; r++) groups.Set(r, weights[r]);
        var rng = new Xoshiro256StarStar(5, 0);
        const int draws = 200_000;
        var counts = new long[weights.Length];
        for (int i = 0; i < draws; i++)
        {
            int r;
            if (withVariate)
            {
                r = groups.SelectWithVariate(ref rng, out double u, out _);
                Assert.True(u >= 0 && u < weights[r]);
            }
            else r = groups.Select(ref rng);
            counts[r]++;
        }
        Assert.Equal(0, counts[4]);
        // Pearson χ² over the 7 reactions of positive weight (6 degrees of freedom; smallest expected
        // count 200000·0.01/33.01 ≈ 61). Critical value 27.86 = χ²₆ quantile at 1 − 10⁻⁴ (survival
        // function e^(−x/2)(1 + x/2 + x²/8) solved numerically), so a correct sampler fails 1 seed in 10⁴.
        double total = weights.Sum(), chi2 = 0;
        for (int r = 0; r < weights.Length; r++)
        {
            if (weights[r] == 0) continue;
            double expected = draws * weights[r] / total;
            chi2 += (counts[r] - expected) * (counts[r] - expected) / expected;
        }
        Assert.True(chi2 < 27.86, $"chi2 = {chi2:F2}");
    }

    [Fact]
    public void SelectWithVariate_AfterManyChanges_DrawsInProportionToTheWeights()
    {
        // SelectWithVariate finds its group from running sums kept incrementally (PropensityGroups.AddToCumulative),
        // so churn them: 20 reactions, 20,000 changes with weights over [2^−2, 2^9) (11 groups, the range growing as
        // new groups appear), some set to 0 and back, without a re-sum; then the final weights, all positive, must be
        // drawn in proportion. Pearson χ² over 20 reactions, 19 degrees of freedom; critical value 50.8 = χ²₁₉
        // quantile at 1 − 10⁻⁴ (its density integrated numerically), so a correct sampler fails 1 seed in 10⁴;
        // smallest expected count ≥ 400,000 · 2^−2 / (20 · 2^9) ≈ 9.8.
        const int n = 20, draws = 400_000;
        var groups = new PropensityGroups(n, copies: true);
        var rng = new Xoshiro256StarStar(13, 0);
        var weights = new double[n];
        for (int change = 0; change < 20_000; change++)
        {
            int r = (int)(rng.NextDouble() * n);
            weights[r] = rng.NextDouble() < 0.1 ? 0 : Math.ScaleB(1 + rng.NextDouble(), (int)(rng.NextDouble() * 11) - 2);
            groups.Set(r, weights[r]);
        }
        for (int r = 0; r < n; r++)
        {
            if (weights[r] == 0) groups.Set(r, weights[r] = 0.75);
        }
        double total = weights.Sum();
        var counts = new long[n];
        for (int i = 0; i < draws; i++) counts[groups.SelectWithVariate(ref rng, out _, out _)]++;
        double chi2 = 0;
        for (int r = 0; r < n; r++)
        {
            double expected = draws * weights[r] / total;
            chi2 += (counts[r] - expected) * (counts[r] - expected) / expected;
        }
        output.WriteLine($"chi2 = {chi2:F2}, total {total:F1}");
        Assert.True(chi2 < 50.8, $"chi2 = {chi2:F2}");
    }

    [Fact]
    public void SelectWithVariate_VariateIsUniformOnTheWeight_WhateverTheMember()
    {
        // u / weight of the chosen reaction, binned in 10 equal bins per reaction: under the claimed law
        // (member ∝ weight, u uniform on [0, weight) given the member) every cell has expectation
        // draws · w_r / Σw / 10. Five reactions, three of them in group [2, 4) so that the member and u come
        // from the same 64-bit draw with a count that is not a power of two. Pearson χ² over 50 cells,
        // 49 degrees of freedom; critical value 94.6 = χ²₄₉ quantile at 1 − 10⁻⁴ (its density integrated
        // numerically), so a correct sampler fails 1 seed in 10⁴. A variate that
        // depended on the member's index (e.g. the high word reused) puts all of a reaction's mass in few bins.
        double[] weights = [2.1, 2.9, 3.7, 0.6, 11];
        var groups = new PropensityGroups(weights.Length, copies: true);
        for (int r = 0; r < weights.Length; r++) groups.Set(r, weights[r]);
        Assert.Equal(3, groups.MemberCount(PropensityGroups.GroupIndex(2.1)));
        var rng = new Xoshiro256StarStar(11, 3);
        const int draws = 200_000, bins = 10;
        var cells = new long[weights.Length, bins];
        for (int i = 0; i < draws; i++)
        {
            int r = groups.SelectWithVariate(ref rng, out double u, out _);
            cells[r, Math.Min(bins - 1, (int)(u / weights[r] * bins))]++;
        }
        double total = weights.Sum(), chi2 = 0;
        for (int r = 0; r < weights.Length; r++)
        {
            double expected = draws * weights[r] / total / bins;
            for (int b = 0; b < bins; b++) chi2 += (cells[r, b] - expected) * (cells[r, b] - expected) / expected;
        }
        output.WriteLine($"chi2 = {chi2:F2} over {weights.Length * bins} cells");
        Assert.True(chi2 < 94.6, $"chi2 = {chi2:F2}");
    }
}
