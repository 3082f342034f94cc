using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Stochastic.Cli;

/// <summary>
/// A word of a command line in a generated shell script: literal text, written single-quoted so that
/// no character in it means anything to the shell, or shell text written as it is (e.g.
/// <c>"$SLURM_ARRAY_TASK_ID/8"</c>), for the few words that must expand.
/// </summary>
internal readonly partial record struct ShellWord(string Text, bool Expands)
{
    public static implicit operator ShellWord(string literal) => new(literal, false);

    /// <summary>Shell text that expands when the script runs; the caller writes it quoted as needed.</summary>
    public static ShellWord Shell(string text) => new(text, true);

    public override string ToString() => Expands ? Text : Quote(Text);

    /// <summary>POSIX single quoting: nothing inside '…' is special; a quote is closed, escaped and reopened.</summary>
    public static string Quote(string text) =>
        text.Length > 0 && SafeWord().IsMatch(text) ? text : "'" + text.Replace("'", "'\\''") + "'";

    [GeneratedRegex(@"^[A-Za-z0-9_@%+=:,./-]+$")]
    private static partial Regex SafeWord();
}

/// <summary>What each task of a job asks the scheduler for; null leaves the cluster's default.</summary>
/// <param name="Partition">Slurm partition (<c>--partition</c>).</param>
/// <param name="Time">wall-time limit per task (<c>--time</c>, e.g. <c>2:00:00</c> or <c>1-00:00:00</c>).</param>
/// <param name="Memory">memory per task (<c>--mem</c>, e.g. <c>4G</c>).</param>
/// <param name="CpusPerTask">cores per task (<c>--cpus-per-task</c>); the tool runs that many threads.</param>
/// <param name="Account">account to charge (<c>--account</c>).</param>
internal sealed record SlurmResources(string? Partition = null, string? Time = null, string? Memory = null, int CpusPerTask = 1, string? Account = null);

