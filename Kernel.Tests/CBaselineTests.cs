using Stochastic.Bench;
using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Simulation.Exact;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The benchmarks' C SPDM (Kernel.Bench/Baseline/spdm.c) is the managed <c>spdm</c> in C: the same rows, search
/// orders, running sums, random stream and rounding, so that its speed against the managed code measures the code
/// and nothing else. Run for run, it must fire exactly as many reactions to the same end: one divergent choice
/// anywhere in a run of 10⁵ firings changes the rest of the trajectory, and with it the count.
/// </summary>
public class CBaselineTests
{
    [Theory]
    [InlineData("multisite2.net", 10.0)] // hub species: rows of 48 reactions, updates through the readers
    [InlineData("egfr_net.net", 2.0)]    // homodimers (π = c·(n − 1)), 3,749 reactions
    [InlineData("birth-death.net", 2000.0)] // a zero-order reaction (the row whose count is 1)
    public void CSpdm_FiresWhatTheManagedSpdmFires(string file, double end)
    {
        var network = NetworkCompiler.Compile(BioNetGenNetReader.Read(BioNetGenNetReaderTests.NetworkPath(file)));
        const int runs = 3;
        var native = CBaseline.Simulate(network, end, runs, 42, 0, CBaseline.Spdm);
        var managed = ExactAlgorithms.Find("spdm")!.CreateSimulator(network);
        Assert.Equal(runs, native.Count);
        for (int i = 0; i < runs; i++)
        {
            managed.Reset(42, (ulong)i);
            long fired = managed.Advance(end);
            Assert.True(fired > 10_000, $"{file}: run {i} fired only {fired} times, too few to tell trajectories apart");
            Assert.Equal(fired, native[i].Firings);
        }
    }
}
