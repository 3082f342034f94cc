using System.Runtime.CompilerServices;
using Stochastic.Network;
using Stochastic.Random;

namespace Stochastic.Simulation.SlowScale;

/// <summary>
/// Exact decays of a hybrid leap interval (docs/algorithms.md, "Exact decays"): a species consumed
/// only by first-order reactions at constant rate constants has its leaped decays drawn exactly,
/// binomially from each molecule's probability of having decayed by the interval's end, instead of
/// by Poisson, so no consumption bound needs to hold them. A molecule present at the interval's start
/// τ₀ has decayed by its end with probability 1 − e^(−K·τ) (K the sum of the species' decay rate
/// constants, τ the interval's length); one made by an exact firing at s with 1 − e^(−K·(end − s));
/// one made by a leaped reaction, at a time uniform over the interval (the Poisson leap's law), with
/// 1 − (1 − e^(−K·τ))/(K·τ). The decayed molecules go to the decays in proportion to their rate
/// constants (sequential binomial splits). Indices are the reduced network's species and the slow
/// reactions.
/// </summary>
internal sealed class ExactDecays
{
    // Per slow reaction the reduced species it decays, or -1; per reduced species its decays, whether
    // they are drawn exactly this interval and its count when the interval began; per slow reaction
    // the decaying species it makes, with amounts; births in the interval.
    private readonly int[][] _decays;
    private readonly double[] _constant; // per decay, its rate constant in the current interval
    private readonly bool[] _decaying;
    private readonly double[] _start;
    private readonly List<int> _active = [];
    private readonly (int Species, double Amount)[]?[] _makes;
    private readonly List<(int Species, double Time, double Amount)> _births = [];
    private double _intervalStart;

    /// <summary>
    /// Finds the decays of <paramref name="reduced"/>'s slow reactions: first-order losses at a constant
    /// rate (a unimolecular mass-action rate constant, or a functional rate that reads neither species
    /// nor time, in <paramref name="full"/>) of a species <paramref name="isPlain"/> accepts that no other
    /// reaction consumes.
    /// </summary>
    public ExactDecays(CompiledNetwork full, CompiledNetwork reduced, int[] slow, IReadOnlyList<int> speciesMap, Func<int, bool> isPlain)
    {
        int ny = reduced.SpeciesCount;
        var consumers = Enumerable.Range(0, ny).Select(_ => new List<int>()).ToArray();
        for (int j = 0; j < slow.Length; j++)
            for (int c = reduced.ChangeOffsets[j]; c < reduced.ChangeOffsets[j + 1]; c++)
                if (reduced.ChangeAmounts[c] < 0) consumers[reduced.ChangeSpecies[c]].Add(j);
        int DecayedBy(int j)
        {
            int r = slow[j];
            bool constant = full.Kinds[r] switch
            {
                PropensityKind.Unimolecular => true,
                PropensityKind.Functional => full.RateReadsOnlyParameters(r),
                _ => false,
            };
            int first = full.ReactantOffsets[r];
            if (!constant || full.ReactantOffsets[r + 1] - first != 1 || full.ReactantMultiplicities[first] != 1) return -1;
            int y = speciesMap[full.ReactantSpecies[first]];
            if (!isPlain(y)) return -1;
            for (int c = reduced.ChangeOffsets[j]; c < reduced.ChangeOffsets[j + 1]; c++)
                if (reduced.ChangeSpecies[c] == y) return reduced.ChangeAmounts[c] == -1 ? y : -1;
            return -1;
        }
        var decayed = Enumerable.Range(0, slow.Length).Select(DecayedBy).ToArray();
        DecayOf = [.. decayed.Select(y => y >= 0 && consumers[y].All(j => decayed[j] == y) ? y : -1)];
        _decays = [.. Enumerable.Range(0, ny).Select(y => consumers[y].Where(j => DecayOf[j] == y).ToArray())];
        _decaying = new bool[ny];
        _start = new double[ny];
        _constant = new double[slow.Length];
        _makes = [.. Enumerable.Range(0, slow.Length).Select(j =>
        {
            var made = new List<(int, double)>();
            for (int c = reduced.ChangeOffsets[j]; c < reduced.ChangeOffsets[j + 1]; c++)
                if (reduced.ChangeAmounts[c] > 0 && _decays[reduced.ChangeSpecies[c]].Length > 0) made.Add((reduced.ChangeSpecies[c], reduced.ChangeAmounts[c]));
            return made.Count > 0 ? made.ToArray() : null;
        })];
    }

