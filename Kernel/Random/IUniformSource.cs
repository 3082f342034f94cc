using Stochastic.Lanes;

namespace Stochastic.Random;

/// <summary>
/// A stream of uniform doubles: the randomness the scalar samplers take (<see cref="BinomialSampler"/>).
/// Implemented by the scalar streams (<see cref="Xoshiro256StarStar"/>, <see cref="PhiloxStream"/>).
/// Samplers take it as a generic struct parameter by ref, so each stream gets its own compiled
/// sampler with the draws inlined, and no interface call.
/// </summary>
internal interface IUniformSource
{
    /// <summary>The next uniform in [0, 1), a multiple of 2⁻⁵³.</summary>
    double NextDouble();
    /// <summary>The next uniform in (0, 1], a multiple of 2⁻⁵³: safe to take the logarithm of.</summary>
    double NextOpenDouble();
}

/// <summary>
/// Uniforms for the lanes of one vector, each lane from its own stream and only where its mask bit
/// is set: the randomness the lane samplers take (<see cref="PoissonSampler"/>). Taken as a generic
/// struct parameter by ref, like <see cref="IUniformSource"/>.
/// </summary>
internal interface ILaneUniformSource
{
    /// <summary>Uniforms in [0, 1) for the lanes set in <paramref name="mask"/>, 0 elsewhere.</summary>
    TV NextUniform<TL, TV>(TV mask) where TL : ILanes<TV> where TV : struct;
}
