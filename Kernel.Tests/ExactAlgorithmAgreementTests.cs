using Stochastic.Formats;
using Stochastic.Network;
using Stochastic.Simulation.Exact;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// Every exact algorithm in the catalog samples the same process as the direct method: two-sample
/// Kolmogorov–Smirnov tests on real BioNetGen networks, analytic moments on small models, and
/// conservation laws on the EGFR network.
/// </summary>
public class ExactAlgorithmAgreementTests
{
    public static TheoryData<string> Algorithms()
    {
        var data = new TheoryData<string>();
        foreach (var a in ExactAlgorithms.All) data.Add(a.Name);
        return data;
    }

    private static CompiledNetwork Load(string file) => NetworkCompiler.Compile(BioNetGenNetReader.Read(BioNetGenNetReaderTests.NetworkPath(file)));

    /// <summary>Outputs of <paramref name="runs"/> independent runs at each time: result[time][output][run].</summary>
    private static double[][][] Sample(CompiledNetwork network, IExactAlgorithm algorithm, ulong seed, int runs, double[] times)
    {
        var sim = algorithm.CreateSimulator(network);
        var result = new double[times.Length][][];
        for (int k = 0; k < times.Length; k++)
        {
            result[k] = new double[network.OutputCount][];
            for (int o = 0; o < network.OutputCount; o++) result[k][o] = new double[runs];
        }
        var outputs = new double[network.OutputCount];
        for (int run = 0; run < runs; run++)
        {
            sim.Reset(seed, (ulong)run);
            for (int k = 0; k < times.Length; k++)
            {
                sim.Advance(times[k]);
                network.Outputs(sim.State, sim.Parameters, times[k], outputs);
                for (int o = 0; o < outputs.Length; o++) result[k][o][run] = outputs[o];
            }
        }
        return result;
    }

