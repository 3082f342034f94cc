using System.Diagnostics;
using System.Runtime.Versioning;
using Stochastic.Cli;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The scripts of <c>stochastic slurm</c>, without a cluster: what they ask Slurm for, what each task
/// and the merge run, that bash accepts them (<c>bash -n</c>), that every word survives the shell as it
/// was given, and that settings a script cannot carry are refused in one line.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SlurmScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-slurm-scripts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Study => StudyReaderTests.StudyPath;

    [Fact]
    public async Task PopulationArray_AsksForTheResources_AndRunsShardIOfN()
    {
        string jobDir = Path.Combine(_dir, "job");
        var (code, output, error) = await CliHarness.Run("slurm", Study, "--shards", "4", "--out", jobDir, "--partition", "short",
            "--time", "1-02:00:00", "--mem", "2G", "--cpus-per-task", "2", "--account", "lab", "--", "--cells", "10", "--method", "ssa");
        Assert.True(code == 0, error);
        Assert.Contains("array.sbatch (4 tasks)", output);
        Assert.True(Directory.Exists(Path.Combine(jobDir, "logs")) && Directory.Exists(Path.Combine(jobDir, "shards")));

        string[] array = File.ReadAllLines(Path.Combine(jobDir, "array.sbatch"));
        Assert.Equal("#!/usr/bin/env bash", array[0]);
        string[] directives = Directives(array);
        Assert.Equal([
            "--job-name=stochastic-study", $"--output={jobDir}/logs/task-%a-of-4.out", "--cpus-per-task=2", "--partition=short",
            "--time=1-02:00:00", "--mem=2G", "--account=lab", "--array=1-4"], directives);
        Assert.Contains("set -euo pipefail", array);
        string run = array.Single(l => l.StartsWith("exec ", StringComparison.Ordinal));
        string tool = string.Join(' ', StochasticInvocation.Current().Select(ShellWord.Quote));
        // The task's threads follow --cpus-per-task; the user's options come last, unchanged.
        Assert.Equal($"exec {tool} population {ShellWord.Quote(Study)} --shard \"$SLURM_ARRAY_TASK_ID/4\" --out {jobDir}/shards --threads 2 --cells 10 --method ssa", run);

        string[] merge = File.ReadAllLines(Path.Combine(jobDir, "merge.sbatch"));
        Assert.Equal([
            "--job-name=stochastic-study-merge", $"--output={jobDir}/logs/merge.out", "--cpus-per-task=1", "--partition=short",
            "--time=1-02:00:00", "--mem=2G", "--account=lab"], Directives(merge));
        Assert.Equal($"exec {tool} merge {jobDir}/shards --out {jobDir}/results", merge.Single(l => l.StartsWith("exec ", StringComparison.Ordinal)));

        string submit = File.ReadAllText(Path.Combine(jobDir, "submit.sh"));
        Assert.Contains($"array=$(sbatch --parsable {jobDir}/array.sbatch)", submit);
        Assert.Contains($"merge=$(sbatch --parsable --dependency=afterok:\"$array\" {jobDir}/merge.sbatch)", submit);

        foreach (string script in new[] { "array.sbatch", "merge.sbatch", "submit.sh" })
        {
            string path = Path.Combine(jobDir, script);
            var (syntax, _, message) = Bash("-n", path);
            Assert.True(syntax == 0, $"{script}: {message}");
            Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute), $"{script} is not executable");
        }
    }

    [Fact]
    public async Task UsersThreads_AreKept_AndSimulateShardsRunsIntoTheMergedCsv()
    {
        string model = Path.Combine(AppContext.BaseDirectory, "Reactions", "examples", "isomerization.bngl");
        string jobDir = Path.Combine(_dir, "sim");
        var (code, _, error) = await CliHarness.Run("slurm", model, "--command", "simulate", "--shards", "2", "--out", jobDir, "--", "--runs", "100", "--threads=3");
        Assert.True(code == 0, error);
        string run = File.ReadAllLines(Path.Combine(jobDir, "array.sbatch")).Single(l => l.StartsWith("exec ", StringComparison.Ordinal));
        Assert.EndsWith($"simulate {ShellWord.Quote(model)} --shard \"$SLURM_ARRAY_TASK_ID/2\" --out {jobDir}/shards --runs 100 --threads=3", run);
        Assert.EndsWith($"merge {jobDir}/shards --out {jobDir}/results", File.ReadAllLines(Path.Combine(jobDir, "merge.sbatch"))[^1]);
    }

    [Fact]
    public async Task DoseResponseArray_RunsShardsOfTheDoseResponse_IntoTheMergedFolder()
    {
        string jobDir = Path.Combine(_dir, "dose");
        var (code, _, error) = await CliHarness.Run("slurm", Study, "--command", "dose-response", "--shards", "5", "--out", jobDir, "--", "--doses", "1:100:3", "--bootstrap", "0");
        Assert.True(code == 0, error);
        string run = File.ReadAllLines(Path.Combine(jobDir, "array.sbatch")).Single(l => l.StartsWith("exec ", StringComparison.Ordinal));
        Assert.EndsWith($"dose-response {ShellWord.Quote(Study)} --shard \"$SLURM_ARRAY_TASK_ID/5\" --out {jobDir}/shards --threads 1 --doses 1:100:3 --bootstrap 0", run);
        Assert.EndsWith($"merge {jobDir}/shards --out {jobDir}/results", File.ReadAllLines(Path.Combine(jobDir, "merge.sbatch"))[^1]);
    }

    /// <summary>Outside sbatch a task script stops before running anything, and says why.</summary>
    [Fact]
    public async Task ArrayScript_RunOutsideSlurm_StopsWithAMessage()
    {
        string jobDir = Path.Combine(_dir, "job");
        Assert.Equal(0, (await CliHarness.Run("slurm", Study, "--shards", "2", "--out", jobDir)).Code);
        var (code, output, error) = Bash(Path.Combine(jobDir, "array.sbatch"));
        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        Assert.Contains("submit this script with sbatch", error);
    }

    /// <summary>A folder with an earlier job's shards is left alone, unless --force, which clears shards, logs and results.</summary>
    [Fact]
    public async Task EarlierJobInTheFolder_IsRefused_OrReplacedWithForce()
    {
        string jobDir = Path.Combine(_dir, "job");
        Assert.Equal(0, (await CliHarness.Run("slurm", Study, "--shards", "3", "--out", jobDir)).Code);
        string stale = Path.Combine(jobDir, "shards", "shard-3-of-3.parquet");
        File.WriteAllText(stale, "an earlier job's shard");
        var (code, _, error) = await CliHarness.Run("slurm", Study, "--shards", "2", "--out", jobDir);
        Assert.Equal(CliApp.InputError, code);
        Assert.StartsWith($"error: {jobDir} holds an earlier job", error);
        Assert.True(File.Exists(stale));
        Assert.Contains("--array=1-3", File.ReadAllText(Path.Combine(jobDir, "array.sbatch")));

        (code, _, error) = await CliHarness.Run("slurm", Study, "--shards", "2", "--out", jobDir, "--force");
        Assert.True(code == 0, error);
        Assert.False(File.Exists(stale));
        Assert.Contains("--array=1-2", File.ReadAllText(Path.Combine(jobDir, "array.sbatch")));
    }

    /// <summary>
    /// A study whose path holds a line break, quotes, <c>$</c> and spaces: the scripts stay valid bash, the
    /// heading comment stays one line, and the path reaches the task as one word, unchanged.
    /// </summary>
    [Fact]
    public async Task StudyPath_WithShellCharactersAndALineBreak_StaysOneWord()
    {
        string folder = Path.Combine(_dir, "it's $HOME \"and\"\nmore");
        Directory.CreateDirectory(folder);
        string il2 = Path.GetDirectoryName(Study)!;
        string study = Path.Combine(folder, "st'udy\nrm -rf x.study");
        File.Copy(Study, study);
        File.Copy(Path.Combine(il2, "il2.bngl"), Path.Combine(folder, "il2.bngl"));
        string jobDir = Path.Combine(_dir, "job");
        var (code, _, error) = await CliHarness.Run("slurm", study, "--shards", "2", "--out", jobDir);
        Assert.True(code == 0, error);
        string array = File.ReadAllText(Path.Combine(jobDir, "array.sbatch"));
        Assert.Equal(0, Bash("-n", Path.Combine(jobDir, "array.sbatch")).Code);
        Assert.StartsWith("# ", array.Split('\n')[1]);
        Assert.StartsWith("# ", array.Split('\n')[2]);
        // The exec line's words, split by bash itself (the tool's path stands in for `exec`).
        string run = array[array.IndexOf("\nexec ", StringComparison.Ordinal)..].Trim()["exec ".Length..];
        var (parsed, words, parseError) = Bash("-c", "printf '%s\\0' " + run.Replace("\"$SLURM_ARRAY_TASK_ID/2\"", "1/2"));
        Assert.True(parsed == 0, parseError);
        Assert.Equal([.. StochasticInvocation.Current(), "population", study, "--shard", "1/2", "--out", Path.Combine(jobDir, "shards"), "--threads", "1"],
            words.Split('\0')[..^1]);
    }

    /// <summary>Every word of a command, whatever its characters, reaches the program as it was given.</summary>
    [Fact]
    public void QuotedWords_ReachTheProgram_Unchanged()
    {
        string[] words = ["plain", "with space", "it's", "$HOME", "`date`", "$(id)", "a\"b", "back\\slash", "*.csv", "semi;colon", "new\nline", "tab\there",
            "", "--opt=x y", "ünïcode", "!bang", "#hash", "~", "a&b|c>d<e", "{1..3}"];
        var (code, output, error) = Bash("-c", "printf '%s\\0' " + string.Join(' ', words.Select(ShellWord.Quote)));
        Assert.True(code == 0, error);
        Assert.Equal(words, output.Split('\0')[..^1]);
    }

    [Theory]
    [InlineData("--out", "with space", "--out contains a space")]
    [InlineData("--partition", "a\nb", "--partition contains the control character U+000A")]
    [InlineData("--time", "1:00:00 --wrap=x", "--time contains a space")]
    [InlineData("--job-name", "a%j", "--job-name contains '%'")]
    public async Task SettingsAnSbatchLineCannotCarry_AreRefused(string option, string value, string message)
    {
        string v = option == "--out" ? Path.Combine(_dir, value) : value;
        string[] args = option == "--out" ? ["slurm", Study, "--shards", "2", "--out", v] : ["slurm", Study, "--shards", "2", "--out", Path.Combine(_dir, "j"), option, v];
        var (code, _, error) = await CliHarness.Run(args);
        Assert.Equal(CliApp.InputError, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("error: " + message, error);
        Assert.False(File.Exists(Path.Combine(_dir, "j", "array.sbatch")));
    }

    [Theory]
    [InlineData("--out", "x", "--out is set by stochastic slurm")]
    [InlineData("--shard", "1/2", "--shard is set by stochastic slurm")]
    [InlineData("--celss", "10", "the options after -- are not valid for stochastic population: Unrecognized command or argument '--celss'")]
    [InlineData("--cells", "many", "the options after -- are not valid for stochastic population:")]
    public async Task TaskOptions_ThatWouldFailOnEveryTask_AreRefusedHere(string option, string value, string message)
    {
        var (code, _, error) = await CliHarness.Run("slurm", Study, "--shards", "2", "--out", Path.Combine(_dir, "j"), "--", option, value);
        Assert.Equal(CliApp.InputError, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("error: " + message, error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "j")));
    }

    [Fact]
    public async Task SimulatesPlot_IsRefused_AndABadStudy_IsReportedWithItsPosition()
    {
        string model = Path.Combine(AppContext.BaseDirectory, "Reactions", "examples", "isomerization.bngl");
        var (code, _, error) = await CliHarness.Run("slurm", model, "--command", "simulate", "--shards", "2", "--out", Path.Combine(_dir, "j"), "--", "--plot", "p.png");
        Assert.Equal(CliApp.InputError, code);
        Assert.StartsWith("error: --plot writes one file per run", error);

        string bad = Path.Combine(_dir, "bad.study");
        File.WriteAllText(bad, "begin study\n  model nope.bngl\nend study\n");
        (code, _, error) = await CliHarness.Run("slurm", bad, "--shards", "2", "--out", Path.Combine(_dir, "j"));
        Assert.Equal(CliApp.InputError, code);
        Assert.StartsWith(bad + ":", error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "j")));

        (code, _, error) = await CliHarness.Run("slurm", Study, "--shards", "0");
        Assert.Equal(CliApp.InputError, code);
        Assert.Contains("--shards must be at least 1", error);
    }

    /// <summary>
    /// The scripts run the tool as it was invoked: the apphost by its absolute path, or the dotnet host
    /// and stochastic.dll; and that command line runs.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Scripts_RunTheToolAsItWasInvoked(bool apphost)
    {
        string bin = AppContext.BaseDirectory;
        string dll = Path.Combine(bin, "stochastic.dll");
        string dotnet = StochasticInvocation.Current()[0];
        string[] invocation = apphost ? [Path.Combine(bin, "stochastic")] : [dotnet, dll];
        string jobDir = Path.Combine(_dir, apphost ? "apphost" : "dotnet");
        var (code, _, error) = Process(invocation[0], [.. invocation[1..], "slurm", Study, "--shards", "2", "--out", jobDir]);
        Assert.True(code == 0, error);
        string run = File.ReadAllLines(Path.Combine(jobDir, "array.sbatch")).Single(l => l.StartsWith("exec ", StringComparison.Ordinal));
        string expected = "exec " + string.Join(' ', invocation.Select(ShellWord.Quote)) + " population ";
        Assert.StartsWith(expected, run);
        var (version, _, versionError) = Bash("-c", string.Join(' ', invocation.Select(ShellWord.Quote)) + " --version");
        Assert.True(version == 0, versionError);
    }

    private static string[] Directives(string[] script) =>
        script.TakeWhile(l => l.StartsWith('#')).Where(l => l.StartsWith("#SBATCH ", StringComparison.Ordinal)).Select(l => l["#SBATCH ".Length..]).ToArray();

    private static (int Code, string Out, string Err) Bash(params string[] arguments) => Process("bash", arguments);

    private static (int Code, string Out, string Err) Process(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        start.Environment.Remove("SLURM_ARRAY_TASK_ID");
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), $"{file} did not finish within 30 s");
        return (process.ExitCode, output, error.Result);
    }
}
