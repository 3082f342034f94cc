using Stochastic.Model;

namespace Stochastic.Population;

/// <summary>
/// The correlation of two parameters of one cell type, as the correlation <see cref="Coefficient"/>
/// of their underlying standard normal scores (a Gaussian copula, Nelsen 2006, <i>An Introduction
/// to Copulas</i>, §3.3.1): of ln X for a lognormal, of X before truncation at zero for a normal,
/// and of Φ⁻¹(U) for a uniform. The marginal distributions are unchanged.
/// </summary>
/// <param name="First">A parameter the cell type varies (non-fixed distribution).</param>
/// <param name="Second">Another such parameter.</param>
/// <param name="Coefficient">ρ, with |ρ| &lt; 1.</param>
/// <param name="Position">Where the study file sets it.</param>
public sealed record ParameterCorrelation(string First, string Second, double Coefficient, SourcePosition Position);
