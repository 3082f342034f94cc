using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Batch;
using Stochastic.Simulation.Exact;
using Stochastic.Simulation.Tau;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// Tau-leaping with functional rates (BioNetGen functions of observables and parameters): the
/// distribution matches the exact SSA, per-cell parameters reach the functions, and bad function
/// values are reported naming the reaction.
/// </summary>
public class TauLeapingFunctionalRateTests
{
    /// <summary>
    /// X is made at a Hill rate of Y (Y is not a reactant of the synthesis: it bounds the leap through
    /// the function-read rule, g = 1) and degraded at a functional rate that also reads X itself
    /// (functional rate × the reactant's count). Y ≈ 500, X ≈ 1000 at steady state.
    /// </summary>
    internal const string RegulatedSynthesis = """
        begin model
        begin parameters
          kY 50
          dY 0.1
          k 200
          K 500
          d 0.1
          Ksat 2000
        end parameters
        begin seed species
          X 0
          Y 0
        end seed species
        begin observables
          Molecules Xobs X
          Molecules Yobs Y
        end observables
        begin functions
          hill() = k * Yobs^2 / (K^2 + Yobs^2)
          deg() = d * (1 + Xobs / Ksat)
        end functions
        begin reaction rules
          makeY: 0 -> Y kY
          lossY: Y -> 0 dY
          synth: 0 -> X hill()
          decay: X -> 0 deg()
        end reaction rules
        end model
        """;

    /// <summary>Immigration–death with the immigration rate a function of a parameter only: X(∞) ~ Poisson(kin/d).</summary>
    internal const string FunctionalImmigration = """
        begin model
        begin parameters
          kin 10
          d 1
        end parameters
        begin seed species
          X 0
        end seed species
        begin observables
          Molecules Xobs X
        end observables
        begin functions
          inflow() = kin
        end functions
        begin reaction rules
          immigration: 0 -> X inflow()
          death: X -> 0 d
        end reaction rules
        end model
        """;

    [Fact]
    public void FunctionalRates_MatchExactSsa_ByKolmogorovSmirnov()
    {
        var network = TauLeapingSimulatorTests.Compile(RegulatedSynthesis);
        Assert.Equal(PropensityKind.Functional, network.Kinds[2]);
        Assert.Equal(PropensityKind.Functional, network.Kinds[3]);
        const int runs = 400;
        var grid = new TimeGrid(0, 20, 5);
        var options = new EnsembleOptions(runs, 31, grid, KeepTrajectories: true);
        var tau = Ensemble.Run(() => new TauLeapingSimulator(network), options);
        var ssa = Ensemble.Run(network, ExactAlgorithms.Find("direct")!, options with { Seed = 32 });
        // The test is about leaping with functions, not about SSA fallback steps.
        Assert.True(tau.Counters.Leaps > runs * 10, $"only {tau.Counters.Leaps} leaps");
        // Two-sample KS, α = 0.001 per comparison: D_crit = c(α)·sqrt(2/n), c(0.001) = sqrt(−ln(0.0005)/2)
        // = 1.949 (asymptotic Kolmogorov distribution; conservative for integer counts). 2 outputs × 4
        // times = 8 comparisons: a correct method fails one with probability below 1 %.
        double critical = ExactAlgorithmAgreementTests.KsCritical(0.001, runs);
        int outputs = network.OutputCount;
        for (int k = 1; k < grid.Points; k++)
            for (int o = 0; o < outputs; o++)
            {
                double[] a = [.. Enumerable.Range(0, runs).Select(r => tau.Trajectory(r)[k * outputs + o])];
                double[] b = [.. Enumerable.Range(0, runs).Select(r => ssa.Trajectory(r)[k * outputs + o])];
                double d = ExactAlgorithmAgreementTests.KolmogorovSmirnov(a, b);
                Assert.True(d < critical, $"{network.OutputNames[o]} at t = {grid[k]}: D = {d:F3} ≥ {critical:F3}");
            }
    }

