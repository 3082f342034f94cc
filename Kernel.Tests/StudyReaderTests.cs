using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Population;
using Xunit;

namespace Stochastic.Tests;

public class StudyReaderTests
{
    internal static string StudyPath => Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "study.study");

    /// <summary>
    /// The IL-2 model with the receptor-assembly constants it had before they were fitted (kf11 = 3·kf2D,
    /// K5 = 600, K11 = 100; docs/calibration.md): the slow-scale reduction tests work out their expected
    /// pairs and first-order errors from those rates, and test the criterion, not the calibration.
    /// </summary>
    internal static ReactionModel Il2WithHandConstants(ReactionModel model) =>
        model.WithParameterValues(new Dictionary<string, double> { ["kf11"] = 3 * 2.86e-3, ["K5"] = 600, ["K11"] = 100 });

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
        Assert.Equal(["better_effector", "terminal", "stem_like", "transitional", "responding", "quiescent", Study.Unclassified], study.FateNames);
        // Exhaustion fates for the antigen-specific CD8 types only; one read-out fate for the others.
        Assert.Equal(["better_effector", "terminal", "stem_like", "transitional", Study.Unclassified], study.FateNamesFor("terminal"));
        Assert.Equal(["responding", "quiescent", Study.Unclassified], study.FateNamesFor("bystander"));
        Assert.Equal(["responding", "quiescent", Study.Unclassified], study.FateNamesFor("NK"));
        Assert.All(study.CellTypes, c => Assert.Empty(c.Correlations));
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
        // fate rules scoped to cell types
        { "  many: Xobs > 40", "  many (A, BB): Xobs > 40", "test.study:23:12: unknown cell type 'BB' in fate 'many'; did you mean 'B'?" },
        { "  many: Xobs > 40", "  many (A, Tcell): Xobs > 40", "test.study:23:12: unknown cell type 'Tcell' in fate 'many' (the study defines A, B)" },
        { "  many: Xobs > 40", "  many (A, A): Xobs > 40", "test.study:23:12: cell type 'A' is listed twice in fate 'many'" },
        { "  many: Xobs > 40", "  many (A,): Xobs > 40", "test.study:23:11: empty cell-type name in the list of fate 'many'" },
        { "  many: Xobs > 40", "  many (A): Xob > 40", "test.study:23:13: unknown name 'Xob' in fate rule" },
        { "  many: Xobs > 40", "  many (A):", "test.study:23:3: fate 'many' needs a condition" },
        // parameter correlations
        { "  B  X0  20", "  B  X0  20\n  A  correlation(X0, k0) 1.5", "test.study:17:26: a correlation must be a number strictly between -1 and 1; found '1.5'" },
        { "  B  X0  20", "  B  X0  20\n  A  correlation(X0, k0)", "test.study:17:6: expected 'CELLTYPE correlation(PARAMETER, PARAMETER) RHO'" },
        { "  B  X0  20", "  B  X0  20\n  A  correlation(X0, kk0) 0.5", "test.study:17:22: cell type 'A' does not vary 'kk0'; did you mean 'k0'?" },
        { "  B  X0  20", "  B  X0  20\n  A  correlation(X0, dose) 0.5", "test.study:17:22: cell type 'A' does not vary 'dose'; give it a distribution first (e.g. 'A dose lognormal(MEDIAN, SIGMA)')" },
        { "  B  X0  20", "  B  X0  20\n  B  correlation(X0, k0) 0.5", "test.study:17:18: 'X0' is fixed in cell type 'B'; a correlation needs a lognormal, normal or uniform distribution" },
        { "  B  X0  20", "  B  X0  20\n  Aa  correlation(X0, k0) 0.5", "test.study:17:3: unknown cell type 'Aa' (no parameter lines); did you mean 'A'?" },
        { "  B  X0  20", "  B  X0  20\n  A  correlation(X0, X0) 0.5", "test.study:17:6: correlation of 'X0' with itself" },
        { "  B  X0  20", "  B  X0  20\n  A  correlation(X0, k0) 0.5\n  A  correlation(k0, X0) 0.2", "test.study:18:6: cell type 'A' correlates 'k0' and 'X0' twice" },
        {
            "  B  X0  20",
            "  B  X0  20\n  A  dose  uniform(0, 1)\n  A  correlation(X0, k0) 0.9\n  A  correlation(X0, dose) 0.9\n  A  correlation(k0, dose) -0.9",
            "test.study:18:6: the correlations of cell type 'A' do not form a positive-definite matrix"
        },
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
    public void ALineEndingInBackslashContinues_AndErrorsPointAtThePhysicalLine()
    {
        // Study files share BNGL's line scanner (Formats/BlockScanner), continuations included.
        var study = ParseTiny(TinyStudy.Replace("  low   ligand=drug dose=0 duration=20", "  low   ligand=drug \\\n    dose=0 duration=20"));
        Assert.Equal(20, study.Scenarios[0].Duration);
        var e = Assert.Throws<ModelException>(() => ParseTiny(TinyStudy.Replace("  low   ligand=drug dose=0 duration=20", "  low   ligand=drug \\\n    dose=0 duration=x")));
        Assert.Contains(e.Errors, x => x.ToString() == "test.study:20:21: 'x' is not a number");
    }

    [Fact]
    public void FateRulesCanBeLimitedToCellTypes()
    {
        var study = ParseTiny(TinyStudy.Replace("  many: Xobs > 40", "  many (B):  Xobs > 40").Replace("  some: Xobs_mean", "  some ( A , B ):Xobs_mean"));
        Assert.Equal<string>(["B"], study.Fates[0].CellTypes);
        Assert.Equal("Xobs > 40", study.Fates[0].Text);
        Assert.Equal<string>(["A", "B"], study.Fates[1].CellTypes);
        Assert.Empty(study.Fates[2].CellTypes);
        Assert.False(study.Fates[0].AppliesTo("A"));
        Assert.True(study.Fates[2].AppliesTo("A"));
        Assert.Equal(["some", "few", Study.Unclassified], study.FateNamesFor("A"));
        Assert.Equal(["many", "some", "few", Study.Unclassified], study.FateNamesFor("B"));
        Assert.Equal(["many", "some", "few", Study.Unclassified], study.FateNames);
    }

    [Fact]
    public void AConditionInParenthesesIsNotACellTypeList()
    {
        // Without a colon after ')', the parentheses belong to the condition (as before lists existed).
        var study = ParseTiny(TinyStudy.Replace("  many: Xobs > 40", "  many (Xobs > 40) && 1"));
        Assert.Empty(study.Fates[0].CellTypes);
        Assert.Equal("(Xobs > 40) && 1", study.Fates[0].Text);
    }

    [Fact]
    public void CorrelationsAttachToTheirCellType()
    {
        var study = ParseTiny(TinyStudy.Replace("  B  X0  20", "  B  X0  20\n  A  correlation( X0 ,k0)  -0.3"));
        var a = study.CellTypes.Single(c => c.Name == "A");
        var correlation = Assert.Single(a.Correlations);
        Assert.Equal(("X0", "k0", -0.3), (correlation.First, correlation.Second, correlation.Coefficient));
        Assert.Equal(new SourcePosition("test.study", 17, 6), correlation.Position);
        Assert.Empty(study.CellTypes.Single(c => c.Name == "B").Correlations);
        // A correlation line is not a parameter: A still varies exactly X0 and k0.
        Assert.Equal(["X0", "k0"], a.Parameters.Select(p => p.Parameter));
    }

    [Fact]
    public void MissingFileIsAModelError()
    {
        var e = Assert.Throws<ModelException>(() => StudyReader.Read("/nonexistent/x.study"));
        Assert.Equal("/nonexistent/x.study: file not found", e.Errors[0].ToString());
    }

    [Fact]
    public void MissingModelIsReportedAtTheStudyLineThatNamesIt()
    {
        // The model name is input: a bidirectional override in it is shown escaped, and the one error
        // points at the study's model line, not at a file that does not exist.
        string dir = Directory.CreateTempSubdirectory("stochastic-study-").FullName;
        try
        {
            string path = Path.Combine(dir, "s.study");
            File.WriteAllText(path, TinyStudy.Replace("model tiny.bngl", "model ti\u202eny.bngl"));
            var e = Assert.Throws<ModelException>(() => StudyReader.Read(path));
            var error = Assert.Single(e.Errors);
            Assert.Equal($"{path}:2:9: model 'ti\\u202eny.bngl': file not found", error.ToString());
        }
        finally { Directory.Delete(dir, true); }
    }
}
