using Stochastic.Random;
using Stochastic.Simulation.Exact;
using Stochastic.Simulation.SlowScale;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The slow-scale hybrid's cell step (<see cref="HybridState"/>) is written once for two layouts: the scalar
/// simulator's (its exact propensities an array of their own, one lane wide) and a multi-scale lane's (a
/// column of a row block shared by the lanes). Stepped alike, a cell must be the same in both, bit for bit.
/// </summary>
public class HybridStateTests
{
    [Fact]
    public void CellStep_IsTheSameInTheScalarAndTheLaneLayout()
    {
        // PD1IL2v on terminal cells: most firings leaped (docs/performance.md), reservoirs and groups moving.
        var (study, network) = MultiScaleBatchCells.Study;
        var scenario = study.Scenarios.Single(s => s.Name == "PD1IL2v");
        int type = Array.FindIndex(study.CellTypes.ToArray(), c => c.Name == "terminal");
        var reduced = MultiScaleBatchCells.Reduction(scenario, study.CellTypes[type]);
        var plan = new SlowScalePlan(reduced);
        var block = MultiScaleBatchCells.Block(scenario, type, 0, 1);
        const int width = 4, lane = 2;
        int nr = plan.Slow.Length;
        var own = new double[nr];
        var rows = new double[nr * width];
        var scalar = new HybridState(plan, new double[plan.Network.SpeciesCount], new double[network.Parameters.Length], own, 0, 1);
        var laned = new HybridState(plan, new double[plan.Network.SpeciesCount], new double[network.Parameters.Length], rows, lane, width);
        foreach (var cell in new[] { scalar, laned })
        {
            reduced.ReduceCounts(block.InitialCounts, cell.State);
            block.Parameters.CopyTo(cell.Parameters, 0);
            cell.Restart();
            cell.Forget();
            cell.Partition(0);
        }
        Same();

        // A driver that needs no engine: exponential waits at the column's total, the reaction a uniform
        // selects, the interval ended at its end with the leaped firings set to their rounded means.
        var random = new Xoshiro256StarStar(11, 0);
        double t = 0, horizon = 240;
        long exact = 0, leaps = 0;
        scalar.BeginInterval(t, horizon);
        laned.BeginInterval(t, horizon);
        Same();
        while (t < horizon && exact < 20_000)
        {
            double total = LinearSearch.Sum(own);
            double next = total > 0 ? t + random.NextExponential() / total : double.PositiveInfinity;
            if (next >= scalar.LeapEnd || double.IsPositiveInfinity(next))
            {
                if (!scalar.CanLeap || double.IsPositiveInfinity(scalar.LeapEnd)) break;
                t = scalar.LeapEnd;
                ulong seed = random.NextUInt64();
                foreach (var cell in new[] { scalar, laned })
                {
                    foreach (int j in cell.Leaped) cell.Firings[j] = cell.IsExactDecay(j) ? 0 : Math.Round(cell.Mean(j, t));
                    var decays = new Xoshiro256StarStar(seed, 0);
                    if (cell.HasExactDecays) cell.SampleDecays(t, ref decays);
                    Assert.Equal(scalar.Leaped.Count, cell.Leaped.Count);
                }
                Assert.Equal(scalar.EndInterval(t), laned.EndInterval(t));
                leaps++;
                scalar.Partition(t);
                laned.Partition(t);
            }
            else
            {
                t = next;
                int r = LinearSearch.Select(own, random.NextDouble() * total);
                if (r < 0) break;
                double a = scalar.Fire(r, t, 0.5), b = laned.Fire(r, t, 0.5);
                Assert.Equal(BitConverter.DoubleToInt64Bits(a), BitConverter.DoubleToInt64Bits(b));
                Assert.Equal(scalar.PartitionDue(), laned.PartitionDue());
                exact++;
            }
            scalar.BeginInterval(t, horizon);
            laned.BeginInterval(t, horizon);
            Same();
        }
        // The walk went through both kinds of step, many times (else it would prove little).
        Assert.True(exact > 1000, $"{exact} exact firings");
        Assert.True(leaps > 10 && scalar.LeapedFirings > 0, $"{leaps} leaps, {scalar.LeapedFirings} leaped firings");
        Assert.Equal(scalar.LeapedFirings, laned.LeapedFirings);
        Assert.Equal(scalar.LeapCorrections, laned.LeapCorrections);

        void Same()
        {
            Assert.Equal(Bits(scalar.State), Bits(laned.State));
            Assert.Equal(Bits(scalar.Expected), Bits(laned.Expected));
            Assert.Equal(scalar.LeapEnd, laned.LeapEnd);
            for (int j = 0; j < nr; j++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(own[j]), BitConverter.DoubleToInt64Bits(rows[j * width + lane]));
                Assert.Equal(scalar.IsLeaped(j), laned.IsLeaped(j));
                // The lane writes its own column only.
                for (int i = 0; i < width; i++) if (i != lane) Assert.Equal(0, rows[j * width + i]);
            }
        }

        static long[] Bits(double[] x) => [.. x.Select(BitConverter.DoubleToInt64Bits)];
    }
}
