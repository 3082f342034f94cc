using Stochastic.Network;

namespace Stochastic.Simulation.SlowScale;

/// <summary>
/// Gillespie's (2001, J Chem Phys 115:1716) estimated midpoint for a hybrid leap interval, for the
/// whole state: the leaped firings wait for the interval's end, so over the interval every propensity
/// (leaped or exact) is evaluated at the state moved by half the leaped reactions' expected change,
/// Δ/2 = ½·Σ ν_j·a_j·τ. For a linear network this makes the mean second order in τ: immigration–death
/// gets x_{n+1} − x_n = (α − μx)(τ − μτ²/2), the exact increment to that order, where plain leaping
/// (Euler) gives (α − μx)τ and overshoots; and an exact reaction reading a leaped species no longer sees
/// it lag behind by the interval's drift. Planned when the interval is chosen, added when it begins (so
/// a state recorded at a horizon is never shifted), taken off at its end. This type holds the shift;
/// the simulator moves its state by it.
/// </summary>
internal sealed class MidpointShift(int species)
{
    private readonly double[] _shift = new double[species];
    private readonly List<int> _shifted = [];
    private double _tau;

    /// <summary>A shift is planned and not yet added.</summary>
    public bool Pending { get; private set; }

    /// <summary>The shift has been added to the state (and must be taken off).</summary>
    public bool Applied { get; private set; }

    /// <summary>The species the shift moves.</summary>
    public List<int> Species => _shifted;

    /// <summary>The shift of species <paramref name="s"/>.</summary>
    public double this[int s] => _shift[s];

    /// <summary>
    /// Plans the shift of an interval of length <paramref name="tau"/> in which the reactions
    /// <paramref name="leaped"/> of <paramref name="network"/> leap at propensities <paramref name="a"/>.
    /// </summary>
    public void Plan(CompiledNetwork network, List<int> leaped, double[] a, double tau)
    {
        _tau = tau;
        if (double.IsPositiveInfinity(tau)) return; // the leaped reactions change nothing that is read
        foreach (int j in leaped)
            for (int c = network.ChangeOffsets[j]; c < network.ChangeOffsets[j + 1]; c++)
            {
                int s = network.ChangeSpecies[c];
                if (!_shifted.Contains(s)) _shifted.Add(s);
                _shift[s] += 0.5 * network.ChangeAmounts[c] * a[j] * tau;
            }
        Pending = _shifted.Count > 0;
    }

    /// <summary>
    /// The interval begins at <paramref name="time"/>: an interval that <paramref name="horizon"/> will
    /// cut short gets the shift of its actual length. The caller then adds <see cref="this[int]"/> to
    /// each of <see cref="Species"/>.
    /// </summary>
    public void Begin(double time, double horizon)
    {
        Pending = false;
        Applied = true;
        double part = Math.Clamp((horizon - time) / _tau, 0, 1);
        foreach (int s in _shifted) _shift[s] *= part;
    }

    /// <summary>Forgets the shift (after the caller took it off, when <see cref="Applied"/>).</summary>
    public void Clear()
    {
        foreach (int s in _shifted) _shift[s] = 0;
        _shifted.Clear();
        Pending = Applied = false;
    }
}
