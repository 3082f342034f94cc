using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// <c>--shard i/n</c> and <c>stochastic merge</c>: a run split into 3 shards and merged writes the same bytes as the
/// run on one machine, every output file (CSV, Markdown, Parquet and PNG) compared; a corrupt, missing,
/// duplicated or foreign shard is refused by name, in one line, with exit code 1. These tests cannot pass by
/// accident: the byte comparison fails on any change of a number, an order or a cell count.
/// </summary>
public sealed class ShardMergeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-shards-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Study => StudyReaderTests.StudyPath;

    // 1 scenario × 6 cell types × 2 cells: 12 cells; 4 shards of 3 cut groups in their middle.
    private static readonly string[] Population = ["population", Study, "--cells", "2", "--scenario", "untreated"];

    private string Dir(string name) => Path.Combine(_dir, name);

    private static async Task Succeeds(params string[] args)
    {
        var (code, _, error) = await CliHarness.Run(args);
        Assert.True(code == 0, $"{string.Join(' ', args)}: exit {code}: {error}");
    }

    /// <summary>Every file of <paramref name="expected"/> is in <paramref name="actual"/> with the same bytes, and no other.</summary>
    internal static void SameFiles(string expected, string actual)
    {
        var names = Directory.GetFiles(expected).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(names, Directory.GetFiles(actual).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        Assert.NotEmpty(names);
        foreach (var name in names)
            Assert.True(File.ReadAllBytes(Path.Combine(expected, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, name!))), $"{name} differs");
    }

    private async Task<string> Shards(string[] command, string name, int n = 3)
    {
        for (int i = 1; i <= n; i++) await Succeeds([.. command, "--shard", $"{i}/{n}", "--out", Dir(name), "--threads", i.ToString()]);
        return Dir(name);
    }

    [Fact]
    public async Task Population_FourShardsMerged_AreByteIdenticalToTheWholeRun()
    {
        await Succeeds([.. Population, "--out", Dir("whole"), "--threads", "2"]);
        var shards = await Shards(Population, "shards", 4);
        Assert.Equal(4, Directory.GetFiles(shards).Length);  // exactly one file per shard
        var (code, output, error) = await CliHarness.Run("merge", shards, "--out", Dir("merged"));
        Assert.True(code == 0, error);
        Assert.Contains("merged 4 shards: 12 cells, none simulated again", output);
        SameFiles(Dir("whole"), Dir("merged"));
        Assert.Contains("cells.parquet", Directory.GetFiles(Dir("merged")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task DoseResponse_ThreeShardsMerged_AreByteIdenticalToTheWholeRun()
    {
        // 3 doses (the baseline included) × 6 cell types × 2 cells = 36 cells, read at two times.
        string[] command = ["dose-response", Study, "--ligand", "IL2", "--doses", "1:1000:2", "--cells", "2", "--bootstrap", "10", "--times", "30,60"];
        await Succeeds([.. command, "--out", Dir("whole")]);
        await Succeeds("merge", await Shards(command, "shards"), "--out", Dir("merged"));
        SameFiles(Dir("whole"), Dir("merged"));
    }

    [Theory]
    [InlineData("traj.csv")]
    [InlineData("traj.parquet")]
    public async Task Simulate_ThreeShardsMerged_AreByteIdenticalToTheWholeRun(string trajectories)
    {
        // 100 runs: 4 blocks of 32 (the last of 4 runs), so 3 shards hold 1, 1 and 2 blocks.
        string model = Path.Combine(AppContext.BaseDirectory, "Reactions", "examples", "dimerization-decay.bngl");
        string[] command = ["simulate", model, "--runs", "100", "--seed", "5", "--t-end", "2", "--points", "11", "--trajectories", trajectories, "--plot", "plot.png"];
        Directory.CreateDirectory(Dir("whole"));
        await Succeeds("simulate", model, "--runs", "100", "--seed", "5", "--t-end", "2", "--points", "11", "--out", Path.Combine(Dir("whole"), "results.csv"),
            "--trajectories", Path.Combine(Dir("whole"), trajectories), "--plot", Path.Combine(Dir("whole"), "plot.png"));
        await Succeeds("merge", await Shards(command, "shards"), "--out", Dir("merged"));
        SameFiles(Dir("whole"), Dir("merged"));
    }

    [Fact]
    public async Task DoseResponse_ResumedFromACheckpointHoldingHalfItsCells_IsByteIdenticalToTheWholeRun()
    {
        // A checkpoint made by hand from shard 1 of 2 (its rows, and the run's identity from its metadata): resuming
        // must restore those cells, simulate the others and write the whole run's bytes.
        string[] command = ["dose-response", Study, "--ligand", "IL2v", "--doses", "10:1000:2", "--cells", "2", "--bootstrap", "10"];
        await Succeeds([.. command, "--out", Dir("whole")]);
        await Succeeds([.. command, "--shard", "1/2", "--out", Dir("half")]);
        string shard = Path.Combine(Dir("half"), "shard-1-of-2.parquet");
        var identity = CellTable.ReadMetadata(shard).Where(kv => kv.Key is not ("stochastic.shard" or "stochastic.range" or "stochastic.kind") && !kv.Key.StartsWith("stochastic.events", StringComparison.Ordinal)
            && kv.Key is not ("stochastic.leaps" or "stochastic.leaped_firings" or CellTable.RowsHashKey)).ToDictionary();
        identity["stochastic.kind"] = "checkpoint";
        var layout = DoseResponse.CellLayout(ReadStudy(), [60]);
        var rows = CellTable.Read(shard, layout);
        var checkpoint = CellCheckpoint.Start(Path.Combine(Dir("resumed"), "checkpoint"), identity, TimeSpan.Zero);
        checkpoint.Add(rows);
        Assert.Equal(rows.Count, CellCheckpoint.RecordedCells(Path.Combine(Dir("resumed"), "checkpoint")));
        var (code, output, error) = await CliHarness.Run("dose-response", "--resume", Dir("resumed"));
        Assert.True(code == 0, error);
        Assert.Contains($"resumed: {rows.Count} cells restored from the checkpoint", output);  // taken, not simulated again
        SameFiles(Dir("whole"), Dir("resumed"));
    }

    private static Stochastic.Population.Study ReadStudy() => Stochastic.Formats.StudyReader.Read(Study);

    [Fact]
    public async Task Merge_RefusesCorruptMissingDuplicatedAndForeignShards_ByName()
    {
        var good = await Shards(Population, "good");
        async Task<string> Refused(string name, Action<string> spoil)
        {
            string dir = Dir(name);
            Directory.CreateDirectory(dir);
            foreach (var f in Directory.GetFiles(good)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            spoil(dir);
            var (code, _, error) = await CliHarness.Run("merge", dir, "--out", Dir(name + "-out"));
            Assert.Equal(1, code);
            Assert.Single(error.Trim().Split('\n'));
            Assert.False(Directory.Exists(Dir(name + "-out")), "nothing is written when a shard is refused");
            return error;
        }
        string shard2 = Path.Combine("{0}", "shard-2-of-3.parquet");
        // corrupt: cut short (no Parquet footer)
        Assert.Contains("shard-2-of-3.parquet", await Refused("corrupt", d => File.WriteAllBytes(string.Format(shard2, d), File.ReadAllBytes(string.Format(shard2, d))[..4000])));
        // corrupt inside: a data page overwritten, footer intact
        Assert.Contains("shard-2-of-3.parquet", await Refused("corrupt-page", d =>
        {
            var bytes = File.ReadAllBytes(string.Format(shard2, d));
            for (int i = 100; i < 1100; i++) bytes[i] = 0xFF;
            File.WriteAllBytes(string.Format(shard2, d), bytes);
        }));
        Assert.Contains("shard-2-of-3.parquet is missing", await Refused("missing", d => File.Delete(string.Format(shard2, d))));
        Assert.Contains("duplicated", await Refused("duplicated", d => File.Copy(Path.Combine(d, "shard-1-of-3.parquet"), string.Format(shard2, d), overwrite: true)));
        // foreign: shard 2 of a run with another seed
        var foreign = await Refused("foreign", d =>
        {
            string other = Dir("other-seed");
            var (code, _, error) = CliHarness.Run([.. Population, "--seed", "99", "--shard", "2/3", "--out", other]).GetAwaiter().GetResult();
            Assert.True(code == 0, error);
            File.Copy(Path.Combine(other, "shard-2-of-3.parquet"), string.Format(shard2, d), overwrite: true);
        });
        Assert.Contains("shard-2-of-3.parquet: foreign", foreign);
    }

    [Fact]
    public async Task Shard_OfACoupledStudy_IsRefusedInOneLine()
    {
        string tissue = Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "tissue.study");
        var (code, _, error) = await CliHarness.Run("population", tissue, "--cells", "2", "--shard", "1/2", "--out", Dir("tissue"));
        Assert.Equal(1, code);
        Assert.Contains("coupled", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("0/2")]
    [InlineData("3/2")]
    [InlineData("1/0")]
    [InlineData("a/b")]
    [InlineData("-1/2")]
    public async Task Shard_OutOfRange_IsRefused(string shard)
    {
        var (code, _, error) = await CliHarness.Run([.. Population, "--shard", shard, "--out", Dir("bad")]);
        Assert.Equal(1, code);
        Assert.Contains("--shard must be i/n", error);
    }

    [Fact]
    public void ShardRanges_AreContiguous_AndCoverEveryCellOnce()
    {
        foreach (long total in new long[] { 0, 1, 7, 24, 100_032 })
            foreach (int n in new[] { 1, 2, 3, 8, 50 })
            {
                long next = 0;
                for (int i = 1; i <= n; i++)
                {
                    var (first, end) = CellRunPlan.ShardRange(total, i, n);
                    Assert.Equal(next, first);
                    Assert.True(end >= first);
                    next = end;
                }
                Assert.Equal(total, next);
            }
    }
}
