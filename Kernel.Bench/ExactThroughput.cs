using System.Diagnostics;
using System.Globalization;
using Stochastic.Formats;
using Stochastic.Simulation;
using Stochastic.Simulation.Batch;
using Stochastic.Simulation.Exact;

namespace Stochastic.Bench;

/// <summary>
/// Events per second of exact algorithms with a Stopwatch around <see cref="ExactSimulator.Advance"/>
/// (quicker than BenchmarkDotNet for the large networks): <c>Kernel.Bench throughput NET@TEND [repeats] [algorithm…] [--runs N]</c>,
/// e.g. <c>throughput egfr_net.net@10 3 sorting-direct rssa-cr</c> or <c>throughput examples/il2-toy.bngl@200</c>; <c>synthetic-24000@2</c> runs the synthetic network of that many reactions;
/// <c>rssa-cr:δ:Δ</c> runs RSSA-CR with other interval widths; <c>c</c> runs the C direct method (<see cref="CBaseline"/>)
/// on the same network, <c>c-spdm</c> the C sorting partial-propensity direct method (the same trajectories as <c>spdm</c>: when both
/// run, each repeat says whether their firings agree); <c>direct-general</c> the direct method without its mass-action table (its general loop); <c>batch</c> the
/// SIMD batch tau-leaping engine on one thread, recording the model's output grid, as <c>stochastic simulate --method batch --threads 1</c> does.
/// Each repeat runs N trajectories per algorithm (default 1; seed 42, streams repeat·N … repeat·N + N − 1: <c>c</c> runs its N in one process,
/// <c>batch</c> its N as one ensemble); the algorithms take turns within each
/// repeat, so a change of machine load hits them alike; each line also gives the process's CPU time over the run, comparable with
/// the CPU seconds BioNetGen's run_network reports for its propagation (<c>c</c> named alone runs every repeat in one process). The summary gives each one's firings per second over all
/// repeats and, when the C baseline ran, its ratio to it in firings per second and in time for the same runs (the C loop's seconds over its own,
/// per repeat and over all: the figure for an approximate method such as <c>batch</c>, whose firings are not exact events); for <c>c</c> and
/// <c>batch</c> each repeat also gives the ratio of their CPU seconds (the C loop's process CPU clock, the batch run's process CPU time:
/// one thread each), which a loaded machine's waits for a core do not move.
/// </summary>
public static class ExactThroughput
{
    /// <summary>Runs the measurement and prints one line per algorithm and repeat.</summary>
    public static void Run(string[] args)
    {
        int runs = 1;
        int at = Array.IndexOf(args, "--runs");
        if (at >= 0) { runs = int.Parse(args[at + 1], CultureInfo.InvariantCulture); args = [.. args[..at], .. args[(at + 2)..]]; }
        string spec = args[0];
        string file = spec[..spec.IndexOf('@')];
        double end = double.Parse(spec[(spec.IndexOf('@') + 1)..], CultureInfo.InvariantCulture);
        int repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var names = args.Length > 2 ? args[2..] : [.. ExactAlgorithms.All.Select(a => a.Name)];
        var network = file.StartsWith("synthetic-", StringComparison.Ordinal)
            ? Stochastic.Network.NetworkCompiler.Compile(Stochastic.Formats.BioNetGenNetReader.Parse(
                Stochastic.Tests.Helpers.SyntheticNetFile.Create(int.Parse(file["synthetic-".Length..], CultureInfo.InvariantCulture)), file))
            : BenchModels.Load(file.Contains('/') ? file : Path.Combine("networks", file)); // "examples/x.bngl" or a file in networks/
        Console.WriteLine($"{file}: {network.SpeciesCount} species, {network.ReactionCount} reactions, t_end {end}, {runs} run(s) per algorithm and repeat");
        var grid = names.Contains("batch") ? OutputGrid(file, end) : null;
        var totals = names.ToDictionary(n => n, _ => (Events: 0L, Seconds: 0.0));
        // The C baseline alone: all repeats in one process (nothing to take turns with), as an ensemble runs.
        var alone = names is [var only] && CProgram(only) is { } onlyProgram ? CBaseline.Simulate(network, end, repeats * runs, 42, 0, onlyProgram) : null;
        for (int rep = 0; rep < repeats; rep++)
        {
            double? cSeconds = null, batchSeconds = null, cCpu = null, batchCpu = null;
            var firings = new Dictionary<string, long>();
            foreach (string name in names)
            {
                if (CProgram(name) is { } program)
                {
                    var batchOfRuns = alone?.Skip(rep * runs).Take(runs) ?? CBaseline.Simulate(network, end, runs, 42, rep * runs, program);
                    long fired = batchOfRuns.Sum(r => r.Firings);
                    double seconds = batchOfRuns.Sum(r => r.Seconds), cpuOfRuns = batchOfRuns.Sum(r => r.CpuSeconds);
                    if (name == "c") { cSeconds = seconds; cCpu = cpuOfRuns; }
                    firings[name] = fired;
                    totals[name] = (totals[name].Events + fired, totals[name].Seconds + seconds);
                    Console.WriteLine($"  {name,-16} rep {rep}: {fired,10:N0} events in {seconds,6:F2} s = {fired / seconds / 1e6,6:F2} M events/s (CPU {cpuOfRuns,6:F2} s)");
                    continue;
                }
                if (name == "batch")
                {
                    var options = new BatchOptions(runs, 42, grid!, Threads: 1) { Streams = [.. Enumerable.Range(rep * runs, runs).Select(i => (long)i)] };
                    var batchStart = Process.GetCurrentProcess().TotalProcessorTime;
                    var batchWatch = Stopwatch.StartNew();
                    var result = BatchSimulator.RunEnsemble(network, options);
                    batchWatch.Stop();
                    double batchCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - batchStart).TotalSeconds;
                    double wall = batchWatch.Elapsed.TotalSeconds;
                    totals[name] = (totals[name].Events + result.Counters.Events, totals[name].Seconds + wall);
                    Console.WriteLine($"  {name,-16} rep {rep}: {result.Counters.Events,10:N0} events, {result.Counters.Leaps:N0} leaps in {wall,6:F2} s (CPU {batchCpuSeconds,6:F2} s)");
                    batchSeconds = wall; batchCpu = batchCpuSeconds;
                    continue;
                }
                IExactAlgorithm algorithm = name == "direct-general" ? new DirectMethod(massActionTable: false)
                    : name.StartsWith("rssa-cr:", StringComparison.Ordinal)
                    ? new RejectionCompositionSsa(double.Parse(name.Split(':')[1], CultureInfo.InvariantCulture), double.Parse(name.Split(':')[2], CultureInfo.InvariantCulture))
                    : ExactAlgorithms.Find(name) ?? throw new ArgumentException($"unknown algorithm {name}");
                var sim = algorithm.CreateSimulator(network);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                long events = 0;
                for (int i = 0; i < runs; i++)
                {
                    sim.Reset(42, (ulong)(rep * runs + i));
                    events += sim.Advance(end);
                }
                watch.Stop();
                firings[name] = events;
                double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                totals[name] = (totals[name].Events + events, totals[name].Seconds + watch.Elapsed.TotalSeconds);
                string extra = sim is RejectionCompositionSsa.Simulator r
                    ? $"  rejections/event {(double)r.Rejections / events:F3}, interval updates/event {(double)r.IntervalUpdates / events:F3}, tightenings {r.Tightenings}"
                    : "";
                Console.WriteLine($"  {name,-16} rep {rep}: {events,10:N0} events in {watch.Elapsed.TotalSeconds,6:F2} s = {events / watch.Elapsed.TotalSeconds / 1e6,6:F2} M events/s (CPU {cpuSeconds,6:F2} s = {events / cpuSeconds / 1e6,6:F2} M/s){extra}");
            }
            if (cSeconds is { } cs && batchSeconds is { } bs)
                Console.WriteLine($"  rep {rep}: C's time / batch's time = {cs / bs:F2}× (wall), {cCpu!.Value / batchCpu!.Value:F2}× (CPU)");
            if (firings.TryGetValue("spdm", out long managed) && firings.TryGetValue("c-spdm", out long native))
                Console.WriteLine($"  rep {rep}: spdm and c-spdm {(managed == native ? "fired alike" : $"DIFFER: {managed:N0} against {native:N0} firings")}");
        }
        double? c = totals.TryGetValue("c", out var ct) ? ct.Events / ct.Seconds : null;
        double? cSpdm = totals.TryGetValue("c-spdm", out var cst) ? cst.Events / cst.Seconds : null;
        Console.WriteLine($"all {repeats} repeats:");
        foreach (var (name, (events, seconds)) in totals)
        {
            double rate = events / seconds;
            Console.WriteLine($"  {name,-16} {events,12:N0} events in {seconds,7:F2} s = {rate / 1e6,6:F2} M events/s, {1e9 / rate,6:F1} ns/event"
                              + (c is { } cRate && name != "c" ? $", {rate / cRate:F2}× the C baseline ({ct.Seconds / seconds:F2}× in time)" : "")
                              + (cSpdm is { } sRate && name == "spdm" ? $", {rate / sRate:F2}× the C SPDM" : ""));
        }
    }

    // The C program a name runs (CBaseline), or null for a managed algorithm.
    private static string? CProgram(string name) => name switch { "c" => CBaseline.Direct, "c-spdm" => CBaseline.Spdm, _ => null };

    /// <summary>The output grid <c>stochastic simulate</c> uses for the model: its simulate action's n_steps + 1 points to <paramref name="end"/>, else 101.</summary>
    private static TimeGrid OutputGrid(string file, double end) =>
        TimeGrid.For(ModelLoader.Load(BenchModels.Find(file.Contains('/') ? file : Path.Combine("networks", file))).DefaultRun, end);
}
