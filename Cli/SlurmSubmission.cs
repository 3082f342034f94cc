using System.Diagnostics;

namespace Stochastic.Cli;

/// <summary>Submits a <see cref="SlurmJob"/> with <c>sbatch --parsable</c>: the array first, then the merge job after it.</summary>
internal static class SlurmSubmission
{
    /// <summary>Submits both scripts; returns the array's and the merge job's ids.</summary>
    /// <exception cref="IOException">sbatch is missing or refused a script (its first error line).</exception>
    public static (string ArrayJob, string MergeJob) Submit(SlurmJob job)
    {
        string array = Sbatch(job.ArrayScriptPath);
        try
        {
            return (array, Sbatch("--dependency=afterok:" + array, job.MergeScriptPath));
        }
        catch (IOException e)
        {
            throw new IOException($"job array {array} was submitted but the merge job was not ({e.Message}); submit it with: sbatch --dependency=afterok:{array} {ShellWord.Quote(job.MergeScriptPath)}", e);
        }
    }

    /// <summary>Runs sbatch --parsable with <paramref name="arguments"/>; returns the job id.</summary>
    public static string Sbatch(params string[] arguments)
    {
        var start = new ProcessStartInfo("sbatch") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--parsable");
        foreach (string a in arguments) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new IOException("sbatch did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"cannot run sbatch ({e.Message}); run this on a Slurm login node, or submit the scripts later with submit.sh");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            string firstError = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
            if (process.ExitCode != 0)
                throw new IOException($"sbatch {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {firstError}");
            // --parsable prints "jobid" or "jobid;cluster".
            string id = stdout.Trim().Split(';')[0];
            if (id.Length == 0 || !id.All(char.IsAsciiDigit))
                throw new IOException($"sbatch {string.Join(' ', arguments)} printed no job id: '{stdout.Trim()}'");
            return id;
        }
    }
}
