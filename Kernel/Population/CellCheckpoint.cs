using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Stochastic.Population;

/// <summary>
/// A run's finished cells kept on disk as it goes, so that a run killed by SIGKILL or a node failure continues
/// where it stopped (<see cref="CellRunPlan"/>): finished blocks are gathered and, every
/// <see cref="Interval"/>, written as one Parquet part (<see cref="CellTable"/>) and recorded in
/// <c>manifest.json</c>, both atomically (temporary file, flushed, renamed). A part not in the manifest (the run
/// died between the two renames) is ignored and removed; cells that were simulated but not yet written are
/// simulated again on resumption, with the same streams, so the final outputs are those of an uninterrupted run.
/// </summary>
public sealed class CellCheckpoint
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestName = "manifest.json";
    private const string Format = "stochastic checkpoint 1";

    private readonly object _lock = new();
    private readonly List<(string File, int Cells)> _parts = [];
    private CellRows? _pending;
    private readonly Stopwatch _sinceFlush = Stopwatch.StartNew();
    private readonly IReadOnlyDictionary<string, string> _metadata;

    private CellCheckpoint(string directory, IReadOnlyDictionary<string, string> metadata, TimeSpan interval)
    {
        Directory = directory;
        _metadata = metadata;
        Interval = interval;
    }

    /// <summary>The checkpoint's folder.</summary>
    public string Directory { get; }
    /// <summary>How often gathered cells are written (at the first finished block after this much time).</summary>
    public TimeSpan Interval { get; }
    /// <summary>The run's description, as given when the checkpoint was started (compared on resumption).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _metadata;
    /// <summary>Cells written so far.</summary>
    public long CellsWritten { get { lock (_lock) return _parts.Sum(p => (long)p.Cells); } }

    /// <summary>Starts an empty checkpoint in <paramref name="directory"/> (made, or emptied) for a run described by <paramref name="metadata"/>.</summary>
    public static CellCheckpoint Start(string directory, IReadOnlyDictionary<string, string> metadata, TimeSpan interval)
    {
        if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
        System.IO.Directory.CreateDirectory(directory);
        var checkpoint = new CellCheckpoint(directory, metadata, interval);
        checkpoint.WriteManifest();
        return checkpoint;
    }

    /// <summary>Whether <paramref name="directory"/> holds a checkpoint manifest.</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, ManifestName));

    /// <summary>Reads the run description of the checkpoint in <paramref name="directory"/>.</summary>
    /// <exception cref="SimulationException">There is no checkpoint, or its manifest is unreadable.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string directory) => ReadManifest(directory).Metadata;

    /// <summary>The cells the manifest in <paramref name="directory"/> records (reads the manifest only; safe while the run writes).</summary>
    /// <exception cref="SimulationException">There is no checkpoint, or its manifest is unreadable.</exception>
    public static long RecordedCells(string directory) => ReadManifest(directory).Parts.Sum(p => (long)p.Cells);

    /// <summary>Opens the checkpoint in <paramref name="directory"/> to continue its run; new parts are numbered after the old.</summary>
    /// <exception cref="SimulationException">There is no checkpoint, or its manifest is unreadable.</exception>
    public static CellCheckpoint Resume(string directory, TimeSpan interval)
    {
        var (metadata, parts) = ReadManifest(directory);
        var checkpoint = new CellCheckpoint(directory, metadata, interval);
        checkpoint._parts.AddRange(parts);
        var listed = parts.Select(p => p.File).ToHashSet(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.EnumerateFiles(directory))
        {
            string name = Path.GetFileName(file);
            if (name != ManifestName && !listed.Contains(name)) File.Delete(file);  // a temporary file, or a part written but never recorded
        }
        return checkpoint;
    }

    /// <summary>The cells recorded so far, in <paramref name="layout"/>, part by part.</summary>
    public IEnumerable<CellRows> Load(CellLayout layout)
    {
        List<(string File, int Cells)> parts;
        lock (_lock) parts = [.. _parts];
        foreach (var (file, cells) in parts)
        {
            var rows = CellTable.Read(Path.Combine(Directory, file), layout);
            if (rows.Count != cells) throw new SimulationException($"checkpoint part {file} holds {rows.Count} cells, the manifest says {cells}");
            yield return rows;
        }
    }

    /// <summary>Gathers a finished block; writes a part when <see cref="Interval"/> has passed since the last (thread-safe).</summary>
    public void Add(CellRows rows)
    {
        lock (_lock)
        {
            if (_pending is null) _pending = new CellRows(rows.Layout);
            _pending.AddRange(rows);
            if (_sinceFlush.Elapsed >= Interval) FlushLocked();
        }
    }

    /// <summary>Writes the gathered cells now (at a cancellation: what finished is kept).</summary>
    public void Flush()
    {
        lock (_lock) FlushLocked();
    }

    /// <summary>Removes the checkpoint (the run finished and its outputs are written).</summary>
    public void Delete()
    {
        lock (_lock)
        {
            if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private void FlushLocked()
    {
        _sinceFlush.Restart();
        if (_pending is not { Count: > 0 } rows) return;
        string file = string.Create(CultureInfo.InvariantCulture, $"part-{_parts.Count + 1:D5}.parquet");
        CellTable.WriteAtomic(Path.Combine(Directory, file), rows.Sorted(), _metadata);
        _parts.Add((file, rows.Count));
        _pending = null;
        WriteManifest();
    }

    private void WriteManifest()
    {
        var manifest = new Manifest(Format, new Dictionary<string, string>(_metadata), [.. _parts.Select(p => new ManifestPart(p.File, p.Cells))]);
        string path = Path.Combine(Directory, ManifestName), temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, manifest, ManifestJson);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static (IReadOnlyDictionary<string, string> Metadata, List<(string File, int Cells)> Parts) ReadManifest(string directory)
    {
        string path = Path.Combine(directory, ManifestName);
        if (!File.Exists(path)) throw new SimulationException($"{directory}: no checkpoint to resume ({ManifestName} not found)");
        Manifest? manifest;
        try
        {
            using var stream = File.OpenRead(path);
            manifest = JsonSerializer.Deserialize<Manifest>(stream, ManifestJson);
        }
        catch (JsonException e)
        {
            throw new SimulationException($"{path}: not a readable checkpoint manifest ({e.Message.ReplaceLineEndings(" ")})");
        }
        if (manifest is not { Format: Format, Metadata: not null, Parts: not null })
            throw new SimulationException($"{path}: not a checkpoint manifest of this version ('{Format}')");
        if (manifest.Parts.Any(p => p.File is null || p.File.Contains('/') || p.File.Contains('\\') || p.Cells < 0))
            throw new SimulationException($"{path}: a part entry is malformed");
        return (manifest.Metadata, [.. manifest.Parts.Select(p => (p.File, p.Cells))]);
    }

    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record Manifest(string Format, Dictionary<string, string> Metadata, List<ManifestPart> Parts);
    private sealed record ManifestPart(string File, int Cells);
}
