using System.CommandLine;
using System.Globalization;
using Stochastic.Population;
using Stochastic.Simulation;

namespace Stochastic.Cli.Commands;

/// <summary>
/// <c>stochastic merge DIR --out OUT</c>: joins the shards in DIR (<c>--shard i/n</c> of <c>population</c>,
/// <c>dose-response</c> or <c>simulate</c>) into the output files of the one-machine run, byte for byte. Every
/// shard is checked first: a corrupt, missing, duplicated or foreign one is refused by name.
/// </summary>
internal static class MergeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "folder of shard-i-of-n.parquet files" };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "output folder (for simulate: the folder of the results CSV, trajectories and plot)", Required = true };
        var force = new Option<bool>("--force") { Description = "overwrite an existing output folder" };
        var command = new Command("merge", "Join the shards of a run (--shard i/n) into the outputs of the one-machine run.");
        command.Arguments.Add(dir);
        command.Options.Add(outDir);
        command.Options.Add(force);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var shards = Validate(parse.GetValue(dir)!);
            var identity = shards[0].Metadata;
            var args = new List<string>(CellRunOptions.ReplayArgs(identity, parse.GetValue(outDir)!.FullName));
            if (parse.GetValue(force)) args.Add("--force");
            return await CliApp.RunAsync([.. args], output, error,
                new RunContext(Shards: [.. shards.Select(s => (s.Path, s.Cells))]));
        });
        return command;
    }

    private sealed record Shard(string Path, int Index, int Count, long Cells, IReadOnlyDictionary<string, string> Metadata);

    /// <summary>The shards of <paramref name="dir"/> in shard order, checked; a bad one throws with its name.</summary>
    private static List<Shard> Validate(DirectoryInfo dir)
    {
        if (!dir.Exists) throw new DirectoryNotFoundException($"no folder {dir.FullName}");
        var shards = new List<Shard>();
        foreach (var file in dir.EnumerateFiles("shard-*").OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (file.Name.EndsWith(".tmp", StringComparison.Ordinal)) continue;  // a shard still being written: missing
            string name = file.Name;
            var match = CellRunOptions.ShardFilePattern().Match(name);
            if (!match.Success) throw Refuse(name, "not a shard file name (shard-I-of-N.parquet)");
            int i = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), n = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            var meta = CellTable.ReadMetadata(file.FullName);
            if (meta.GetValueOrDefault(CellRunOptions.KindKey) != "shard") throw Refuse(name, "not a shard (its metadata has no shard)");
            string claimed = meta.GetValueOrDefault(CellRunOptions.ShardKey) ?? "";
            if (claimed != string.Create(CultureInfo.InvariantCulture, $"{i}/{n}"))
                throw Refuse(name, $"its metadata says shard {CellTable.Excerpt([claimed])}: a copy of another shard under a new name (duplicated)");
            if (!long.TryParse(meta.GetValueOrDefault(CellRunOptions.CellsKey), NumberStyles.None, CultureInfo.InvariantCulture, out long total))
                throw Refuse(name, "its metadata has no cell count (corrupt)");
            var (first, end) = CellRunPlan.ShardRange(total, i, n);
            if (meta.GetValueOrDefault(CellRunOptions.RangeKey) != string.Create(CultureInfo.InvariantCulture, $"{first}..{end}"))
                throw Refuse(name, "its cell range is not shard " + i + " of " + n + "'s (corrupt)");
            shards.Add(new Shard(file.FullName, i, n, end - first, meta));
        }
        if (shards.Count == 0) throw new SimulationException($"no shard-i-of-n.parquet files in {dir.FullName}");
        var reference = shards[0];
        foreach (var s in shards)
        {
            if (s.Count != reference.Count)
                throw Refuse(Name(s), $"a shard of {s.Count}, while {Name(reference)} is one of {reference.Count}: foreign (another split)");
            var key = CellRunOptions.SameRunKeys.FirstOrDefault(k => s.Metadata.GetValueOrDefault(k) != reference.Metadata.GetValueOrDefault(k));
            if (key is not null) throw Refuse(Name(s), $"foreign: from another run than {Name(reference)} ({key} differs)");
        }
        for (int i = 1; i <= reference.Count; i++)
            if (!shards.Any(s => s.Index == i))
                throw new SimulationException($"{CellRunOptions.ShardFileName(i, reference.Count)} is missing ({shards.Count} of {reference.Count} shards in {dir.FullName})");
        var meta0 = reference.Metadata;
        string study = meta0.GetValueOrDefault(CellRunOptions.StudyKey) ?? "";
        bool simulate = meta0.GetValueOrDefault(CellRunOptions.CommandKey) == "simulate";
        if (meta0.GetValueOrDefault(CellRunOptions.StudyHashKey) is { } hash && File.Exists(study)
            && (simulate ? CellRunOptions.FileHash(study) : CellRunOptions.StudyHash(study, Formats.StudyReader.Read(study))) != hash)
            throw new SimulationException($"{study} (or its model file) changed since the shards were computed; compute them again");
        return shards;
    }

    private static string Name(Shard s) => System.IO.Path.GetFileName(s.Path);

    private static SimulationException Refuse(string name, string why) => new($"{CellTable.Excerpt([name])}: {why}");
}
