using System.Globalization;
using Parquet;
using Parquet.Schema;
using Stochastic.Simulation;

namespace Stochastic.Population;

/// <summary>
/// <see cref="CellRows"/> as a Parquet file (Apache Parquet, written and read by Parquet.Net, a fully managed
/// implementation: no native library to ship): one row per cell, columns <c>scenario</c>, <c>cell_type</c>,
/// <c>cell</c>, then the layout's columns (numbers as doubles, the fate as its name, traits as booleans), and
/// key-value metadata (docs/outputs.md). Readable by pandas, polars and Arrow. Numbers are written as they are,
/// so rows read back are bit-identical to the rows written.
/// </summary>
public static class CellTable
{
    /// <summary>Metadata key of the reaction firings of the cells in the file.</summary>
    public const string EventsKey = "stochastic.events";
    /// <summary>Metadata key of the tau-leaps.</summary>
    public const string LeapsKey = "stochastic.leaps";
    /// <summary>Metadata key of the firings made by leaps.</summary>
    public const string LeapedKey = "stochastic.leaped_firings";

    /// <summary>Metadata key of the SHA-256 of the rows (<see cref="RowsHash"/>): a reader checks it, so a damaged page is found.</summary>
    public const string RowsHashKey = "stochastic.rows_sha256";

    private static readonly string[] Keys = ["scenario", "cell_type", "cell"];

