using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Stochastic.Population;

namespace Stochastic.Cli;

/// <summary>
/// How a command was started from outside the command line: by <c>stochastic merge</c> (the finished cells of every
/// shard restored, nothing simulated) or by <c>--resume</c> (the cells of a checkpoint restored).
/// </summary>
/// <param name="Shards">Merge: the shard files, validated, in shard order, each with its cell count.</param>
/// <param name="ResumeCheckpoint">Resume: the checkpoint folder.</param>
internal sealed record RunContext(IReadOnlyList<(string Path, long Cells)>? Shards = null, string? ResumeCheckpoint = null)
{
    public static RunContext None { get; } = new();
}

/// <summary>
/// The shard, checkpoint, resume and output-folder handling that <c>population</c> and <c>dose-response</c> share
/// (docs/outputs.md): a shard computes its range of cells and writes one Parquet file; a whole run keeps a
/// checkpoint in <c>OUT/checkpoint/</c> while it runs and removes it once its outputs are written.
/// </summary>
internal sealed partial class CellRunOptions
{
    /// <summary>The checkpoint's folder inside the output folder.</summary>
    public const string CheckpointFolder = "checkpoint";
    /// <summary>Metadata keys of shards, checkpoints and <c>cells.parquet</c>.</summary>
    public const string KindKey = "stochastic.kind", CommandKey = "stochastic.command", ArgsKey = "stochastic.args",
        StudyKey = "stochastic.study", StudyHashKey = "stochastic.study_sha256", SeedKey = "stochastic.seed",
        VersionKey = "stochastic.version", CellsKey = "stochastic.cells_total", ShardKey = "stochastic.shard",
        RangeKey = "stochastic.range", PartialKey = "stochastic.partial";

    // Options that do not change what a run computes: left out of its identity.
    private static readonly HashSet<string> NotIdentity = ["--threads", "--out", "--shard", "--resume", "--force", "--checkpoint-every", "--stats"];

    public Option<string?> Shard { get; } = new("--shard") { Description = "compute only shard i of n (1 ≤ i ≤ n), a contiguous range of the cells, into OUT/shard-i-of-n.parquet; join the shards with 'stochastic merge'" };
    public Option<DirectoryInfo?> Resume { get; } = new("--resume") { Description = "continue the interrupted run whose output folder is DIR (its checkpoint); the study and options are taken from it (--threads may be given)" };
    public Option<bool> Force { get; } = new("--force") { Description = "overwrite an existing output folder" };
    public Option<double> CheckpointEvery { get; } = new("--checkpoint-every") { Description = "write finished cells to OUT/checkpoint every this many seconds (0: no checkpoint)", DefaultValueFactory = _ => 10 };

