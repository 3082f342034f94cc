using System.Diagnostics;
using Stochastic.Methods;
using Stochastic.Population;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

/// <summary>
/// Checkpoints of coupled runs (a shared ligand pool, a lineage): a run continued from any saved well state gives
/// the outputs of the uninterrupted run bit for bit, for the pooled and the lineage runner, on exact SSA and on the
/// IL-2 model's slow-scale engine; damaged or foreign states are refused; and a real process killed by SIGKILL
/// resumes to the same bytes.
/// </summary>
public sealed class WellCheckpointTests(ITestOutputHelper output)
{
    /// <summary>
    /// A store in memory: it keeps every state a run saves (each progress state with the finished wells before it),
    /// saving the well in progress at every <see cref="Every"/>-th interval end.
    /// </summary>
    private sealed class RecordingStore(IReadOnlyList<byte[]> finished, byte[]? inProgress, int every = 1) : IWellStateStore
    {
        private int _asked;
        public List<byte[]> Finished { get; } = [.. finished];
        public List<(int Finished, byte[] State)> Progress { get; } = [];
        public int Every => every;
        public IReadOnlyList<byte[]> FinishedWells => finished;
        public byte[]? WellInProgress => inProgress;
        public bool ProgressDue => ++_asked % every == 0;
        public void SaveFinishedWell(int scenario, Action<BinaryWriter> write)
        {
            Assert.Equal(Finished.Count, scenario);
            Finished.Add(Bytes(write));
        }
        public void SaveProgress(Action<BinaryWriter> write) => Progress.Add((Finished.Count, Bytes(write)));
        private static byte[] Bytes(Action<BinaryWriter> write)
        {
            var stream = new MemoryStream();
            using (var w = new BinaryWriter(stream)) write(w);
            return stream.ToArray();
        }
    }

    private static PopulationResult Run(Study study, PopulationOptions options, IWellStateStore store) =>
        PopulationRunner.Run(study, options with { Plan = new CellRunPlan { Wells = store } });

    /// <summary>
    /// Runs <paramref name="study"/> whole while saving every state, then continues from a spread of the saved
    /// states (early, middle, late, in each scenario; and from finished wells alone) and compares every output
    /// table and the work counters with the whole run's.
    /// </summary>
    private void ContinuesToTheSameOutputs(Study study, PopulationOptions options, int every = 1)
    {
        var whole = PopulationRunner.Run(study, options);
        var recorder = new RecordingStore([], null, every);
        var recorded = Run(study, options, recorder);
        string expected = LineageTests.Outputs(whole);
        Assert.Equal(expected, LineageTests.Outputs(recorded));   // saving changes nothing
        Assert.Equal(study.Scenarios.Length, recorder.Finished.Count);
        Assert.True(recorder.Progress.Count >= 4, $"only {recorder.Progress.Count} states saved");

        var picks = new SortedSet<int> { 0, recorder.Progress.Count / 3, recorder.Progress.Count / 2, recorder.Progress.Count - 1 };
        // the first state saved in each later scenario
        for (int k = 1; k < recorder.Progress.Count; k++)
            if (recorder.Progress[k].Finished != recorder.Progress[k - 1].Finished) picks.Add(k);
        foreach (int k in picks)
        {
            var (done, state) = recorder.Progress[k];
            var store = new RecordingStore(recorder.Finished.Take(done).ToList(), state);
            var plan = new CellRunPlan { Wells = store };
            var resumed = PopulationRunner.Run(study, options with { Plan = plan });
            output.WriteLine($"state {k + 1} of {recorder.Progress.Count} ({done} wells finished): continued from {plan.ContinuedFrom}");
            Assert.NotNull(plan.ContinuedFrom);
            Assert.Equal(expected, LineageTests.Outputs(resumed));
            // The tables round their numbers: the fluid must also agree bit for bit.
            Assert.Equal(Fluid(whole), Fluid(resumed));
            Assert.Equal((whole.Events, whole.LeapedEvents), (resumed.Events, resumed.LeapedEvents));
            Assert.Equal(whole.BytesPerCell, resumed.BytesPerCell);
            Assert.Equal(whole.SlowScaleCriterion, resumed.SlowScaleCriterion);
            // it goes on saving: the wells it finished, after those it was given
            Assert.Equal(study.Scenarios.Length, store.Finished.Count);
        }
        // every well finished, nothing in progress: nothing is simulated again
        var all = new RecordingStore(recorder.Finished, null);
        var restored = Run(study, options, all);
        Assert.Equal(expected, LineageTests.Outputs(restored));
        Assert.Equal(whole.Events, restored.Events);
        Assert.Empty(all.Progress);
    }