    /// <summary>SHA-256 over every row: scenario, cell type (UTF-8, each ended by a zero byte), cell, and the numbers' bits.</summary>
    public static string RowsHash(CellRows rows)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<byte> eight = stackalloc byte[8];
        for (int r = 0; r < rows.Count; r++)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(rows.Scenario(r) + "\0" + rows.CellType(r) + "\0"));
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(eight, rows.Cell(r));
            hash.AppendData(eight);
            foreach (double x in rows.Row(r))
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(eight, BitConverter.DoubleToInt64Bits(x));
                hash.AppendData(eight);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes <paramref name="rows"/> with <paramref name="metadata"/> (and their work) to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, CellRows rows, IReadOnlyDictionary<string, string>? metadata = null) =>
        WriteAsync(stream, rows, metadata).GetAwaiter().GetResult();

    /// <summary>
    /// Writes <paramref name="rows"/> to <paramref name="path"/> atomically: into a temporary file beside it, flushed
    /// to disk, then renamed over it, so that a reader (or a killed run) sees the whole file or none.
    /// </summary>
    public static void WriteAtomic(string path, CellRows rows, IReadOnlyDictionary<string, string>? metadata = null)
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            Write(stream, rows, metadata);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static async Task WriteAsync(Stream stream, CellRows rows, IReadOnlyDictionary<string, string>? metadata)
    {
        var layout = rows.Layout;
        var fields = new List<DataField> { new DataField<string>(Keys[0]), new DataField<string>(Keys[1]), new DataField<int>(Keys[2]) };
        foreach (var c in layout.Columns)
            fields.Add(c.Kind switch
            {
                CellColumnKind.Fate => new DataField<string>(c.Name),
                CellColumnKind.Flag => new DataField<bool>(c.Name),
                _ => new DataField<double>(c.Name),
            });
        var schema = new ParquetSchema(fields.Cast<Field>().ToArray());
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        var all = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            [EventsKey] = rows.Work.Events.ToString(CultureInfo.InvariantCulture),
            [LeapsKey] = rows.Work.Leaps.ToString(CultureInfo.InvariantCulture),
            [LeapedKey] = rows.Work.LeapedFirings.ToString(CultureInfo.InvariantCulture),
            [RowsHashKey] = RowsHash(rows),
        };
        writer.CustomMetadata = all;
        using var group = writer.CreateRowGroup();
        int n = rows.Count;
        await group.WriteAsync(fields[0], Enumerable.Range(0, n).Select(rows.Scenario).ToArray());
        await group.WriteAsync(fields[1], Enumerable.Range(0, n).Select(rows.CellType).ToArray());
        await group.WriteAsync<int>(fields[2], Enumerable.Range(0, n).Select(rows.Cell).ToArray());
        for (int c = 0; c < layout.Width; c++)
        {
            int column = c;
            switch (layout.Columns[c].Kind)
            {
                case CellColumnKind.Fate:
                    await group.WriteAsync(fields[3 + c], Enumerable.Range(0, n).Select(r => FateName(layout, rows.Value(r, column))).ToArray());
                    break;
                case CellColumnKind.Flag:
                    await group.WriteAsync<bool>(fields[3 + c], Enumerable.Range(0, n).Select(r => rows.Value(r, column) != 0).ToArray());
                    break;
                default:
                    await group.WriteAsync<double>(fields[3 + c], Enumerable.Range(0, n).Select(r => rows.Value(r, column)).ToArray());
                    break;
            }
        }
    }

    private static string FateName(CellLayout layout, double index) =>
        index >= 0 && index < layout.FateNames.Count && index == Math.Floor(index) ? layout.FateNames[(int)index] : "";

    /// <summary>The key-value metadata of the Parquet file at <paramref name="path"/> (reads the footer only).</summary>
    /// <exception cref="SimulationException">The file is not a readable Parquet file.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        try
        {
            return ReadMetadataAsync(path).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not UnauthorizedAccessException)
        {
            throw new SimulationException($"{Path.GetFileName(path)}: not a readable Parquet file ({e.Message.ReplaceLineEndings(" ")})");
        }
    }

    private static async Task<IReadOnlyDictionary<string, string>> ReadMetadataAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        return new Dictionary<string, string>(reader.CustomMetadata);
    }

    /// <summary>Reads the rows of the Parquet file at <paramref name="path"/> in <paramref name="layout"/>, with the work in its metadata.</summary>
    /// <exception cref="SimulationException">The file is unreadable, or its columns are not the layout's.</exception>
    public static CellRows Read(string path, CellLayout layout)
    {
        try
        {
            return ReadAsync(path, layout).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not SimulationException and not FileNotFoundException and not DirectoryNotFoundException and not UnauthorizedAccessException)
        {
            throw new SimulationException($"{Path.GetFileName(path)}: not a readable Parquet file ({e.Message.ReplaceLineEndings(" ")})");
        }
    }

    private static async Task<CellRows> ReadAsync(string path, CellLayout layout)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var fields = reader.Schema.GetDataFields();
        string[] expected = [.. Keys, .. layout.Columns.Select(c => c.Name)];
        if (!fields.Select(f => f.Name).SequenceEqual(expected))
            throw new SimulationException($"{Path.GetFileName(path)}: its columns ({Excerpt(fields.Select(f => f.Name))}) are not this run's ({Excerpt(expected)})");
        var meta = reader.CustomMetadata;
        var rows = new CellRows(layout)
        {
            Work = new SimulationCounters(Long(meta, EventsKey, path), Long(meta, LeapsKey, path)) { LeapedFirings = Long(meta, LeapedKey, path) },
        };
        var fates = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int f = 0; f < layout.FateNames.Count; f++) fates[layout.FateNames[f]] = f;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int n = checked((int)group.RowCount);
            var scenarios = new string?[n];
            var types = new string?[n];
            var cells = new int[n];
            await group.ReadAsync(fields[0], scenarios.AsMemory());
            await group.ReadAsync(fields[1], types.AsMemory());
            await group.ReadAsync<int>(fields[2], cells.AsMemory());
            var values = new double[layout.Width][];
            for (int c = 0; c < layout.Width; c++)
            {
                var field = fields[3 + c];
                values[c] = new double[n];
                switch (layout.Columns[c].Kind)
                {
                    case CellColumnKind.Fate:
                        var names = new string?[n];
                        await group.ReadAsync(field, names.AsMemory());
                        for (int r = 0; r < n; r++)
                            values[c][r] = fates.TryGetValue(names[r] ?? "", out int f) ? f
                                : throw new SimulationException($"{Path.GetFileName(path)}: unknown fate '{Excerpt([names[r] ?? ""])}'");
                        break;
                    case CellColumnKind.Flag:
                        var flags = new bool[n];
                        await group.ReadAsync<bool>(field, flags.AsMemory());
                        for (int r = 0; r < n; r++) values[c][r] = flags[r] ? 1 : 0;
                        break;
                    default:
                        await group.ReadAsync<double>(field, values[c].AsMemory());
                        break;
                }
            }
            var row = new double[layout.Width];
            for (int r = 0; r < n; r++)
            {
                for (int c = 0; c < layout.Width; c++) row[c] = values[c][r];
                rows.Add(scenarios[r] ?? "", types[r] ?? "", cells[r], row);
            }
        }
        if (!meta.TryGetValue(RowsHashKey, out var expectedHash) || RowsHash(rows) != expectedHash)
            throw new SimulationException($"{Path.GetFileName(path)}: its rows do not match their checksum ({RowsHashKey}): the file is damaged");
        return rows;
    }

    private static long Long(IReadOnlyDictionary<string, string> meta, string key, string path) =>
        meta.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long x) ? x
            : throw new SimulationException($"{Path.GetFileName(path)}: metadata '{key}' is missing or not a number");

    /// <summary>A short, printable excerpt of names for an error line.</summary>
    public static string Excerpt(IEnumerable<string> names)
    {
        string text = string.Join(", ", names);
        text = new string([.. text.Select(ch => char.IsControl(ch) ? '?' : ch)]);
        return text.Length <= 120 ? text : text[..117] + "…";
    }
}
