using Stochastic.Network;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// An exact stochastic simulation algorithm (the SSA family): samples trajectories from the
/// chemical master equation without approximation. Each algorithm lives in its own file, is
/// listed in <see cref="ExactAlgorithms.All"/>, and is therefore tested against the DSMTS and
/// benchmarked automatically.
/// </summary>
public interface IExactAlgorithm
{
    /// <summary>Short name used on the command line (<c>--method direct</c>).</summary>
    string Name { get; }

    /// <summary>The paper, and when to prefer this algorithm.</summary>
    string Description { get; }

    /// <summary>Creates a simulator for <paramref name="network"/>. Each thread uses its own.</summary>
    ExactSimulator CreateSimulator(CompiledNetwork network);
}
