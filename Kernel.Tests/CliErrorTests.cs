using Stochastic.Methods;
using Stochastic.Cli;
using Stochastic.Formats;
using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

/// <summary>User mistakes end in one readable line and exit 1; the study's own engine is the default.</summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-errors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task UnknownScenario_IsOneLine_ListingTheScenarios()
    {
        var (code, _, error) = await CliHarness.Run("population", StudyReaderTests.StudyPath, "--scenario", "nope", "--out", Path.Combine(_dir, "x"));
        Assert.Equal(CliApp.InputError, code);
        Assert.Equal("--scenario: unknown scenario 'nope'; scenarios: untreated, aPD1, IL2, IL2_aPD1, IL2v, IL2v_aPD1, PD1IL2v, PD1IL2v_aPD1", error.Trim());
    }

    [Fact]
    public async Task UnknownLigand_IsOneLine_ListingTheLigands()
    {
        var (code, _, error) = await CliHarness.Run("dose-response", StudyReaderTests.StudyPath, "--ligand", "IL7", "--out", Path.Combine(_dir, "x"));
        Assert.Equal(CliApp.InputError, code);
        Assert.Equal("--ligand: unknown ligand 'IL7'; ligands: IL2, IL2v, PD1IL2v, none", error.Trim());
    }

    [Theory]
    [InlineData("population|STUDY|--method|nope", "error: unknown --method 'nope' (expected ssa, batch, hybrid, slow-scale, multiscale, ode, direct, sorting-direct, nrm, cr, rssa-cr, spdm) (see stochastic population --help)")]
    [InlineData("simulate", "error: Required argument 'FILE' missing for command: 'simulate'. (see stochastic simulate --help)")]
    public async Task CommandLineMistake_IsOneLine_WithoutHelpDump(string args, string expected)
    {
        var (code, output, error) = await CliHarness.Run(args.Replace("STUDY", StudyReaderTests.StudyPath).Split('|'));
        Assert.Equal(CliApp.InputError, code);
        Assert.Equal(expected, error.Trim());
        Assert.Equal("", output);
    }

    [Fact]
    public void Library_UnknownScenario_ThrowsTheModelExceptionOfTheFamily()
    {
        var study = StudyReader.Read(StudyReaderTests.StudyPath);
        var e = Assert.Throws<ModelException>(() => PopulationRunner.Run(study, new PopulationOptions(1, Scenarios: ["nope"])));
        Assert.IsAssignableFrom<StochasticException>(e);
        Assert.StartsWith("Scenarios: unknown scenario 'nope'; scenarios: untreated,", e.Errors.Single().ToString());
    }

    [Fact]
    public void StudyEngine_IsTheStudysOwn_AndItsErrorsHaveFileLineColumn()
    {
        var engine = StudyReader.Read(StudyReaderTests.StudyPath).Settings.Engine;
        Assert.Equal(MethodCatalog.SlowScale, engine.Method);
        Assert.Equal(10, engine.SlowScale.Theta);
        Assert.Equal(0.03, engine.SlowScale.LeapEpsilon);

        string text = File.ReadAllText(StudyReaderTests.StudyPath).Replace("slow-scale theta=10 leap", "slow-scale theta=0 lep=1");
        var e = Assert.Throws<ModelException>(() => StudyReader.Parse(text, StudyReaderTests.StudyPath,
            m => Formats.ModelLoader.Load(Path.Combine(Path.GetDirectoryName(StudyReaderTests.StudyPath)!, m))));
        Assert.Contains(e.Errors, x => x.Message == "theta must be a positive number" && x.Position.Line == 22 && x.Position.Column == 29);
        Assert.Contains(e.Errors, x => x.Message.StartsWith("unknown engine setting 'lep'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Flags_OverrideTheStudysEngine()
    {
        string outDir = Path.Combine(_dir, "override");
        var (code, _, error) = await CliHarness.Run("population", StudyReaderTests.StudyPath, "--cells", "1", "--scenario", "IL2",
            "--threads", "2", "--leap", "false", "--reservoir-tolerance", "0.001", "--out", outDir);
        Assert.True(code == 0, error);
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("(θ = 10, chains 10, reservoir tolerance 0.001)", report);
        Assert.DoesNotContain("hybrid SSA / tau-leaping", report);
    }
}
