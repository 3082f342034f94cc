using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Stochastic.Cli;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// Job arrays on a real one-node Slurm (<see cref="SlurmCluster"/>): the scripts <c>stochastic slurm</c>
/// writes are submitted with sbatch, run as array tasks and a dependent merge job, and their outputs are
/// compared byte for byte with the same runs on this machine.
/// </summary>
[Trait("Category", "Slurm")]
[SupportedOSPlatform("linux")]
public sealed partial class SlurmClusterTests(SlurmCluster cluster) : IClassFixture<SlurmCluster>, IDisposable
{
    // A task is one `dotnet stochastic.dll …` start (about a second on a loaded 2-core machine) plus a
    // few seconds of scheduling; 90 s only ends a wait that would otherwise never end.
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(90);

    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-slurm-jobs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string Model = Path.Combine(AppContext.BaseDirectory, "Reactions", "examples", "isomerization.bngl");

    /// <summary>
    /// The harness itself, with nothing but <c>simulate</c>: a 3-task array (task i simulates with seed i
    /// into its own file) and a merge job after it that concatenates the three in task order. Every task
    /// and the merge complete, each task's file is the local run's with that seed byte for byte, the
    /// merge saw all three (afterok held until the last task ended), and each task logged to its own file.
    /// The jobs are submitted with the generated submit.sh.
    /// </summary>
    [Fact]
    public async Task JobArray_AndDependentJob_RunOnTheCluster_AsTheyRunHere()
    {
        const int tasks = 3;
        string jobDir = Path.Combine(_dir, "seeds");
        var tool = StochasticInvocation.Current().Select(w => (ShellWord)w);
        List<ShellWord> task = [.. tool, "simulate", Model, "--runs", "40", "--t-end", "2", "--points", "5", "--threads", "1",
            "--seed", ShellWord.Shell("\"$SLURM_ARRAY_TASK_ID\""), "--out", ShellWord.Shell(ShellWord.Quote(jobDir) + "/\"seed-$SLURM_ARRAY_TASK_ID.csv\"")];
        List<ShellWord> merge = ["bash", "-c", "for i in $(seq 1 \"$1\"); do cat \"$0/seed-$i.csv\"; done > \"$0/all.csv\"", jobDir, $"{tasks}"];
        var job = new SlurmJob("stochastic-test-seeds", jobDir, tasks, new SlurmResources(), task, merge, "simulate with seeds 1-3");
        job.Write();

        // Submitted as a user would, with the generated submit.sh (the CLI's --submit is the other tests' way).
        string submitted = cluster.RunTool("bash", job.SubmitScriptPath).Out;
        var ids = SubmittedIds().Match(submitted);
        Assert.True(ids.Success, submitted);
        var (arrayJob, mergeJob) = (ids.Groups["array"].Value, ids.Groups["merge"].Value);
        var taskStates = cluster.WaitForJob(arrayJob, JobTimeout);
        Assert.True(taskStates.Count == tasks && taskStates.All(s => s == "COMPLETED"), $"tasks: {string.Join(", ", taskStates)}{JobLogs(job)}");
        var mergeState = cluster.WaitForJob(mergeJob, JobTimeout);
        Assert.True(mergeState.Single() == "COMPLETED", $"merge: {mergeState.Single()}{JobLogs(job)}");

        var local = new List<byte>();
        for (int i = 1; i <= tasks; i++)
        {
            string expected = Path.Combine(_dir, $"local-{i}.csv");
            var (code, _, error) = await CliHarness.Run("simulate", Model, "--runs", "40", "--t-end", "2", "--points", "5", "--seed", $"{i}", "--out", expected);
            Assert.True(code == 0, error);
            Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(Path.Combine(jobDir, $"seed-{i}.csv")));
            local.AddRange(File.ReadAllBytes(expected));
            Assert.Contains($"task {i} of {tasks} (job {arrayJob})", File.ReadAllText(job.TaskLog(i)));
        }
        Assert.Equal(local.ToArray(), File.ReadAllBytes(Path.Combine(jobDir, "all.csv")));
        Assert.Contains("merge (job " + mergeJob + ")", File.ReadAllText(job.MergeLog));
    }

    // A small study: two cell types x two scenarios, a read-out and fates (as in the lineage plot tests, without a lineage).
    private const string CellModel = """
        begin model
        begin parameters
          L   0
          kA  1
        end parameters
        begin seed species
          A  20
        end seed species
        begin observables
          Molecules Aobs  A
        end observables
        begin functions
          fa() = kA*(1 + L)
        end functions
        begin reaction rules
          0 -> A  fa()
          A -> 0  0.02
        end reaction rules
        end model
        """;

    private const string Study = """
        begin study
          model cell.bngl
          cells 5
          seed 11
          output_every 30
          dose_parameter L
          readout Aobs
          readout_time 60
          time_unit min
        end study
        begin ligands
          L
        end ligands
        begin cell types
          prog   kA  lognormal(1, 0.8)
          other  kA  0.3
        end cell types
        begin scenarios
          none  ligand=L dose=0 duration=60
          high  ligand=L dose=2 duration=60
        end scenarios
        begin fates
          hi (prog): Aobs >= 60
          lo (prog): 1
          resp (other): Aobs > 10
          quiet (other): 1
        end fates
        """;

    /// <summary>
    /// The whole path against the shard contract: <c>stochastic slurm STUDY --shards 3 --submit</c> runs
    /// <c>population --shard i/3</c> as array tasks and <c>merge</c> after them; the merged folder holds
    /// exactly the files of the one-machine run, byte for byte. (Needs <c>--shard</c> and <c>merge</c>.)
    /// </summary>
    [Fact]
    public async Task PopulationInShards_OnTheCluster_MergesToTheLocalRun()
    {
        File.WriteAllText(Path.Combine(_dir, "cell.bngl"), CellModel);
        string study = Path.Combine(_dir, "small.study");
        File.WriteAllText(study, Study);
        string local = Path.Combine(_dir, "local");
        var (code, _, error) = await CliHarness.Run("population", study, "--out", local);
        Assert.True(code == 0, error);

        string jobDir = Path.Combine(_dir, "population");
        await SubmitAndWait(jobDir, "slurm", study, "--shards", "3", "--out", jobDir, "--submit");
        AssertSameFiles(local, Path.Combine(jobDir, "results"));
    }

    /// <summary>The same for <c>simulate</c>: 3 shards of 60 runs merge into the local run's results.csv (merge writes results/results.csv).</summary>
    [Fact]
    public async Task SimulateInShards_OnTheCluster_MergesToTheLocalRun()
    {
        string[] runOptions = ["--runs", "60", "--t-end", "2", "--points", "5", "--seed", "3"];
        string local = Path.Combine(_dir, "local.csv");
        var (code, _, error) = await CliHarness.Run(["simulate", Model, .. runOptions, "--out", local]);
        Assert.True(code == 0, error);

        string jobDir = Path.Combine(_dir, "simulate");
        await SubmitAndWait(jobDir, ["slurm", Model, "--command", "simulate", "--shards", "3", "--out", jobDir, "--submit", "--", .. runOptions]);
        Assert.Equal(File.ReadAllBytes(local), File.ReadAllBytes(Path.Combine(jobDir, "results", "results.csv")));
    }

    private async Task SubmitAndWait(string jobDir, params string[] args)
    {
        var (code, output, error) = await CliHarness.Run(args);
        Assert.True(code == 0, error);
        var ids = SubmittedIds().Match(output);
        Assert.True(ids.Success, output);
        // The tasks first: when one fails, the merge never runs, and the test ends with the tasks' logs.
        var taskStates = cluster.WaitForJob(ids.Groups["array"].Value, JobTimeout);
        Assert.True(taskStates.All(s => s == "COMPLETED"), $"tasks: {string.Join(", ", taskStates)}{Logs(jobDir)}");
        var mergeState = cluster.WaitForJob(ids.Groups["merge"].Value, JobTimeout);
        Assert.True(mergeState.Single() == "COMPLETED", $"merge: {mergeState.Single()}{Logs(jobDir)}");
    }

    private static string Logs(string jobDir)
    {
        string logs = Path.Combine(jobDir, "logs");
        return !Directory.Exists(logs) ? ""
            : string.Concat(Directory.GetFiles(logs).Order(StringComparer.Ordinal).Select(f => $"\n--- {Path.GetFileName(f)}:\n{File.ReadAllText(f).Trim()}"));
    }

    private static void AssertSameFiles(string expectedDir, string actualDir)
    {
        static string[] Names(string dir) => Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(Names(expectedDir), Names(actualDir));
        foreach (string name in Names(expectedDir))
            Assert.True(File.ReadAllBytes(Path.Combine(expectedDir, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actualDir, name))), $"{name} differs from the local run's");
    }

    private static string JobLogs(SlurmJob job) =>
        string.Concat(Enumerable.Range(1, job.Tasks).Select(job.TaskLog).Append(job.MergeLog).Where(File.Exists)
            .Select(f => $"\n--- {Path.GetFileName(f)}:\n{File.ReadAllText(f).Trim()}"));

    // What both submit.sh and --submit print.
    [GeneratedRegex(@"submitted job array (?<array>\d+) \(\d+ tasks\) and merge job (?<merge>\d+)")]
    private static partial Regex SubmittedIds();
}
