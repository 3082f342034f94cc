namespace Stochastic.Network;

/// <summary>How a compiled reaction's propensity is computed; mass-action kinds are the fast paths.</summary>
public enum PropensityKind : byte
{
    /// <summary>c (no reactants).</summary>
    Constant,
    /// <summary>c·x₁.</summary>
    Unimolecular,
    /// <summary>c·x₁·x₂ for two different species.</summary>
    Bimolecular,
    /// <summary>c·x₁·(x₁−1): two identical reactants; c already holds the ½ symmetry factor.</summary>
    Homodimer,
    /// <summary>c·Π x(x−1)…(x−m+1) over reactants with multiplicity m (third order and beyond).</summary>
    MassAction,
    /// <summary>f(x, t)·Π x(x−1)…(x−m+1): a BioNetGen functional rate times the mass-action factor.</summary>
    Functional,
    /// <summary>f(x, t): an SBML kinetic law, the whole propensity.</summary>
    Expression,
}
