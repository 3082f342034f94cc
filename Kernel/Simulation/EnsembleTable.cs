using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace Stochastic.Simulation;

/// <summary>
/// A shard of an ensemble (<c>simulate --shard i/n</c>) as a Parquet file: a long table with one row per block of
/// runs and time point (<c>run</c> = −1: the block's run count, and per output its mean and sum of squared
/// deviations <c>NAME-m2</c>, as <see cref="EnsembleBlock"/>), then, when trajectories are kept, one row per run
/// and time point (<c>run</c> ≥ 0, the outputs' values, <c>NAME-m2</c> = 0). Numbers are written as they are, so
/// <see cref="EnsembleResult.FromBlocks"/> over every shard reproduces the one-machine run bit for bit.
/// </summary>
public static class EnsembleTable
{
    /// <summary>Writes the blocks and trajectories (of runs from <paramref name="firstRun"/> on) of <paramref name="result"/>, atomically.</summary>
    public static void WriteAtomic(string path, EnsembleResult result, int firstRun, IReadOnlyDictionary<string, string> metadata)
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            WriteAsync(stream, result, firstRun, metadata).GetAwaiter().GetResult();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static async Task WriteAsync(Stream stream, EnsembleResult result, int firstRun, IReadOnlyDictionary<string, string> metadata)
    {
        var names = result.OutputNames;
        int points = result.Grid.Points, o = names.Count;
        var times = result.Grid.Times();
        var fields = new List<DataField> { new DataField<int>("run"), new DataField<int>("block"), new DataField<long>("runs"), new DataField<int>("point"), new DataField<double>("time") };
        fields.AddRange(names.Select(n => new DataField<double>(n)));
        fields.AddRange(names.Select(n => new DataField<double>(n + "-m2")));
        var run = new List<int>(); var block = new List<int>(); var runs = new List<long>(); var point = new List<int>(); var time = new List<double>();
        var value = new List<double>[o]; var m2 = new List<double>[o];
        for (int k = 0; k < o; k++) { value[k] = []; m2[k] = []; }
        void Row(int r, int b, long n, int p, ReadOnlySpan<double> v, ReadOnlySpan<double> d)
        {
            run.Add(r); block.Add(b); runs.Add(n); point.Add(p); time.Add(times[p]);
            for (int k = 0; k < o; k++) { value[k].Add(v[p * o + k]); m2[k].Add(d.IsEmpty ? 0 : d[p * o + k]); }
        }
        foreach (var b in result.Blocks)
            for (int p = 0; p < points; p++) Row(-1, b.Index, b.Count, p, b.Mean, b.M2);
        if (result.HasTrajectories)
            for (int r = 0; r < result.Runs; r++)
                for (int p = 0; p < points; p++) Row(firstRun + r, (firstRun + r) / Ensemble.BlockSize, 1, p, result.Trajectory(r), default);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields.Cast<Field>().ToArray()), stream);
        var all = new Dictionary<string, string>(metadata)
        {
            [HashKey] = Hash(run, block, runs, point, value, m2),
            ["stochastic.events"] = result.Counters.Events.ToString(CultureInfo.InvariantCulture),
            ["stochastic.leaps"] = result.Counters.Leaps.ToString(CultureInfo.InvariantCulture),
        };
        writer.CustomMetadata = all;
        using var group = writer.CreateRowGroup();
        await group.WriteAsync<int>(fields[0], run.ToArray());
        await group.WriteAsync<int>(fields[1], block.ToArray());
        await group.WriteAsync<long>(fields[2], runs.ToArray());
        await group.WriteAsync<int>(fields[3], point.ToArray());
        await group.WriteAsync<double>(fields[4], time.ToArray());
        for (int k = 0; k < o; k++) await group.WriteAsync<double>(fields[5 + k], value[k].ToArray());
        for (int k = 0; k < o; k++) await group.WriteAsync<double>(fields[5 + o + k], m2[k].ToArray());
    }

    /// <summary>
    /// Every kept trajectory as a long Parquet table, <c>run,time,NAME…</c> (the columns of the trajectories CSV, numbers
    /// as doubles, runs as int32), one row per run and output time, written atomically.
    /// </summary>
    public static void WriteTrajectories(string path, EnsembleResult result, IReadOnlyDictionary<string, string>? metadata = null)
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            WriteTrajectoriesAsync(stream, result, metadata).GetAwaiter().GetResult();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static async Task WriteTrajectoriesAsync(Stream stream, EnsembleResult result, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = result.OutputNames;
        int points = result.Grid.Points, o = names.Count, n = result.Runs * points;
        var fields = new List<DataField> { new DataField<int>("run"), new DataField<double>("time") };
        fields.AddRange(names.Select(x => new DataField<double>(x)));
        var run = new int[n];
        var time = new double[n];
        var values = new double[o][];
        for (int k = 0; k < o; k++) values[k] = new double[n];
        for (int r = 0; r < result.Runs; r++)
        {
            var record = result.Trajectory(r);
            for (int p = 0; p < points; p++)
            {
                int row = r * points + p;
                run[row] = r;
                time[row] = result.Grid[p];
                for (int k = 0; k < o; k++) values[k][row] = record[p * o + k];
            }
        }
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields.Cast<Field>().ToArray()), stream);
        if (metadata is not null) writer.CustomMetadata = new Dictionary<string, string>(metadata);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync<int>(fields[0], run);
        await group.WriteAsync<double>(fields[1], time);
        for (int k = 0; k < o; k++) await group.WriteAsync<double>(fields[2 + k], values[k]);
    }

    private const string HashKey = "stochastic.rows_sha256";

    /// <summary>SHA-256 over the columns' values (bits of the numbers), so that a reader finds a damaged page.</summary>
    private static string Hash(IReadOnlyList<int> run, IReadOnlyList<int> block, IReadOnlyList<long> runs, IReadOnlyList<int> point, IReadOnlyList<double>[] value, IReadOnlyList<double>[] m2)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var eight = new byte[8];
        void Add(long x) { System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(eight, x); hash.AppendData(eight); }
        for (int r = 0; r < run.Count; r++)
        {
            Add(run[r]); Add(block[r]); Add(runs[r]); Add(point[r]);
            for (int k = 0; k < value.Length; k++) { Add(BitConverter.DoubleToInt64Bits(value[k][r])); Add(BitConverter.DoubleToInt64Bits(m2[k][r])); }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The blocks, trajectories (run → record) and work of a shard written by <see cref="WriteAtomic"/> for <paramref name="outputNames"/> on <paramref name="points"/> time points.</summary>
    /// <exception cref="SimulationException">The file is unreadable or not such a shard.</exception>
    public static (List<EnsembleBlock> Blocks, SortedDictionary<int, double[]> Trajectories, SimulationCounters Work) Read(string path, IReadOnlyList<string> outputNames, int points)
    {
        try
        {
            return ReadAsync(path, outputNames, points).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not SimulationException and not FileNotFoundException and not DirectoryNotFoundException and not UnauthorizedAccessException)
        {
            throw new SimulationException($"{Path.GetFileName(path)}: not a readable shard ({e.Message.ReplaceLineEndings(" ")})");
        }
    }

    private static async Task<(List<EnsembleBlock>, SortedDictionary<int, double[]>, SimulationCounters)> ReadAsync(string path, IReadOnlyList<string> names, int points)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var fields = reader.Schema.GetDataFields();
        int o = names.Count;
        string[] expected = ["run", "block", "runs", "point", "time", .. names, .. names.Select(n => n + "-m2")];
        if (!fields.Select(f => f.Name).SequenceEqual(expected)) throw new SimulationException($"{Path.GetFileName(path)}: its columns are not this run's");
        var blocks = new SortedDictionary<int, EnsembleBlock>();
        var trajectories = new SortedDictionary<int, double[]>();
        if (reader.RowGroupCount != 1) throw new SimulationException($"{Path.GetFileName(path)}: not a shard of this version (one row group expected)");
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int n = checked((int)group.RowCount);
            var run = new int[n]; var block = new int[n]; var runs = new long[n]; var point = new int[n];
            await group.ReadAsync<int>(fields[0], run.AsMemory());
            await group.ReadAsync<int>(fields[1], block.AsMemory());
            await group.ReadAsync<long>(fields[2], runs.AsMemory());
            await group.ReadAsync<int>(fields[3], point.AsMemory());
            var value = new double[o][]; var m2 = new double[o][];
            for (int k = 0; k < o; k++)
            {
                value[k] = new double[n]; m2[k] = new double[n];
                await group.ReadAsync<double>(fields[5 + k], value[k].AsMemory());
                await group.ReadAsync<double>(fields[5 + o + k], m2[k].AsMemory());
            }
            if (!reader.CustomMetadata.TryGetValue(HashKey, out var checksum) || Hash(run, block, runs, point, value, m2) != checksum)
                throw new SimulationException($"{Path.GetFileName(path)}: its rows do not match their checksum ({HashKey}): the file is damaged");
            for (int r = 0; r < n; r++)
            {
                int p = point[r];
                if (p < 0 || p >= points) throw new SimulationException($"{Path.GetFileName(path)}: time point {p} outside 0..{points - 1}");
                double[] target;
                if (run[r] < 0)
                {
                    if (!blocks.TryGetValue(block[r], out var b)) blocks[block[r]] = b = new EnsembleBlock(block[r], runs[r], new double[points * o], new double[points * o]);
                    for (int k = 0; k < o; k++) b.M2[p * o + k] = m2[k][r];
                    target = b.Mean;
                }
                else if (!trajectories.TryGetValue(run[r], out target!)) trajectories[run[r]] = target = new double[points * o];
                for (int k = 0; k < o; k++) target[p * o + k] = value[k][r];
            }
        }
        var meta = reader.CustomMetadata;
        long Long(string key) => meta.TryGetValue(key, out var t) && long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out long x) ? x
            : throw new SimulationException($"{Path.GetFileName(path)}: metadata '{key}' is missing or not a number");
        return ([.. blocks.Values], trajectories, new SimulationCounters(Long("stochastic.events"), Long("stochastic.leaps")));
    }
}
