using Stochastic.Formats;
using Stochastic.Methods;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Validation;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// <c>--method ode</c>: the reaction rate equations integrated by SUNDIALS CVODE, against analytic
/// solutions and against the DSMTS means (for a first-order network the SSA mean obeys the rate
/// equations exactly).
/// </summary>
/// <remarks>
/// Tolerances: CVODE keeps each step's local error below rtol·|x| + atol (rtol = 1e-8, atol = 1e-10
/// by default); on these stable problems the global error stays within a small multiple of that over a
/// few hundred steps. The tests allow 1e-6 relative (100 × rtol) plus 1e-6 absolute, far from the
/// local bound yet orders of magnitude below any modelling difference they guard against (c·x² vs
/// c·x(x − 1) for the dimerization at 1,000 molecules is a 1e-3 relative difference).
/// </remarks>
public class OdeMethodTests
{
    private const double Relative = 1e-6, Absolute = 1e-6;

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Relative * Math.Abs(expected) + Absolute, $"{what}: expected {expected:R}, got {actual:R}");

    private static EnsembleResult Run(string bngl, double tEnd, int points = 11)
    {
        var model = BnglReader.Parse(bngl, "ode.bngl");
        var network = NetworkCompiler.Compile(model);
        return MethodCatalog.Ode.RunEnsemble(model, network, new EnsembleOptions(100, 1, new TimeGrid(0, tEnd, points)), MethodSettings.Default);
    }

    private static string Model(string parameters, string species, string rules) => $"""
        begin model
        begin parameters
        {parameters}
        end parameters
        begin seed species
        {species}
        end seed species
        begin reaction rules
        {rules}
        end reaction rules
        end model
        """;

    [Fact]
    public void Decay_FollowsTheExponential()
    {
        var result = Run(Model("k 0.5", "A 1000", "A -> 0 k"), 10);
        Assert.Equal(1, result.Runs);
        for (int i = 0; i < result.Grid.Points; i++)
        {
            Close(1000 * Math.Exp(-0.5 * result.Grid[i]), result.Mean(i, 0), $"A({result.Grid[i]})");
            Assert.Equal(0, result.StandardDeviation(i, 0));
        }
    }

    [Fact]
    public void ImmigrationDeath_FollowsTheMean()
    {
        var result = Run(Model("k1 10\nk2 0.1", "A 0", "0 -> A k1\nA -> 0 k2"), 50);
        for (int i = 0; i < result.Grid.Points; i++)
            Close(100 * (1 - Math.Exp(-0.1 * result.Grid[i])), result.Mean(i, 0), $"A({result.Grid[i]})");
    }

    [Fact]
    public void ReversibleIsomerization_RelaxesToItsEquilibrium()
    {
        var result = Run(Model("kf 2\nkr 1", "A 300\nB 0", "A <-> B kf, kr"), 5);
        int a = result.OutputNames.ToList().IndexOf("A"), b = result.OutputNames.ToList().IndexOf("B");
        for (int i = 0; i < result.Grid.Points; i++)
        {
            double t = result.Grid[i], expected = 300 * (1 + 2 * Math.Exp(-3 * t)) / 3;
            Close(expected, result.Mean(i, a), $"A({t})");
            Close(300 - expected, result.Mean(i, b), $"B({t})");
        }
        Close(100, result.Mean(result.Grid.Points - 1, a), "A at equilibrium (kr/(kf+kr)·300)");
    }

    [Fact]
    public void Dimerization_UsesTheMassActionLaw_cx2()
    {
        // BNGL A + A -> B at k carries the statistical factor 1/2: c = k/2, dA/dt = −2·c·A² = −k·A²,
        // so A(t) = A0 / (1 + k·A0·t). With c·A(A − 1) instead, A(1) would differ by about 1e-3 relative.
        var result = Run(Model("k 0.001", "A 1000\nB 0", "A + A -> B k"), 1);
        int a = result.OutputNames.ToList().IndexOf("A"), b = result.OutputNames.ToList().IndexOf("B");
        for (int i = 0; i < result.Grid.Points; i++)
        {
            double t = result.Grid[i], expected = 1000 / (1 + 0.001 * 1000 * t);
            Close(expected, result.Mean(i, a), $"A({t})");
            Close((1000 - expected) / 2, result.Mean(i, b), $"B({t})");
        }
    }

    [Fact]
    public void StiffNetwork_IsIntegratedInFewSteps()
    {
        // Binding at 1e6 per second against a decay at 1e-3: explicit methods would need ~1e9 steps.
        var result = Run(Model("kon 1e3\nkoff 1e6\nk 1e-3", "A 1000\nB 0", "A <-> B kon, koff\nB -> 0 k"), 1000);
        Assert.True(result.Counters.Leaps < 10_000, $"{result.Counters.Leaps} steps");
        // Quasi-equilibrium: B = A·kon/koff, total decays at k·kon/(kon + koff).
        double total = 1000 * Math.Exp(-1e-3 * 1e3 / (1e3 + 1e6) * 1000);
        int a = result.OutputNames.ToList().IndexOf("A"), b = result.OutputNames.ToList().IndexOf("B");
        double last = result.Mean(result.Grid.Points - 1, a) + result.Mean(result.Grid.Points - 1, b);
        Assert.InRange(last, total * (1 - 1e-4), total * (1 + 1e-4)); // the quasi-equilibrium approximation's own error is O(kon/koff)
    }

    // Every first-order DSMTS case (birth–death 00001–00019, immigration–death 00020–00028, time events in 00028):
    // the SSA mean solves the rate equations, so the published means are the ODE's solution.
    // 00029's event has a state trigger (X ≥ 22.5), which the mean of the stochastic process does not follow.
    public static TheoryData<string> LinearCases() => [.. Enumerable.Range(1, 28).Select(c => $"{c:00000}")];

    [Theory]
    [MemberData(nameof(LinearCases))]
    public void LinearDsmtsCase_MatchesThePublishedMean(string id)
    {
        var @case = DsmtsCase.Load(Path.Combine(DsmtsTests.SuiteDirectory, id));
        var model = @case.LoadModel();
        var network = NetworkCompiler.Compile(model);
        var result = MethodCatalog.Ode.RunEnsemble(model, network, new EnsembleOptions(1, 1, @case.Grid), MethodSettings.Default);
        var names = result.OutputNames.ToList();
        for (int v = 0; v < @case.Variables.Count; v++)
        {
            int output = names.IndexOf(@case.Variables[v]);
            Assert.True(output >= 0, @case.Variables[v]);
            for (int i = 0; i < @case.Times.Count; i++)
            {
                // The published means are printed to about 7 significant digits.
                double expected = @case.ExpectedMean(i, v), actual = result.Mean(i, output);
                Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Abs(expected) + 1e-5,
                    $"{id} {@case.Variables[v]} at t = {@case.Times[i]}: expected {expected:R}, got {actual:R}");
            }
        }
    }

    [Fact]
    public void Method_IsInTheCatalog_Deterministic_AndReadsItsTolerances()
    {
        Assert.Same(MethodCatalog.Ode, MethodCatalog.Get("ode"));
        Assert.True(MethodCatalog.Ode.IsDeterministic);
        Assert.False(MethodCatalog.Ode.IsExact);
        Assert.True(MethodCatalog.Ode.AppliesEvents);
        Assert.Equal(MethodNeeds.OdeTolerances, MethodCatalog.Ode.Needs);
    }

    [Fact]
    public void LooserTolerances_StayWithinThem()
    {
        var model = BnglReader.Parse(Model("k 0.5", "A 1000", "A -> 0 k"), "ode.bngl");
        var network = NetworkCompiler.Compile(model);
        var settings = MethodSettings.Default with { Ode = new Simulation.Ode.OdeTolerances(1e-4, 1e-6) };
        var result = MethodCatalog.Ode.RunEnsemble(model, network, new EnsembleOptions(1, 1, new TimeGrid(0, 10, 11)), settings);
        // 100 × rtol: the same allowance as above, for the looser setting.
        for (int i = 0; i < result.Grid.Points; i++)
        {
            double expected = 1000 * Math.Exp(-0.5 * result.Grid[i]);
            Assert.InRange(result.Mean(i, 0), expected - 1e-2 * expected - 1e-4, expected + 1e-2 * expected + 1e-4);
        }
    }
}
