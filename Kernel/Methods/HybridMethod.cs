using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Cells;
using Stochastic.Simulation.Exact;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;

namespace Stochastic.Methods;

/// <summary>
/// Hybrid SSA / tau-leaping on the whole network: the slow-scale simulator on the identity reduction
/// (<see cref="SlowScaleReduction.Hybrid"/>), reactions among abundant species leaped, the rest exact.
/// </summary>
internal sealed class HybridMethod : SimulationMethod
{
    public override string Name => "hybrid";
    public override string Summary => "exact SSA with the reactions among abundant species leaped, --epsilon";
    public override string Paper => "Puchałka & Kierzek 2004, Biophys J 86:1357; Harris & Clancy 2006, J Chem Phys 125:144107; ε rule of Cao, Gillespie & Petzold 2006";
    public override string WhenToUse => "networks where some species are abundant and others rare: the rare stay exact, the abundant are leaped";
    public override MethodNeeds Needs => MethodNeeds.Epsilon;
    public override bool AppliesEvents => true;
    public override bool SimulatesCells => true;
    public override bool ResumesCells => true;

    public override EnsembleResult RunEnsemble(ReactionModel model, CompiledNetwork network, EnsembleOptions options, MethodSettings settings,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RefuseRateRules(model, network);
        var reduced = SlowScaleReduction.Hybrid(model, settings.Epsilon, network);
        return Ensemble.Run(() => new ExactTrajectorySimulator(network, new SlowScaleSimulator(reduced)), options, progress, cancellationToken);
    }

    public override CellEngine CreateCellEngine(ReactionModel model, CompiledNetwork network, MethodSettings settings, SlowScaleReference? reference = null)
    {
        RefuseRateRulesInCells(model, network);
        var reduced = SlowScaleReduction.Hybrid(model, settings.Epsilon, network);
        return new CellEngine(n => new SlowScaleCellSimulator(SlowScaleCellSimulator.Matching(reduced, n)),
            FormattableString.Invariant($"hybrid SSA / tau-leaping, ε = {settings.Epsilon}"), reduced);
    }
}
