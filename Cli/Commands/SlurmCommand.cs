using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Stochastic.Formats;

namespace Stochastic.Cli.Commands;

/// <summary>
/// <c>stochastic slurm STUDY --shards N …</c>: writes an sbatch job array (task i runs shard i/N of the
/// study) and a merge job that runs after every task succeeded, and with <c>--submit</c> submits both.
/// The engine knows nothing of Slurm: each task is an ordinary <c>stochastic … --shard i/N</c> run.
/// </summary>
internal static partial class SlurmCommand
{
    /// <summary>The commands that run in shards and merge; the first is the default.</summary>
    private static readonly string[] Sharded = ["population", "dose-response", "simulate"];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("STUDY") { Description = "study file (a model file with --command simulate)" };
        var passThrough = new Argument<string[]>("OPTIONS") { Description = "after --: options for every task's run, e.g. -- --cells 1000 --method ssa", Arity = ArgumentArity.ZeroOrMore };
        var shards = new Option<int>("--shards") { Description = "number of shards = array tasks (each a contiguous range of cells or runs)", Required = true };
        shards.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError($"--shards must be at least 1, got {r.GetValueOrDefault<int>()}");
        });
        var command = new Option<string>("--command") { Description = "what each task runs", DefaultValueFactory = _ => Sharded[0] };
        command.AcceptOnlyFromAmong(Sharded);
        var outDir = new Option<DirectoryInfo>("--out") { Description = "job folder: array.sbatch, merge.sbatch, submit.sh, logs/, shards/, and the merged results/ (simulate: results/results.csv)", DefaultValueFactory = _ => new DirectoryInfo("slurm") };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition (default: the cluster's)" };
        var time = new Option<string?>("--time") { Description = "wall-time limit per task, e.g. 2:00:00 or 1-00:00:00 (default: the partition's)" };
        var mem = new Option<string?>("--mem") { Description = "memory per task, e.g. 4G (default: the partition's)" };
        var cpus = new Option<int>("--cpus-per-task") { Description = "cores per task; each task runs that many threads (unless the options after -- set --threads)", DefaultValueFactory = _ => 1 };
        cpus.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError($"--cpus-per-task must be at least 1, got {r.GetValueOrDefault<int>()}");
        });
        var account = new Option<string?>("--account") { Description = "account to charge (default: yours)" };
        var jobName = new Option<string?>("--job-name") { Description = "job name (default: stochastic-<file name>); the merge job adds -merge" };
        var force = new Option<bool>("--force") { Description = "replace an earlier job in the --out folder: its shards, logs and results are deleted" };
        var submit = new Option<bool>("--submit") { Description = "submit both jobs now (sbatch --parsable; the merge with --dependency=afterok) and print their ids" };

        var slurm = new Command("slurm", "Write (and with --submit, submit) a Slurm job array that runs a study in shards, and a merge job that writes the one-machine run's output files.");
        slurm.Arguments.Add(file);
        slurm.Arguments.Add(passThrough);
        foreach (var o in new Option[] { shards, command, outDir, partition, time, mem, cpus, account, jobName, force, submit }) slurm.Options.Add(o);
        slurm.SetAction(parse =>
        {
            string input = parse.GetValue(file)!.FullName;
            string verb = parse.GetValue(command)!;
            int n = parse.GetValue(shards);
            string[] options = parse.GetValue(passThrough) ?? [];
            string dir = parse.GetValue(outDir)!.FullName;

            // Every mistake a task would make is refused here, once, rather than by N tasks on the cluster.
            if (verb == "simulate") ModelLoader.Load(input);
            else StudyReader.Read(input);
            if (CheckPassThrough(verb, input, options) is { } problem)
            {
                error.WriteLine($"error: {problem}");
                return CliApp.InputError;
            }
            var resources = new SlurmResources(parse.GetValue(partition), parse.GetValue(time), parse.GetValue(mem), parse.GetValue(cpus), parse.GetValue(account));
            string name = parse.GetValue(jobName) ?? "stochastic-" + NameCharacters().Replace(Path.GetFileNameWithoutExtension(input), "-");
            foreach (var (label, value) in new[] { ("--partition", resources.Partition), ("--time", resources.Time), ("--mem", resources.Memory), ("--account", resources.Account), ("--job-name", name), ("--out", dir) })
            {
                if (value is not null && SlurmJob.DirectiveProblem(value) is { } why)
                {
                    error.WriteLine($"error: {label} {why}");
                    return CliApp.InputError;
                }
            }

            string shardDir = Path.Combine(dir, "shards");
            string results = Path.Combine(dir, "results"); // merge writes into a folder (simulate: results/results.csv)
            string[] earlier = [shardDir, Path.Combine(dir, "logs"), Path.Combine(dir, "results"), Path.Combine(dir, "results.csv")];
            if (earlier.Any(p => File.Exists(p) || (Directory.Exists(p) && Directory.EnumerateFileSystemEntries(p).Any())))
            {
                if (!parse.GetValue(force))
                {
                    error.WriteLine($"error: {dir} holds an earlier job (shards, logs or results); choose another --out, or add --force to delete them and write this job there");
                    return CliApp.InputError;
                }
                // Stale shards of another shard count would make the merge refuse the folder.
                foreach (string p in earlier)
                {
                    if (Directory.Exists(p)) Directory.Delete(p, recursive: true);
                    else if (File.Exists(p)) File.Delete(p);
                }
            }
            IReadOnlyList<string> tool = StochasticInvocation.Current();
            List<ShellWord> task = [.. tool.Select(w => (ShellWord)w), verb, input, "--shard", ShellWord.Shell($"\"$SLURM_ARRAY_TASK_ID/{n}\""), "--out", shardDir];
            if (!options.Any(o => o == "--threads" || o.StartsWith("--threads=", StringComparison.Ordinal)))
                task.AddRange(["--threads", resources.CpusPerTask.ToString(CultureInfo.InvariantCulture)]);
            task.AddRange(options.Select(o => (ShellWord)o));
            List<ShellWord> merge = [.. tool.Select(w => (ShellWord)w), "merge", shardDir, "--out", results];
            var job = new SlurmJob(name, dir, n, resources, task, merge,
                $"stochastic {verb} {Path.GetFileName(input)} in {n} shards");
            job.Write();
            Directory.CreateDirectory(shardDir);
            output.WriteLine($"wrote {job.ArrayScriptPath} ({n} tasks), {job.MergeScriptPath} and {job.SubmitScriptPath}");
            if (!parse.GetValue(submit))
            {
                output.WriteLine($"submit with {ShellWord.Quote(job.SubmitScriptPath)}; logs in {job.LogDirectory}, results in {results}");
                return 0;
            }
            var (arrayJob, mergeJob) = SlurmSubmission.Submit(job);
            output.WriteLine($"submitted job array {arrayJob} ({n} tasks) and merge job {mergeJob} (after every task succeeds); logs in {job.LogDirectory}, results in {results}");
            return 0;
        });
        return slurm;
    }

    /// <summary>
    /// Null if the options after <c>--</c> are ones <c>stochastic VERB</c> accepts and leave the shard,
    /// output and figures to the job; else the problem.
    /// </summary>
    internal static string? CheckPassThrough(string verb, string input, string[] options)
    {
        string[] owned = verb == "simulate" ? ["--out", "--shard", "--plot", "--trajectories"] : ["--out", "--shard"];
        foreach (string o in options)
        {
            string name = o.Split('=')[0];
            if (owned.Contains(name))
                return name is "--out" or "--shard"
                    ? $"{name} is set by stochastic slurm (shards go to OUT/shards, merged results to OUT/results); leave it out of the options after --"
                    : $"{name} writes one file per run, which shards cannot share; run it on the merged results instead";
            if (name is "--help" or "-h" or "-?") return $"{name} is not an option for a task; see stochastic {verb} --help";
        }
        var parse = CliApp.Build(TextWriter.Null, TextWriter.Null).Parse([verb, input, .. options]);
        return parse.Errors.Count == 0 ? null
            : $"the options after -- are not valid for stochastic {verb}: {parse.Errors[0].Message.ReplaceLineEndings(" ")}";
    }

    [GeneratedRegex(@"[^A-Za-z0-9_.-]+")]
    private static partial Regex NameCharacters();
}