    /// <summary>Per slow reaction, the species it decays, or -1.</summary>
    public int[] DecayOf { get; }

    /// <summary>The decays of species <paramref name="y"/>.</summary>
    public int[] Of(int y) => _decays[y];

    /// <summary>Whether species <paramref name="y"/>'s decays are drawn exactly this interval.</summary>
    public bool IsDecaying(int y) => _decaying[y];

    /// <summary>Whether leaped reaction <paramref name="j"/> is an exact decay this interval.</summary>
    public bool IsExact(int j) => DecayOf[j] >= 0 && _decaying[DecayOf[j]];

    /// <summary>Draws species <paramref name="y"/>'s decays exactly this interval; it holds <paramref name="count"/> at its start.</summary>
    public void Start(int y, double count)
    {
        _decaying[y] = true;
        _start[y] = count;
        _active.Add(y);
    }

    /// <summary>Decay <paramref name="d"/>'s rate constant over the interval (its propensity per molecule).</summary>
    public void SetConstant(int d, double k) => _constant[d] = k;

    /// <summary>The interval begins at <paramref name="time"/>.</summary>
    public void BeginInterval(double time) => _intervalStart = time;

    /// <summary>Notes the molecules an exact firing of <paramref name="j"/> at <paramref name="t"/> makes of species whose decays are drawn exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Born(int j, double t)
    {
        if (_active.Count == 0 || _makes[j] is not { } made) return;
        foreach (var (y, amount) in made) if (_decaying[y]) _births.Add((y, t, amount));
    }

    /// <summary>
    /// The exact decays of the interval ending at <paramref name="time"/>, into <paramref name="firings"/>
    /// (the other leaped reactions' firings already drawn there).
    /// </summary>
    public void Sample(double time, List<int> leaped, double[] firings, ref Xoshiro256StarStar random)
    {
        double tau = time - _intervalStart;
        foreach (int y in _active)
        {
            var decays = _decays[y];
            double rate = 0;
            foreach (int j in decays) rate += _constant[j];
            double decay = -double.ExpM1(-rate * tau);
            double decayed = BinomialSampler.Sample(_start[y], decay, ref random);
            foreach (var (species, born, amount) in _births)
                if (species == y) decayed += BinomialSampler.Sample(amount, -double.ExpM1(-rate * (time - born)), ref random);
            double leapedBirths = 0;
            foreach (int j in leaped)
                if (!IsExact(j) && _makes[j] is { } made)
                    foreach (var (species, amount) in made) if (species == y) leapedBirths += amount * firings[j];
            if (leapedBirths > 0 && rate * tau > 0) decayed += BinomialSampler.Sample(leapedBirths, 1 - decay / (rate * tau), ref random);
            for (int i = 0; i < decays.Length; i++)
            {
                int j = decays[i];
                double k = _constant[j];
                double share = i == decays.Length - 1 ? decayed : BinomialSampler.Sample(decayed, k / rate, ref random);
                firings[j] = share;
                decayed -= share;
                rate -= k;
            }
        }
    }

    /// <summary>Forgets the interval's exact decays and births.</summary>
    public void End()
    {
        foreach (int y in _active) _decaying[y] = false;
        _active.Clear();
        _births.Clear();
    }
}
