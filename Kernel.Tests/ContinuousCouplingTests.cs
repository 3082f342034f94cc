using Stochastic.Formats;
using Stochastic.Methods;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Exact;
using Xunit;
using static Stochastic.Tests.SbmlTestModels;
using static Stochastic.Tests.TimeDependentRateTests;

namespace Stochastic.Tests;

/// <summary>
/// Continuous variables (SBML rate rules) coupled exactly to the exact methods: integrated between
/// firings, thinned where propensities read them, restarted where a firing changes what they read.
/// </summary>
/// <remarks>
/// Criteria are those of <see cref="TimeDependentRateTests"/> (DSMTS, Evans, Gillespie &amp; Wilkinson
/// 2008): at every output time Z = √n (X̄ − m)/σ must lie in (−3, 3) and Y = √(n/2) (S²/σ² − 1) in
/// (−5, 5), where m and σ² are the exact mean and variance. Under a correct simulator Z is standard
/// normal and Y nearly so (it assumes the kurtosis of a normal law; for a Poisson law of mean ≥ 1 the
/// excess kurtosis 1/m adds at most a few percent to its spread), so each band is exceeded at one time
/// point with probability 0.3% (Z) and below 1e-6 (Y); over tens of correlated points a correct
/// simulator fails Z somewhere with a chance of a few percent, so seeds are fixed and kept once they
/// pass: any change of law then shows as a failure. Each test that passes these criteria is paired
/// with a broken variant that fails them by a wide margin, so the criteria can fail.
/// </remarks>
public class ContinuousCouplingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> Algorithms() => [.. ExactAlgorithms.All.Select(a => a.Name)];

    // (a) Immigration at k·D(t), death at μX, with dD/dt = −kel·D, D(0) = D0: the immigration rate is
    // k·D0·e^(−kel·t), the decaying dose of TimeDependentRateTests written as a rate rule, so X(t) is
    // Poisson with the mean DecayingMean (k·D0 = K0, kel = Lambda, μ = DecayMu).
    private const double D0 = 10, KDose = K0 / D0;

    private static readonly string DoseModel = L3($"""
        <listOfSpecies>{Species("X", 0)}</listOfSpecies>
        <listOfParameters>
          <parameter id="k" value="{KDose}" constant="true"/><parameter id="kel" value="{Lambda}" constant="true"/>
          <parameter id="mu" value="{DecayMu}" constant="true"/><parameter id="D" value="{D0}" constant="false"/>
        </listOfParameters>
        <listOfRules><rateRule variable="D">{Math("<apply><times/><apply><minus/><ci>kel</ci></apply><ci>D</ci></apply>")}</rateRule></listOfRules>
        <listOfReactions>
          <reaction id="immigration" reversible="false">
            <listOfProducts><speciesReference species="X" stoichiometry="1" constant="true"/></listOfProducts>
            <kineticLaw>{Math("<apply><times/><ci>k</ci><ci>D</ci></apply>")}</kineticLaw>
          </reaction>
          <reaction id="death" reversible="false">
            <listOfReactants><speciesReference species="X" stoichiometry="1" constant="true"/></listOfReactants>
            <kineticLaw>{Math("<apply><times/><ci>mu</ci><ci>X</ci></apply>")}</kineticLaw>
          </reaction>
        </listOfReactions>
        """);

    private static ReactionModel Parse(string sbml) => SbmlReader.Parse(sbml, "coupled.xml");

    private static int Output(EnsembleResult result, string name) => result.OutputNames.ToList().IndexOf(name);

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void DoseByRateRule_IsPoisson_AtEveryOutputTime(string algorithm)
    {
        var network = NetworkCompiler.Compile(Parse(DoseModel));
        Assert.Equal([0], network.SmoothTimeReactions); // immigration reads D: thinned
        if (Helpers.Refusals.Refuses(algorithm, network)) return;
        var result = Ensemble.Run(network, ExactAlgorithms.Find(algorithm)!, new EnsembleOptions(Runs, 1982, Grid));
        int x = Output(result, "X"), d = Output(result, "D");
        var (z, y) = WorstCriteria(k => result.Mean(k, x), k => result.StandardDeviation(k, x), DecayingMean);
        output.WriteLine($"{algorithm}: worst |Z| = {z:F2}, worst |Y| = {y:F2}, {result.Wall.TotalSeconds:F1} s");
        Assert.True(z < 3, $"{algorithm}: worst |Z| = {z:F2}");
        Assert.True(y < 5, $"{algorithm}: worst |Y| = {y:F2}");
        // The recorded D is the rate rule's solution at each output time (the same in every run): within
        // 1e-6 relative of D0·e^(−kel·t) (100 × the integrator's rtol, as in SbmlRateRuleTests).
        for (int k = 0; k < Grid.Points; k++)
        {
            double expected = D0 * System.Math.Exp(-Lambda * Grid[k]);
            Assert.True(System.Math.Abs(result.Mean(k, d) - expected) <= 1e-6 * expected + 1e-9, $"D({Grid[k]}) = {result.Mean(k, d)}, expected {expected}");
        }
        Assert.True(result.StandardDeviation(Grid.Points - 1, d) <= 1e-9 * D0);
    }

    // The dose model with a second dose: at time >= T (between output times) an event sets D back to D0.
    private const double Redose = 4.3;

    private static readonly string RedoseModel = DoseModel.Replace("</listOfReactions>", $"""
        </listOfReactions>
        <listOfEvents><event id="redose" useValuesFromTriggerTime="true">
          <trigger initialValue="false" persistent="true">{Math($"<apply><geq/><csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\">t</csymbol><cn>{Redose}</cn></apply>")}</trigger>
          <listOfEventAssignments><eventAssignment variable="D">{Math($"<cn>{D0}</cn>")}</eventAssignment></listOfEventAssignments>
        </event></listOfEvents>
        """);

    // After the second dose X is the survivors of X(T) (thinned Poisson, mean m(T)·e^(−μ(t−T))) plus the
    // immigrants of a fresh dose (independent Poisson, mean DecayingMean(t − T)): Poisson again.
    private static double RedoseMean(double t) => t < Redose ? DecayingMean(t)
        : DecayingMean(Redose) * System.Math.Exp(-DecayMu * (t - Redose)) + DecayingMean(t - Redose);

    [Theory]
    [InlineData("direct", 43)]
    [InlineData("nrm", 44)]
    public void EventAssigningTheContinuousVariable_RestartsItsIntegration(string algorithm, ulong seed)
    {
        var network = NetworkCompiler.Compile(Parse(RedoseModel));
        var result = Ensemble.Run(network, ExactAlgorithms.Find(algorithm)!, new EnsembleOptions(Runs, seed, Grid));
        int x = Output(result, "X"), d = Output(result, "D");
        var (z, y) = WorstCriteria(k => result.Mean(k, x), k => result.StandardDeviation(k, x), RedoseMean);
        output.WriteLine($"{algorithm} with a second dose: worst |Z| = {z:F2}, worst |Y| = {y:F2}");
        Assert.True(z < 3, $"{algorithm}: worst |Z| = {z:F2}");
        Assert.True(y < 5, $"{algorithm}: worst |Y| = {y:F2}");
        for (int k = 0; k < Grid.Points; k++)
        {
            double t = Grid[k], expected = D0 * System.Math.Exp(-Lambda * (t < Redose ? t : t - Redose));
            Assert.True(System.Math.Abs(result.Mean(k, d) - expected) <= 1e-6 * expected + 1e-9, $"D({t}) = {result.Mean(k, d)}, expected {expected}");
        }
    }

    [Fact]
    public void DoseHeldConstantBetweenFirings_FailsTheSameCriteria()
    {
        // (c) The rule thinning replaces: the propensity k·D is computed at each firing, with D at its value
        // then, and held until the next firing. While the dose decays the held rate is too high, so X is
        // too high: |Z| in the tens (as for the time-dependent dose in TimeDependentRateTests).
        var network = NetworkCompiler.Compile(Parse(DoseModel));
        var random = new System.Random(12);
        int dose = Array.IndexOf(network.ParameterNames, "D");
        var sum = new double[Grid.Points];
        var squares = new double[Grid.Points];
        var x = new double[network.SpeciesCount];
        var p = (double[])network.Parameters.Clone();
        var a = new double[network.ReactionCount];
        for (int run = 0; run < Runs; run++)
        {
            network.InitialCounts.CopyTo(x, 0);
            double t = 0;
            void Rates()
            {
                p[dose] = D0 * System.Math.Exp(-Lambda * t);
                for (int r = 0; r < a.Length; r++) a[r] = network.Propensity(r, x, p, t);
            }
            Rates();
            double next = t - System.Math.Log(1 - random.NextDouble()) / a.Sum();
            for (int k = 0; k < Grid.Points; k++)
            {
                while (next <= Grid[k])
                {
                    t = next;
                    network.Fire(random.NextDouble() * a.Sum() < a[0] ? 0 : 1, x);
                    Rates();
                    next = t - System.Math.Log(1 - random.NextDouble()) / a.Sum();
                }
                sum[k] += x[0];
                squares[k] += x[0] * x[0];
            }
        }
        double Mean(int k) => sum[k] / Runs;
        double Sd(int k) => System.Math.Sqrt(System.Math.Max(0, (squares[k] - Runs * Mean(k) * Mean(k)) / (Runs - 1)));
        var (z, _) = WorstCriteria(Mean, Sd, DecayingMean);
        output.WriteLine($"held constant: worst |Z| = {z:F2}");
        Assert.True(z > 10, $"held constant: worst |Z| = {z:F2}");
    }

    // (b) A rate rule that reads a species: X immigrates at λ and dies at μX (X(0) = 0: Poisson of mean
    // m(t) = λ/μ (1 − e^(−μt))), D integrates it, dD/dt = a·X − kel·D (D(0) = 0), and Y is made at k·D.
    // Every firing changes X, which D reads: the window restarts at every firing. D is a linear filter
    // of X, so E[D] solves E[D]' = a·m − kel·E[D], and Var[D(t)] = 2a² ∫₀ᵗ ds ∫ₛᵗ du e^(−kel(2t−s−u))
    // e^(−μ(u−s)) m(s) from Cov(X(s), X(u)) = e^(−μ(u−s)) m(s) for s ≤ u; E[Y] = k ∫ E[D].
    private const double Lam = 10, MuX = 1, A = 1, Kel = 0.5, KY = 0.5;

    private static readonly string FilterModel = L3($"""
        <listOfSpecies>{Species("X", 0)}{Species("Y", 0)}</listOfSpecies>
        <listOfParameters>
          <parameter id="lambda" value="{Lam}" constant="true"/><parameter id="mu" value="{MuX}" constant="true"/>
          <parameter id="a" value="{A}" constant="true"/><parameter id="kel" value="{Kel}" constant="true"/>
          <parameter id="k" value="{KY}" constant="true"/><parameter id="D" value="0" constant="false"/>
        </listOfParameters>
        <listOfRules><rateRule variable="D">{Math("<apply><minus/><apply><times/><ci>a</ci><ci>X</ci></apply><apply><times/><ci>kel</ci><ci>D</ci></apply></apply>")}</rateRule></listOfRules>
        <listOfReactions>
          <reaction id="in" reversible="false">
            <listOfProducts><speciesReference species="X" stoichiometry="1" constant="true"/></listOfProducts>
            <kineticLaw>{Math("<ci>lambda</ci>")}</kineticLaw>
          </reaction>
          <reaction id="out" reversible="false">
            <listOfReactants><speciesReference species="X" stoichiometry="1" constant="true"/></listOfReactants>
            <kineticLaw>{Math("<apply><times/><ci>mu</ci><ci>X</ci></apply>")}</kineticLaw>
          </reaction>
          <reaction id="make" reversible="false">
            <listOfProducts><speciesReference species="Y" stoichiometry="1" constant="true"/></listOfProducts>
            <kineticLaw>{Math("<apply><times/><ci>k</ci><ci>D</ci></apply>")}</kineticLaw>
          </reaction>
        </listOfReactions>
        """);

    private static double XMean(double s) => Lam / MuX * (1 - System.Math.Exp(-MuX * s));

    // E[D] = A'/kel (1 − e^(−kel t)) + c (e^(−μt) − e^(−kel t)) with A' = aλ/μ, c = A'/(μ − kel).
    private static double DMean(double t)
    {
        double amp = A * Lam / MuX, c = amp / (MuX - Kel);
        return amp / Kel * (1 - System.Math.Exp(-Kel * t)) + c * (System.Math.Exp(-MuX * t) - System.Math.Exp(-Kel * t));
    }

    private static double YMean(double t)
    {
        double amp = A * Lam / MuX, c = amp / (MuX - Kel);
        return KY * (amp / Kel * (t - (1 - System.Math.Exp(-Kel * t)) / Kel) + c * ((1 - System.Math.Exp(-MuX * t)) / MuX - (1 - System.Math.Exp(-Kel * t)) / Kel));
    }

    // The inner integral over u in closed form, the outer by Simpson's rule on 2,000 intervals (error ~1e-12 relative).
    private static double DVariance(double t)
    {
        if (t == 0) return 0;
        double F(double s) => System.Math.Exp(-Kel * (t - s)) * XMean(s) * System.Math.Exp(-Kel * t + MuX * s)
            * (System.Math.Exp((Kel - MuX) * t) - System.Math.Exp((Kel - MuX) * s)) / (Kel - MuX);
        const int n = 2000;
        double h = t / n, sum = F(0) + F(t);
        for (int i = 1; i < n; i++) sum += (i % 2 == 1 ? 4 : 2) * F(i * h);
        return 2 * A * A * sum * h / 3;
    }

    private static readonly TimeGrid FilterGrid = new(0, 5, 11);

    private const int FilterRuns = 2_000;

    private static EnsembleResult RunFilter(IExactAlgorithm algorithm, ulong seed, bool restart)
    {
        var network = NetworkCompiler.Compile(Parse(FilterModel));
        return Ensemble.Run(() =>
        {
            var simulator = algorithm.CreateSimulator(network);
            simulator.RestartsOnReadSpecies = restart;
            return new ExactTrajectorySimulator(network, simulator);
        }, new EnsembleOptions(FilterRuns, seed, FilterGrid));
    }

    // Worst |Z| of D and Y (sample standard deviation for Y, whose law is a mixed Poisson) and worst |Y| of D.
    private static (double ZD, double YD, double ZY) FilterCriteria(EnsembleResult result)
    {
        int d = Output(result, "D"), y = Output(result, "Y");
        double zd = 0, yd = 0, zy = 0, n = result.Runs;
        for (int k = 1; k < FilterGrid.Points; k++)
        {
            double t = FilterGrid[k], variance = DVariance(t), sd = result.StandardDeviation(k, d);
            zd = System.Math.Max(zd, System.Math.Abs(System.Math.Sqrt(n) * (result.Mean(k, d) - DMean(t)) / System.Math.Sqrt(variance)));
            yd = System.Math.Max(yd, System.Math.Abs(System.Math.Sqrt(n / 2) * (sd * sd / variance - 1)));
            zy = System.Math.Max(zy, System.Math.Abs(System.Math.Sqrt(n) * (result.Mean(k, y) - YMean(t)) / result.StandardDeviation(k, y)));
        }
        return (zd, yd, zy);
    }

    [Theory]
    [InlineData("direct", 7)]
    [InlineData("rssa-cr", 8)]
    public void RateRuleReadingASpecies_RestartsAtEachFiring_AndMatchesTheFilteredLaw(string algorithm, ulong seed)
    {
        var result = RunFilter(ExactAlgorithms.Find(algorithm)!, seed, restart: true);
        var (zd, yd, zy) = FilterCriteria(result);
        output.WriteLine($"{algorithm}: worst |Z| of D = {zd:F2}, worst |Y| of D = {yd:F2}, worst |Z| of Y = {zy:F2}, {result.Wall.TotalSeconds:F1} s");
        Assert.True(zd < 3, $"{algorithm}: worst |Z| of D = {zd:F2}");
        Assert.True(yd < 5, $"{algorithm}: worst |Y| of D = {yd:F2}");
        Assert.True(zy < 3, $"{algorithm}: worst |Z| of Y = {zy:F2}");
    }

    [Fact]
    public void RateRuleReadingASpecies_WithoutTheRestart_FailsTheSameCriteria()
    {
        // Keeping the window's solution after X changes integrates D with a stale X: while X rises, D lags.
        var result = RunFilter(ExactAlgorithms.Find("direct")!, 7, restart: false);
        var (zd, _, _) = FilterCriteria(result);
        output.WriteLine($"without restarts: worst |Z| of D = {zd:F2}");
        Assert.True(zd > 6, $"without restarts: worst |Z| of D = {zd:F2}");
    }

    [Fact]
    public void ExactMethods_IntegrateAtTheOdeTolerances()
    {
        // The method's ODE tolerances (--rtol, --atol) reach the integrator of the continuous variables:
        // at the defaults D(10) = D0·e^(−10) to 1e-6 relative; at rtol = atol = 1e-3 visibly less close.
        var model = Parse(DoseModel);
        var network = NetworkCompiler.Compile(model);
        var grid = new TimeGrid(0, 10, 2);
        double exact = D0 * System.Math.Exp(-Lambda * 10);
        double Error(MethodSettings settings)
        {
            var result = MethodCatalog.Get("direct", "--method").RunEnsemble(model, network, new EnsembleOptions(4, 3, grid), settings);
            return System.Math.Abs(result.Mean(1, Output(result, "D")) - exact) / exact;
        }
        Assert.True(Error(MethodSettings.Default) < 1e-6);
        double loose = Error(MethodSettings.Default with { Ode = new Simulation.Ode.OdeTolerances(1e-3, 1e-3) });
        Assert.True(loose > 1e-5, $"relative error {loose} at rtol 1e-3");
    }

    [Fact]
    public async Task Cli_SimulatesARateRuleModel_WithSsa()
    {
        // (d) BIOMD0000000127 has no reactions and an event on a continuous variable (SbmlRateRuleTests:
        // ode only), so the command line is shown on the dose model instead.
        string dir = Directory.CreateTempSubdirectory("stochastic-coupled-").FullName;
        string model = Path.Combine(dir, "dose.xml"), csv = Path.Combine(dir, "dose.csv");
        File.WriteAllText(model, DoseModel);
        var (code, _, error) = await CliHarness.Run("simulate", model, "--method", "ssa", "--t-end", "2", "--points", "3", "--runs", "200", "--out", csv);
        Assert.True(code == 0, error);
        var lines = File.ReadAllLines(csv);
        Assert.StartsWith("time,X-mean,D-mean", lines[0]);
        Assert.Equal(4, lines.Length);
        (code, _, error) = await CliHarness.Run("simulate", model, "--method", "tau", "--t-end", "2", "--out", csv);
        Assert.Equal(1, code);
        Assert.Contains("rate rule for 'D'", error);
        Assert.Single(error.Trim().Split('\n'));
    }
}
