using System.Text;
using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Simulation.Exact;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The bound logic of RSSA-CR (<see cref="RejectionCompositionSsa"/>): intervals contain the counts,
/// bounds bracket the propensities and are the propensities at the interval ends, an update happens
/// exactly when a count leaves its interval, functional rates are exact, lower bounds of 0 and
/// states where nothing can fire are handled, and the rejected trials' waiting times give the right
/// law. Its agreement with the other algorithms is tested by the DSMTS and agreement suites.
/// </summary>
public class RejectionCompositionSsaTests
{
    private static CompiledNetwork Compile(string bngl) => NetworkCompiler.Compile(BnglReader.Parse(bngl, "test.bngl"));

    private static RejectionCompositionSsa.Simulator Create(CompiledNetwork network, double delta = 0.1, double minimum = 2) =>
        (RejectionCompositionSsa.Simulator)new RejectionCompositionSsa(delta, minimum).CreateSimulator(network);

    private const string Mixed = """
        begin parameters
        k1 0.01
        k2 0.5
        k3 0.002
        k4 3
        end parameters
        begin species
        A 200
        B 40
        C 0
        D 1
        end species
        begin reactions
        A + B -> C k1
        C -> A + B k2
        A + A -> D k3
        D -> A + A k2
        0 -> B k4
        B -> 0 0.05
        end reactions
        """;

    /// <summary>Checks the invariants of the bounds in the simulator's present state.</summary>
    private static void AssertBoundsValid(RejectionCompositionSsa.Simulator sim)
    {
        var net = sim.Network;
        var lo = new double[net.SpeciesCount];
        var hi = new double[net.SpeciesCount];
        for (int s = 0; s < net.SpeciesCount; s++)
        {
            lo[s] = sim.IntervalLow(s);
            hi[s] = sim.IntervalHigh(s);
            Assert.InRange(sim.State[s], lo[s], hi[s]);
            Assert.True(lo[s] >= 0);
        }
        for (int r = 0; r < net.ReactionCount; r++)
        {
            double a = net.Propensity(r, sim.State, sim.Parameters, sim.Time);
            Assert.InRange(a, sim.LowerBound(r), sim.UpperBound(r));
            Assert.Equal(net.Propensity(r, lo, sim.Parameters, sim.Time), sim.LowerBound(r));
            Assert.Equal(net.Propensity(r, hi, sim.Parameters, sim.Time), sim.UpperBound(r));
        }
    }

    [Fact]
    public void Bounds_BracketEveryPropensity_AfterEveryFiring()
    {
        var sim = Create(Compile(Mixed));
        sim.Reset(7, 0);
        AssertBoundsValid(sim);
        for (int i = 0; i < 3000; i++)
        {
            Assert.Equal(1, sim.Advance(double.PositiveInfinity, maxEvents: 1));
            AssertBoundsValid(sim);
        }
        Assert.True(sim.IntervalUpdates > 0);
        Assert.True(sim.IntervalUpdates < sim.Events); // the point of the method: most firings change no bound
    }

    [Fact]
    public void Interval_IsDeltaTimesCount_OrTheMinimumWidth_NeverBelowZero()
    {
        var sim = Create(Compile(Mixed), delta: 0.1, minimum: 2);
        sim.Reset(1, 0);
        Assert.Equal((180.0, 220.0), (sim.IntervalLow(0), sim.IntervalHigh(0)));  // A = 200: ±20
        Assert.Equal((36.0, 44.0), (sim.IntervalLow(1), sim.IntervalHigh(1)));    // B = 40: ±⌈4⌉
        Assert.Equal((0.0, 0.0), (sim.IntervalLow(2), sim.IntervalHigh(2)));      // C = 0: the point interval
        Assert.Equal((0.0, 3.0), (sim.IntervalLow(3), sim.IntervalHigh(3)));      // D = 1: max(0, 1 − 2)
    }

