using System.Diagnostics;
using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

/// <summary>A reference run, made once for <see cref="CheckpointResumeTests"/>: the study run whole, uninterrupted, in-process.</summary>
public sealed class UninterruptedRun : IDisposable
{
    public UninterruptedRun()
    {
        var (code, _, error) = CliHarness.Run([.. CheckpointResumeTests.Command, "--out", Dir, "--threads", "2"]).GetAwaiter().GetResult();
        Assert.True(code == 0, error);
    }

    public string Dir { get; } = Path.Combine(Directory.CreateTempSubdirectory("stochastic-reference-").FullName, "out");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(Dir)!, recursive: true);
}

/// <summary>
/// Checkpoint and resume, with a real <c>stochastic</c> process: the built command line is started with
/// <c>dotnet</c>, stopped once its checkpoint manifest records a finished part (SIGKILL, or SIGTERM), and continued
/// with <c>--resume</c>; every output file must then equal the uninterrupted run's, byte for byte. The run is checked
/// to have been stopped mid-way (no outputs, fewer cells in the checkpoint than in the run), and the resumed run to
/// have restored exactly the recorded cells (equal bytes alone would not show it: recomputing everything gives them too).
/// </summary>
public sealed class CheckpointResumeTests(UninterruptedRun reference) : IClassFixture<UninterruptedRun>, IDisposable
{
    // 6 cell types × 4 cells of one scenario, full-detail SSA: about a second of simulation on one core, in blocks of 4.
    internal static readonly string[] Command = ["population", StudyReaderTests.StudyPath, "--cells", "4", "--scenario", "untreated", "--method", "ssa"];
    private const int Cells = 24;

    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Starts the command line as its own process, writing a checkpoint every 0.1 s into <paramref name="outDir"/>.</summary>
    private static Process Start(string outDir)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "stochastic.dll"));
        foreach (var a in Command) info.ArgumentList.Add(a);
        foreach (var a in new[] { "--threads", "1", "--checkpoint-every", "0.1", "--out", outDir }) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>Waits (at most 120 s) until the manifest in <paramref name="outDir"/> records a part; returns the cells it records.</summary>
    private static long WaitForPart(Process process, string outDir)
    {
        string checkpoint = Path.Combine(outDir, "checkpoint");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (process.HasExited) Assert.Fail($"the run ended (exit {process.ExitCode}) before its checkpoint recorded a part: {process.StandardError.ReadToEnd()}");
            try
            {
                if (CellCheckpoint.Exists(checkpoint) && CellCheckpoint.RecordedCells(checkpoint) is > 0 and long cells) return cells;
            }
            catch (IOException) { }  // the manifest is being replaced
            catch (SimulationException) { }
            Thread.Sleep(20);
        }
        Assert.Fail("no checkpoint part within 120 s");
        return 0;
    }

    [Fact]
    public async Task RunKilledBySigkill_ResumesToTheSameBytes()
    {
        string outDir = Path.Combine(_dir, "killed");
        using var process = Start(outDir);
        long recorded = WaitForPart(process, outDir);
        process.Kill();  // SIGKILL
        process.WaitForExit();
        Assert.False(File.Exists(Path.Combine(outDir, "fates.csv")), "the run finished before it was killed");
        Assert.InRange(recorded, 1, Cells - 1);

        long atResume = CellCheckpoint.RecordedCells(Path.Combine(outDir, "checkpoint"));
        var (code, output, error) = await CliHarness.Run("population", "--resume", outDir);
        Assert.True(code == 0, error);
        // the recorded cells were taken from the checkpoint, not simulated again (the bytes alone would not show it)
        Assert.Contains($"resumed: {atResume} cells restored from the checkpoint", output);
        ShardMergeTests.SameFiles(reference.Dir, outDir);
        Assert.False(Directory.Exists(Path.Combine(outDir, "checkpoint")), "a finished run removes its checkpoint");
    }

    [Fact]
    public async Task RunStoppedBySigterm_WritesPartialFilesThatSaySo_AndKeepsItsCheckpoint()
    {
        string outDir = Path.Combine(_dir, "stopped");
        using var process = Start(outDir);
        WaitForPart(process, outDir);
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
        Assert.True(process.WaitForExit(60_000), "the run did not stop within 60 s of SIGTERM");
        Assert.Equal(130, process.ExitCode);
        string firstLine = File.ReadLines(Path.Combine(outDir, "fates.csv")).First();
        Assert.StartsWith("# partial:", firstLine);
        Assert.Contains("--resume", firstLine);
        Assert.Equal("true", CellTable.ReadMetadata(Path.Combine(outDir, "cells.parquet")).GetValueOrDefault("stochastic.partial"));

        // what finished was flushed to the checkpoint on the way out (the SIGKILL test covers the resumption's bytes)
        Assert.InRange(CellCheckpoint.RecordedCells(Path.Combine(outDir, "checkpoint")), 1, Cells - 1);

        // the folder holds an interrupted run: a new run there is refused without --force
        var (refused, _, message) = await CliHarness.Run([.. Command, "--out", outDir]);
        Assert.Equal(1, refused);
        Assert.Contains("--resume", message);
    }

    [Fact]
    public async Task ExistingOutputFolder_IsNotOverwrittenWithoutForce()
    {
        string outDir = Path.Combine(_dir, "existing");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "notes.txt"), "mine");
        string[] command = ["population", StudyReaderTests.StudyPath, "--cells", "1", "--scenario", "untreated", "--out", outDir];
        var (code, _, error) = await CliHarness.Run(command);
        Assert.Equal(1, code);
        Assert.Contains("--force", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Equal(["notes.txt"], Directory.GetFiles(outDir).Select(Path.GetFileName));
        (code, _, error) = await CliHarness.Run([.. command, "--force"]);
        Assert.True(code == 0, error);
        Assert.True(File.Exists(Path.Combine(outDir, "fates.csv")));
    }

    [Fact]
    public void CellTable_RoundTrip_IsBitIdentical_AndDamageIsFound()
    {
        var layout = new CellLayout([new CellColumn("x", CellColumnKind.Number), new CellColumn("fate", CellColumnKind.Fate), new CellColumn("lytic", CellColumnKind.Flag)], ["a", "b"]);
        var rows = new CellRows(layout) { Work = new Simulation.SimulationCounters(12345678901, 7) { LeapedFirings = 3 } };
        double[] xs = [0.1, -0.0, double.NaN, double.MaxValue, double.Epsilon, 1e300, double.NegativeInfinity];
        for (int i = 0; i < xs.Length; i++) rows.Add(i % 2 == 0 ? "s1" : "s,2\"", "T" + i, i * 3, [xs[i], i % 2, i % 3 == 0 ? 1 : 0]);
        string path = Path.Combine(_dir, "rows.parquet");
        CellTable.WriteAtomic(path, rows, new Dictionary<string, string> { ["k"] = "v" });
        var back = CellTable.Read(path, layout);
        Assert.Equal(rows.Count, back.Count);
        Assert.Equal(rows.Work, back.Work);
        for (int r = 0; r < rows.Count; r++)
        {
            Assert.Equal((rows.Scenario(r), rows.CellType(r), rows.Cell(r)), (back.Scenario(r), back.CellType(r), back.Cell(r)));
            for (int c = 0; c < layout.Width; c++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(rows.Value(r, c)), BitConverter.DoubleToInt64Bits(back.Value(r, c)));
        }
        Assert.Equal("v", CellTable.ReadMetadata(path)["k"]);
        Assert.False(File.Exists(path + ".tmp"));
        // another run's layout is refused
        var other = layout with { Columns = [new CellColumn("y", CellColumnKind.Number), .. layout.Columns.Skip(1)] };
        Assert.Contains("columns", Assert.Throws<SimulationException>(() => CellTable.Read(path, other)).Message);
    }
}
