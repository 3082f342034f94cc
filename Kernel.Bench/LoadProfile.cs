using System.Diagnostics;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Network;

namespace Stochastic.Bench;

/// <summary>
/// Where the load of a large .net file goes: <c>Kernel.Bench load FILE [repeats]</c> times reading the text,
/// parsing it (<see cref="BioNetGenNetReader.Parse"/>), compiling (<see cref="NetworkCompiler.Compile"/>) and the
/// model checks (<see cref="ModelDiagnostics.Check"/>) one after the other, with the bytes each allocates and the
/// process's peak working set. The first repeat includes JIT compilation, as a command-line run does.
/// </summary>
public static class LoadProfile
{
    /// <summary>Runs the measurement and prints one line per repeat.</summary>
    public static void Run(string[] args)
    {
        string path = args[0];
        int repeats = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
        for (int rep = 0; rep < repeats; rep++)
        {
            var watch = Stopwatch.StartNew();
            long bytes = GC.GetTotalAllocatedBytes(precise: true);
            string text = File.ReadAllText(path);
            var (readS, readB) = Lap(watch, ref bytes);
            var model = BioNetGenNetReader.Parse(text, path);
            var (parseS, parseB) = Lap(watch, ref bytes);
            var network = NetworkCompiler.Compile(model);
            var (compileS, compileB) = Lap(watch, ref bytes);
            int warnings = ModelDiagnostics.Check(model).Count();
            var (checkS, checkB) = Lap(watch, ref bytes);
            Console.WriteLine($"rep {rep}: {network.ReactionCount:N0} reactions; read {readS * 1e3,6:F0} ms {readB / 1e6,6:F1} MB, parse {parseS * 1e3,6:F0} ms {parseB / 1e6,6:F1} MB, " +
                              $"compile {compileS * 1e3,6:F0} ms {compileB / 1e6,6:F1} MB, checks {checkS * 1e3,6:F0} ms {checkB / 1e6,6:F1} MB ({warnings} warnings); " +
                              $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
        }
    }

    private static (double Seconds, long Bytes) Lap(Stopwatch watch, ref long bytes)
    {
        double s = watch.Elapsed.TotalSeconds;
        watch.Restart();
        long now = GC.GetTotalAllocatedBytes(precise: true);
        long b = now - bytes;
        bytes = now;
        return (s, b);
    }
}
