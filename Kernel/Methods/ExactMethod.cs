using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Cells;
using Stochastic.Simulation.Exact;
using Stochastic.Transforms;

namespace Stochastic.Methods;

/// <summary>
/// Exact SSA (Gillespie 1977) with one algorithm of <see cref="ExactAlgorithms"/>, or, as <c>ssa</c>,
/// the one <see cref="ExactAlgorithms.Select"/> chooses for the network's size.
/// </summary>
internal sealed class ExactMethod(IExactAlgorithm? algorithm) : SimulationMethod
{
    public override string Name => algorithm?.Name ?? "ssa";
    public override string Summary => algorithm is null ? "exact; the algorithm is chosen for the network's size" : "exact";
    public override string Paper => algorithm?.Description
        ?? "Gillespie (1977); direct, sorting direct, SPDM, RSSA-CR or composition-rejection by network size and shape (docs/algorithms.md)";
    public override string WhenToUse => "the reference: exact trajectories, one step per firing, so stiff or abundant systems are slow";
    public override bool IsExact => true;
    // The ODE tolerances, for the continuous variables of a model with rate rules.
    public override MethodNeeds Needs => MethodNeeds.OdeTolerances;
    public override bool SimulatesCells => true;
    public override bool ResumesCells => true;

    private IExactAlgorithm For(CompiledNetwork network) => algorithm ?? ExactAlgorithms.Select(network);

    public override EnsembleResult RunEnsemble(ReactionModel model, CompiledNetwork network, EnsembleOptions options, MethodSettings settings,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RefuseUncoupledRateRules(model, network, Name);
        var chosen = For(network);
        ExactAlgorithms.ThrowIfRefused(chosen, network); // before any run starts: one message, not one per thread
        if (!network.HasRateRules) return Ensemble.Run(network, chosen, options, progress, cancellationToken);
        // Continuous variables (rate rules) are integrated at the ODE tolerances (--rtol, --atol).
        return Ensemble.Run(() =>
        {
            var simulator = chosen.CreateSimulator(network);
            simulator.ContinuousTolerances = settings.Ode;
            return new ExactTrajectorySimulator(network, simulator);
        }, options, progress, cancellationToken);
    }

    public override CellEngine CreateCellEngine(ReactionModel model, CompiledNetwork network, MethodSettings settings, SlowScaleReference? reference = null)
    {
        RefuseRateRulesInCells(model, network);
        var chosen = For(network);
        ExactAlgorithms.ThrowIfRefused(chosen, network);
        return new CellEngine(n => new ExactCellSimulator(n, chosen), algorithm is null ? "exact SSA" : $"exact SSA ({chosen.Name})");
    }
}
