using Stochastic.Lanes;
using Stochastic.Methods;
using Stochastic.Population;
using Stochastic.Random;
using Stochastic.Simulation.Batch;
using Stochastic.Simulation.Cells;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

/// <summary>
/// The multi-scale batch engine with cells that pause and resume (a shared ligand pool, lineages): a paused
/// cell keeps its reduced state and where its Philox stream stands, and a cell's trajectory is the same
/// whether it resumes alone or among others, in any order, at every lane width, and across a checkpoint.
/// CI reruns this category without AVX-512, AVX2 and intrinsics.
/// </summary>
[Trait("Category", "Batch")]
public class MultiScaleCoupledTests(ITestOutputHelper output)
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.Vector128, SimdWidth.Vector256, SimdWidth.Vector512];

    [Fact]
    public void LaneStream_SetAtWhatItHadDrawn_GoesOnWithTheSameNumbers()
    {
        // Eight lanes drawn in an irregular pattern (masked vector draws and single draws), so lanes stop at odd
        // and even positions with uniforms queued; every lane is then set anew at its Drawn count and both go on.
        var a = new LaneStreams(8);
        for (int i = 0; i < 8; i++) a.Set(i, 99, (ulong)(10 + i));
        var rng = new Xoshiro256StarStar(5, 0);
        var drawnAt = new long[8];
        void Draw(LaneStreams s, ref Xoshiro256StarStar pattern, List<double>[] into, int steps)
        {
            for (int step = 0; step < steps; step++)
            {
                uint bits = (uint)(pattern.NextUInt64() & 0xFF);
                if ((bits & 1) == 0)
                {
                    var mask = new double[8];
                    for (int i = 0; i < 8; i++) mask[i] = (bits >> i & 1) != 0 ? BitConverter.UInt64BitsToDouble(ulong.MaxValue) : 0;
                    var u = new double[8];
                    Vector512Lanes.Store(s.NextUniform<Vector512Lanes, System.Runtime.Intrinsics.Vector512<double>>(Vector512Lanes.Load(mask)), u);
                    for (int i = 0; i < 8; i++) if ((bits >> i & 1) != 0) into[i].Add(u[i]);
                }
                else
                {
                    int lane = (int)(bits >> 1) & 7;
                    into[lane].Add(s.NextDouble(lane));
                }
            }
        }
        var first = Enumerable.Range(0, 8).Select(_ => new List<double>()).ToArray();
        Draw(a, ref rng, first, 57);
        for (int i = 0; i < 8; i++) drawnAt[i] = a.Drawn(i);
        Assert.Equal(first.Select(l => (long)l.Count), drawnAt);
        Assert.Contains(drawnAt, n => n % 2 == 1);
        Assert.Contains(drawnAt, n => n % 2 == 0);

        var b = new LaneStreams(8);
        for (int i = 0; i < 8; i++) b.Set(i, 99, (ulong)(10 + i), drawnAt[i]);
        var pattern = rng;
        var goOn = Enumerable.Range(0, 8).Select(_ => new List<double>()).ToArray();
        var resumed = Enumerable.Range(0, 8).Select(_ => new List<double>()).ToArray();
        Draw(a, ref rng, goOn, 80);
        Draw(b, ref pattern, resumed, 80);
        for (int i = 0; i < 8; i++) Assert.Equal(goOn[i], resumed[i]);
        Assert.Equal(Enumerable.Range(0, 8).Select(a.Drawn), Enumerable.Range(0, 8).Select(b.Drawn));
    }

    // 9 NK cells under IL-2 (nested reservoirs, much leaped), started at 0, advanced to 90 min, then the dose
    // changes (as a pool's coupling changes it) and they go on to 240 min through two stops.
    private static (double[] First, double[] Second, PausedCell[] Cells, long Events) Run(SimdWidth width, int[] order, bool alone = false, bool checkpoint = false)
    {
        var (study, network) = MultiScaleBatchCells.Study;
        var scenario = study.Scenarios.Single(s => s.Name == "IL2");
        int type = study.CellTypes.ToList().FindIndex(c => c.Name == "NK");
        var reduced = MultiScaleBatchCells.Reduction(scenario, study.CellTypes[type]);
        var block = MultiScaleBatchCells.Block(scenario, type, 0, 9);
        var sim = new MultiScaleCellSimulator(reduced, width);
        int s = block.SpeciesCount, p = block.ParameterCount, o = sim.OutputNames.Count, n = order.Length;
        var cells = order.Select(c => sim.Start(block.InitialCounts.AsSpan(c * s, s), block.Seed, block.StreamIndices[c], 0)).ToArray();
        var rows = order.SelectMany(c => block.Parameters.AsSpan(c * p, p).ToArray()).ToArray();
        double[] Advance(double[] stops)
        {
            var outputs = new double[n * stops.Length * o];
            if (alone)
                for (int c = 0; c < n; c++)
                    sim.Advance(cells[c], rows.AsSpan(c * p, p), stops, outputs.AsSpan(c * stops.Length * o, stops.Length * o));
            else sim.AdvanceMany(cells, rows, stops, outputs);
            return outputs;
        }
        var first = Advance([30, 90]);
        if (checkpoint)
        {
            var stream = new MemoryStream();
            using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, true)) foreach (var c in cells) c.Write(w);
            stream.Position = 0;
            using var r = new BinaryReader(stream);
            cells = [.. cells.Select(_ => PausedCell.Read(r))];
        }
        int dose = study.Model.ParameterIndex(study.Settings.DoseParameter);
        for (int c = 0; c < n; c++) rows[c * p + dose] *= 0.4;
        var second = Advance([150, 240]);
        return (first, second, cells, sim.Counters.Events);
    }

    // Cell c's slice of a many-cell record, in the order the cells were given.
    private static double[] Cell(double[] record, int n, int c) => record.AsSpan(c * (record.Length / n), record.Length / n).ToArray();

    [Fact]
    public void PausedCells_ResumeAlike_AloneOrTogether_InAnyOrder_AtEveryWidth_AndAcrossACheckpoint()
    {
        int[] order = [.. Enumerable.Range(0, 9)];
        var reference = Run(SimdWidth.Scalar, order);
        // Can fail: the cells differ, and the second interval moved them.
        Assert.NotEqual(Cell(reference.Second, 9, 0), Cell(reference.Second, 9, 1));
        Assert.NotEqual(Cell(reference.First, 9, 0).AsSpan(^reference.Cells[0].Counts.Length..).ToArray(), Cell(reference.Second, 9, 0).AsSpan(^reference.Cells[0].Counts.Length..).ToArray());
        Assert.All(reference.Cells, c => Assert.Equal(240, c.Time));
        Assert.All(reference.Cells, c => Assert.True(c.Drawn > 1000, $"{c.Drawn} uniforms drawn"));
        void Same((double[] First, double[] Second, PausedCell[] Cells, long Events) x, int[] xOrder)
        {
            for (int i = 0; i < xOrder.Length; i++)
            {
                int c = xOrder[i];
                Assert.Equal(Cell(reference.First, 9, c), Cell(x.First, xOrder.Length, i));
                Assert.Equal(Cell(reference.Second, 9, c), Cell(x.Second, xOrder.Length, i));
                Assert.Equal(reference.Cells[c].Counts, x.Cells[i].Counts);
                Assert.Equal(reference.Cells[c].Drawn, x.Cells[i].Drawn);
            }
        }
        foreach (var width in Widths.Skip(1))
        {
            var x = Run(width, order);
            Same(x, order);
            Assert.Equal(reference.Events, x.Events);
        }
        int[] some = [7, 2, 5];
        Same(Run(SimdWidth.Auto, some, alone: true), some);
        Same(Run(SimdWidth.Vector256, [.. order.Reverse()]), [.. order.Reverse()]);
        Same(Run(SimdWidth.Auto, order, checkpoint: true), order);
    }

    [Fact]
    public void Il2WellWithPoolAndLineages_OnLanes_DoesNotDependOnThreadsBlockSizeOrWidth()
    {
        // The IL-2 lineage study (a shared ligand pool, divisions; its reductions lump groups around reservoirs)
        // on the multi-scale engine: the scalar width on one thread, cell by cell, against the widest on three
        // threads in blocks of five.
        var parsed = LineageTests.Il2();
        PopulationResult Go(SimdWidth width, int threads, int block) => PopulationRunner.Run(parsed,
            (parsed.Settings.Engine with { Method = new MultiScaleMethod(width) }).ApplyTo(new PopulationOptions(Threads: threads, BlockSize: block) { HistoryRoots = 6 }));
        var one = Go(SimdWidth.Scalar, 1, 1);
        var many = Go(SimdWidth.Auto, 3, 5);
        Assert.StartsWith("multiscale: ", one.Method);
        Assert.Equal(LineageTests.Outputs(one), LineageTests.Outputs(many));
        var t = one.LigandPools.Single();
        double lost = t.InitialMolecules * (1 - t.FinalFreeFraction);
        double divisions = one.Groups.Sum(g => g.Lineage!.Divisions.Sum());
        output.WriteLine(FormattableString.Invariant($"IL-2 lineage well, multiscale: {divisions} divisions; ligand lost {lost:F3}, taken {t.CellUptake:F3}, beyond supply {t.Deficit}; leaped {one.LeapedEvents} of {one.Events}"));
        Assert.True(divisions > 0);
        Assert.True(one.LeapedEvents > 0);
        Assert.True(Math.Abs(lost + t.Deficit - t.CellUptake) < 1e-9 * t.InitialMolecules + 1e-6, $"{lost} + {t.Deficit} vs {t.CellUptake}");
    }
}
