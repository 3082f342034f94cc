using Stochastic.Cli;
using Xunit;

namespace Stochastic.Tests;

/// <summary><c>stochastic population --method slow-scale</c> end to end, run in-process.</summary>
public sealed class SlowScaleCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-slow-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliHarness.Run(args);

    [Fact]
    public async Task Population_SlowScale_LumpsBindingPairs_AndSaysSoInTheReport()
    {
        string outDir = Path.Combine(_dir, "pop");
        var (code, _, error) = await Run("population", StudyReaderTests.StudyPath, "--cells", "1", "--scenario", "IL2",
            "--threads", "2", "--method", "slow-scale", "--theta", "2", "--out", outDir);
        Assert.True(code == 0, error);
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        // Judged per cell type under IL-2 at 300 pM: CD122 capture everywhere; γc joining IL-2·CD122 nowhere at the
        // default chain separation 10 (with the fitted K5 = 344 its release is 0.98/min, and the chain's first-order
        // error exceeds 10% in every group; lumped at chains 2, below); CD122 joining IL-2·CD25 nowhere (free CD25's
        // share off by hundreds of percent where CD122 could be its reservoir; a Treg's 660 CD122 cannot be one for
        // its 3,480 CD25).
        Assert.Contains("slow-scale SSA with the fast pairs judged per scenario × cell type at its median cell (θ = 2, chains 10, reservoir tolerance 0.01); lumped in every group: ", report);
        Assert.Matches(@"lumped in every group: [^;]*CD122 <-> L_CD122", report);
        Assert.DoesNotContain("L_CD122 + gc <-> L_CD122_gc", report);
        Assert.DoesNotContain("L_CD25 + CD122 <-> L_CD25_CD122", report);
    }

    [Fact]
    public async Task Population_Leap_SaysHowManyFiringsWereLeaped()
    {
        string outDir = Path.Combine(_dir, "leap");
        var (code, _, error) = await Run("population", StudyReaderTests.StudyPath, "--cells", "1", "--scenario", "untreated",
            "--threads", "2", "--method", "slow-scale", "--theta", "2", "--leap", "--out", outDir);
        Assert.True(code == 0, error);
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Matches(@"reactions fired, [\d,]+ of them in leaps \(slow-scale SSA", report);
        Assert.Contains("hybrid SSA / tau-leaping, ε = 0.03", report);
    }

    [Fact]
    public async Task Population_LeapWithoutSlowScale_IsAnError()
    {
        var (code, _, error) = await Run("population", StudyReaderTests.StudyPath, "--method", "ssa", "--leap", "--out", Path.Combine(_dir, "x"));
        Assert.NotEqual(0, code);
        Assert.Equal("error: --leap applies to --method slow-scale only", error.Trim());
    }

    [Fact]
    public async Task Population_GroupTheta_DecidesWhichChainsAreLumped()
    {
        // Under IL-2, γc joining IL-2·CD122 chained to CD122 capture puts the dimeric complex's share more than 10%
        // off (first order) in every cell type: kept exact at the default chain separation 10 (10%), lumped in
        // some when the user accepts 2 (50%). The report says which.
        string strict = Path.Combine(_dir, "strict"), loose = Path.Combine(_dir, "loose");
        foreach (var (dir, groupTheta) in new[] { (strict, "10"), (loose, "2") })
        {
            var (code, _, error) = await Run("population", StudyReaderTests.StudyPath, "--cells", "1", "--scenario", "IL2",
                "--threads", "2", "--method", "slow-scale", "--theta", "2", "--group-theta", groupTheta, "--out", dir);
            Assert.True(code == 0, error);
        }
        int Lumping(string dir)
        {
            string report = File.ReadAllText(Path.Combine(dir, "report.md"));
            var m = System.Text.RegularExpressions.Regex.Match(report, @"L_CD122 \+ gc <-> L_CD122_gc \((\d) of 6 groups\)");
            // Not listed at all: lumped in no group (it would be under "every group" if it were in all six).
            Assert.True(m.Success || !report.Contains("L_CD122 + gc <-> L_CD122_gc", StringComparison.Ordinal), "listed in every group");
            return m.Success ? int.Parse(m.Groups[1].Value) : 0;
        }
        Assert.Contains("(θ = 2, chains 2, reservoir tolerance 0.01)", File.ReadAllText(Path.Combine(loose, "report.md")));
        Assert.True(Lumping(loose) > Lumping(strict), $"{Lumping(loose)} vs {Lumping(strict)} groups");
    }

    [Fact]
    public async Task Population_GroupThetaWithoutSlowScale_OrNotPositive_IsAnError()
    {
        var (code, _, error) = await Run("population", StudyReaderTests.StudyPath, "--method", "ssa", "--group-theta", "5", "--out", Path.Combine(_dir, "x"));
        Assert.NotEqual(0, code);
        Assert.Equal("error: --group-theta applies to --method slow-scale only", error.Trim());
        (code, _, error) = await Run("population", StudyReaderTests.StudyPath, "--method", "slow-scale", "--group-theta", "0", "--out", Path.Combine(_dir, "y"));
        Assert.NotEqual(0, code);
        Assert.Contains("--group-theta must be a positive number", error);
    }

    [Fact]
    public async Task Population_ReservoirTolerance_ReachesTheReduction_AndIsChecked()
    {
        string outDir = Path.Combine(_dir, "tolerance");
        var (code, _, error) = await Run("population", StudyReaderTests.StudyPath, "--cells", "1", "--scenario", "IL2",
            "--threads", "2", "--method", "slow-scale", "--theta", "2", "--reservoir-tolerance", "0.001", "--out", outDir);
        Assert.True(code == 0, error);
        Assert.Contains("(θ = 2, chains 10, reservoir tolerance 0.001)", File.ReadAllText(Path.Combine(outDir, "report.md")));
        (code, _, error) = await Run("population", StudyReaderTests.StudyPath, "--method", "slow-scale", "--reservoir-tolerance", "-0.1", "--out", Path.Combine(_dir, "x"));
        Assert.NotEqual(0, code);
        Assert.Contains("--reservoir-tolerance must be in [0, 1)", error);
        (code, _, error) = await Run("population", StudyReaderTests.StudyPath, "--method", "ssa", "--reservoir-tolerance", "0.01", "--out", Path.Combine(_dir, "y"));
        Assert.NotEqual(0, code);
        Assert.Equal("error: --reservoir-tolerance applies to --method slow-scale only", error.Trim());
    }

    [Fact]
    public async Task Population_BadTheta_IsAnError()
    {
        var (code, _, error) = await Run("population", StudyReaderTests.StudyPath, "--method", "slow-scale", "--theta", "-1", "--out", Path.Combine(_dir, "x"));
        Assert.NotEqual(0, code);
        Assert.Contains("--theta", error);
    }
}
