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
/// A coupled run (a ligand pool or a lineage) keeps its wells instead (<see cref="IWellStateStore"/>): each finished
/// well once, and the well in progress at the end of a coupling interval every <see cref="Interval"/> (less often
/// when saving it would take more than 2% of the run), each a binary file recorded in the manifest with its SHA-256.
/// </summary>
public sealed class CellCheckpoint : IWellStateStore
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestName = "manifest.json";
    private const string Format = "stochastic checkpoint 2";

    private readonly object _lock = new();
    private readonly List<(string File, int Cells)> _parts = [];
    private CellRows? _pending;
    private readonly Stopwatch _sinceFlush = Stopwatch.StartNew();
    private readonly IReadOnlyDictionary<string, string> _metadata;
    private readonly List<ManifestBlob> _wells = [];
    private ManifestBlob? _state;
    private int _states;
    private readonly Stopwatch _sinceProgress = Stopwatch.StartNew();
    private TimeSpan _lastSaveCost;
    private IReadOnlyList<byte[]>? _finishedWells;
    private int _written;
    private TimeSpan _writeTime;
    private byte[]? _wellInProgress;

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

    /// <summary>The finished wells (scenarios) the manifest in <paramref name="directory"/> records (reads the manifest only).</summary>
    /// <exception cref="SimulationException">There is no checkpoint, or its manifest is unreadable.</exception>
    public static int RecordedWells(string directory) => ReadManifest(directory).Wells.Count;

    /// <summary>Well states written by this process (finished wells and states of the well in progress), and the time it took.</summary>
    public (int Count, TimeSpan Time) WellStatesWritten { get { lock (_lock) return (_written, _writeTime); } }

    /// <inheritdoc/>
    public IReadOnlyList<byte[]> FinishedWells => _finishedWells ?? [];

    /// <inheritdoc/>
    public byte[]? WellInProgress => _wellInProgress;

    /// <inheritdoc/>
    public bool ProgressDue
    {
        get
        {
            // At most every Interval, and no more often than keeps the writing under ~2% of the run's time.
            var wait = TimeSpan.FromTicks(Math.Max(Interval.Ticks, 49 * _lastSaveCost.Ticks));
            return Interval > TimeSpan.Zero && _sinceProgress.Elapsed >= wait;
        }
    }

    /// <inheritdoc/>
    public void SaveFinishedWell(int scenario, Action<BinaryWriter> write)
    {
        lock (_lock)
        {
            if (scenario != _wells.Count) throw new InvalidOperationException($"well {scenario} finished after {_wells.Count} wells");
            Save(string.Create(CultureInfo.InvariantCulture, $"well-{scenario + 1:D4}.bin"), write, blob =>
            {
                _wells.Add(blob);
                return null;  // the next well has not started
            });
        }
    }

    /// <inheritdoc/>
    public void SaveProgress(Action<BinaryWriter> write)
    {
        lock (_lock) _lastSaveCost = Save(string.Create(CultureInfo.InvariantCulture, $"state-{++_states:D6}.bin"), write, blob => blob);
    }

    // Writes a well state, records it (the well in progress becomes what 'record' returns) in the manifest, then
    // removes the state it replaces; returns the time it took.
    private TimeSpan Save(string file, Action<BinaryWriter> write, Func<ManifestBlob, ManifestBlob?> record)
    {
        var clock = Stopwatch.StartNew();
        var blob = WriteBlob(file, write);
        var old = _state;
        _state = record(blob);
        WriteManifest();
        if (old is not null) File.Delete(Path.Combine(Directory, old.File));
        var cost = clock.Elapsed;
        _sinceProgress.Restart();
        _written++;
        _writeTime += cost;
        return cost;
    }

    // A state file: written whole to a temporary file, flushed, renamed; recorded with its SHA-256.
    private ManifestBlob WriteBlob(string file, Action<BinaryWriter> write)
    {
        var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) write(writer);
        string path = Path.Combine(Directory, file), temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            buffer.Position = 0;
            buffer.CopyTo(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        return new ManifestBlob(file, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length))), buffer.Length);
    }

    private byte[] ReadBlob(ManifestBlob blob)
    {
        string path = Path.Combine(Directory, blob.File);
        if (!File.Exists(path)) throw new SimulationException($"{path}: the checkpoint's manifest lists it, but it is missing; start again with --force");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != blob.Bytes || Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)) != blob.Sha256)
            throw new SimulationException($"{path}: its content does not match the checkpoint's manifest (SHA-256); the checkpoint is corrupt; start again with --force");
        return bytes;
    }

    /// <summary>The cells the manifest in <paramref name="directory"/> records (reads the manifest only; safe while the run writes).</summary>
    /// <exception cref="SimulationException">There is no checkpoint, or its manifest is unreadable.</exception>
    public static long RecordedCells(string directory) => ReadManifest(directory).Parts.Sum(p => (long)p.Cells);

    /// <summary>Opens the checkpoint in <paramref name="directory"/> to continue its run; new parts are numbered after the old.</summary>
    /// <exception cref="SimulationException">There is no checkpoint, or its manifest is unreadable.</exception>
    public static CellCheckpoint Resume(string directory, TimeSpan interval)
    {
        var manifest = ReadManifest(directory);
        var checkpoint = new CellCheckpoint(directory, manifest.Metadata, interval);
        checkpoint._parts.AddRange(manifest.Parts);
        checkpoint._wells.AddRange(manifest.Wells);
        checkpoint._state = manifest.State;
        // New states are numbered after the listed one, which stays until the manifest no longer lists it.
        checkpoint._states = manifest.State is { File: var f } && f.Length > 10 && f.StartsWith("state-", StringComparison.Ordinal) && f.EndsWith(".bin", StringComparison.Ordinal)
            && int.TryParse(f.AsSpan(6, f.Length - 10), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0;
        checkpoint._finishedWells = [.. manifest.Wells.Select(w => checkpoint.ReadBlob(w))];
        checkpoint._wellInProgress = manifest.State is { } state ? checkpoint.ReadBlob(state) : null;
        var listed = manifest.Parts.Select(p => p.File).Concat(manifest.Wells.Select(w => w.File)).Append(manifest.State?.File)
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
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
        var manifest = new Manifest(Format, new Dictionary<string, string>(_metadata), [.. _parts.Select(p => new ManifestPart(p.File, p.Cells))])
        {
            Wells = _wells.Count > 0 ? [.. _wells] : null,
            State = _state,
        };
        string path = Path.Combine(Directory, ManifestName), temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, manifest, ManifestJson);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static (IReadOnlyDictionary<string, string> Metadata, List<(string File, int Cells)> Parts, List<ManifestBlob> Wells, ManifestBlob? State) ReadManifest(string directory)
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
        static bool BadName(string? file) => file is null || file.Contains('/') || file.Contains('\\') || file is "." or "..";
        if (manifest.Parts.Any(p => BadName(p.File) || p.Cells < 0))
            throw new SimulationException($"{path}: a part entry is malformed");
        var wells = manifest.Wells ?? [];
        if (wells.Append(manifest.State).OfType<ManifestBlob>().Any(b => BadName(b.File) || b.Sha256 is null || b.Bytes < 0))
            throw new SimulationException($"{path}: a well entry is malformed");
        return (manifest.Metadata, [.. manifest.Parts.Select(p => (p.File, p.Cells))], wells, manifest.State);
    }

    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record Manifest(string Format, Dictionary<string, string> Metadata, List<ManifestPart> Parts)
    {
        /// <summary>A coupled run's finished wells, in scenario order (absent: none).</summary>
        public List<ManifestBlob>? Wells { get; init; }
        /// <summary>A coupled run's well in progress (absent: none saved).</summary>
        public ManifestBlob? State { get; init; }
    }
    private sealed record ManifestPart(string File, int Cells);
    private sealed record ManifestBlob(string File, string Sha256, long Bytes);
}