    [Fact]
    public void FallingToZero_InsideTheInterval_RecentresToThePoint_AndZeroesTheReadersBounds()
    {
        // X = 2: interval [0, 4] (Δ = 2). X -> 0 fires twice: at X = 1 it stays inside; at X = 0 the interval
        // becomes [0, 0] although 0 lies inside [0, 4], and both readers of X get upper bound 0 (nothing can fire).
        var network = Compile("begin species\nX 2\nY 0\nend species\nbegin reactions\nX -> 0 1\nX -> Y 1e-9\nend reactions\n");
        var sim = Create(network);
        sim.Reset(5, 0);
        Assert.Equal((0.0, 4.0), (sim.IntervalLow(0), sim.IntervalHigh(0)));
        Assert.Equal(1e-9 * 4, sim.UpperBound(1), 15);
        sim.Advance(double.PositiveInfinity, maxEvents: 1);
        Assert.Equal(1, sim.State[0]);
        Assert.Equal(0, sim.IntervalUpdates);
        sim.Advance(double.PositiveInfinity, maxEvents: 1);
        Assert.Equal(0, sim.State[0]);
        Assert.Equal(1, sim.IntervalUpdates);
        Assert.Equal((0.0, 0.0), (sim.IntervalLow(0), sim.IntervalHigh(0)));
        Assert.Equal(0, sim.UpperBound(0));
        Assert.Equal(0, sim.UpperBound(1));
        Assert.True(double.IsPositiveInfinity(sim.NextFiringTime()));
    }

    [Fact]
    public void LeavingTheInterval_TriggersTheUpdate_StayingInsideDoesNot()
    {
        // Birth 0 -> X from X = 100 with δ = 0.1: interval [90, 110]. The (very slow) reaction X -> Y
        // reads X; its bounds must stay put for 10 firings and move at the 11th (X = 111).
        var network = Compile("begin species\nX 100\nY 0\nend species\nbegin reactions\n0 -> X 5\nX -> Y 1e-9\nend reactions\n");
        var sim = Create(network);
        sim.Reset(3, 0);
        int reader = 1; // X -> Y
        double up0 = sim.UpperBound(reader), lo0 = sim.LowerBound(reader);
        Assert.Equal(1e-9 * 110, up0, 15);
        Assert.Equal(1e-9 * 90, lo0, 15);
        while (sim.State[0] < 110)
        {
            sim.Advance(double.PositiveInfinity, maxEvents: 1);
            Assert.Equal(0, sim.IntervalUpdates);
            Assert.Equal(up0, sim.UpperBound(reader));
            Assert.Equal(lo0, sim.LowerBound(reader));
        }
        while (sim.State[0] == 110) sim.Advance(double.PositiveInfinity, maxEvents: 1);
        Assert.Equal(111, sim.State[0]); // the Y channel is far too slow to have fired
        Assert.Equal(1, sim.IntervalUpdates);
        Assert.Equal((99.0, 123.0), (sim.IntervalLow(0), sim.IntervalHigh(0))); // 111 ± ⌈11.1⌉
        Assert.Equal(1e-9 * 123, sim.UpperBound(reader), 15);
        Assert.Equal(1e-9 * 99, sim.LowerBound(reader), 15);
    }

    [Fact]
    public void LowerBoundZero_DecayOfOneMolecule_IsExponential_AndEndsWithNothingToFire()
    {
        // X -> 0 at k from X = 1: interval [0, 3], so a_lo = 0 and a_up = 3k (every acceptance needs
        // the exact propensity, and two thirds of the trials are rejected). P(X(t) = 1) = e^{−kt}.
        // Test: the number of survivors at t = 1 is Binomial(n, e^{−1}); the tolerance is 4 standard
        // deviations (two-sided false-failure rate 6e-5). Counting rejections' waiting times wrongly
        // (e.g. not advancing the clock on a rejection) gives survival e^{−3} ≈ 0.05 instead of 0.37.
        const int n = 4000;
        var network = Compile("begin species\nX 1\nend species\nbegin reactions\nX -> 0 1\nend reactions\n");
        var sim = Create(network);
        int survivors = 0;
        long rejections = 0;
        for (int run = 0; run < n; run++)
        {
            sim.Reset(99, (ulong)run);
            Assert.Equal(0.0, sim.LowerBound(0));
            Assert.Equal(3.0, sim.UpperBound(0));
            sim.Advance(1);
            if (sim.State[0] == 1) survivors++;
            sim.Advance(double.PositiveInfinity); // must return: nothing can fire once X = 0
            Assert.Equal(0, sim.State[0]);
            Assert.Equal(double.PositiveInfinity, sim.NextFiringTime());
            rejections += sim.Rejections;
        }
        double p = Math.Exp(-1), mean = n * p, sd = Math.Sqrt(n * p * (1 - p));
        Assert.InRange(survivors, mean - 4 * sd, mean + 4 * sd);
        Assert.True(rejections > n); // the squeeze cannot accept here, so the exact test must run
    }

