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
    private static (ulong, long) TrajectoryChecksum(string algorithm, string path, double[] horizons, int runs)
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
        { "cr", "examples", "il2-toy.bngl", [1, 10, 100], 0xB5FDFE80BB5C889AUL },
        { "rssa-cr", "examples", "il2-toy.bngl", [1, 10, 100], 0xA984849C301A60B5UL },
        { "cr", "examples", "dimerization-decay.bngl", [1e-3, 0.1, 10], 0x39935E1DB1D50BC6UL },
        { "rssa-cr", "examples", "dimerization-decay.bngl", [1e-3, 0.1, double.PositiveInfinity], 0x4ED5EB49747A4D6BUL },
        { "cr", "networks", "multisite2.net", [0.1, 0.5, 2], 0xDCA6DD6BF4394033UL },
        { "rssa-cr", "networks", "multisite2.net", [0.1, 0.5, 2], 0xE99ED621503C6608UL },
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
}
