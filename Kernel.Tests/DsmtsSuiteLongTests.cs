using Stochastic.Simulation.Exact;
using Stochastic.Validation;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

/// <summary>
/// The full DSMTS at the suite's recommended n = 10,000 with the direct method (a few minutes on two
/// cores; excluded from the default run by <c>--filter "Category!=Long"</c>). Writes the markdown
/// report to <c>dsmts-report.md</c> in the test output folder; docs/validation.md records a run.
/// </summary>
public class DsmtsSuiteLongTests(ITestOutputHelper output)
{
    private const ulong Seed = 20261127;

    [Fact]
    [Trait("Category", "Long")]
    public void FullSuite_DirectMethod_N10000()
    {
        int runs = int.TryParse(Environment.GetEnvironmentVariable("DSMTS_RUNS"), out int n) ? n : 10_000;
        var cases = DsmtsSuite.Load(DsmtsTests.SuiteDirectory);
        var results = cases.Select(c => c.Run(new DirectMethod(), runs, Seed)).ToList();
        string report = DsmtsReport.ToMarkdown(results, $"DSMTS, direct method, n = {runs}");
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "dsmts-report.md"), report);
        output.WriteLine(report);
        // No exact (σ = 0) check may fail. Over the suite's ~2,400 mean checks a correct simulator
        // expects ~6.5 false mean failures (0.27% each), clustered in time; the guide expects "2 or 3"
        // and "5 or 6" sd failures, plus 00003's sd test at large t. Bounds at several times those
        // expectations still fail any real error, which fails tens of checks per case.
        Assert.DoesNotContain(results.SelectMany(r => r.Failures), f => double.IsNaN(f.Statistic));
        Assert.True(results.Sum(r => r.MeanFailures) <= 25, "too many mean failures");
        Assert.True(results.Where(r => r.Case.Id != "00003").Sum(r => r.StandardDeviationFailures) <= 25, "too many sd failures");
    }
}