    private static double[][] Fluid(PopulationResult r) => [.. r.LigandPools.SelectMany(p => p.Agents.Select(a => a.Free))];

    // The pool study without its lineage block: the pooled runner.
    private static readonly string Pooled = LineageTests.PoolStudy(LineageTests.PoolLineage).Replace("begin lineage\n" + LineageTests.PoolLineage + "\nend lineage", "");

    // Two wells, the pool with its bound-ligand buffer (its state is saved too).
    private static Study TwoWells(string study, string model) => LineageTests.Parse(study.Replace(
        "  well  ligand=L dose=200 duration=10\n", "  well  ligand=L dose=200 duration=10\n  low  ligand=L dose=40 duration=6\n")
        .Replace("coupling=0.5 ", "coupling=0.5 bound=Bound "), model);

    [Fact]
    public void LineageWithAPool_ContinuesFromAnySavedStateToTheSameOutputs()
    {
        var study = TwoWells(LineageTests.PoolStudy(LineageTests.PoolLineage + "\n  cap 20"), LineageTests.PoolModel);
        Assert.Equal(2, study.Scenarios.Length);
        Assert.Equal("Bound", study.Settings.LigandPool!.Bound);
        ContinuesToTheSameOutputs(study, new PopulationOptions(Seed: 5, Threads: 2) { Method = MethodCatalog.Ssa, HistoryRoots = 4 });
    }

    [Fact]
    public void LineageInAConstantBath_ContinuesFromAnySavedStateToTheSameOutputs()
    {
        var study = LineageTests.Parse(LineageTests.GrowthStudy(20, 8, 0.5, "  divide Cyc >= 1\n  die Dead >= 1\n  reset Cycle\n  cap 30"), LineageTests.Model(0.2, 0.02));
        ContinuesToTheSameOutputs(study, new PopulationOptions(Seed: 5, Threads: 2) { Method = MethodCatalog.Ssa, HistoryRoots = 3 });
    }

    [Fact]
    public void PooledWellWithoutLineage_ContinuesFromAnySavedStateToTheSameOutputs()
    {
        var study = TwoWells(Pooled, LineageTests.PoolModel);
        Assert.Null(study.Lineage);
        Assert.NotNull(study.Settings.LigandPool);
        ContinuesToTheSameOutputs(study, new PopulationOptions(Seed: 5, Threads: 2) { Method = MethodCatalog.Ssa });
    }

    [Fact]
    public void DosedTissueWithABoundBuffer_ContinuesFromAnySavedStateToTheSameOutputs()
    {
        // A dosed tissue (plasma, exchange, the bound-ligand buffer) continues to the same outputs; the fluid's own
        // state, which this cannot resolve finely, is checked bit for bit in the next test.
        var study = PharmacokineticsTests.Parse(PharmacokineticsTests.DosedStudy("0.5", poolKeys: " bound=Bound"));
        Assert.Single(study.Settings.Pharmacokinetics);
        ContinuesToTheSameOutputs(study, new PopulationOptions(Seed: 5, Threads: 2) { Method = MethodCatalog.Ssa });
    }

