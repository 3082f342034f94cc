using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Exact;
using Xunit;

namespace Stochastic.Tests;

public class EnsembleTests
{
    private static readonly CompiledNetwork Decay = NetworkCompiler.Compile(BnglReader.Parse(
        "begin parameters\nk 1\nend parameters\nbegin species\nA 50\nend species\nbegin reactions\nA -> 0 k\nend reactions\n", "decay.bngl"));

    [Fact]
    public void Cancellation_KeepsEveryCompletedBlock_AndSaysSo()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress(p => { if (p.CompletedRuns >= 1) cts.Cancel(); });
        var result = Ensemble.Run(Decay, new DirectMethod(), new EnsembleOptions(10_000, 1, new TimeGrid(0, 1, 3), Threads: 1), progress, cts.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(32, result.Runs); // one block of 32 runs finished before the cancellation was seen
        Assert.Equal(50, result.Mean(0, 0));
    }

    [Fact]
    public void Statistics_MatchTwoPassFormulas_OnKeptTrajectories()
    {
        var grid = new TimeGrid(0, 2, 5);
        var result = Ensemble.Run(Decay, new DirectMethod(), new EnsembleOptions(101, 9, grid, KeepTrajectories: true));
        for (int k = 0; k < grid.Points; k++)
        {
            var values = Enumerable.Range(0, result.Runs).Select(r => result.Trajectory(r)[k]).ToArray();
            double mean = values.Average();
            double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
            // Welford + Chan merge against the textbook two-pass formula: equal to rounding (1e-12 relative).
            Assert.Equal(mean, result.Mean(k, 0), 1e-12 * Math.Max(1, mean));
            Assert.Equal(sd, result.StandardDeviation(k, 0), 1e-12 * Math.Max(1, sd));
        }
    }

    public static TheoryData<string> Algorithms() => [.. ExactAlgorithms.All.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void PureDecay_RunsToExtinction_WithAnInfiniteHorizon(string algorithm)
    {
        var sim = ExactAlgorithms.Find(algorithm)!.CreateSimulator(Decay);
        sim.Reset(5, 0);
        sim.Advance(double.PositiveInfinity);
        Assert.Equal(0, sim.State[0]);
        Assert.Equal(50, sim.Events);
        Assert.Equal(double.PositiveInfinity, sim.NextFiringTime());
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void DimerizationDecay_RunsToExtinction_WithAnInfiniteHorizon(string algorithm)
    {
        // Adding and removing propensities leaves rounding residues in running totals; with every
        // propensity back at 0 an algorithm must still report that nothing can fire.
        var network = NetworkCompiler.Compile(BnglReader.Parse(
            "begin parameters\nc1 1\nc2 0.002\nc3 0.5\nc4 0.04\nend parameters\nbegin species\nS1 1000\nS2 0\nS3 0\nend species\n" +
            "begin reactions\nS1 -> 0 c1\nS1 + S1 -> S2 c2\nS2 -> S1 + S1 c3\nS2 -> S3 c4\nend reactions\n", "dimer.bngl"));
        var sim = ExactAlgorithms.Find(algorithm)!.CreateSimulator(network);
        for (ulong run = 0; run < 20; run++)
        {
            sim.Reset(8, run);
            sim.Advance(double.PositiveInfinity);
            Assert.Equal(0, sim.State[0]);
            Assert.Equal(0, sim.State[1]);
            Assert.Equal(double.PositiveInfinity, sim.NextFiringTime());
        }
    }

    [Fact]
    public void BadSettings_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeGrid(0, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeGrid(0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ensemble.Run(Decay, new DirectMethod(), new EnsembleOptions(0, 1, new TimeGrid(0, 1, 2))));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void NegativeComputedPropensity_IsASimulationError(string algorithm)
    {
        var network = NetworkCompiler.Compile(BnglReader.Parse(
            "begin parameters\nk 1\nend parameters\nbegin species\nA 5\nend species\nbegin observables\nMolecules Atot A\nend observables\nbegin functions\nf() = 3 - Atot\nend functions\nbegin reactions\nA -> 0 f()\nend reactions\n", "neg.bngl"));
        if (Helpers.Refusals.Refuses(algorithm, network)) return;
        var sim = ExactAlgorithms.Find(algorithm)!.CreateSimulator(network);
        var error = Assert.Throws<SimulationException>(() => sim.Reset(1, 0));
        Assert.Contains("A -> 0", error.Message);
    }

    private sealed class SynchronousProgress(Action<EnsembleProgress> report) : IProgress<EnsembleProgress>
    {
        public void Report(EnsembleProgress value) => report(value);
    }
}