    public CellRunOptions()
    {
        Shard.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && ParseShard(text) is null)
                r.AddError($"--shard must be i/n with 1 ≤ i ≤ n, e.g. 2/8; got '{CellTable.Excerpt([text])}'");
        });
        CheckpointEvery.Validators.Add(r =>
        {
            double x = r.GetValueOrDefault<double>();
            if (!(x >= 0) || double.IsInfinity(x)) r.AddError($"--checkpoint-every must be 0 or a positive number of seconds, got {x}");
        });
    }

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Shard, Resume, Force, CheckpointEvery }) command.Options.Add(o);
    }

    /// <summary>(i, n) of an <c>i/n</c> text, or null when it is not one.</summary>
    public static (int Index, int Count)? ParseShard(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && i >= 1 && i <= n ? (i, n) : null;
    }

    /// <summary>
    /// <c>--resume DIR</c>: reruns the command recorded in DIR's checkpoint, into DIR, restoring the cells it holds.
    /// </summary>
    public static async Task<int> ResumeAsync(DirectoryInfo dir, bool studyGiven, int threads, TextWriter output, TextWriter error)
    {
        if (studyGiven)
        {
            error.WriteLine("error: --resume takes the study and every option from the interrupted run; give only --resume DIR");
            return CliApp.InputError;
        }
        string checkpoint = Path.Combine(dir.FullName, CheckpointFolder);
        var identity = CellCheckpoint.ReadMetadata(checkpoint);
        if (!identity.ContainsKey(CommandKey) || !identity.ContainsKey(ArgsKey))
            throw new SimulationException($"{checkpoint}: the checkpoint does not say which run it belongs to");
        string[] args = [.. ReplayArgs(identity, dir.FullName), "--threads", threads.ToString(CultureInfo.InvariantCulture)];
        return await CliApp.RunAsync(args, output, error, new RunContext(ResumeCheckpoint: checkpoint));
    }

    /// <summary>The file name of shard i of n.</summary>
    public static string ShardFileName(int index, int count) => string.Create(CultureInfo.InvariantCulture, $"shard-{index}-of-{count}.parquet");

    [GeneratedRegex(@"^shard-([0-9]{1,9})-of-([0-9]{1,9})\.parquet$")]
    internal static partial Regex ShardFilePattern();

    /// <summary>The build's version (assembly informational version, with the commit when built from git).</summary>
    public static string Version { get; } = typeof(CellRunOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>
    /// The run's identity: the command, its output-affecting arguments (the study as a full path, in the order given),
    /// the study's and model's content hash, the seed, the number of cells and the build's version.
    /// </summary>
    public static Dictionary<string, string> Identity(ParseResult parse, string command, string studyPath, Population.Study study, ulong seed, long cells) =>
        Identity(parse, command, studyPath, StudyHash(studyPath, study), seed, cells, []);

    /// <summary>
    /// The identity of a run of <paramref name="inputPath"/> (whose content hash is <paramref name="inputHash"/>);
    /// the values of <paramref name="fileNameOptions"/> (output files) are kept as file names only.
    /// </summary>
    public static Dictionary<string, string> Identity(ParseResult parse, string command, string inputPath, string inputHash, ulong seed, long cells,
        IReadOnlyCollection<string> fileNameOptions)
    {
        var args = new List<string> { Path.GetFullPath(inputPath) };
        // options in name order (the order they were typed in does not change the run), each with its values as given
        foreach (var option in parse.CommandResult.Children.OfType<OptionResult>().Where(o => !o.Implicit && !NotIdentity.Contains(o.Option.Name))
            .OrderBy(o => o.Option.Name, StringComparer.Ordinal))
        {
            args.Add(option.Option.Name);
            args.AddRange(option.Tokens.Select(t => fileNameOptions.Contains(option.Option.Name) ? Path.GetFileName(t.Value) : t.Value));
        }
        return new Dictionary<string, string>
        {
            [CommandKey] = command,
            [ArgsKey] = JsonSerializer.Serialize(args),
            [StudyKey] = Path.GetFullPath(inputPath),
            [StudyHashKey] = inputHash,
            [SeedKey] = seed.ToString(CultureInfo.InvariantCulture),
            [CellsKey] = cells.ToString(CultureInfo.InvariantCulture),
            [VersionKey] = Version,
        };
    }

    /// <summary>SHA-256 of a file's bytes.</summary>
    public static string FileHash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>SHA-256 of the study file's bytes and its model file's bytes.</summary>
    public static string StudyHash(string studyPath, Population.Study study)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(studyPath));
        if (File.Exists(study.Settings.ModelPath)) hash.AppendData(File.ReadAllBytes(study.Settings.ModelPath));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The keys two parts of one run must agree on.</summary>
    public static readonly string[] SameRunKeys = [CommandKey, StudyHashKey, SeedKey, CellsKey, ArgsKey, VersionKey];

    /// <summary>The command line (after the command name) that recomputes a run from its identity, into <paramref name="outDir"/>.</summary>
    public static string[] ReplayArgs(IReadOnlyDictionary<string, string> identity, string outDir) =>
        [identity[CommandKey], .. JsonSerializer.Deserialize<string[]>(identity[ArgsKey]) ?? [], "--out", outDir];

    /// <summary>
    /// Prepares a population or dose-response run: checks the output folder, and makes the plan of a shard (its
    /// range, rows gathered for its file), a merge (every shard restored), a resumed run (its checkpoint restored
    /// and continued) or a plain run (a new checkpoint). Returns null and writes one line to <paramref name="error"/>
    /// when the run must not start.
    /// </summary>
    public CellRunSession? Open(ParseResult parse, RunContext context, DirectoryInfo outDir, Dictionary<string, string> identity,
        long totalCells, bool coupled, TextWriter error)
    {
        var shard = parse.GetValue(Shard) is { } text ? ParseShard(text) : null;
        bool force = parse.GetValue(Force);
        double every = parse.GetValue(CheckpointEvery);
        if (coupled && shard is not null)
        {
            error.WriteLine("error: --shard: the cells of a well with a shared ligand pool or a lineage are coupled and cannot be split; run each scenario as its own job (--scenario NAME --out DIR-NAME) instead");
            return null;
        }
        if (shard is { } s)
        {
            string file = Path.Combine(outDir.FullName, ShardFileName(s.Index, s.Count));
            if (File.Exists(file) && !force)
            {
                error.WriteLine($"error: {file} exists; add --force to overwrite it");
                return null;
            }
            var range = CellRunPlan.ShardRange(totalCells, s.Index, s.Count);
            var meta = new Dictionary<string, string>(identity)
            {
                [KindKey] = "shard",
                [ShardKey] = string.Create(CultureInfo.InvariantCulture, $"{s.Index}/{s.Count}"),
                [RangeKey] = string.Create(CultureInfo.InvariantCulture, $"{range.First}..{range.End}"),
            };
            return new CellRunSession(outDir, meta, file, range, null, null);
        }
        string checkpointDir = Path.Combine(outDir.FullName, CheckpointFolder);
        CellCheckpoint? checkpoint = null;
        if (context.ResumeCheckpoint is not null)
        {
            checkpoint = CellCheckpoint.Resume(checkpointDir, TimeSpan.FromSeconds(every > 0 ? every : 10));
            var mismatch = SameRunKeys.FirstOrDefault(k => checkpoint.Metadata.GetValueOrDefault(k) != identity.GetValueOrDefault(k));
            if (mismatch is not null)
            {
                error.WriteLine(mismatch == StudyHashKey
                    ? $"error: --resume: the study or model file changed since the run started ({identity[StudyKey]}); start again with --force"
                    : $"error: --resume: the checkpoint in {checkpointDir} belongs to another run ({mismatch} differs); start again with --force");
                return null;
            }
        }
        else if (outDir.Exists && outDir.EnumerateFileSystemInfos().Any())
        {
            if (!force)
            {
                error.WriteLine(CellCheckpoint.Exists(checkpointDir)
                    ? $"error: {outDir.FullName} holds an interrupted run; continue it with --resume {outDir.FullName}, or add --force to start again"
                    : $"error: {outDir.FullName} exists and is not empty; add --force to overwrite it");
                return null;
            }
            if (Directory.Exists(checkpointDir)) Directory.Delete(checkpointDir, recursive: true);
        }
        if (context.Shards is { } shards)
        {
            var plan = new CellRunPlan
            {
                Restore = layout => shards.Select(x =>
                {
                    var rows = CellTable.Read(x.Path, layout);
                    if (rows.Count != x.Cells) throw new SimulationException($"{Path.GetFileName(x.Path)}: holds {rows.Count} cells, its range has {x.Cells}: the shard is corrupt");
                    return rows;
                }),
            };
            return new CellRunSession(outDir, identity, null, null, plan, null);
        }
        if (checkpoint is null && every > 0)
        {
            outDir.Create();
            checkpoint = CellCheckpoint.Start(checkpointDir, new Dictionary<string, string>(identity) { [KindKey] = "checkpoint" }, TimeSpan.FromSeconds(every));
        }
        // Coupled cells (a ligand pool, a lineage) are kept well by well; the others cell by cell.
        var resumePlan = checkpoint is null ? null : coupled ? new CellRunPlan { Wells = checkpoint } : new CellRunPlan
        {
            Restore = context.ResumeCheckpoint is not null ? checkpoint.Load : null,
            Finished = checkpoint.Add,
        };
        return new CellRunSession(outDir, identity, null, null, resumePlan, checkpoint);
    }
}

