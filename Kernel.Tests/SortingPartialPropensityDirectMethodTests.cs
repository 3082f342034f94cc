using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Exact;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

/// <summary>
/// The sorting partial-propensity direct method (<see cref="SortingPartialPropensityDirectMethod"/>, <c>spdm</c>)
/// beyond the catalog's theories (which run it against the direct method and exact laws): which networks it
/// refuses, the exact stationary law of a network with a zero-order source and a homodimerization, its rows
/// and running sums against the propensities, and golden checksums of its trajectories.
/// </summary>
public class SortingPartialPropensityDirectMethodTests(ITestOutputHelper output)
{
    private static readonly SortingPartialPropensityDirectMethod Spdm = new();

    private static CompiledNetwork Bngl(string text) => NetworkCompiler.Compile(BnglReader.Parse(text, "test.bngl"));

    private static CompiledNetwork Net(string file) => NetworkCompiler.Compile(BioNetGenNetReader.Read(BioNetGenNetReaderTests.NetworkPath(file)));

    [Fact]
    public void TakesTheMassActionNetworks_OfOrderAtMostTwo()
    {
        Assert.Null(Spdm.Refusal(Net("multisite2.net")));
        Assert.Null(Spdm.Refusal(Net("egfr_net.net")));
        Assert.Null(Spdm.Refusal(Net("multistate.net")));
        Assert.Null(Spdm.Refusal(Net("birth-death.net")));
    }

    [Theory]
    [InlineData("begin parameters\nk 1\nend parameters\nbegin species\nA 5\nB 1\nend species\nbegin reactions\nA + A + B -> B k\nend reactions\n", "reaction 'A + A + B -> B' is of order 3 or more")]
    [InlineData("begin parameters\nk 1\nend parameters\nbegin species\nA 5\nend species\nbegin observables\nMolecules Atot A\nend observables\nbegin functions\nf() = k / (1 + Atot)\nend functions\nbegin reactions\nA -> 0 f()\nend reactions\n", "reaction 'A -> 0' has a functional rate")]
    [InlineData("begin parameters\nk 1\nend parameters\nbegin species\nA 5\nend species\nbegin functions\nf() = k * exp(-time())\nend functions\nbegin reactions\n0 -> A f()\nend reactions\n", "a rate depends on time")]
    public void RefusesOtherNetworks_SayingWhy(string bngl, string why)
    {
        var network = Bngl(bngl);
        Assert.Contains(why, Spdm.Refusal(network));
        var error = Assert.Throws<SimulationException>(() => Spdm.CreateSimulator(network));
        Assert.Contains("method 'spdm' cannot simulate", error.Message);
        Assert.Contains(why, error.Message);
    }

    [Fact]
    public void ZeroOrderSourceAndHomodimerization_GiveTheExactStationaryLaw()
    {
        // 0 ⇌ A (λ = 10, μ = 1) and A + A ⇌ B (BioNetGen k = 0.1, so the propensity is c·a(a − 1) with c = 0.05; k₂ = 1).
        // The network has deficiency zero (4 complexes, 2 linkage classes, rank 2) and is weakly reversible, so its
        // stationary law is the product of Poisson laws at the complex-balanced equilibrium (Anderson, Craciun &
        // Kurtz 2010, Bull. Math. Biol. 72:1947): A ~ Poisson(λ/μ = 10), B ~ Poisson(c·10²/k₂ = 5), independent.
        // The zero-order source is spdm's row of count 1; the homodimerization reads its own row's count
        // (π = c·(a − 1)); the dissociation B -> 2A changes A by 2.
        var network = Bngl("begin parameters\nlambda 10\nmu 1\nk 0.1\nk2 1\nend parameters\nbegin species\nA 0\nB 0\nend species\n" +
                           "begin observables\nMolecules A A\nMolecules B B\nend observables\n" +
                           "begin reactions\n0 -> A lambda\nA -> 0 mu\nA + A -> B k\nB -> A + A k2\nend reactions\n");
        // From A = B = 0 the slowest relaxation rate is about μ = 1, so at t = 20 the initial state weighs e^−20.
        const int runs = 4000;
        var result = Ensemble.Run(network, Spdm, new EnsembleOptions(runs, 2010, new TimeGrid(0, 20, 2), KeepTrajectories: true));
        int[] a = [.. Enumerable.Range(0, runs).Select(r => (int)result.Trajectory(r)[2])];
        int[] b = [.. Enumerable.Range(0, runs).Select(r => (int)result.Trajectory(r)[3])];
        // Two χ² tests at α = 0.0005 each (family-wise 0.001). Power: the propensity c·a² instead of c·a(a − 1)
        // would move B's mean from 5 to 5.5, 14 standard errors (√(5/4000) = 0.035) at n = 4000.
        var (chiA, dofA) = StatisticalChecks.ChiSquare(a, StatisticalChecks.Poisson(10), 40);
        var (chiB, dofB) = StatisticalChecks.ChiSquare(b, StatisticalChecks.Poisson(5), 30);
        output.WriteLine($"A: χ² = {chiA:F1} ({dofA} dof), mean {a.Average():F3}; B: χ² = {chiB:F1} ({dofB} dof), mean {b.Average():F3}");
        Assert.True(chiA < StatisticalChecks.ChiSquareCritical(dofA, 0.0005), $"A: χ² = {chiA:F1} with {dofA} dof");
        Assert.True(chiB < StatisticalChecks.ChiSquareCritical(dofB, 0.0005), $"B: χ² = {chiB:F1} with {dofB} dof");
    }