    /// <summary>Two-sample Kolmogorov–Smirnov statistic D = sup |F₁ − F₂| (exact with ties).</summary>
    internal static double KolmogorovSmirnov(double[] first, double[] second)
    {
        var a = (double[])first.Clone();
        var b = (double[])second.Clone();
        Array.Sort(a);
        Array.Sort(b);
        int i = 0, j = 0;
        double d = 0;
        while (i < a.Length && j < b.Length)
        {
            double v = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] == v) i++;
            while (j < b.Length && b[j] == v) j++;
            d = Math.Max(d, Math.Abs((double)i / a.Length - (double)j / b.Length));
        }
        return d;
    }

    /// <summary>
    /// Critical value of the two-sample KS test for equal sample sizes n at level α, from the
    /// asymptotic Kolmogorov distribution: D_crit = sqrt(−ln(α/2)/2) · sqrt(2/n). For integer counts
    /// (ties) the test is conservative, so the stated α is an upper bound on the false-alarm rate.
    /// </summary>
    internal static double KsCritical(double alpha, int n) => Math.Sqrt(-Math.Log(alpha / 2) / 2) * Math.Sqrt(2.0 / n);

    private static readonly Dictionary<string, double[][][]> References = [];

    private static void AgreesWithDirect(string file, string algorithm, int runs, double[] times)
    {
        var network = Load(file);
        // The direct-method sample is drawn once per network and shared by every algorithm's test.
        double[][][] reference;
        lock (References)
        {
            if (!References.TryGetValue(file, out reference!)) References[file] = reference = Sample(network, new DirectMethod(), 11, runs, times);
        }
        var candidate = Sample(network, ExactAlgorithms.Find(algorithm)!, 12, runs, times);
        // Family-wise α = 0.001 over every (time, output) pair of this network and algorithm,
        // Bonferroni-split: each of the K tests runs at α/K. Independent seeds (11 vs 12) make the
        // samples independent, also for the direct method against itself.
        int tests = times.Length * network.OutputCount;
        double critical = KsCritical(0.001 / tests, runs);
        for (int k = 0; k < times.Length; k++)
        {
            for (int o = 0; o < network.OutputCount; o++)
            {
                double d = KolmogorovSmirnov(reference[k][o], candidate[k][o]);
                Assert.True(d < critical, $"{algorithm} vs direct on {file}: {network.OutputNames[o]} at t = {times[k]}: D = {d:F4} >= {critical:F4}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void AgreesWithDirectOnMultistate(string algorithm) =>
        AgreesWithDirect("multistate.net", algorithm, 300, [1, 5]);

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void AgreesWithDirectOnMultisite2(string algorithm) =>
        AgreesWithDirect("multisite2.net", algorithm, 150, [0.03, 0.1]);

    [Fact]
    public void KolmogorovSmirnovDetectsAShiftedDistribution()
    {
        // The test has power: birth–death sampled at t = 5 against t = 4 (means 31.6 vs 27.5, sd ≈ 5.5).
        var network = Load("birth-death.net");
        var early = Sample(network, new DirectMethod(), 1, 400, [4])[0][0];
        var late = Sample(network, new DirectMethod(), 2, 400, [5])[0][0];
        Assert.True(KolmogorovSmirnov(early, late) > KsCritical(0.001, 400));
    }

    /// <summary>
    /// DSMTS criteria (Evans, Gillespie &amp; Wilkinson 2008) for n runs against analytic mean μ and
    /// variance σ²: Z = √n (m − μ)/σ in (−3, 3) and Y = √(n/2)(S²/σ² − 1) in (−5, 5).
    /// </summary>
    private static void MatchesMoments(double[] sample, double mean, double variance, string what)
    {
        int n = sample.Length;
        double m = sample.Average();
        double s2 = sample.Sum(v => (v - m) * (v - m)) / (n - 1);
        double z = Math.Sqrt(n) * (m - mean) / Math.Sqrt(variance);
        double y = Math.Sqrt(n / 2.0) * (s2 / variance - 1);
        Assert.True(Math.Abs(z) < 3, $"{what}: mean {m:F3} vs {mean:F3} (Z = {z:F2})");
        Assert.True(Math.Abs(y) < 5, $"{what}: variance {s2:F3} vs {variance:F3} (Y = {y:F2})");
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void BirthDeathIsPoisson(string algorithm)
    {
        // 0 -> A at 10, A -> 0 at 0.2, from A = 0: A(t) ~ Poisson(50 (1 − e^{−0.2 t})).
        var network = Load("birth-death.net");
        double[] times = [1, 5, 20];
        var sample = Sample(network, ExactAlgorithms.Find(algorithm)!, 3, 2000, times);
        for (int k = 0; k < times.Length; k++)
        {
            double mu = 50 * (1 - Math.Exp(-0.2 * times[k]));
            MatchesMoments(sample[k][0], mu, mu, $"{algorithm} birth-death at t = {times[k]}");
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void IsomerizationIsBinomial(string algorithm)
    {
        // A -> B at rate 1 from A = 100: A(t) ~ Binomial(100, e^{−t}). A dead-end reaction from an
        // empty species and a clamped catalyst make the network exercise zero propensities too.
        var network = NetworkCompiler.Compile(BioNetGenNetReader.Parse("""
            begin parameters
                1 k 1
            end parameters
            begin species
                1 A() 100
                2 B() 0
                3 C() 0
                4 $E() 1
            end species
            begin reactions
                1 1 2 k
                2 3 1 k
                3 4,2 4,2 k
            end reactions
            begin groups
                1 A 1
            end groups
            """, "isomerization.net"));
        double[] times = [0.5, 1, 3];
        var sample = Sample(network, ExactAlgorithms.Find(algorithm)!, 4, 2000, times);
        for (int k = 0; k < times.Length; k++)
        {
            double p = Math.Exp(-times[k]);
            MatchesMoments(sample[k][0], 100 * p, 100 * p * (1 - p), $"{algorithm} isomerization at t = {times[k]}");
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void EgfrConservesEveryMolecule(string algorithm)
    {
        // Each molecule type's total, Σ_s (copies of the molecule in species s) · x_s, is conserved by
        // every reaction of the network (binding, phosphorylation). Copies are counted in the species
        // strings, so the laws come from the file, not from the simulator.
        var network = Load("egfr_net.net");
        string[] molecules = ["egf(", "egfr(", "Grb2(", "Shc(", "Sos("];
        var copies = molecules.Select(m => network.SpeciesNames.Select(s => (double)Count(s, m)).ToArray()).ToArray();
        double Total(int m, double[] x) => copies[m].Zip(x, (c, v) => c * v).Sum();
        var sim = ExactAlgorithms.Find(algorithm)!.CreateSimulator(network);
        sim.Reset(5, 0);
        var initial = molecules.Select((_, m) => Total(m, sim.State)).ToArray();
        Assert.All(initial, t => Assert.True(t > 0));
        for (double t = 0.05; t <= 0.2001; t += 0.05)
        {
            Assert.True(sim.Advance(t) > 0);
            for (int m = 0; m < molecules.Length; m++) Assert.Equal(initial[m], Total(m, sim.State));
            Assert.All(sim.State, v => Assert.True(v >= 0));
        }
    }

    private static int Count(string species, string molecule)
    {
        int count = 0;
        for (int i = species.IndexOf(molecule, StringComparison.Ordinal); i >= 0; i = species.IndexOf(molecule, i + 1, StringComparison.Ordinal))
        {
            if (i == 0 || species[i - 1] == '.') count++; // "egf(" must not match inside "egfr("
        }
        return count;
    }

    [Fact]
    public void SelectorPicksBySize()
    {
        Assert.Equal("direct", ExactAlgorithms.Select(Load("multistate.net")).Name);
        // The multisite networks' kinase and phosphatase are each a reactant of 1/6 of the reactions (hubs):
        // the sorting partial-propensity direct method; egfr_net's largest share is 0.070: RSSA-CR.
        Assert.Equal("spdm", ExactAlgorithms.Select(Load("multisite2.net")).Name);
        Assert.Equal("spdm", ExactAlgorithms.Select(Load("multisite4.net")).Name);
        Assert.Equal("rssa-cr", ExactAlgorithms.Select(Load("egfr_net.net")).Name);
        var large = NetworkCompiler.Compile(BioNetGenNetReader.Parse(Helpers.SyntheticNetFile.Create(12_000), "synthetic.net"));
        Assert.Equal("rssa-cr", ExactAlgorithms.Select(large).Name);
    }
}