/// <summary>One prepared run (<see cref="CellRunOptions.Open"/>): its plan, and what to do with its cells at the end.</summary>
internal sealed class CellRunSession
{
    private readonly object _lock = new();
    private CellRows? _pending;

    public CellRunSession(DirectoryInfo outDir, Dictionary<string, string> identity, string? shardFile, (long First, long End)? range,
        CellRunPlan? plan, CellCheckpoint? checkpoint)
    {
        OutDir = outDir;
        Identity = identity;
        ShardFile = shardFile;
        Checkpoint = checkpoint;
        if (shardFile is not null)
        {
            Plan = new CellRunPlan
            {
                Range = range,
                Finished = rows =>
                {
                    lock (_lock) (_pending ??= new CellRows(rows.Layout)).AddRange(rows);
                },
            };
        }
        else Plan = plan;
    }

    public DirectoryInfo OutDir { get; }
    public Dictionary<string, string> Identity { get; }
    /// <summary>The shard file this run writes, or null for a whole run.</summary>
    public string? ShardFile { get; }
    public CellCheckpoint? Checkpoint { get; }
    public CellRunPlan? Plan { get; }

    /// <summary>Writes the shard's file (all its cells, in a fixed order), atomically.</summary>
    public void WriteShard(CellLayout layout)
    {
        OutDir.Create();
        var rows = (_pending ?? new CellRows(layout)).Sorted();
        CellTable.WriteAtomic(ShardFile!, rows, Identity);
    }

    /// <summary>At the end of a whole run: a finished run's checkpoint is removed (its outputs are written); an interrupted one's is kept.</summary>
    public void Finish(bool cancelled)
    {
        if (Checkpoint is null) return;
        if (cancelled) Checkpoint.Flush();
        else Checkpoint.Delete();
    }

    /// <summary>The line that opens every table of an interrupted run: the file is partial, and how to continue it.</summary>
    public string PartialNote(long done, long total) =>
        $"# partial: the run was interrupted; {done} of {total} cells finished" + (Checkpoint is not null ? $"; continue it with: stochastic {Identity[CellRunOptions.CommandKey]} --resume {OutDir.FullName}" : "");
}
