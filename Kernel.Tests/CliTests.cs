using Stochastic.Cli;
using Xunit;

namespace Stochastic.Tests;

/// <summary>End-to-end tests of the <c>stochastic</c> command line, run in-process.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliHarness.Run(args);

    private string File(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private const string Isomerization = "begin parameters\nkf 1\nkr 0.5\nend parameters\nbegin species\nA 100\nB 0\nend species\nbegin reactions\nA <-> B kf, kr\nend reactions\nbegin observables\nMolecules A_total A\nend observables\nsimulate({method=>\"ssa\",t_end=>5,n_steps=>10})\n";

    [Fact]
    public async Task Check_PrintsSummary_AndExitsZero()
    {
        var (code, output, _) = await Run("check", File("iso.bngl", Isomerization));
        Assert.Equal(0, code);
        Assert.Contains("2 species, 2 reactions, 2 parameters, 1 observables", output);
    }

    [Fact]
    public async Task Check_WarnsAboutSpeciesNothingProducesOrConsumes()
    {
        var (code, output, _) = await Run("check", File("idle.bngl", "begin parameters\nk 1\nend parameters\nbegin species\nA 10\nIdle 5\nend species\nbegin reactions\nA -> 0 k\nend reactions\n"));
        Assert.Equal(0, code);
        Assert.Contains("idle.bngl:6:1: warning: species 'Idle' is neither produced nor consumed", output);
    }

    [Fact]
    public async Task Check_ReportsFileLineColumn_AndExitsNonZero()
    {
        var path = File("bad.bngl", "begin parameters\nk 1\nend parameters\nbegin species\nA 10\nend species\nbegin reactions\nA -> 0 kk\nend reactions\n");
        var (code, output, error) = await Run("check", path);
        Assert.Equal(CliApp.InputError, code);
        Assert.Contains($"{path}:8:8:", error);
        Assert.Contains("kk", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task Check_MissingFile_IsOneReadableLine()
    {
        var (code, _, error) = await Run("check", Path.Combine(_dir, "nope.bngl"));
        Assert.Equal(CliApp.InputError, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("nope.bngl", error);
    }

    [Fact]
    public async Task Simulate_WritesSbmlTestSuiteCsv_PlotAndStats()
    {
        string csv = Path.Combine(_dir, "results.csv"), png = Path.Combine(_dir, "plot.png"), traj = Path.Combine(_dir, "traj.csv");
        var (code, _, error) = await Run("simulate", File("iso.bngl", Isomerization), "--runs", "50", "--seed", "5",
            "--out", csv, "--plot", png, "--trajectories", traj, "--stats");
        Assert.Equal(0, code);
        var lines = System.IO.File.ReadAllLines(csv);
        Assert.Equal("time,A_total-mean,A_total-sd", lines[0]);
        Assert.Equal(12, lines.Length); // header + n_steps + 1 points from the file's simulate action
        Assert.StartsWith("0,100,0", lines[1]);
        Assert.StartsWith("5,", lines[^1]);
        Assert.Equal(1 + 50 * 11, System.IO.File.ReadAllLines(traj).Length);
        var pngBytes = System.IO.File.ReadAllBytes(png);
        Assert.True(pngBytes.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, pngBytes[..4]);
        var last = error.Trim().Split('\n')[^1];
        Assert.Matches(@"^stats: events=\d+ wall_s=[0-9.]+ events_per_s=\d+$", last);
    }

    [Fact]
    public async Task Simulate_Hybrid_FollowsTheAnalyticMean()
    {
        // A <-> B (kf 1, kr 0.5) from 30,000 A: the hybrid method leaps both directions. A(t) is
        // binomial with mean N·(kr + kf·e^(−1.5t))/1.5: at t = 5 (7.5 relaxation times) 10,011, with a
        // standard error of the 200-run mean of sqrt(N·p(1 − p)/200) = 5.8. Leaping a linear network
        // keeps its equilibrium (the step is proportional to the distance from it), so 4 standard
        // errors bound it.
        string csv = Path.Combine(_dir, "hybrid.csv");
        var model = File("iso30k.bngl", Isomerization.Replace("A 100", "A 30000"));
        var (code, _, error) = await Run("simulate", model, "--method", "hybrid", "--runs", "200", "--seed", "3", "--out", csv);
        Assert.True(code == 0, error);
        var last = System.IO.File.ReadAllLines(csv)[^1].Split(',');
        Assert.Equal("5", last[0]);
        double p = (0.5 + Math.Exp(-1.5 * 5)) / 1.5, mean = 30000 * p, se = Math.Sqrt(30000 * p * (1 - p) / 200);
        double value = double.Parse(last[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(value, mean - 4 * se, mean + 4 * se);
    }

    [Theory]
    [InlineData("tau", true)]
    [InlineData("ssa", false)]
    public async Task Simulate_SaysWhenTheMethodIgnoresTheModelsEvents(string method, bool warned)
    {
        // DSMTS 00028 sets X by an event at t = 25; tau-leaping does not apply events.
        string model = Path.Combine(DsmtsTests.SuiteDirectory, "00028", "00028-sbml-l3v1.xml");
        var (code, _, error) = await Run("simulate", model, "--method", method, "--runs", "5", "--t-end", "1", "--out", Path.Combine(_dir, $"ev-{method}.csv"));
        Assert.True(code == 0, error);
        Assert.Equal(warned, error.Contains("does not apply events"));
    }

    [Fact]
    public async Task Simulate_SameSeed_GivesSameCsv_ForAnyThreadCount()
    {
        string a = Path.Combine(_dir, "a.csv"), b = Path.Combine(_dir, "b.csv");
        var model = File("iso.bngl", Isomerization);
        Assert.Equal(0, (await Run("simulate", model, "--runs", "70", "--threads", "1", "--out", a)).Code);
        Assert.Equal(0, (await Run("simulate", model, "--runs", "70", "--threads", "2", "--out", b)).Code);
        Assert.Equal(System.IO.File.ReadAllText(a), System.IO.File.ReadAllText(b));
    }

    [Fact]
    public async Task Population_MethodFlag_SaysWhichOfTheStudysEngineSettingsItDrops()
    {
        File("cell.bngl", LineagePlotTests.Model);
        string study = File("engine.study", LineagePlotTests.Study(lineage: false).Replace("time_unit min", "time_unit min\n  engine slow-scale theta=2 leap"));
        string[] common = ["population", study, "--cells", "1", "--threads", "1", "--force"];
        var (code, _, error) = await Run([.. common, "--method", "slow-scale", "--out", Path.Combine(_dir, "a")]);
        Assert.True(code == 0, error);
        Assert.Contains("note: --method replaces the study's engine (slow-scale); to keep what it set, add --leap --theta 2", error);
        (code, _, error) = await Run([.. common, "--method", "multiscale", "--leap", "--out", Path.Combine(_dir, "b")]);
        Assert.True(code == 0, error);
        Assert.Contains("add --theta 2", error);
        Assert.DoesNotContain("--leap", error);
        (code, _, error) = await Run([.. common, "--method", "slow-scale", "--leap", "--theta", "2", "--out", Path.Combine(_dir, "c")]);
        Assert.True(code == 0, error);
        Assert.DoesNotContain("note: --method", error);
        (code, _, error) = await Run([.. common, "--out", Path.Combine(_dir, "d")]);
        Assert.True(code == 0, error);
        Assert.DoesNotContain("note: --method", error);
    }

    [Theory]
    [InlineData("--method", "nonsense")]
    [InlineData("--runs", "0")]
    [InlineData("--t-end", "-1")]
    [InlineData("--points", "1")]
    public async Task Simulate_BadSettings_AreOneLineErrors(string option, string value)
    {
        var (code, _, error) = await Run("simulate", File("iso.bngl", Isomerization), option, value, "--out", Path.Combine(_dir, "x.csv"));
        Assert.Equal(CliApp.InputError, code);
        Assert.StartsWith("error: ", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task Simulate_WithoutEndTime_Explains()
    {
        var (code, _, error) = await Run("simulate", File("noend.bngl", "begin species\nA 1\nend species\nbegin reactions\nA -> 0 1\nend reactions\n"));
        Assert.Equal(CliApp.InputError, code);
        Assert.Contains("--t-end", error);
    }

    [Fact]
    public async Task EveryCommand_HasHelp()
    {
        foreach (var command in new[] { "check", "simulate" })
        {
            var (code, output, _) = await Run(command, "--help");
            Assert.Equal(0, code);
            Assert.Contains("Usage:", output);
        }
    }
}
