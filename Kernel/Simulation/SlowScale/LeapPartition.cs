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
/// u > 2. With this bound the inflation is at most about ε/2. Exact decays (first-order losses at a
/// constant rate of a species nothing else consumes, which the simulator draws by their exact decay
/// probabilities) go without it, on the conditions of docs/algorithms.md, "Exact decays".</item>
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

    /// <summary>
    /// What a partition point costs, in exact firings: it re-evaluates every propensity (a firing re-evaluates a
    /// few), chooses the leaped set, and ends in the leaps' draws. Measured, not fitted: in a profile of the IL-2
    /// tissue well the partitions' code took about 1.5 µs per partition against 63 ns per exact firing
    /// (docs/performance.md, "Where leaped groups' time goes"). It was 10, which leaped for too little.
    /// </summary>
    public const double LeapCost = 25;

    private readonly CompiledNetwork _net;
    private readonly double _epsilon;
    private readonly double[] _g;
    private readonly bool[] _read;
    private readonly double[] _mu, _var, _tauOf;
    private readonly int[] _decayOf;
    private readonly double[] _limit, _bounded, _decayRate, _decayLimit, _groupRate;
    // Per decay, whether it changes nothing that a propensity reads besides its own species.
    private readonly bool[] _silent;
    // Per species with exact decays: the others with exact decays that its decays make, and that make
    // it by theirs; whether its decays go unbounded. The species, and the same by decay rate.
    private readonly int[][] _feeds, _fedBy;
    private readonly bool[] _free;
    private readonly int[] _decaySpecies, _byRate;
    private readonly List<(int Reaction, double Tau, double Rate)> _candidates = [];

    /// <param name="network">The simulated network (change vectors, reduced species).</param>
    /// <param name="epsilon">ε of the step rule.</param>
    /// <param name="order">g_i per species: the highest order of a reaction whose propensity reads species i (0 when none reads it).</param>
    /// <param name="decayOf">
    /// Per reaction, the species it decays when the simulator leaps it exactly (a first-order loss at
    /// a constant rate of a species that only such losses consume, <see cref="SlowScaleSimulator"/>),
    /// else −1. Such a reaction may go without the consumption bound (<see cref="ExactDecays"/>), its
    /// species' decays then leaped together or not at all.
    /// </param>
    public LeapPartition(CompiledNetwork network, double epsilon, double[] order, int[] decayOf)
    {
        _net = network;
        _epsilon = epsilon;
        _g = order;
        _read = [.. order.Select(g => g > 0)];
        _tauOf = new double[network.SpeciesCount];
        _mu = new double[network.SpeciesCount];
        _var = new double[network.SpeciesCount];
        _decayOf = decayOf;
        _limit = new double[decayOf.Length];
        _bounded = new double[decayOf.Length];
        _decayRate = new double[network.SpeciesCount];
        _decayLimit = new double[network.SpeciesCount];
        _groupRate = new double[network.SpeciesCount];
        _silent = [.. Enumerable.Range(0, decayOf.Length).Select(j => decayOf[j] >= 0 && Enumerable.Range(network.ChangeOffsets[j], network.ChangeOffsets[j + 1] - network.ChangeOffsets[j])
            .All(c => network.ChangeSpecies[c] == decayOf[j] || !_read[network.ChangeSpecies[c]]))];
        _free = new bool[network.SpeciesCount];
        _decaySpecies = [.. decayOf.Where(y => y >= 0).Distinct().Order()];
        _byRate = [.. _decaySpecies];
        var feeds = Enumerable.Range(0, network.SpeciesCount).Select(_ => new SortedSet<int>()).ToArray();
        var fedBy = Enumerable.Range(0, network.SpeciesCount).Select(_ => new SortedSet<int>()).ToArray();
        for (int j = 0; j < decayOf.Length; j++)
        {
            if (decayOf[j] < 0) continue;
            for (int c = network.ChangeOffsets[j]; c < network.ChangeOffsets[j + 1]; c++)
            {
                int w = network.ChangeSpecies[c];
                if (network.ChangeAmounts[c] <= 0 || w == decayOf[j] || !_decaySpecies.Contains(w)) continue;
                feeds[decayOf[j]].Add(w);
                fedBy[w].Add(decayOf[j]);
            }
        }
        _feeds = [.. feeds.Select(f => f.ToArray())];
        _fedBy = [.. fedBy.Select(f => f.ToArray())];
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
        // The longest interval each reaction allows (−1: critical or idle): the least τ_s of the
        // species it changes.
        for (int j = 0; j < a.Length; j++)
        {
            _limit[j] = _bounded[j] = -1;
            if (!(a[j] > 0)) continue;
            double tau = double.PositiveInfinity, bounded = double.PositiveInfinity;
            bool critical = false;
            for (int c = offsets[j]; c < offsets[j + 1]; c++)
            {
                int s = species[c];
                tau = Math.Min(tau, _tauOf[s]);
                if (amounts[c] >= 0) continue;
                if (x[s] < -amounts[c] * CriticalFirings) { critical = true; break; }
                // It may consume at most ε/2 of the species in the interval (an exact decay need
                // not: see below).
                double bound = _epsilon / 2 * x[s] / (-amounts[c] * a[j]);
                if (_decayOf[j] == s) bounded = bound; else tau = Math.Min(tau, bound);
            }
            if (critical) continue;
            _limit[j] = tau;
            _bounded[j] = Math.Min(tau, bounded);
        }
        // A species' decays may go without the consumption bound: their decay probabilities are
        // exact however long the interval (SlowScaleSimulator.SampleDecays), for the molecules
        // present when it began, those made by exact firings (at their times) and those made by
        // leaped reactions (at times uniform over the interval, the leap's own law at a constant
        // propensity). The last fails for molecules made by another species' free decays, whose
        // times are not uniform: of two such species only one goes free. The free decays of a
        // species are leaped together or not at all, over at most the least of their limits, when
        // they fire MinimumFirings times in all and each one whose products some propensity reads
        // does so by itself (as any leaped reaction must); a species whose decays cannot keeps the
        // bound.
        foreach (int y in _decaySpecies)
        {
            _decayRate[y] = 0;
            _groupRate[y] = _decayLimit[y] = double.PositiveInfinity;
        }
        for (int j = 0; j < a.Length; j++)
        {
            if (_decayOf[j] < 0 || !(a[j] > 0)) continue;
            int y = _decayOf[j];
            _decayRate[y] += a[j];
            _decayLimit[y] = Math.Min(_decayLimit[y], _limit[j]);
            if (!_silent[j]) _groupRate[y] = Math.Min(_groupRate[y], a[j]);
        }
        // In order of decreasing decay rate (the most firings first), a species goes free when its
        // group qualifies and no free species' decays make it or are made by its own.
        for (int i = 0; i < _byRate.Length; i++)
        {
            int y = _byRate[i];
            _groupRate[y] = Math.Min(_groupRate[y], _decayRate[y]);
            _free[y] = false;
            int k = i;
            for (; k > 0 && _decayRate[_byRate[k - 1]] < _decayRate[y]; k--) _byRate[k] = _byRate[k - 1];
            _byRate[k] = y;
        }
        foreach (int y in _byRate)
        {
            if (!(_groupRate[y] * _decayLimit[y] >= MinimumFirings)) continue;
            bool conflict = false;
            foreach (int z in _fedBy[y]) conflict |= _free[z];
            foreach (int w in _feeds[y]) conflict |= _free[w];
            _free[y] = !conflict;
        }
        _candidates.Clear();
        for (int j = 0; j < a.Length; j++)
        {
            if (!(a[j] > 0)) continue;
            double limit = Limit(j), rate = Rate(j, a);
            if (limit >= 0 && rate * limit >= MinimumFirings) _candidates.Add((j, limit, rate));
        }
        // The interval: the candidate bound that saves the most exact firings per unit time, net of
        // the partitions it costs (Σ a_j over the reactions it leaps − LeapCost/τ).
        double best = 0, chosen = double.PositiveInfinity;
        foreach (var (_, tau, _) in _candidates)
        {
            double saved = -LeapCost / tau;
            foreach (var (j, limit, rate) in _candidates) if (limit >= tau && rate * tau >= MinimumFirings) saved += a[j];
            if (saved > best) { best = saved; chosen = tau; }
        }
        if (best <= 0) return double.PositiveInfinity;
        foreach (var (j, limit, rate) in _candidates)
        {
            if (limit < chosen || !(rate * chosen >= MinimumFirings)) continue;
            leaped[j] = true;
            list.Add(j);
        }
        list.Sort();
        return chosen;
    }

    /// <summary>Whether species <paramref name="y"/>'s decays, if leaped by the last <see cref="Choose"/>, went without the consumption bound (and are to be drawn exactly).</summary>
    public bool ExactDecays(int y) => _free[y];

    // The firing rate that must reach MinimumFirings in an interval: for a free decay its group's
    // (the least of its species' total and its decays whose products are read).
    private double Rate(int j, ReadOnlySpan<double> a) => _decayOf[j] >= 0 && _free[_decayOf[j]] ? _groupRate[_decayOf[j]] : a[j];

    // The longest interval reaction j allows (−1: never leaped); for a decay, its species' shared one.
    private double Limit(int j)
    {
        int y = _decayOf[j];
        return y < 0 ? _limit[j] : _free[y] ? _decayLimit[y] : _bounded[j];
    }
}
