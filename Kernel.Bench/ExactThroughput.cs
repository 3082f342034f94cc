using System.Diagnostics;
using System.Globalization;
using Stochastic.Simulation.Exact;

namespace Stochastic.Bench;

/// <summary>
/// Events per second of exact algorithms with a Stopwatch around <see cref="ExactSimulator.Advance"/>
/// (quicker than BenchmarkDotNet for the large networks): <c>Kernel.Bench throughput NET@TEND [repeats] [algorithm…]</c>,
/// e.g. <c>throughput egfr_net.net@10 3 sorting-direct rssa-cr</c> or <c>throughput examples/il2-toy.bngl@200</c>; <c>synthetic-24000@2</c> runs the synthetic network of that many reactions;
/// <c>rssa-cr:δ:Δ</c> runs RSSA-CR with other interval widths; <c>c</c> runs the C direct method (<see cref="CBaseline"/>)
/// on the same network; <c>direct-general</c> the direct method without its mass-action table (its general loop). One trajectory per repeat, seed 42, stream = repeat; the algorithms take turns within each
/// repeat, so a change of machine load hits them alike; each line also gives the process's CPU time over the run, comparable with
/// the CPU seconds BioNetGen's run_network reports for its propagation (<c>c</c> named alone runs every repeat in one process). The summary gives each one's firings per second over all
/// repeats and its ratio to the C baseline when it ran.
/// </summary>
public static class ExactThroughput
{
    /// <summary>Runs the measurement and prints one line per algorithm and repeat.</summary>
    public static void Run(string[] args)
    {
        string spec = args[0];
        string file = spec[..spec.IndexOf('@')];
        double end = double.Parse(spec[(spec.IndexOf('@') + 1)..], CultureInfo.InvariantCulture);
        int repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var names = args.Length > 2 ? args[2..] : [.. ExactAlgorithms.All.Select(a => a.Name)];
        var network = file.StartsWith("synthetic-", StringComparison.Ordinal)
            ? Stochastic.Network.NetworkCompiler.Compile(Stochastic.Formats.BioNetGenNetReader.Parse(
                Stochastic.Tests.Helpers.SyntheticNetFile.Create(int.Parse(file["synthetic-".Length..], CultureInfo.InvariantCulture)), file))
            : BenchModels.Load(file.Contains('/') ? file : Path.Combine("networks", file)); // "examples/x.bngl" or a file in networks/
        Console.WriteLine($"{file}: {network.SpeciesCount} species, {network.ReactionCount} reactions, t_end {end}");
        var totals = names.ToDictionary(n => n, _ => (Events: 0L, Seconds: 0.0));
        // The C baseline alone: all repeats in one process (nothing to take turns with), as an ensemble runs.
        var alone = names is ["c"] ? CBaseline.Simulate(network, end, repeats, 42) : null;
        for (int rep = 0; rep < repeats; rep++)
        {
            foreach (string name in names)
            {
                if (name == "c")
                {
                    var run = alone?[rep] ?? CBaseline.Simulate(network, end, 1, 42, rep)[0];
                    totals[name] = (totals[name].Events + run.Firings, totals[name].Seconds + run.Seconds);
                    Console.WriteLine($"  {name,-16} rep {rep}: {run.Firings,10:N0} events in {run.Seconds,6:F2} s = {run.Firings / run.Seconds / 1e6,6:F2} M events/s");
                    continue;
                }
                IExactAlgorithm algorithm = name == "direct-general" ? new DirectMethod(massActionTable: false)
                    : name.StartsWith("rssa-cr:", StringComparison.Ordinal)
                    ? new RejectionCompositionSsa(double.Parse(name.Split(':')[1], CultureInfo.InvariantCulture), double.Parse(name.Split(':')[2], CultureInfo.InvariantCulture))
                    : ExactAlgorithms.Find(name) ?? throw new ArgumentException($"unknown algorithm {name}");
                var sim = algorithm.CreateSimulator(network);
                sim.Reset(42, (ulong)rep);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                long events = sim.Advance(end);
                watch.Stop();
                double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                totals[name] = (totals[name].Events + events, totals[name].Seconds + watch.Elapsed.TotalSeconds);
                string extra = sim is RejectionCompositionSsa.Simulator r
                    ? $"  rejections/event {(double)r.Rejections / events:F3}, interval updates/event {(double)r.IntervalUpdates / events:F3}, tightenings {r.Tightenings}"
                    : "";
                Console.WriteLine($"  {name,-16} rep {rep}: {events,10:N0} events in {watch.Elapsed.TotalSeconds,6:F2} s = {events / watch.Elapsed.TotalSeconds / 1e6,6:F2} M events/s (CPU {cpuSeconds,6:F2} s = {events / cpuSeconds / 1e6,6:F2} M/s){extra}");
            }
        }
        double? c = totals.TryGetValue("c", out var ct) ? ct.Events / ct.Seconds : null;
        Console.WriteLine($"all {repeats} repeats:");
        foreach (var (name, (events, seconds)) in totals)
        {
            double rate = events / seconds;
            Console.WriteLine($"  {name,-16} {events,12:N0} events in {seconds,7:F2} s = {rate / 1e6,6:F2} M events/s, {1e9 / rate,6:F1} ns/event"
                              + (c is { } cRate && name != "c" ? $", {rate / cRate:F2}× the C baseline" : ""));
        }
    }
}
