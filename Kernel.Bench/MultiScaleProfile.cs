using System.Diagnostics;
using System.Globalization;
using Stochastic.Formats;
using Stochastic.Methods;
using Stochastic.Network;
using Stochastic.Population;
using Stochastic.Simulation;
using Stochastic.Simulation.Batch;
using Stochastic.Simulation.Cells;
using Stochastic.Transforms;

namespace Stochastic.Bench;

/// <summary>
/// Where the population engines spend their time, per scenario × cell type of the IL-2 study
/// (<c>dotnet run -c Release --project Kernel.Bench -- profile-multiscale [cells] [hours] [scenario…]</c>):
/// the same sampled cells of every group through the scalar slow-scale hybrid (θ = 2, leap ε = 0.03) and
/// the multi-scale batch engine at the scalar and the widest width, one thread. Per group: CPU time per
/// cell, firings per cell-hour, the share leaped, ns per firing and per exact firing, the batch lanes'
/// occupancy, and the reactions the batch engine fired exactly most often. Times are process CPU time.
/// </summary>
internal static class MultiScaleProfile
{
    public static void Run(string[] args)
    {
        // --batch-only: the widest batch engine alone (for a sampling profiler).
        bool batchOnly = args.Contains("--batch-only");
        args = [.. args.Where(a => a != "--batch-only")];
        int cells = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 8;
        double hours = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 48;
        var study = StudyReader.Read(BenchModels.Find(Path.Combine("il2", "study.study")));
        var scenarios = args.Length > 2 ? [.. study.Scenarios.Where(s => args[2..].Contains(s.Name))] : study.Scenarios.ToArray();
        var network = NetworkCompiler.Compile(study.Model);
        var settings = study.Settings.Engine.ApplyTo(new PopulationOptions()).Settings;
        var sampler = new CellParameterSampler(study.Model);
        int s = network.SpeciesCount, p = network.Parameters.Length;
        var grid = new TimeGrid(0, hours * 60, (int)(hours * 2) + 1);
        var widest = BatchSimulator.PreferredWidth;
        Console.WriteLine(FormattableString.Invariant($"# {cells} cells per group, {hours} h, widest width {widest}; CPU ms per cell; firings per cell-hour"));
        Console.WriteLine("| group | slow-scale ms | exact/h | leaped | ns/firing | ns/exact | batch scalar ms | batch widest ms | widest vs slow-scale | width gain | occupancy | batch exact/h | batch leaped | ns/exact (widest) | top exact reactions (batch) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        double sumSlow = 0, sumScalar = 0, sumWide = 0;
        bool warm = false;
        foreach (var scenario in scenarios)
            for (int type = 0; type < study.CellTypes.Length; type++)
            {
                var cellType = study.CellTypes[type];
                var parameters = new double[p];
                var counts = new double[s];
                sampler.Median(scenario, cellType, parameters, counts);
                var reduced = MethodCatalog.SlowScale.CreateCellEngine(study.Model, network, settings, new SlowScaleReference(counts, parameters)).Reduction!;
                var block = new CellBlock(cells, s, p) { Seed = study.Settings.Seed ^ PopulationRunner.ScenarioHash(scenario.Name) };
                for (int i = 0; i < cells; i++)
                {
                    block.StreamIndices[i] = CellParameterSampler.ParameterStream(type, i);
                    sampler.Sample(study.Settings.Seed, scenario, cellType, type, i, block.Parameters.AsSpan(i * p, p), block.InitialCounts.AsSpan(i * s, s));
                }
                var record = new double[cells * grid.Points * network.OutputCount];
                if (!warm && !batchOnly)
                {
                    // JIT and tiering before the first measurement.
                    for (int k = 0; k < 3; k++)
                    {
                        new SlowScaleCellSimulator(reduced).Simulate(block, grid, record);
                        new MultiScaleCellSimulator(reduced, SimdWidth.Scalar).Simulate(block, grid, record);
                        new MultiScaleCellSimulator(reduced, widest).Simulate(block, grid, record);
                    }
                    warm = true;
                }
                var slow = new SlowScaleCellSimulator(reduced);
                double tSlow = batchOnly ? double.NaN : Cpu(() => slow.Simulate(block, grid, record));
                var scalar = new MultiScaleCellSimulator(reduced, SimdWidth.Scalar);
                double tScalar = batchOnly ? double.NaN : Cpu(() => scalar.Simulate(block, grid, record));
                var wide = new MultiScaleCellSimulator(reduced, widest);
                double tWide = Cpu(() => wide.Simulate(block, grid, record));
                sumSlow += tSlow; sumScalar += tScalar; sumWide += tWide;
                var a = slow.Counters;
                var b = wide.Counters;
                double cellHours = cells * hours;
                long exactA = a.Events - a.LeapedFirings, exactB = b.Events - b.LeapedFirings;
                var names = reduced.Network.ReactionNames;
                var byReaction = wide.ExactByReaction;
                string top = string.Join(", ", Enumerable.Range(0, byReaction.Length).OrderByDescending(j => byReaction[j]).Take(3)
                    .Select(j => FormattableString.Invariant($"{names[j]} {100.0 * byReaction[j] / Math.Max(1, exactB):F0}%")));
                Console.WriteLine(FormattableString.Invariant(
                    $"| {scenario.Name} {cellType.Name} | {tSlow * 1e3 / cells:F2} | {exactA / cellHours:F0} | {100.0 * a.LeapedFirings / Math.Max(1, a.Events):F0}% | {tSlow * 1e9 / Math.Max(1, a.Events):F0} | {tSlow * 1e9 / Math.Max(1, exactA):F0} | {tScalar * 1e3 / cells:F2} | {tWide * 1e3 / cells:F2} | {tSlow / tWide:F2}× | {tScalar / tWide:F2}× | {wide.Occupancy:F1} | {exactB / cellHours:F0} | {100.0 * b.LeapedFirings / Math.Max(1, b.Events):F0}% | {tWide * 1e9 / Math.Max(1, exactB):F0} | {top} |"));
            }
        Console.WriteLine(FormattableString.Invariant($"# total CPU s: slow-scale {sumSlow:F2}, batch scalar {sumScalar:F2}, batch widest {sumWide:F2}; widest vs slow-scale {sumSlow / sumWide:F2}×, width gain {sumScalar / sumWide:F2}×"));
    }

    private static double Cpu(Action action)
    {
        var process = Process.GetCurrentProcess();
        var start = process.TotalProcessorTime;
        action();
        process.Refresh();
        return (process.TotalProcessorTime - start).TotalSeconds;
    }
}
