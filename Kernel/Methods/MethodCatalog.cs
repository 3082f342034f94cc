using Stochastic.Model;
using Stochastic.Simulation.Exact;

namespace Stochastic.Methods;

/// <summary>
/// Every simulation method, by name: the exact SSA family (the size-chosen <c>ssa</c>, then each
/// algorithm of <see cref="ExactAlgorithms"/>), tau-leaping (scalar and SIMD batch), hybrid SSA /
/// tau-leaping and slow-scale SSA. The command line, populations, DSMTS, tests and benchmarks enumerate it.
/// </summary>
public static class MethodCatalog
{
    /// <summary>Exact SSA with the algorithm chosen for the network's size (<see cref="ExactAlgorithms.Select"/>).</summary>
    public static SimulationMethod Ssa { get; } = new ExactMethod(null);
    /// <summary>Adaptive explicit tau-leaping, one trajectory at a time.</summary>
    public static SimulationMethod Tau { get; } = new TauMethod();
    /// <summary>Adaptive tau-leaping on the SIMD batch engine, one trajectory or cell per vector lane.</summary>
    public static SimulationMethod Batch { get; } = new BatchMethod();
    /// <summary>Hybrid SSA / tau-leaping on the whole network.</summary>
    public static SimulationMethod Hybrid { get; } = new HybridMethod();
    /// <summary>Slow-scale SSA (fast reversible pairs at partial equilibrium), optionally with hybrid leaping.</summary>
    public static SimulationMethod SlowScale { get; } = new SlowScaleMethod();
    /// <summary>The slow-scale hybrid on the SIMD batch engine: one cell per vector lane, cells of a scenario × cell type sharing its reduction.</summary>
    public static SimulationMethod MultiScale { get; } = new MultiScaleMethod();

    /// <summary>The deterministic reaction rate equations (mean field) and continuous variables, integrated by SUNDIALS CVODE.</summary>
    public static SimulationMethod Ode { get; } = new OdeMethod();

    /// <summary>Every method, in the order help text lists them.</summary>
    public static IReadOnlyList<SimulationMethod> All { get; } =
        [Ssa, Tau, Batch, Hybrid, SlowScale, MultiScale, Ode, .. ExactAlgorithms.All.Select(a => new ExactMethod(a))];

    /// <summary>The names of <see cref="All"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(m => m.Name)];

    /// <summary>The method named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static SimulationMethod? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The method named <paramref name="name"/>; <paramref name="label"/> says where the name came from in the error.</summary>
    /// <exception cref="ModelException">No such method; the message lists the valid names.</exception>
    public static SimulationMethod Get(string name, string label = "method") => Find(name)
        ?? throw ThrowHelper.Model(new SourcePosition(label, 0, 0), $"unknown method '{name}'; methods: {string.Join(", ", Names)}");

}
