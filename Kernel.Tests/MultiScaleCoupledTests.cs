using Stochastic.Formats;
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

    // 9 NK cells under IL-2 (nested reservoirs, much leaped), started at 0, advanced to 60 min, then the dose
    // changes (as a pool's coupling changes it) and they go on to 150 min through two stops.
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
        var first = Advance([30, 60]);
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
        var second = Advance([100, 150]);
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
        Assert.All(reference.Cells, c => Assert.Equal(150, c.Time));
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

/// <summary>
/// The multi-scale lanes against the scalar slow-scale hybrid on coupled wells: the two engines make the same
/// approximation with other random numbers, so the same wells (the same seed: the same cells drawn) must agree in
/// law. Wells of a seed are paired, which takes the cell-to-cell spread out of the comparison.
/// </summary>
public class MultiScaleCoupledValidationTests(ITestOutputHelper output)
{
    private const int Wells = 10;

    // Per check, the paired differences (lanes − scalar) over the wells: |mean| < 5 of its standard error, two-sided
    // p ≈ 0.0007 per check with 9 degrees of freedom (under 0.005 over a test's checks).
    private void Agree(string[] names, double[][] lanes, double[][] scalar)
    {
        for (int k = 0; k < names.Length; k++)
        {
            var d = lanes[k].Zip(scalar[k], (a, b) => a - b).ToArray();
            var (m, se) = StatisticalChecks.MeanAndStandardError(d);
            double t = se > 0 ? m / se : 0;
            output.WriteLine(FormattableString.Invariant($"{names[k]}: multiscale {lanes[k].Average():G5}, slow-scale {scalar[k].Average():G5}, paired difference {m:G3} ± {se:G3}, t = {t:F2}"));
            Assert.True(se > 0, $"{names[k]}: the engines agree exactly, which different random numbers cannot");
            Assert.True(Math.Abs(t) < 5, $"{names[k]}: t = {t:F2}");
        }
    }

    private static double[][] Run(Study study, SimulationMethod method, int checks, Action<PopulationResult, double[][], int> read)
    {
        var values = Enumerable.Range(0, checks).Select(_ => new double[Wells]).ToArray();
        for (int w = 0; w < Wells; w++)
            read(PopulationRunner.Run(study, (study.Settings.Engine with { Method = method }).ApplyTo(new PopulationOptions(Seed: (ulong)(100 + w), Threads: 2))), values, w);
        return values;
    }

    [Fact]
    public void Il2PooledWells_AgreeWithTheScalarSlowScaleHybrid()
    {
        // 6 Treg and 6 NK cells share one well of 30 pM IL-2 for 2 h (270 molecules per cell, with the ligand they hold
        // as the fluid's buffer, as in the tissue study: the cells draw the fluid down and compete), the default engine (slow-scale θ = 10, leaping). Per
        // well: the free ligand averaged over the 2 h (the cells take nearly all of it by the end), and per cell type
        // the well's mean of pSTAT5 averaged over time and of the ligand taken.
        var study = StudyReader.Parse(LineageTests.Il2Study[..LineageTests.Il2Study.IndexOf("begin lineage", StringComparison.Ordinal)]
            .Replace("uptake=LigandTaken cells_per_liter=6.7e10", "uptake=LigandTaken bound=LigandBound cells_per_liter=6.7e10"), "il2-pool.study",
            _ => ModelLoader.Load(Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "il2.bngl")));
        string[] names = ["free fraction, time mean", "Treg pSTAT5_obs_mean", "NK pSTAT5_obs_mean", "Treg LigandTaken", "NK LigandTaken"];
        void Read(PopulationResult r, double[][] v, int w)
        {
            int pstat = r.Variable("pSTAT5_obs_mean"), taken = r.Variable("LigandTaken");
            v[0][w] = TimeMean(r.LigandPools.Single());
            v[1][w] = r.Groups[0].Values(pstat).Average();
            v[2][w] = r.Groups[1].Values(pstat).Average();
            v[3][w] = r.Groups[0].Values(taken).Average();
            v[4][w] = r.Groups[1].Values(taken).Average();
        }
        var lanes = Run(study, MethodCatalog.MultiScale, names.Length, Read);
        var scalar = Run(study, MethodCatalog.SlowScale, names.Length, Read);
        Agree(names, lanes, scalar);
        // The well is coupled: the cells took a good part of the ligand.
        Assert.InRange(lanes[0].Average(), 0.05, 0.9);
    }

    // The free fraction's mean over the well's time, trapezoid rule over its coupling times.
    private static double TimeMean(LigandPoolTrace trace)
    {
        double sum = 0;
        for (int k = 1; k < trace.Times.Length; k++)
            sum += 0.5 * (trace.FreeFraction[k] + trace.FreeFraction[k - 1]) * (trace.Times[k] - trace.Times[k - 1]);
        return sum / (trace.Times[^1] - trace.Times[0]);
    }

    [Fact]
    public void PooledLineageWells_AgreeWithTheScalarSlowScaleHybrid()
    {
        // The receptor model of the lineage tests (cells divide on a cycle counter, die on a hazard, R replicated, the
        // ligand-carrying C and I split) in a shared well: per well the free ligand left, the divisions, the deaths and
        // the weighted cells of each type at the end.
        var study = LineageTests.Parse(LineageTests.PoolStudy(LineageTests.PoolLineage), LineageTests.PoolModel);
        string[] names = ["free fraction", "divisions", "deaths", "cells a", "cells b"];
        void Read(PopulationResult r, double[][] v, int w)
        {
            v[0][w] = r.LigandPools.Single().FinalFreeFraction;
            v[1][w] = r.Groups.Sum(g => g.Lineage!.Divisions.Sum());
            v[2][w] = r.Groups.Sum(g => g.Lineage!.Deaths.Sum());
            v[3][w] = r.Groups[0].Lineage!.Cells[^1];
            v[4][w] = r.Groups[1].Lineage!.Cells[^1];
        }
        var lanes = Run(study, MethodCatalog.MultiScale, names.Length, Read);
        var scalar = Run(study, MethodCatalog.SlowScale, names.Length, Read);
        Agree(names, lanes, scalar);
        Assert.True(lanes[1].Average() > 0 && lanes[2].Average() > 0);
    }
}