    [Fact]
    public void WideIntervals_ManyRejections_KeepThePoissonLaw()
    {
        // Immigration–death 0 -> X at α, X -> 0 at μ from 0 with δ = 0.5, Δ = 20: most trials are
        // rejected, and the waiting times of the rejected trials must add up to the right clock.
        // X(t) ~ Poisson(α/μ (1 − e^{−μt})); χ² at level 0.001 per time (as in ExactSsaLawTests).
        const double alpha = 10, mu = 0.5;
        var network = Compile($"begin species\nX 0\nend species\nbegin reactions\n0 -> X {alpha}\nX -> 0 {mu}\nend reactions\n");
        var sim = Create(network, delta: 0.5, minimum: 20);
        double[] times = [1, 4, 10];
        var samples = times.Select(_ => new int[4000]).ToArray();
        long rejections = 0, events = 0;
        for (int run = 0; run < 4000; run++)
        {
            sim.Reset(5, (ulong)run);
            for (int k = 0; k < times.Length; k++)
            {
                sim.Advance(times[k]);
                samples[k][run] = (int)sim.State[0];
            }
            rejections += sim.Rejections;
            events += sim.Events;
        }
        Assert.True(rejections > events / 4, $"{rejections} rejections for {events} events: the test does not exercise rejection");
        for (int k = 0; k < times.Length; k++)
        {
            double mean = alpha / mu * (1 - Math.Exp(-mu * times[k]));
            var (chi, dof) = StatisticalChecks.ChiSquare(samples[k], StatisticalChecks.Poisson(mean), 80);
            Assert.True(chi < StatisticalChecks.ChiSquareCritical(dof, 0.001), $"t={times[k]}: χ²={chi:F1} with {dof} dof");
        }
    }

    [Fact]
    public void PointIntervals_MakeTheBoundsExact_SoNothingIsRejected()
    {
        var sim = Create(Compile(Mixed), delta: 0, minimum: 0);
        sim.Reset(2, 0);
        sim.Advance(20);
        Assert.True(sim.Events > 500, $"{sim.Events} events");
        Assert.Equal(0, sim.Rejections);
    }

    [Fact]
    public void FunctionalRates_AreBoundedByThemselves_AndRefreshedOnEveryChange()
    {
        // f = k·Atot/(1 + Atot) decreases relative to A; its bounds must be the propensity itself.
        var network = NetworkCompiler.Compile(BioNetGenNetReader.Parse("""
            begin parameters
                1 k 0.5
            end parameters
            begin functions
                1 f() k*Atot/(1+Atot)
            end functions
            begin species
                1 A() 30
                2 B() 0
            end species
            begin reactions
                1 1 2 f #_R1
                2 2 1 k
            end reactions
            begin groups
                1 Atot 1
            end groups
            """, "f.net"));
        Assert.Equal(PropensityKind.Functional, network.Kinds[0]);
        var sim = Create(network);
        sim.Reset(4, 0);
        for (int i = 0; i < 500; i++)
        {
            sim.Advance(double.PositiveInfinity, maxEvents: 1);
            double a = network.Propensity(0, sim.State, sim.Parameters, sim.Time);
            Assert.Equal(a, sim.LowerBound(0));
            Assert.Equal(a, sim.UpperBound(0));
        }
    }

    [Fact]
    public void Select_SkipsRssa_WhenMostRatesAreFunctional()
    {
        // 300 reactions A_i -> B_i with a functional rate: above RejectionFrom, but with no bounds to exploit.
        var text = new StringBuilder("begin parameters\n 1 k 1\nend parameters\nbegin functions\n 1 f() k/(1+k)\nend functions\nbegin species\n");
        for (int i = 0; i < 600; i++) text.Append($" {i + 1} S{i}() 10\n");
        text.Append("end species\nbegin reactions\n");
        for (int i = 0; i < 300; i++) text.Append($" {i + 1} {2 * i + 1} {2 * i + 2} f\n");
        text.Append("end reactions\n");
        var network = NetworkCompiler.Compile(BioNetGenNetReader.Parse(text.ToString(), "functional.net"));
        Assert.True(network.ReactionCount >= ExactAlgorithms.RejectionFrom);
        Assert.Equal("sorting-direct", ExactAlgorithms.Select(network).Name);
    }

    [Theory]
    [InlineData(-0.1, 2)]
    [InlineData(0.1, -1)]
    [InlineData(double.NaN, 2)]
    [InlineData(0.1, double.PositiveInfinity)]
    public void Constructor_RejectsBadWidths(double delta, double minimum) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RejectionCompositionSsa(delta, minimum));
}
