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
    /// <exception cref="SimulationException">The algorithm cannot simulate the network (<see cref="Refusal"/>).</exception>
    ExactSimulator CreateSimulator(CompiledNetwork network);

    /// <summary>
    /// Why this algorithm cannot simulate <paramref name="network"/> (a clause for an error message), or
    /// null when it can. Most algorithms take every network; one restricted to a class of networks
    /// (mass action of order ≤ 2, say) says here what it lacks, and <see cref="CreateSimulator"/> throws.
    /// </summary>
    string? Refusal(CompiledNetwork network) => null;
}
