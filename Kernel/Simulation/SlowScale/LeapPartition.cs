using Stochastic.Network;

namespace Stochastic.Simulation.SlowScale;

/// <summary>
/// The partition of hybrid SSA / tau-leaping (Puchałka &amp; Kierzek 2004, "Bridging the gap between
/// stochastic and deterministic regimes in the kinetic simulations of the biochemical reaction
/// networks", Biophys. J. 86:1357; Harris &amp; Clancy 2006, partitioned leaping): at a partition
/// point, which reactions are leaped over the next interval and how long the interval may be.
/// <list type="number">
/// <item>Candidates: reactions with a positive propensity that are not critical in the sense of Cao,
/// Gillespie &amp; Petzold (2005): every species a candidate consumes holds at least
/// <see cref="CriticalFirings"/> firings' worth.</item>
/// <item>Each species i that some propensity reads allows an interval τ_i by the ε rule of Cao,
/// Gillespie &amp; Petzold (2006, eq. 33), with the drift μ_i and variance σ²_i of <em>all</em>
/// reactions (leaped or not): |μ_i|·τ ≤ max(ε·x_i/g_i, 1) and σ²_i·τ ≤ max(ε·x_i/g_i, 1)², g_i the
/// highest order of a reaction reading species i. A candidate allows the least τ_i of the species it
/// changes, so a reaction that moves a small count is never leaped for long. It also allows no more
/// than it takes to consume ε/2 of any reactant by itself, a_j·|ν_ij|·τ ≤ ε/2·x_i: near equilibrium
/// the drift μ_i vanishes and the variance rule alone lets a large pool's turnover leap over many of
/// its lifetimes, where leaping a first-order loss at rate k over k·τ = u inflates the stationary
/// variance by about u/2 (plain) or u (with the simulator's estimated midpoint), and is unstable for
/// u > 2. With this bound the inflation is at most about ε/2.</item>
/// <item>The interval τ is the candidate bound that saves the most: the leaped reactions are the
/// candidates that allow τ and are expected to fire at least <see cref="MinimumFirings"/> times in it,
/// and τ maximizes their total propensity (exact firings saved per unit time) less
/// <see cref="LeapCost"/>/τ. Nothing is leaped when no τ saves anything.</item>
/// </list>
/// </summary>
internal sealed class LeapPartition
{
    /// <summary>n_c of Cao et al. (2005): a reaction that this many firings could exhaust a reactant of is critical and never leaped.</summary>
    public const double CriticalFirings = 10;

    /// <summary>A candidate is leaped only when it is expected to fire at least this often in the interval (Cao et al. 2006 fall back to the SSA below 10/a₀).</summary>
    public const double MinimumFirings = 10;

    /// <summary>What a partition point costs, in exact firings: it re-evaluates every propensity (a firing re-evaluates a few).</summary>
    public const double LeapCost = 10;

    private readonly CompiledNetwork _net;
    private readonly double _epsilon;
    private readonly double[] _g;
    private readonly bool[] _read;
    private readonly double[] _mu, _var, _tauOf;
    private readonly List<(int Reaction, double Tau)> _candidates = [];

    /// <param name="network">The simulated network (change vectors, reduced species).</param>
    /// <param name="epsilon">ε of the step rule.</param>
    /// <param name="order">g_i per species: the highest order of a reaction whose propensity reads species i (0 when none reads it).</param>
    public LeapPartition(CompiledNetwork network, double epsilon, double[] order)
    {
        _net = network;
        _epsilon = epsilon;
        _g = order;
        _read = [.. order.Select(g => g > 0)];
        _tauOf = new double[network.SpeciesCount];
        _mu = new double[network.SpeciesCount];
        _var = new double[network.SpeciesCount];
    }

    /// <summary>
    /// Chooses the leaped reactions for counts <paramref name="x"/> and propensities <paramref name="a"/>:
    /// sets <paramref name="leaped"/>, lists them in <paramref name="list"/>, and returns the interval τ
    /// (+∞ when nothing bounds it; meaningless when the list is empty).
    /// </summary>
    public double Choose(ReadOnlySpan<double> x, ReadOnlySpan<double> a, bool[] leaped, List<int> list)
    {
        var net = _net;
        var offsets = net.ChangeOffsets;
        var species = net.ChangeSpecies;
        var amounts = net.ChangeAmounts;
        list.Clear();
        Array.Clear(leaped);
        // Drift and variance of every species (all reactions), then each read species' longest
        // interval τ_s by the ε rule.
        Array.Clear(_mu);
        Array.Clear(_var);
        for (int j = 0; j < a.Length; j++)
        {
            if (!(a[j] > 0)) continue;
            for (int c = offsets[j]; c < offsets[j + 1]; c++)
            {
                _mu[species[c]] += amounts[c] * a[j];
                _var[species[c]] += amounts[c] * amounts[c] * a[j];
            }
        }
        for (int s = 0; s < _tauOf.Length; s++)
        {
            double tau = double.PositiveInfinity;
            if (_read[s])
            {
                double allowed = Math.Max(_epsilon * x[s] / _g[s], 1);
                if (_mu[s] != 0) tau = Math.Min(tau, allowed / Math.Abs(_mu[s]));
                if (_var[s] > 0) tau = Math.Min(tau, allowed * allowed / _var[s]);
            }
            _tauOf[s] = tau;
        }
        // Candidates (not critical) and the longest interval each allows: the least τ_s of the species it changes.
        _candidates.Clear();
        for (int j = 0; j < a.Length; j++)
        {
            if (!(a[j] > 0)) continue;
            double tau = double.PositiveInfinity;
            bool critical = false;
            for (int c = offsets[j]; c < offsets[j + 1]; c++)
            {
                int s = species[c];
                tau = Math.Min(tau, _tauOf[s]);
                if (amounts[c] >= 0) continue;
                if (x[s] < -amounts[c] * CriticalFirings) { critical = true; break; }
                // It may consume at most ε/2 of the species in the interval.
                tau = Math.Min(tau, _epsilon / 2 * x[s] / (-amounts[c] * a[j]));
            }
            if (!critical && a[j] * tau >= MinimumFirings) _candidates.Add((j, tau));
        }
        // The interval: the candidate bound that saves the most exact firings per unit time, net of
        // the partitions it costs (Σ a_j over the reactions it leaps − LeapCost/τ).
        double best = 0, chosen = double.PositiveInfinity;
        foreach (var (_, tau) in _candidates)
        {
            double saved = -LeapCost / tau;
            foreach (var (j, limit) in _candidates) if (limit >= tau && a[j] * tau >= MinimumFirings) saved += a[j];
            if (saved > best) { best = saved; chosen = tau; }
        }
        if (best <= 0) return double.PositiveInfinity;
        foreach (var (j, limit) in _candidates)
        {
            if (limit < chosen || !(a[j] * chosen >= MinimumFirings)) continue;
            leaped[j] = true;
            list.Add(j);
        }
        list.Sort();
        return chosen;
    }
}
