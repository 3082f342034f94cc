using System.Diagnostics;
using System.Text;
using Stochastic.Cli;
using Stochastic.Expressions;
using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Population;
using Stochastic.Simulation;
using Stochastic.Simulation.Exact;
using Xunit;
using static Stochastic.Tests.SbmlTestModels;

namespace Stochastic.Tests;

/// <summary>
/// Hostile input, one test per fault class found by mutating the repository's models: each ended in
/// a stack overflow, a hang, a wrong number or a raw stack trace before, and now ends in one
/// positioned line and exit 1, quickly.
/// </summary>
public sealed class InputLimitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-limits-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Generous for a loaded 2-core machine: every case here takes well under a second alone; the
    // faults they guard against took 10 s or more, or never ended.
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(10);

    private string WriteFile(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Bngl(string parameters = "k 1", string species = "X 10", string rules = "X -> 0 k", string functions = "") => $"""
        begin model
        begin parameters
        {parameters}
        end parameters
        begin seed species
        {species}
        end seed species
        {(functions.Length > 0 ? $"begin functions\n{functions}\nend functions" : "")}
        begin reaction rules
        {rules}
        end reaction rules
        end model
        """;

    /// <summary>Runs the CLI; asserts exit 1, a bounded time and one line of error that starts with <paramref name="prefix"/>.</summary>
    private static async Task<string> AssertOneLineError(string prefix, params string[] args)
    {
        var watch = Stopwatch.StartNew();
        var (code, _, error) = await CliHarness.Run(args);
        Assert.True(watch.Elapsed < Quick, $"took {watch.Elapsed}");
        Assert.True(code == CliApp.InputError, $"exit {code}: {error}");
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(prefix, line, StringComparison.Ordinal);
        return line;
    }

    [Theory]
    [InlineData("paren")]
    [InlineData("minus")]
    [InlineData("power")]
    [InlineData("sum")]
    public async Task DeepExpression_IsAPositionedError_NotAStackOverflow(string shape)
    {
        const int n = 200_000;
        string expr = shape switch
        {
            "paren" => new string('(', n) + "1" + new string(')', n),
            "minus" => new string('-', n) + "1",
            "power" => string.Join("^", Enumerable.Repeat("1", n)),
            _ => string.Join("+", Enumerable.Repeat("1", n)),
        };
        string path = WriteFile("deep.bngl", Bngl(parameters: $"k {expr}"));
        string line = await AssertOneLineError(path + ":3:", "check", path);
        Assert.Contains("nested more than 1000 levels deep", line);
    }

    [Fact]
    public void AtTheDepthLimit_TheExpressionIsRead()
    {
        // 999 parentheses around a number: 1,000 levels with the number, the most allowed.
        string expr = new string('(', 999) + "2" + new string(')', 999);
        var model = BnglReader.Parse(Bngl(parameters: $"k {expr}"), "edge.bngl");
        Assert.Equal(2, model.Parameters[0].Value);
    }

    [Fact]
    public async Task FunctionsThatDoubleAtEachLevel_AreRefusedQuickly_NotExpandedForever()
    {
        // f1 = f0 + f0, f2 = f1 + f1, …: f60 inlined would have 2^60 nodes.
        var functions = new StringBuilder("f0() = k\n");
        for (int i = 1; i <= 60; i++) functions.Append(FormattableString.Invariant($"f{i}() = f{i - 1}() + f{i - 1}()\n"));
        string path = WriteFile("double.bngl", Bngl(functions: functions.ToString(), rules: "X -> 0 f60()"));
        string line = await AssertOneLineError(path + ":", "check", path);
        Assert.Contains("more than 1,000,000 terms", line);
    }

    [Theory]
    [InlineData(1_050, "MathML nested more than 1000 elements deep")]
    [InlineData(100_000, "XML nested more than 1100 elements deep")]
    public async Task DeepMathML_IsAPositionedError(int n, string message)
    {
        var math = new StringBuilder();
        for (int i = 0; i < n; i++) math.Append("<apply><minus/>");
        math.Append("<cn>1</cn>");
        for (int i = 0; i < n; i++) math.Append("</apply>");
        string path = WriteFile("deep.xml", L3($"""
            <listOfParameters><parameter id="k" constant="true"/></listOfParameters>
            <listOfInitialAssignments><initialAssignment symbol="k">{Math(math.ToString())}</initialAssignment></listOfInitialAssignments>
            """));
        string line = await AssertOneLineError(path + ":", "check", path);
        Assert.Contains(message, line);
    }

    [Fact]
    public async Task SbmlFunctionsThatDouble_AreRefusedQuickly()
    {
        var defs = new StringBuilder("<listOfFunctionDefinitions>");
        defs.Append($"<functionDefinition id=\"f0\">{Math("<lambda><bvar><ci>x</ci></bvar><apply><plus/><ci>x</ci><ci>x</ci></apply></lambda>")}</functionDefinition>");
        for (int i = 1; i <= 60; i++)
            defs.Append($"<functionDefinition id=\"f{i}\">{Math($"<lambda><bvar><ci>x</ci></bvar><apply><plus/><apply><ci>f{i - 1}</ci><ci>x</ci></apply><apply><ci>f{i - 1}</ci><ci>x</ci></apply></apply></lambda>")}</functionDefinition>");
        defs.Append("</listOfFunctionDefinitions>");
        string path = WriteFile("double.xml", L3($"""
            {defs}
            <listOfParameters><parameter id="k" constant="true"/></listOfParameters>
            <listOfInitialAssignments><initialAssignment symbol="k">{Math("<apply><ci>f60</ci><cn>1</cn></apply>")}</initialAssignment></listOfInitialAssignments>
            """));
        string line = await AssertOneLineError(path + ":", "check", path);
        Assert.Contains("more than 100,000 elements", line);
    }

    [Fact]
    public void DeepIgnoredAnnotation_IsRefusedInLinearTime()
    {
        // 100,000 nested elements inside an annotation took 14 s (XDocument's load is quadratic in the
        // depth); a first linear pass now refuses anything nested deeper than SBML ever is.
        const int n = 100_000;
        var annotation = new StringBuilder("<annotation>");
        for (int i = 0; i < n; i++) annotation.Append("<a>");
        for (int i = 0; i < n; i++) annotation.Append("</a>");
        annotation.Append("</annotation>");
        string text = L3($"{annotation}<listOfSpecies>{Species("X", 1)}</listOfSpecies>");
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<ModelException>(() => SbmlReader.Parse(text, "annotated.xml"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        var error = Assert.Single(e.Errors);
        Assert.True(error.Position.Line > 0 && error.Position.Column > 0, error.ToString());
        Assert.Contains($"nested more than {SbmlReader.MaxXmlDepth} elements deep", error.Message);
    }

    [Fact]
    public void AnnotationAsDeepAsTheLimit_IsRead()
    {
        var annotation = new StringBuilder("<annotation>");
        for (int i = 0; i < 1000; i++) annotation.Append("<a>");
        for (int i = 0; i < 1000; i++) annotation.Append("</a>");
        annotation.Append("</annotation>");
        Assert.Single(SbmlReader.Parse(L3($"{annotation}<listOfSpecies>{Species("X", 1)}</listOfSpecies>"), "annotated.xml").Species);
    }

    [Fact]
    public async Task ErrorLines_QuoteAShortEscapedExcerpt()
    {
        // A terminal escape sequence (ESC ] 0 ; … BEL sets the window title) and a 1 MB name.
        string path = WriteFile("hostile.bngl", Bngl(rules: "X -> 0 \u001b]0;owned\u0007" + new string('y', 1_000_000)));
        var (code, _, error) = await CliHarness.Run("check", path);
        Assert.Equal(CliApp.InputError, code);
        Assert.DoesNotContain('\u001b', error);
        Assert.DoesNotContain('\u0007', error);
        Assert.All(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.True(line.Length <= path.Length + SourceExcerpt.MaxMessage + 20, $"{line.Length} characters"));
    }

    [Fact]
    public async Task LongMisspelledName_GetsItsErrorQuickly()
    {
        // "Did you mean" compared every known name letter by letter: two 100,000-letter names cost 10^10 steps.
        string defined = new('a', 100_000), used = new string('a', 99_999) + "b";
        string path = WriteFile("long.bngl", Bngl(parameters: $"{defined} 1", rules: $"X -> 0 {used}"));
        string line = await AssertOneLineError(path + ":", "check", path);
        Assert.Contains("unknown", line);
    }

    [Fact]
    public void SourceExcerpt_EscapesControlsAndBidiOverrides_AndCuts()
    {
        Assert.Equal("a\\x1b[31mb\\u202ec", SourceExcerpt.Clean("a\u001b[31mb\u202ec"));
        Assert.Equal(new string('x', 10) + "…", SourceExcerpt.Clean(new string('x', 50), 10));
        Assert.Equal("plain", SourceExcerpt.Clean("plain"));
    }

    [Fact]
    public async Task NetCountPast2To53_IsRefusedWithItsPosition()
    {
        string path = WriteFile("big.net", """
            begin parameters
                1 k 1
            end parameters
            begin species
                1 A() 9007199254740993
            end species
            begin reactions
                1 1 0 k
            end reactions
            """);
        var (code, _, error) = await CliHarness.Run("check", path);
        Assert.Equal(CliApp.InputError, code);
        Assert.Contains(path + ":5:", error);
        Assert.Contains("below 2^53", error);
    }

    private string Runaway() => WriteFile("runaway.bngl", Bngl(parameters: "k 1", species: "X 1", rules: "X -> X + X k"));

    [Fact]
    public async Task RunawayGrowth_StopsAtTheFiringBudget_WithAClearMessage()
    {
        string line = await AssertOneLineError("error: a run fired more than 200,000 reactions", "simulate", Runaway(),
            "--t-end", "1000", "--runs", "2", "--threads", "1", "--max-firings", "200000", "--out", Path.Combine(_dir, "r.csv"));
        Assert.Contains("--max-firings", line);
    }

    [Fact]
    public async Task TauLeaping_PastTwoTo53_StopsWithAClearMessage_NotSdNaN()
    {
        // X doubles every 0.7 time units: past 2^53 long before t = 100, in a few hundred leaps.
        await AssertOneLineError("error: run 0: 'X' passed 2^53", "simulate", Runaway(),
            "--t-end", "100", "--runs", "1", "--threads", "1", "--method", "tau", "--out", Path.Combine(_dir, "t.csv"));
    }

    [Fact]
    public void RunGuard_Cancellation_StopsARunawayRunWithinASecond_AndKeepsTheFinishedRuns()
    {
        var model = BnglReader.Parse(Bngl(parameters: "k 1", species: "X 1", rules: "X -> X + X k"), "runaway.bngl");
        var network = NetworkCompiler.Compile(model);
        var grid = new TimeGrid(0, 1000, 11);
        using var cancel = new CancellationTokenSource();
        using var scope = RunGuard.Enter(new RunLimits(long.MaxValue, cancel.Token));
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        var result = Ensemble.Run(() => new ExactTrajectorySimulator(network, ExactAlgorithms.Find("direct")!), new EnsembleOptions(4, 1, grid, 2), cancellationToken: cancel.Token);
        // Cancelled at 0.3 s; the simulators look every 65,536 firings (milliseconds apart), so on a quiet
        // machine this returns well within a second. The bound here only catches a hang (a runaway run would
        // otherwise end by passing 2^53, not by cancellation): no timing claim in a unit test, since a loaded
        // machine stretches wall time several-fold.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        Assert.True(result.Cancelled);
        Assert.Equal(0, result.Runs);
    }

    [Theory]
    [InlineData("simulate|MODEL|--runs|-1", "--runs must be 0 or more, got -1")]
    [InlineData("simulate|MODEL|--threads|-1", "--threads must be 0 or more, got -1")]
    [InlineData("population|STUDY|--cells|-1", "--cells must be 0 or more, got -1")]
    [InlineData("population|STUDY|--threads|-1", "--threads must be 0 or more, got -1")]
    [InlineData("dose-response|STUDY|--cells|-1", "--cells must be 0 or more, got -1")]
    [InlineData("simulate|MODEL|--max-firings|-5", "--max-firings must be 0 (no budget) or a positive count, got -5")]
    public async Task NegativeCounts_AreRefused(string args, string message)
    {
        string model = Path.Combine(AppContext.BaseDirectory, "Reactions", "examples", "birth-death.bngl");
        await AssertOneLineError($"error: {message}", args.Replace("MODEL", model).Replace("STUDY", StudyReaderTests.StudyPath).Split('|'));
    }

    [Fact]
    public async Task NegativePropensityInOneCell_IsOneLine_NotAnAggregateException()
    {
        // The study's IL-2 scenario with a negative ligand factor: every cell's binding propensity is negative.
        string dir = Path.GetDirectoryName(StudyReaderTests.StudyPath)!;
        string text = File.ReadAllText(StudyReaderTests.StudyPath).Replace("IL2        lig_CD25=1 lig_PD1=0", "IL2        lig_CD25=-1 lig_PD1=0");
        Assert.Contains("lig_CD25=-1", text);
        string study = Path.Combine(dir, $"negative-{Guid.NewGuid():N}.study");
        File.WriteAllText(study, text);
        try
        {
            await AssertOneLineError("error: propensity of reaction", "population", study, "--cells", "2", "--scenario", "IL2",
                "--threads", "2", "--out", Path.Combine(_dir, "neg"));
            var parsed = StudyReader.Read(study);
            Assert.Throws<SimulationException>(() => PopulationRunner.Run(parsed, new PopulationOptions(2, Threads: 2, Scenarios: ["IL2"])));
        }
        finally { File.Delete(study); }
    }

    [Theory]
    [InlineData("")]
    [InlineData("--method|batch")]
    [InlineData("--method|ssa")]
    public async Task HugeRateInAStudy_StopsWithAClearMessage_InEveryEngine(string method)
    {
        // dose = 1e308 makes a synthesis propensity so large that the clock no longer moves: the study's
        // slow-scale engine leapt intervals forever (found by FuzzTests), ignoring the budget and SIGTERM.
        File.WriteAllText(Path.Combine(_dir, "tiny.bngl"), StudyReaderTests.TinyModel);
        string study = WriteFile("huge.study", StudyReaderTests.TinyStudy.Replace("dose=5", "dose=1e308"));
        string[] args = ["population", study, "--cells", "2", "--threads", "1", "--max-firings", "100000", "--out", Path.Combine(_dir, "huge"),
            .. method.Split('|', StringSplitOptions.RemoveEmptyEntries)];
        await AssertOneLineError("error: ", args);
    }

    [Fact]
    public void WorkCounters_Saturate_InsteadOfWrappingNegative()
    {
        var big = new SimulationCounters(long.MaxValue - 1, 0);
        Assert.Equal(long.MaxValue, (big + new SimulationCounters(5, 0)).Events);
        Assert.Equal(7, SimulationCounters.Add(3, 4));
    }

    [Fact]
    public void ExpressionBuiltInCode_PastTheStack_IsAModelException()
    {
        // A tree no reader would build (10^6 levels): the walkers check their stack and refuse it.
        Expr e = new NumberExpr(1, new SourcePosition("code", 1, 1));
        for (int i = 0; i < 1_000_000; i++) e = new UnaryExpr(UnaryOperator.Negate, e, new SourcePosition("code", 1, 1));
        Expr deep = e;
        var error = RunOnSmallStack(() => ExpressionEvaluator.Evaluate(deep, _ => 0));
        Assert.IsType<ModelException>(error);
    }

    private static Exception? RunOnSmallStack(Action action)
    {
        Exception? caught = null;
        var thread = new Thread(() => { try { action(); } catch (Exception x) { caught = x; } }, 1 << 20);
        thread.Start();
        thread.Join();
        return caught;
    }
}