/// <summary>
/// An sbatch job array of <see cref="Tasks"/> tasks and a merge job that runs after every task has
/// succeeded (<c>--dependency=afterok</c>), as the scripts <c>array.sbatch</c>, <c>merge.sbatch</c> and
/// <c>submit.sh</c> in <see cref="Directory"/>, with one log per task under <c>logs/</c>.
/// </summary>
/// <param name="Name">job name; the merge job is <c>NAME-merge</c>.</param>
/// <param name="Directory">absolute folder of the scripts and logs (and, by convention, the shards and results).</param>
/// <param name="Tasks">array size; tasks are numbered 1…Tasks (<c>$SLURM_ARRAY_TASK_ID</c>).</param>
/// <param name="Resources">what each task (and the merge job, with one core) asks for.</param>
/// <param name="TaskCommand">the command each task runs; <see cref="ShellWord.Shell"/> words may use <c>$SLURM_ARRAY_TASK_ID</c>.</param>
/// <param name="MergeCommand">the command of the merge job.</param>
/// <param name="Description">one line for the scripts' heading comment.</param>
internal sealed partial record SlurmJob(string Name, string Directory, int Tasks, SlurmResources Resources,
    IReadOnlyList<ShellWord> TaskCommand, IReadOnlyList<ShellWord> MergeCommand, string Description)
{
    public string ArrayScriptPath => Path.Combine(Directory, "array.sbatch");
    public string MergeScriptPath => Path.Combine(Directory, "merge.sbatch");
    public string SubmitScriptPath => Path.Combine(Directory, "submit.sh");
    public string LogDirectory => Path.Combine(Directory, "logs");

    /// <summary>The log of array task <paramref name="task"/> (1-based), as Slurm names it from the <c>%a</c> pattern.</summary>
    public string TaskLog(int task) => Path.Combine(LogDirectory, $"task-{task}-of-{Tasks}.out");

    /// <summary>The merge job's log.</summary>
    public string MergeLog => Path.Combine(LogDirectory, "merge.out");

    /// <summary>The job array: one task per shard, each with its own log.</summary>
    public string ArrayScript()
    {
        var s = Header($"the job array, one task per shard ({Tasks})");
        s.Append($"# Run again only the tasks that failed (e.g. 3 and 5), then the merge:\n");
        s.Append($"#   sbatch --array=3,5 {ShellWord.Quote(ArrayScriptPath)}\n");
        s.Append($"#   sbatch --dependency=afterok:<that job id> {ShellWord.Quote(MergeScriptPath)}\n");
        Directives(s, Name, Resources, Path.Combine(LogDirectory, $"task-%a-of-{Tasks}.out"));
        s.Append($"#SBATCH --array=1-{Tasks}\n");
        s.Append("set -euo pipefail\n");
        s.Append(": \"${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is a job array}\"\n");
        s.Append("echo \"$(date -u +%FT%TZ) task $SLURM_ARRAY_TASK_ID of ").Append(Tasks).Append(" (job ${SLURM_ARRAY_JOB_ID:-?}) on $(hostname)\"\n");
        s.Append(Command(TaskCommand));
        return s.ToString();
    }

    /// <summary>The merge job: one core, the same partition, time, memory and account as the tasks.</summary>
    public string MergeScript()
    {
        var s = Header("merge");
        s.Append($"# Submitted with --dependency=afterok:<array job>: it runs once every task has succeeded.\n");
        Directives(s, Name + "-merge", Resources with { CpusPerTask = 1 }, MergeLog);
        s.Append("set -euo pipefail\n");
        s.Append("echo \"$(date -u +%FT%TZ) merge (job ${SLURM_JOB_ID:-?}) on $(hostname)\"\n");
        s.Append(Command(MergeCommand));
        return s.ToString();
    }

    /// <summary>Submits the array, then the merge job after it; prints both job ids.</summary>
    public string SubmitScript() => $$"""
        #!/usr/bin/env bash
        # {{Comment(Description)}}: submits the job array, then the merge job that waits for all of its tasks.
        set -euo pipefail
        array=$(sbatch --parsable {{ShellWord.Quote(ArrayScriptPath)}})
        array=${array%%;*}
        merge=$(sbatch --parsable --dependency=afterok:"$array" {{ShellWord.Quote(MergeScriptPath)}})
        merge=${merge%%;*}
        echo "submitted job array $array ({{Tasks}} tasks) and merge job $merge (after every task succeeds)"

        """.ReplaceLineEndings("\n");

    /// <summary>Writes the three scripts (executable) and creates the log folder, which Slurm needs before a task starts.</summary>
    public void Write()
    {
        System.IO.Directory.CreateDirectory(LogDirectory);
        WriteScript(ArrayScriptPath, ArrayScript());
        WriteScript(MergeScriptPath, MergeScript());
        WriteScript(SubmitScriptPath, SubmitScript());
    }

    private static void WriteScript(string path, string text)
    {
        File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    private StringBuilder Header(string what)
    {
        var s = new StringBuilder("#!/usr/bin/env bash\n");
        s.Append($"# {Comment(Description)}: {what}.\n");
        s.Append($"# Written by stochastic {Version}; submit both jobs with {ShellWord.Quote(SubmitScriptPath)}.\n");
        return s;
    }

    // A file name may hold a line break, which would end the comment and start a command.
    private static string Comment(string text) => string.Concat(text.Select(c => char.IsControl(c) ? '?' : c));

    // sbatch reads #SBATCH lines up to the first command; a value there is not shell-quoted, so it is
    // checked (no spaces, quotes or line breaks) before it gets here.
    private static void Directives(StringBuilder s, string name, SlurmResources r, string log)
    {
        s.Append($"#SBATCH --job-name={name}\n");
        s.Append($"#SBATCH --output={log}\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={r.CpusPerTask}\n");
        if (r.Partition is not null) s.Append($"#SBATCH --partition={r.Partition}\n");
        if (r.Time is not null) s.Append($"#SBATCH --time={r.Time}\n");
        if (r.Memory is not null) s.Append($"#SBATCH --mem={r.Memory}\n");
        if (r.Account is not null) s.Append($"#SBATCH --account={r.Account}\n");
    }

    // exec: the task's exit status is the tool's, which is what afterok and sacct see.
    private static string Command(IReadOnlyList<ShellWord> words) => "exec " + string.Join(" ", words) + "\n";

    private static string Version =>
        typeof(SlurmJob).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?";

    /// <summary>
    /// Null if <paramref name="value"/> can stand in an <c>#SBATCH</c> line, else why not: sbatch does not
    /// shell-parse those lines, so spaces, quotes, line breaks and other shell characters are refused
    /// (and <c>%</c>, which sbatch expands in log names).
    /// </summary>
    public static string? DirectiveProblem(string value) =>
        value.Length == 0 ? "is empty"
        : DirectiveValue().IsMatch(value) ? null
        : $"contains {Describe(value.First(c => !DirectiveValue().IsMatch(c.ToString())))}, which an #SBATCH line cannot carry";

    private static string Describe(char c) => c switch
    {
        ' ' => "a space",
        _ when char.IsControl(c) || char.IsWhiteSpace(c) => $"the control character U+{(int)c:X4}",
        _ => $"'{c}'",
    };

    [GeneratedRegex(@"^[A-Za-z0-9_@+=:,./-]+$")]
    private static partial Regex DirectiveValue();
}

/// <summary>How to run this same <c>stochastic</c> from a script: the executable as invoked, or the dotnet host and the tool's dll.</summary>
internal static class StochasticInvocation
{
    /// <summary>
    /// The apphost's absolute path when <c>stochastic</c> (or a tool shim) was run; <c>dotnet</c>'s absolute
    /// path and <c>stochastic.dll</c>'s when run as <c>dotnet stochastic.dll</c> or hosted in another process.
    /// </summary>
    public static IReadOnlyList<string> Current()
    {
        string? process = Environment.ProcessPath;
        string dll = typeof(StochasticInvocation).Assembly.Location;
        bool dotnetHost = process is not null && Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        if (process is not null && !dotnetHost && Assembly.GetEntryAssembly() == typeof(StochasticInvocation).Assembly)
            return [Path.GetFullPath(process)];
        string dotnet = dotnetHost ? process!
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
            : OnPath("dotnet") ?? "dotnet"; // not found: left to the compute node's PATH
        return [dotnet, dll];
    }

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
