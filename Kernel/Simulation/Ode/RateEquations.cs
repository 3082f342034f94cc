using Stochastic.Network;

namespace Stochastic.Simulation.Ode;

/// <summary>
/// The deterministic right-hand side of a compiled network: the reaction rate equations
/// dx/dt = Σ_j ν_j a_j(x) of the species (when <see cref="SpeciesVary"/>) followed by the rate rules of
/// the continuous variables. The state vector is [species..., continuous parameters...]; with species
/// frozen (the stochastic coupling: counts are fixed between firings) it holds the continuous
/// parameters only.
/// </summary>
/// <remarks>
/// The deterministic limit of each propensity: mass action c·Π x^m with the same c as the stochastic
/// propensity (statistical factor included), so a homodimerization A + A → B with stochastic propensity
/// c·A(A−1) has rate c·A² here, as in BioNetGen's ODE and COPASI's deterministic mass action (the
/// falling factorial becomes a power; they agree as A → ∞). Functional rates keep their expression times
/// that mass-action part; SBML kinetic laws (<see cref="PropensityKind.Expression"/>) are already the
/// deterministic rate in amount per time and are used as written. Not thread-safe: one per integrator.
/// </remarks>
internal sealed class RateEquations : IOdeSystem
{
    private readonly CompiledNetwork _network;
    private readonly int[] _continuous;

    /// <summary>Creates the equations of <paramref name="network"/>; parameters start at the network's values.</summary>
    public RateEquations(CompiledNetwork network, bool speciesVary)
    {
        _network = network;
        _continuous = network.ContinuousParameters;
        SpeciesVary = speciesVary;
        Species = (double[])network.InitialCounts.Clone();
        Parameters = (double[])network.Parameters.Clone();
        SpeciesOffset = speciesVary ? network.SpeciesCount : 0;
        Size = SpeciesOffset + _continuous.Length;
    }

    /// <summary>True when species amounts are integrated; false when they are held fixed.</summary>
    public bool SpeciesVary { get; }

    /// <summary>Species amounts: the integrated values (refreshed by <see cref="Unpack"/>), or the fixed counts.</summary>
    public double[] Species { get; }

    /// <summary>Parameter values; the continuous ones are refreshed by <see cref="Unpack"/>.</summary>
    public double[] Parameters { get; }

    /// <summary>Index in the state vector of the first continuous variable.</summary>
    public int SpeciesOffset { get; }

    /// <inheritdoc />
    public int Size { get; }

    /// <summary>Writes <see cref="Species"/> (when they vary) and the continuous parameters into the state vector <paramref name="y"/>.</summary>
    public void Pack(Span<double> y)
    {
        if (SpeciesVary) Species.CopyTo(y);
        for (int i = 0; i < _continuous.Length; i++) y[SpeciesOffset + i] = Parameters[_continuous[i]];
    }

    /// <summary>Copies the state vector <paramref name="y"/> into <see cref="Species"/> and <see cref="Parameters"/>.</summary>
    public void Unpack(ReadOnlySpan<double> y)
    {
        if (SpeciesVary) y[..SpeciesOffset].CopyTo(Species);
        for (int i = 0; i < _continuous.Length; i++) Parameters[_continuous[i]] = y[SpeciesOffset + i];
    }

    /// <inheritdoc />
    public void Derivatives(double t, ReadOnlySpan<double> y, Span<double> dydt)
    {
        Unpack(y);
        var x = Species;
        var p = Parameters;
        var network = _network;
        if (SpeciesVary)
        {
            dydt[..SpeciesOffset].Clear();
            var changeOffsets = network.ChangeOffsets;
            var changeSpecies = network.ChangeSpecies;
            var changeAmounts = network.ChangeAmounts;
            for (int r = 0; r < network.ReactionCount; r++)
            {
                int first = changeOffsets[r], last = changeOffsets[r + 1];
                if (first == last) continue;
                double a = Rate(network, r, x, p, t);
                for (int k = first; k < last; k++) dydt[changeSpecies[k]] += changeAmounts[k] * a;
            }
        }
        var derivatives = network.ContinuousDerivatives;
        for (int i = 0; i < derivatives.Length; i++) dydt[SpeciesOffset + i] = derivatives[i](x, p, t);
    }

    /// <summary>The deterministic rate of reaction <paramref name="r"/> (see the remarks for the convention).</summary>
    public static double Rate(CompiledNetwork network, int r, double[] x, double[] parameters, double t)
    {
        double c = network.RateConstants[r];
        switch (network.Kinds[r])
        {
            case PropensityKind.Constant: return c;
            case PropensityKind.Unimolecular: return c * x[network.Reactant1[r]];
            case PropensityKind.Bimolecular: return c * x[network.Reactant1[r]] * x[network.Reactant2[r]];
            case PropensityKind.Homodimer:
                double a = x[network.Reactant1[r]];
                return c * a * a;
            case PropensityKind.Expression: return network.RateFunctions[r]!(x, parameters, t);
        }
        double value = network.Kinds[r] == PropensityKind.Functional
            ? network.RateFunctions[r]!(x, parameters, t) * network.StatisticalFactors[r]
            : c;
        for (int k = network.ReactantOffsets[r]; k < network.ReactantOffsets[r + 1]; k++)
        {
            double n = x[network.ReactantSpecies[k]];
            for (int m = 0; m < network.ReactantMultiplicities[k]; m++) value *= n;
        }
        return value;
    }
}
