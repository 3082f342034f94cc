using System.CommandLine;
using System.Text.Json;
using Stochastic.Population;
using Stochastic.Simulation;

namespace Stochastic.Cli.Commands;

/// <summary>
/// <c>stochastic replicates DIR DIR … --out OUT</c>: the fates of independent population runs of one study and
/// setting (different seeds) summarized with the spread between them. Every folder is checked first: a run of
/// another study, setting or version, an unfinished one or a repeated seed is refused by name.
/// </summary>
internal static class ReplicatesCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var dirs = new Argument<DirectoryInfo[]>("DIR") { Description = "output folders of population runs of one study, each with its own --seed", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "output folder", DefaultValueFactory = _ => new DirectoryInfo("replicates") };
        var force = new Option<bool>("--force") { Description = "overwrite an existing output folder" };
        var command = new Command("replicates", "Summarize replicate population runs (one study, different seeds): fates with the mean's 95% interval and range over the runs.");
        command.Arguments.Add(dirs);
        command.Options.Add(outDir);
        command.Options.Add(force);
        command.SetAction(parse =>
        {
            var runs = parse.GetValue(dirs)!;
            var dir = parse.GetValue(outDir)!;
            if (dir.Exists && dir.EnumerateFileSystemInfos().Any() && !parse.GetValue(force))
            {
                error.WriteLine($"error: {dir.FullName} exists and is not empty; use --force to overwrite");
                return CliApp.InputError;
            }
            var seeds = Validate(runs);
            var tables = runs.Select(r => FateTable.Read(Path.Combine(r.FullName, "fates.csv"))).ToList();
            var fates = ReplicateSummary.Fates(tables);
            var expansion = tables[0].Rows.All(r => r.StartCells is not null) ? ReplicateSummary.Expansion(tables) : null;
            bool overTime = runs.All(r => File.Exists(Path.Combine(r.FullName, "fates_time.csv")));
            var timeTables = overTime ? runs.Select(r => FateTable.Read(Path.Combine(r.FullName, "fates_time.csv"))).ToList() : null;
            var fatesOverTime = timeTables is not null ? ReplicateSummary.Fates(timeTables) : null;

            dir.Create();
            var written = new List<string> { "fates.csv" };
            PopulationCommand.Write(Path.Combine(dir.FullName, "fates.csv"), w => ReplicateSummary.WriteFates(fates, tables[0].TraitNames, w));
            if (expansion is not null)
            {
                PopulationCommand.Write(Path.Combine(dir.FullName, "expansion.csv"), w => ReplicateSummary.WriteExpansion(expansion, w));
                written.Add("expansion.csv");
            }
            if (fatesOverTime is not null)
            {
                PopulationCommand.Write(Path.Combine(dir.FullName, "fates_time.csv"), w => ReplicateSummary.WriteFates(fatesOverTime, timeTables![0].TraitNames, w));
                written.Add("fates_time.csv");
                if (PopulationPlots.ReplicateFatesOverTime(fatesOverTime, seeds.TimeUnit, Path.Combine(dir.FullName, "fates_time.png"))) written.Add("fates_time.png");
            }
            PopulationCommand.Write(Path.Combine(dir.FullName, "report.md"), w => ReplicateSummary.WriteReport(
                [.. runs.Select((r, i) => (r.FullName, seeds.Seeds[i]))], fates, expansion, w));
            written.Add("report.md");
            output.WriteLine($"{runs.Length} replicate runs (seeds {string.Join(", ", seeds.Seeds)}): wrote {dir.FullName}/{string.Join(", ", written)}");
            return 0;
        });
        return command;
    }

    /// <summary>The runs' seeds (in order) and the study's time unit ("" when its file is gone), after checking the runs are replicates.</summary>
    private static (string[] Seeds, string TimeUnit) Validate(DirectoryInfo[] runs)
    {
        if (runs.Length < 2) throw new SimulationException($"replicates: {runs.Length} run folder; the spread between runs needs at least 2 (population runs with different --seed)");
        var identities = new List<IReadOnlyDictionary<string, string>>();
        foreach (var run in runs)
        {
            string cells = Path.Combine(run.FullName, "cells.parquet");
            if (!run.Exists) throw new SimulationException($"no folder {run.FullName}");
            if (!File.Exists(cells) || !File.Exists(Path.Combine(run.FullName, "fates.csv")))
                throw new SimulationException($"{run.FullName}: no cells.parquet and fates.csv; not the output folder of a finished population run");
            var meta = CellTable.ReadMetadata(cells);
            if (meta.GetValueOrDefault(CellRunOptions.CommandKey) != "population")
                throw new SimulationException($"{run.FullName}: not a population run (its cells.parquet says {meta.GetValueOrDefault(CellRunOptions.CommandKey) ?? "nothing"})");
            if (meta.GetValueOrDefault(CellRunOptions.PartialKey) == "true")
                throw new SimulationException($"{run.FullName}: an interrupted run (partial); finish it with 'stochastic population --resume {run.FullName}' first");
            identities.Add(meta);
        }
        var reference = identities[0];
        for (int i = 1; i < runs.Length; i++)
        {
            var meta = identities[i];
            foreach (string key in new[] { CellRunOptions.StudyHashKey, CellRunOptions.CellsKey, CellRunOptions.VersionKey })
                if (meta.GetValueOrDefault(key) != reference.GetValueOrDefault(key))
                    throw new SimulationException($"{runs[i].FullName}: not a replicate of {runs[0].FullName}: {What(key)} differs");
            if (!WithoutSeed(meta).Skip(1).SequenceEqual(WithoutSeed(reference).Skip(1)))  // [0] is the study's path; its content is hashed
                throw new SimulationException($"{runs[i].FullName}: not a replicate of {runs[0].FullName}: its options other than --seed differ ({string.Join(' ', WithoutSeed(meta).Skip(1))} against {string.Join(' ', WithoutSeed(reference).Skip(1))})");
            for (int j = 0; j < i; j++)
                if (meta.GetValueOrDefault(CellRunOptions.SeedKey) == identities[j].GetValueOrDefault(CellRunOptions.SeedKey))
                    throw new SimulationException($"{runs[i].FullName}: the same seed ({meta.GetValueOrDefault(CellRunOptions.SeedKey)}) as {runs[j].FullName}, so the same run, not a replicate; give each run its own --seed");
        }
        string study = reference.GetValueOrDefault(CellRunOptions.StudyKey) ?? "";
        string unit = "";
        if (File.Exists(study))
        {
            try { unit = Formats.StudyReader.Read(study).Settings.TimeUnit; }
            catch (StochasticException) { }  // the study was edited since: the axis says "time"
        }
        return ([.. identities.Select(m => m.GetValueOrDefault(CellRunOptions.SeedKey) ?? "?")], unit);

        static string What(string key) => key == CellRunOptions.StudyHashKey ? "the study or model file"
            : key == CellRunOptions.CellsKey ? "the number of cells" : "the program version";
    }

    /// <summary>The run's recorded arguments (the study's path first) without <c>--seed</c> and its value.</summary>
    private static List<string> WithoutSeed(IReadOnlyDictionary<string, string> identity)
    {
        var args = JsonSerializer.Deserialize<string[]>(identity.GetValueOrDefault(CellRunOptions.ArgsKey) ?? "[]") ?? [];
        var kept = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seed") { i++; continue; }
            kept.Add(args[i]);
        }
        return kept;
    }
}