    [Theory]
    [InlineData("multisite2.net", 0.05)]
    [InlineData("egfr_net.net", 0.02)]
    public void RowsAndTotal_AreThePropensitiesOfTheirReactions(string file, double step)
    {
        // Every row's Λ is the sum of its reactions' propensities, and the running total their sum, after every
        // stretch of firings and after a restart from changed counts (an event). Tolerance 1e-9 of the total: the
        // running sums see at most max(1024, reactions) firings of about ten updates between exact re-sums, each
        // rounding by at most one ulp of the total (2·10⁻¹² in all); a missed update would be off by a whole
        // propensity, at least k·1 = 0.01 molecule·s⁻¹ against totals of 10⁴–10⁵ here (10⁻⁷ of the total).
        var network = Net(file);
        var sim = (SortingPartialPropensityDirectMethod.Simulator)Spdm.CreateSimulator(network);
        int rows = network.SpeciesCount + 1;
        var expected = new double[rows];
        void Check()
        {
            Array.Clear(expected);
            double sum = 0;
            for (int r = 0; r < network.ReactionCount; r++)
            {
                double a = network.Propensity(r, sim.State, sim.Parameters, sim.Time);
                expected[sim.RowOf(r)] += a;
                sum += a;
            }
            double tolerance = 1e-9 * sum;
            Assert.True(Math.Abs(sim.Total - sum) <= tolerance, $"total {sim.Total} vs {sum}");
            for (int i = 0; i < rows; i++)
                Assert.True(Math.Abs(sim.RowPropensity(i) - expected[i]) <= tolerance, $"row {i}: {sim.RowPropensity(i)} vs {expected[i]}");
        }
        sim.Reset(7, 0);
        Check();
        for (int k = 1; k <= 6; k++)
        {
            Assert.True(sim.Advance(k * step) > 0);
            Check();
        }
        sim.State[0] += 100;
        sim.State[1] = Math.Max(0, sim.State[1] - 3);
        sim.Restart(sim.Time);
        Check();
        Assert.True(sim.Advance(8 * step) > 0);
        Check();
    }

    [Fact]
    public void HubSpecies_AreTheRowsOfTheirBindings()
    {
        // multisite2: the kinase R and the phosphatase L each bind 48 substrate states; those 96 bimolecular
        // reactions are filed under R and L, so a change of R or L costs one product, not 48 updates.
        var network = Net("multisite2.net");
        var sim = (SortingPartialPropensityDirectMethod.Simulator)Spdm.CreateSimulator(network);
        int rIndex = Array.IndexOf(network.SpeciesNames, "R(a)"), lIndex = Array.IndexOf(network.SpeciesNames, "L(a)");
        var bimolecular = Enumerable.Range(0, network.ReactionCount).Where(r => network.PropensityKinds[r] == PropensityKind.Bimolecular).ToList();
        Assert.Equal(96, bimolecular.Count);
        Assert.All(bimolecular, r => Assert.Contains(sim.RowOf(r), new[] { rIndex, lIndex }));
    }

    public static TheoryData<string, string, double[], ulong> Golden => new()
    {
        // folder, file, horizons, checksum of 3 runs (PropensityGroupsTests.TrajectoryChecksum): recorded when the
        // method was added; a change meant only for speed must leave them equal. The infinite horizon runs the
        // dimerization–decay network to extinction.
        { "examples", "dimerization-decay.bngl", [1e-3, 0.1, double.PositiveInfinity], 0x03830C703F93D979UL },
        { "networks", "multisite2.net", [0.1, 0.5, 2], 0x125CF39E2760CC44UL },
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void Trajectories_AreBitIdenticalToTheRecordedOnes(string folder, string file, double[] horizons, ulong expected)
    {
        (ulong actual, long events) = PropensityGroupsTests.TrajectoryChecksum("spdm", Path.Combine(AppContext.BaseDirectory, "Reactions", folder, file), horizons, 3);
        output.WriteLine($"spdm {file}: 0x{actual:X16}UL {events}");
        Assert.Equal(expected, actual);
    }
}
