using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

public class StudyReaderTests
{
    internal static string StudyPath => Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "study.study");

    // A tiny model with per-cell parameters read through functional rates.
    internal const string TinyModel = """
        begin parameters
          k0  5
          X0  10
          kd  0.1
          dose 0
        end parameters
        begin seed species
          X  X0
        end seed species
        begin observables
          Molecules Xobs X
        end observables
        begin functions
          syn() = k0 + dose
        end functions
        begin reaction rules
          0 -> X  syn()
          X -> 0  kd
        end reaction rules
        """;

    internal static Study ParseTiny(string study) =>
        StudyReader.Parse(study, "test.study", _ => BnglReader.Parse(TinyModel, "tiny.bngl"));

    internal const string TinyStudy = """
        begin study
          model tiny.bngl
          cells 8
          seed 3
          output_every 5
          dose_parameter dose
          readout Xobs
          readout_time 10
        end study
        begin ligands
          drug
        end ligands
        begin cell types
          A  X0  lognormal(10, 0.5)
          A  k0  uniform(1, 3)
          B  X0  20
        end cell types
        begin scenarios
          low   ligand=drug dose=0 duration=20
          high  ligand=drug dose=5 duration=20
        end scenarios
        begin fates
          many: Xobs > 40
          some: Xobs_mean > 10 && X0 < 15
          few: 1
        end fates
        """;

    [Fact]
    public void ShippedStudyLoadsEveryCellTypeAndScenario()
    {
        var study = StudyReader.Read(StudyPath);
        Assert.Equal(["Treg", "stem_like", "terminal", "bystander", "NK", "endothelial"], study.CellTypes.Select(c => c.Name));
        Assert.Equal(8, study.Scenarios.Length);
        Assert.Equal(["better_effector", "terminal", "stem_like", Study.Unclassified], study.FateNames);
        var treg = study.CellTypes[0].Parameters.Single(p => p.Parameter == "CD25_0");
        Assert.Equal(new LogNormalDistribution(3480, 0.8), treg.Distribution);
        Assert.Equal(100, study.Scenarios.Single(s => s.Name == "IL2_aPD1").Settings["aPD1_nM"]);
    }

    [Fact]
    public void TinyStudyParses()
    {
        var study = ParseTiny(TinyStudy);
        Assert.Equal(2, study.CellTypes.Length);
        Assert.Equal(5, study.Scenarios[1].Settings["dose"]);
        Assert.Equal(3UL, study.Settings.Seed);
    }

    public static TheoryData<string, string, string> Errors => new()
    {
        { "begin study", "begin studdy", "test.study:1:7: unknown block 'studdy'; did you mean 'study'?" },
        { "  cells 8", "  cels 8", "test.study:3:3: unknown setting 'cels'; did you mean 'cells'?" },
        { "  A  k0  uniform(1, 3)", "  A  kk0  uniform(1, 3)", "test.study:15:6: unknown model parameter 'kk0'; did you mean 'k0'?" },
        { "  A  k0  uniform(1, 3)", "  A  k0  gamma(1, 3)", "test.study:15:10: unknown distribution 'gamma' (expected lognormal, normal, uniform or fixed)" },
        { "  A  k0  uniform(1, 3)", "  A  k0  uniform(1, x)", "test.study:15:21: 'x' is not a number" },
        { "  low   ligand=drug dose=0 duration=20", "  low   ligand=drugg dose=0 duration=20", "test.study:19:16: unknown ligand 'drugg' (the 'ligands' block defines drug)" },
        { "  low   ligand=drug dose=0 duration=20", "  low   ligand=drug dose=0", "test.study:19:3: scenario 'low' needs 'duration=TIME' (model time units)" },
        { "  low   ligand=drug dose=0 duration=20", "  low   ligand=drug dose = 0 duration=20", "test.study:19:21: expected NAME=VALUE (no blanks around '='); found 'dose'" },
        { "  many: Xobs > 40", "  many: Xob > 40", "test.study:23:9: unknown name 'Xob' in fate rule; a rule reads observables (NAME, NAME_auc, NAME_mean, NAME_max) and model parameters" },
        { "  many: Xobs > 40", "  many: Xobs > ", "test.study:23:15: expression ends too early" },
        { "end fates", "", "test.study:22:1: block 'fates' is not closed (missing 'end fates')" },
        { "  model tiny.bngl", "", "test.study: the 'study' block must name the model ('model FILE.bngl')" },
        { "  A  k0  uniform(1, 3)", "  A  kd  uniform(1, 3)", "test.study:15:6: parameter 'kd' varies per cell or scenario, but reaction '?' at tiny.bngl:18:3 uses it in a mass-action rate" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void ErrorsHavePositions(string line, string replacement, string expected)
    {
        string text = TinyStudy.Replace(line, replacement);
        Assert.NotEqual(TinyStudy, text);
        var e = Assert.Throws<ModelException>(() => ParseTiny(text));
        Assert.Contains(e.Errors, x => x.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void MissingFileIsAModelError()
    {
        var e = Assert.Throws<ModelException>(() => StudyReader.Read("/nonexistent/x.study"));
        Assert.Equal("/nonexistent/x.study: file not found", e.Errors[0].ToString());
    }
}
