namespace Stochastic.Simulation.Exact;

/// <summary>The catalog of exact algorithms: tests and benchmarks enumerate it.</summary>
public static class ExactAlgorithms
{
    /// <summary>Every exact algorithm, default first.</summary>
    public static IReadOnlyList<IExactAlgorithm> All { get; } = [new DirectMethod()];

    /// <summary>Finds an algorithm by <see cref="IExactAlgorithm.Name"/> (case-insensitive), or null.</summary>
    public static IExactAlgorithm? Find(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
}