    [Fact]
    public void TissueWellState_RestoresWhatTheNextPredictionReads()
    {
        // The run-level test above cannot see a small error in the prediction (exact SSA's integer paths rarely move
        // when a rate moves by a few percent for one interval): here the fluid itself, with a buffer larger than the
        // free ligand, is saved and restored, and the next prediction must be the same bits.
        var study = PharmacokineticsTests.Parse(PharmacokineticsTests.DosedStudy("0.5", poolKeys: " bound=Bound"));
        var pool = study.Settings.LigandPool!;
        var scenario = study.Scenarios[0];
        TissueWell Make() => CoupledWell.FluidFor(study, scenario, pool, study.Model.ParameterIndex(study.Settings.DoseParameter), 0, 8, pool.Coupling, [5]);
        var well = Make();
        double t = 0, bound = 0;
        for (int k = 0; k < 40; k++)
        {
            double end = well.NextEnd(t, pool.Coupling, scenario.Duration);
            var averages = well.Averages(t, end, bound);
            // The cells take 2% of the free ligand per interval and come to hold twice the free ligand bound.
            double free = well.Agents[0].Free * well.MoleculesPerMolar;
            well.Commit(t, end, 0.02 * free + Math.Max(0, 2 * free - bound), averages, Math.Max(bound, 2 * free));
            bound = Math.Max(bound, 2 * free);
            t = end;
        }
        output.WriteLine(FormattableString.Invariant($"t {t}, free {well.Agents[0].Free * well.MoleculesPerMolar} molecules, bound {bound}, seen {well.Agents[0].Seen * well.MoleculesPerMolar}"));
        var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) well.WriteState(w);
        var copy = Make();
        stream.Position = 0;
        using (var r = new BinaryReader(stream)) copy.ReadState(r);
        double next = well.NextEnd(t, pool.Coupling, scenario.Duration);
        Assert.Equal(next, copy.NextEnd(t, pool.Coupling, scenario.Duration));
        double[] expected = well.Averages(t, next, bound), restored = copy.Averages(t, next, bound);
        Assert.Equal(expected, restored);
        // A test that can fail: the buffer matters here, so a restore that lost the concentration the cells last saw is seen.
        copy.Agents[0].Seen = 0;
        Assert.NotEqual(expected[0], copy.Averages(t, next, bound)[0]);
    }

    [Fact]
    public void Il2OnTheSlowScaleEngine_ContinuesToTheSameOutputs()
    {
        // The study's engine (slow-scale θ = 2 with leaping): its paused cells hold lumped counts, the leaps draw
        // from the same stream; every 3rd interval saved.
        var study = LineageTests.Il2();
        ContinuesToTheSameOutputs(study, study.Settings.Engine.ApplyTo(new PopulationOptions(Threads: 2) { HistoryRoots = 2 }), every: 3);
    }

    [Fact]
    public void DamagedOrForeignStates_AreRefusedWithOneError()
    {
        var study = TwoWells(LineageTests.PoolStudy(LineageTests.PoolLineage), LineageTests.PoolModel);
        var options = new PopulationOptions(Seed: 5, Threads: 1) { Method = MethodCatalog.Ssa };
        var recorder = new RecordingStore([], null, 4);
        Run(study, options, recorder);
        var state = recorder.Progress[1].State;

        // cut short
        var e = Assert.Throws<SimulationException>(() => Run(study, options, new RecordingStore([], state[..(state.Length / 2)])));
        Assert.Contains("--force", e.Message);
        // the second well's state given as the first's
        var second = recorder.Progress.First(p => p.Finished == 1).State;
        e = Assert.Throws<SimulationException>(() => Run(study, options, new RecordingStore([], second)));
        Assert.Contains("scenario", e.Message);
        // another study's state (the pooled runner's bytes for the lineage runner)
        var other = new RecordingStore([], null, 4);
        Run(TwoWells(Pooled, LineageTests.PoolModel), options, other);
        Assert.Throws<SimulationException>(() => Run(study, options, new RecordingStore([], other.Progress[1].State)));
        // more finished wells than the run has scenarios
        Assert.Throws<SimulationException>(() => Run(study, options, new RecordingStore([.. recorder.Finished, recorder.Finished[0]], null)));
    }

    [Fact]
    public void CheckpointOnDisk_KeepsTheStatesWithTheirHashes_AndFindsDamage()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("stochastic-wells-").FullName, "checkpoint");
        try
        {
            var meta = new Dictionary<string, string> { ["k"] = "v" };
            var checkpoint = CellCheckpoint.Start(dir, meta, TimeSpan.FromHours(1));
            Assert.False(checkpoint.ProgressDue);   // not before its interval
            checkpoint.SaveProgress(w => w.Write(1.5));
            checkpoint.SaveFinishedWell(0, w => w.Write("well 0"));
            checkpoint.SaveProgress(w => w.Write(2.5));
            checkpoint.SaveProgress(w => w.Write(3.5));
            Assert.Equal(1, CellCheckpoint.RecordedWells(dir));
            // the manifest lists one finished well and the last state; the older states are gone
            Assert.Equal(["manifest.json", "state-000003.bin", "well-0001.bin"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

            File.WriteAllText(Path.Combine(dir, "state-000004.bin.tmp"), "a write cut short");
            var resumed = CellCheckpoint.Resume(dir, TimeSpan.Zero);
            Assert.False(File.Exists(Path.Combine(dir, "state-000004.bin.tmp")));
            Assert.Equal("well 0", new BinaryReader(new MemoryStream(resumed.FinishedWells.Single())).ReadString());
            Assert.Equal(3.5, BitConverter.ToDouble(resumed.WellInProgress));
            // new states are numbered after the listed one, which stays until the manifest moves on
            resumed.SaveProgress(w => w.Write(4.5));
            Assert.True(File.Exists(Path.Combine(dir, "state-000004.bin")));
            Assert.False(File.Exists(Path.Combine(dir, "state-000003.bin")));

            // one flipped byte in a state: refused by name
            string state = Path.Combine(dir, "state-000004.bin");
            var bytes = File.ReadAllBytes(state);
            bytes[3] ^= 1;
            File.WriteAllBytes(state, bytes);
            var e = Assert.Throws<SimulationException>(() => CellCheckpoint.Resume(dir, TimeSpan.Zero));
            Assert.Contains("state-000004.bin", e.Message);
            Assert.Contains("corrupt", e.Message);
            File.Delete(state);
            e = Assert.Throws<SimulationException>(() => CellCheckpoint.Resume(dir, TimeSpan.Zero));
            Assert.Contains("missing", e.Message);
        }
        finally { Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true); }
    }

    /// <summary>
    /// The CLI, as a real process: a coupled study (a pool and a lineage, two wells) killed by SIGKILL once its
    /// checkpoint holds the state of its first well in progress, then continued with <c>--resume</c>: every output
    /// file equals the uninterrupted run's, byte for byte, and the run says where it continued.
    /// </summary>
    [Fact]
    public async Task CoupledRunKilledBySigkill_ResumesToTheSameBytes()
    {
        string dir = Directory.CreateTempSubdirectory("stochastic-coupled-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "cell.bngl"), LineageTests.PoolModel);
            // 2 × 300 cells for 30 time units in each of two wells: about a second of simulation on one core
            string study = LineageTests.PoolStudy(LineageTests.PoolLineage + "\n  cap 600").Replace("cells 12", "cells 300")
                .Replace("  well  ligand=L dose=200 duration=10\n", "  well  ligand=L dose=200 duration=30\n  low  ligand=L dose=40 duration=30\n");
            File.WriteAllText(Path.Combine(dir, "tissue.study"), study);
            string[] command = ["population", Path.Combine(dir, "tissue.study"), "--method", "ssa", "--histories", "2"];
            string reference = Path.Combine(dir, "whole"), killed = Path.Combine(dir, "killed");
            var clock = Stopwatch.StartNew();
            var (code, _, error) = await CliHarness.Run([.. command, "--threads", "1", "--out", reference]);
            Assert.True(code == 0, error);
            output.WriteLine($"uninterrupted run: {clock.Elapsed.TotalSeconds:F1} s");

            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "stochastic.dll"));
            foreach (var a in command.Concat(["--threads", "1", "--checkpoint-every", "0.05", "--out", killed])) info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            string checkpoint = Path.Combine(killed, "checkpoint"), manifest = Path.Combine(checkpoint, CellCheckpoint.ManifestName);
            var wait = Stopwatch.StartNew();
            // a state of the first well in progress (the library tests continue from every kind of state)
            while (!(File.Exists(manifest) && Listed(manifest) is { Wells: 0, State: true }))
            {
                if (process.HasExited) Assert.Fail($"the run ended (exit {process.ExitCode}) before its checkpoint held a state: {process.StandardError.ReadToEnd()}");
                Assert.True(wait.Elapsed < TimeSpan.FromSeconds(120), "no state within 120 s");
                Thread.Sleep(5);
            }
            process.Kill();   // SIGKILL
            process.WaitForExit();
            Assert.False(File.Exists(Path.Combine(killed, "fates.csv")), "the run finished before it was killed");

            (code, string stdout, error) = await CliHarness.Run("population", "--resume", killed);
            Assert.True(code == 0, error);
            Assert.Contains("resumed: continued from the checkpoint (scenario well at time", stdout);
            ShardMergeTests.SameFiles(reference, killed);
            Assert.False(Directory.Exists(checkpoint), "a finished run removes its checkpoint");
        }
        finally { Directory.Delete(dir, recursive: true); }

        static (int Wells, bool State) Listed(string manifest)
        {
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(manifest));
                var root = json.RootElement;
                int wells = root.TryGetProperty("wells", out var w) && w.ValueKind == System.Text.Json.JsonValueKind.Array ? w.GetArrayLength() : 0;
                bool state = root.TryGetProperty("state", out var s) && s.ValueKind == System.Text.Json.JsonValueKind.Object;
                return (wells, state);
            }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { return (0, false); }   // being replaced
        }
    }
}
