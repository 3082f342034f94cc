using System.Diagnostics;
using System.Runtime.InteropServices;
using Stochastic.Cli;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// Ctrl+C and SIGTERM, sent to a real <c>stochastic</c> process: a run that never ends on its own (a
/// runaway birth process with no firing budget) stops within a second, writes what finished, exits
/// 130, and a second signal right after the first does not crash the handler.
/// </summary>
public sealed class SignalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-signals-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private const int SIGINT = 2, SIGTERM = 15;

    /// <summary>Whether this process ignores SIGINT (bit 1 of the SigIgn mask in /proc/self/status), which its children inherit.</summary>
    private static bool SigIntIgnoredHere()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (SIGINT - 1))) != 0;
    }

    [Theory]
    [InlineData(new[] { SIGINT })]
    [InlineData(new[] { SIGTERM })]
    [InlineData(new[] { SIGTERM, SIGINT })]
    public async Task Signal_StopsARunawayRun_WithinASecond_AndExits130(int[] signals)
    {
        if (!OperatingSystem.IsLinux()) return;
        string model = Path.Combine(_dir, "runaway.bngl");
        File.WriteAllText(model, "begin model\nbegin parameters\nk 1\nend parameters\nbegin seed species\nX 1\nend seed species\n" +
                                 "begin reaction rules\nX -> X + X k\nend reaction rules\nend model\n");
        string output = Path.Combine(_dir, "out.csv");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "stochastic.dll"), "simulate", model, "--runs", "2", "--threads", "1",
                     "--t-end", "1000", "--max-firings", "0", "--out", output })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        // Let it start and simulate: the runtime and the model load in about a second; 3 s leaves room on a loaded machine.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(process.HasExited, "the runaway run ended on its own");
        if (signals[0] == SIGINT && SigIntIgnoredHere())
        {
            // Started as a background job of a shell without job control (or under nohup), this process and so
            // the child inherit SIGINT ignored, and a process keeps an inherited ignore (that is how shells shield
            // background jobs from the terminal's Ctrl+C): the child must go on running, and SIGTERM still stops it.
            kill(process.Id, SIGINT);
            Assert.False(process.WaitForExit(TimeSpan.FromSeconds(2)), "an inherited ignored SIGINT stopped the run");
            signals = [SIGTERM, .. signals[1..]];
        }
        // Back to back: the second arrives while the first is being handled (it may find the process gone).
        Assert.Equal(0, kill(process.Id, signals[0]));
        foreach (int signal in signals.Skip(1)) kill(process.Id, signal);
        // The loops look every 65,536 firings (milliseconds apart), so on a quiet machine the process is gone
        // within a second; the bounds below only catch a handler that never stops it (the run has no end of
        // its own), not a speed claim, since a loaded machine stretches wall time several-fold.
        bool exited = process.WaitForExit(TimeSpan.FromSeconds(20));
        if (!exited) process.Kill();
        Assert.True(exited, "still running 20 s after the signal");
        string error = await stderr;
        Assert.DoesNotContain("Unhandled", error);
        Assert.DoesNotContain("   at ", error);
        if (signals.Length == 1)
        {
            Assert.Equal(CliApp.Interrupted, process.ExitCode);
            Assert.Contains("interrupted", error);
            Assert.True(File.Exists(output), "what finished is written");
        }
        else
        {
            // The second signal ends the process by the system's default action (or the first already had).
            Assert.True(process.ExitCode is CliApp.Interrupted or 128 + SIGINT or 128 + SIGTERM, $"exit {process.ExitCode}: {error}");
        }
    }
}
