using System.Diagnostics;
using System.Globalization;
using System.Text;
using Stochastic.Network;

namespace Stochastic.Bench;

/// <summary>
/// The C programs the exact methods are measured against: the direct method (<c>Baseline/direct.c</c>) and
/// the sorting partial-propensity direct method (<c>Baseline/spdm.c</c>, the managed <c>spdm</c> step for step,
/// with its random stream), each built with the system C compiler (<c>cc -O3 -march=native</c>, without
/// contraction into fused multiply-adds) on first use, fed the same compiled network (initial counts, rate
/// constants with their symmetry factors, reactants, net changes), run in its own process; each times its own
/// firing loop, so process start-up and input parsing are not counted.
/// </summary>
public static class CBaseline
{
    /// <summary>The C direct method's program name.</summary>
    public const string Direct = "direct";

    /// <summary>The C sorting partial-propensity direct method's program name: the same trajectories as the managed <c>spdm</c>.</summary>
    public const string Spdm = "spdm";

    private static readonly Dictionary<string, string> Binaries = [];

    /// <summary>The built program's path (built once per source version, in the temp folder).</summary>
    public static string Binary(string program = Direct)
    {
        lock (Binaries)
        {
            if (!Binaries.TryGetValue(program, out string? binary)) Binaries[program] = binary = Build(program);
            return binary;
        }
    }

    /// <summary>Firings, wall seconds and CPU seconds of one run of a C program.</summary>
    public readonly record struct Run(long Firings, double Seconds, double CpuSeconds);

    /// <summary>
    /// Runs <paramref name="runs"/> trajectories of <paramref name="network"/> to <paramref name="end"/> with
    /// C program <paramref name="program"/> (<see cref="Direct"/> or <see cref="Spdm"/>), from run index
    /// <paramref name="firstRun"/> (each run's stream depends on seed and index only).
    /// </summary>
    /// <exception cref="NotSupportedException">A propensity is not mass action (functional and expression rates are the managed code's).</exception>
    public static IReadOnlyList<Run> Simulate(CompiledNetwork network, double end, int runs, ulong seed, int firstRun = 0, string program = Direct)
    {
        string input = Path.Combine(Path.GetTempPath(), $"stochastic-bench-{Environment.ProcessId}-{network.ModelName}.txt");
        File.WriteAllText(input, Export(network));
        try
        {
            var info = new ProcessStartInfo(Binary(program)) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string arg in new[] { input, end.ToString("R", CultureInfo.InvariantCulture), runs.ToString(CultureInfo.InvariantCulture),
                                           seed.ToString(CultureInfo.InvariantCulture), firstRun.ToString(CultureInfo.InvariantCulture) })
                info.ArgumentList.Add(arg);
            using var process = Process.Start(info)!;
            string output = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"the C baseline ({program}) failed: {error.Trim()}");
            return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
            {
                var f = line.Split(' ');
                return new Run(long.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture));
            })];
        }
        finally
        {
            File.Delete(input);
        }
    }

    /// <summary>The network in the baseline's input format (see <c>direct.c</c>).</summary>
    /// <exception cref="NotSupportedException">A propensity is not mass action.</exception>
    public static string Export(CompiledNetwork network)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.Append(inv, $"{network.SpeciesCount} {network.ReactionCount}\n");
        text.AppendJoin(' ', network.InitialCounts.Select(v => v.ToString("R", inv))).Append('\n');
        for (int r = 0; r < network.ReactionCount; r++)
        {
            if (network.Kinds[r] is PropensityKind.Functional or PropensityKind.Expression)
                throw new NotSupportedException($"{network.ModelName}: reaction {network.ReactionNames[r]} has a {network.Kinds[r]} rate; the C baseline runs mass action only");
            int n = network.ReactantOffsets[r + 1] - network.ReactantOffsets[r];
            text.Append(network.RateConstants[r].ToString("R", inv)).Append(' ').Append(n);
            for (int k = network.ReactantOffsets[r]; k < network.ReactantOffsets[r + 1]; k++)
                text.Append(inv, $" {network.ReactantSpecies[k]} {network.ReactantMultiplicities[k]}");
            text.Append(' ').Append(network.ChangeOffsets[r + 1] - network.ChangeOffsets[r]);
            for (int k = network.ChangeOffsets[r]; k < network.ChangeOffsets[r + 1]; k++)
                text.Append(inv, $" {network.ChangeSpecies[k]} {network.ChangeAmounts[k].ToString("R", inv)}");
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Build(string program)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Baseline", program + ".c");
        if (!File.Exists(source)) throw new FileNotFoundException($"Baseline/{program}.c is not next to the benchmark binary", source);
        // The program's version: its source and the headers beside it (xoshiro.h).
        var text = File.ReadAllBytes(source).Concat(Directory.GetFiles(Path.GetDirectoryName(source)!, "*.h").Order(StringComparer.Ordinal).SelectMany(File.ReadAllBytes));
        string hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData([.. text]))[..12];
        string binary = Path.Combine(Path.GetTempPath(), $"stochastic-bench-{program}-{hash}");
        if (File.Exists(binary)) return binary;
        var info = new ProcessStartInfo("cc") { RedirectStandardError = true };
        // No contraction: spdm.c repeats the managed code's rounding to the bit (the JIT fuses no multiply-add).
        foreach (string arg in new[] { "-O3", "-march=native", "-std=c11", "-ffp-contract=off", "-D_POSIX_C_SOURCE=199309L", "-o", binary + ".tmp", source, "-lm" })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start cc (install a C compiler: apt-get install gcc)");
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"cc failed on {source}: {error.Trim()}");
        File.Move(binary + ".tmp", binary, overwrite: true);
        return binary;
    }
}