    [Fact]
    public void KolmogorovSmirnov_DetectsAWrongFunctionalRate()
    {
        // Power check of the test above: a 10 % lower Hill maximum (k = 180) shifts X(20) by about
        // 80 molecules against an sd of ~40; the same KS test must reject it.
        var network = TauLeapingSimulatorTests.Compile(RegulatedSynthesis);
        var wrong = TauLeapingSimulatorTests.Compile(RegulatedSynthesis.Replace("k 200", "k 180"));
        const int runs = 400;
        var grid = new TimeGrid(0, 20, 2);
        var options = new EnsembleOptions(runs, 31, grid, KeepTrajectories: true);
        var tau = Ensemble.Run(() => new TauLeapingSimulator(wrong), options);
        var ssa = Ensemble.Run(network, ExactAlgorithms.Find("direct")!, options with { Seed = 32 });
        double[] a = [.. Enumerable.Range(0, runs).Select(r => tau.Trajectory(r)[1 * 2 + 0])];
        double[] b = [.. Enumerable.Range(0, runs).Select(r => ssa.Trajectory(r)[1 * 2 + 0])];
        Assert.True(ExactAlgorithmAgreementTests.KolmogorovSmirnov(a, b) >= ExactAlgorithmAgreementTests.KsCritical(0.001, runs));
    }

    [Fact]
    public void PerCellParameters_ReachTheFunctions()
    {
        var network = TauLeapingSimulatorTests.Compile(FunctionalImmigration);
        Assert.Equal(PropensityKind.Functional, network.Kinds[0]);
        const int cells = 400;
        int p = network.Parameters.Length, kin = network.ParameterIndex("kin");
        var parameters = new double[cells * p];
        // Even cells immigrate at 10, odd cells at 30; d = 1: stationary X ~ Poisson(10) and Poisson(30).
        for (int c = 0; c < cells; c++)
        {
            network.Parameters.CopyTo(parameters, c * p);
            parameters[c * p + kin] = c % 2 == 0 ? 10 : 30;
        }
        var result = BatchSimulator.Run(network, new BatchOptions(cells, 7, new TimeGrid(0, 10, 2)) { Parameters = parameters });
        double low = Enumerable.Range(0, cells / 2).Average(i => result.Output(2 * i, 1, 0));
        double high = Enumerable.Range(0, cells / 2).Average(i => result.Output(2 * i + 1, 1, 0));
        // At t = 10 (10 relaxation times) the means are 10 and 30 (tau-leaping keeps the mean of a
        // linear network exact); over 200 cells their standard errors are sqrt(10/200) = 0.22 and
        // sqrt(30/200) = 0.39. Bounds: 4.5 standard errors (two-sided p ≈ 7e-6 each).
        Assert.InRange(low, 10 - 4.5 * 0.224, 10 + 4.5 * 0.224);
        Assert.InRange(high, 30 - 4.5 * 0.387, 30 + 4.5 * 0.387);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            BatchSimulator.Run(network, new BatchOptions(cells, 7, new TimeGrid(0, 1, 2)) { Parameters = new double[3] }));
    }

    [Fact]
    public void NegativeFunctionValue_ThrowsNamingTheReaction()
    {
        var network = TauLeapingSimulatorTests.Compile("""
            begin model
            begin seed species
              A 10
            end seed species
            begin observables
              Molecules Atot A
            end observables
            begin functions
              f() = 0.1 * (5 - Atot)
            end functions
            begin reaction rules
              grow: A -> A + A f()
            end reaction rules
            end model
            """);
        var grid = new TimeGrid(0, 1, 2);
        var e = Assert.Throws<SimulationException>(() => new TauLeapingSimulator(network).Simulate(1, 0, grid, new double[grid.Points]));
        Assert.Contains("grow", e.Message);
        foreach (var width in new[] { SimdWidth.Scalar, SimdWidth.Vector256 })
        {
            var b = Assert.Throws<SimulationException>(() => BatchSimulator.Run(network, new BatchOptions(4, 1, grid, Width: width)));
            Assert.Contains("grow", b.Message);
        }
    }
}
