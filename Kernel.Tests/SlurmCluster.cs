using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;

namespace Stochastic.Tests;

/// <summary>
/// A real one-node Slurm cluster on this machine, for the tests: its own MUNGE key and daemon, a
/// generated <c>slurm.conf</c> (this host's name, its core count, free ports, state and spool folders in
/// a temporary folder), <c>slurmctld</c> and <c>slurmd</c> in the foreground as child processes. Ready
/// when <c>sinfo</c> shows the node idle; <see cref="Dispose"/> cancels what is left and stops the
/// daemons, also when starting failed halfway, and a watchdog stops them if the test host dies.
/// Needs Debian's <c>slurm-wlm</c> and <c>munge</c> (<c>.ci/run</c> installs them).
/// </summary>
/// <remarks>
/// The configuration is the one that runs in a container without systemd or cgroup delegation:
/// processes tracked through /proc (<c>proctrack/linuxproc</c>) rather than cgroups, no task binding
/// (<c>task/none</c>), no accounting database; the daemons and jobs run as the current user.
/// Client commands find the cluster through <c>SLURM_CONF</c>, which this fixture sets for the test
/// process (sbatch started by the CLI in-process inherits it) and restores afterwards.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class SlurmCluster : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly List<Process> _daemons = [];
    private readonly string? _previousConf = Environment.GetEnvironmentVariable("SLURM_CONF");

    /// <summary>The cluster's temporary folder (configuration, state, spool, daemon logs).</summary>
    public string Root { get; }

    /// <summary>Path of the generated slurm.conf.</summary>
    public string Conf => Path.Combine(Root, "slurm.conf");

    public SlurmCluster()
    {
        string[] missing = ["munged", "mungekey", "slurmctld", "slurmd", "sbatch", "sinfo", "squeue", "scontrol", "scancel"];
        missing = missing.Where(t => Find(t) is null).ToArray();
        if (missing.Length > 0)
            throw new InvalidOperationException($"the Slurm tests need Debian's slurm-wlm and munge ({string.Join(", ", missing)} not found): apt-get install slurm-wlm munge (.ci/run installs them)");
        Root = Directory.CreateTempSubdirectory("stochastic-slurm-").FullName;
        // munged wants every folder above its socket searchable by all; the key itself is 0600.
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        try
        {
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void Start()
    {
        string munge = Path.Combine(Root, "munge");
        Directory.CreateDirectory(munge);
        Directory.CreateDirectory(Path.Combine(Root, "state"));
        Directory.CreateDirectory(Path.Combine(Root, "spool"));
        string key = Path.Combine(munge, "munge.key"), socket = Path.Combine(munge, "munge.socket");
        RunTool("mungekey", "--create", "--keyfile", key);
        StartDaemon("munged", "--foreground", "--socket", socket, "--key-file", key, "--pid-file", Path.Combine(munge, "munged.pid"),
            "--log-file", Path.Combine(munge, "munged.log"), "--seed-file", Path.Combine(munge, "munged.seed"));
        WaitUntil(() => File.Exists(socket), "munged's socket");

        string node = Environment.MachineName, user = Environment.UserName;
        var (ctldPort, dPort) = (FreePort(), FreePort());
        File.WriteAllText(Conf, $"""
            ClusterName=stochastic-test
            SlurmctldHost={node}(127.0.0.1)
            SlurmctldPort={ctldPort}
            SlurmdPort={dPort}
            AuthType=auth/munge
            CredType=cred/munge
            AuthInfo=socket={socket}
            SlurmUser={user}
            SlurmdUser={user}
            StateSaveLocation={Root}/state
            SlurmdSpoolDir={Root}/spool
            SlurmctldPidFile={Root}/slurmctld.pid
            SlurmdPidFile={Root}/slurmd.pid
            SlurmctldLogFile={Root}/slurmctld.log
            SlurmdLogFile={Root}/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            JobCompType=jobcomp/none
            MailProg=/bin/true
            MpiDefault=none
            SchedulerType=sched/builtin
            SelectType=select/cons_tres
            SelectTypeParameters=CR_CPU
            ReturnToService=2
            NodeName={node} NodeAddr=127.0.0.1 CPUs={Environment.ProcessorCount} State=UNKNOWN
            PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP

            """);
        Environment.SetEnvironmentVariable("SLURM_CONF", Conf);
        StartDaemon("slurmctld", "-D", "-f", Conf);
        StartDaemon("slurmd", "-D", "-f", Conf, "-N", node);
        WaitUntil(() => RunTool("sinfo", "--noheader", "--Node", "--format=%T").Out.Trim() == "idle", "the node to be idle in sinfo");
    }

    /// <summary>Runs a Slurm or MUNGE command against this cluster; fails the test on a non-zero exit.</summary>
    public (string Out, string Err) RunTool(string tool, params string[] arguments)
    {
        var (code, output, error) = Run(Find(tool) ?? tool, arguments);
        if (code != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited with {code}: {error.Trim()}{Logs()}");
        return (output, error);
    }

    /// <summary>
    /// Waits until job <paramref name="jobId"/> (and every task of it, for an array) has ended; returns the
    /// state of each as scontrol reports it (COMPLETED, FAILED, CANCELLED, …), one per task.
    /// </summary>
    public IReadOnlyList<string> WaitForJob(string jobId, TimeSpan timeout)
    {
        string[] states = [];
        WaitUntil(() =>
        {
            states = RunTool("scontrol", "show", "job", "--oneliner", jobId).Out
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' ').First(w => w.StartsWith("JobState=", StringComparison.Ordinal))["JobState=".Length..])
                .ToArray();
            return states.Length > 0 && states.All(s => s is not ("PENDING" or "RUNNING" or "CONFIGURING" or "COMPLETING" or "SUSPENDED" or "REQUEUED" or "RESIZING"));
        }, $"job {jobId} to end", timeout);
        return states;
    }

    /// <summary>The tails of the daemons' logs, for a failure message.</summary>
    public string Logs()
    {
        var s = new StringBuilder();
        foreach (string log in new[] { "slurmctld.log", "slurmd.log", "munge/munged.log" }.Select(l => Path.Combine(Root ?? "", l)).Where(File.Exists))
            s.Append($"\n--- {Path.GetFileName(log)}:\n").AppendJoin('\n', File.ReadLines(log).TakeLast(15));
        return s.ToString();
    }

    public void Dispose()
    {
        if (_daemons.Count == 3)
        {
            try
            {
                // Jobs still running (a test that timed out) end with the cluster rather than outlive it.
                foreach (string id in RunTool("squeue", "--noheader", "--format=%A").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct())
                    RunTool("scancel", id.Trim());
            }
            catch (InvalidOperationException)
            {
                // The cluster is going away either way.
            }
        }
        // slurmd, slurmctld, then munged (which they authenticate through).
        for (int i = _daemons.Count - 1; i >= 0; i--)
        {
            using var daemon = _daemons[i];
            try
            {
                daemon.StandardInput.Close();
            }
            catch (IOException)
            {
                // The watchdog is gone already (its daemon ended).
            }
            if (!daemon.WaitForExit(10_000)) daemon.Kill(entireProcessTree: true);
        }
        _daemons.Clear();
        Environment.SetEnvironmentVariable("SLURM_CONF", _previousConf);
        if (Root is not null && Directory.Exists(Root))
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // A daemon that took longer to exit still had a file open: a temp folder left behind.
            }
        }
    }

    // Each daemon runs under a bash watchdog that holds the read end of a pipe from this process: when
    // the pipe closes (Dispose closes it; a test host that is killed, even by SIGKILL, closes it too),
    // the watchdog stops the daemon. The watchdog itself ends when the daemon does.
    private const string Watchdog = "exec 3<&0; \"$@\" 3<&- </dev/null & daemon=$!; (read -r _ <&3; kill \"$daemon\" 2>/dev/null) & wait \"$daemon\"";

    private void StartDaemon(string tool, params string[] arguments)
    {
        var start = Start("bash", ["-c", Watchdog, "watchdog", Find(tool)!, .. arguments]);
        start.RedirectStandardInput = true;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _daemons.Add(process);
        Thread.Sleep(100);
        if (process.HasExited) throw new InvalidOperationException($"{tool} exited at once with {process.ExitCode}{Logs()}");
    }

    private static (int Code, string Out, string Err) Run(string file, string[] arguments)
    {
        using var process = Process.Start(Start(file, arguments))!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(20_000))
        {
            process.Kill();
            return (-1, output, $"{file} did not finish within 20 s");
        }
        return (process.ExitCode, output, error.Result);
    }

    private static ProcessStartInfo Start(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        return start;
    }

    private void WaitUntil(Func<bool> ready, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? StartTimeout;
        while (!ready())
        {
            if (clock.Elapsed > limit)
                throw new TimeoutException($"timed out after {limit.TotalSeconds:F0} s waiting for {what}{Logs()}");
            Thread.Sleep(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The daemons live in /usr/sbin, which a non-root PATH may lack.
    private static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin").Append("/usr/bin")
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
}
