using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Cells;
using Stochastic.Simulation.Exact;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;

namespace Stochastic.Methods;

/// <summary>
/// Slow-scale SSA: the model's fast reversible pairs at partial equilibrium (<see cref="SlowScaleReduction"/>),
/// the slow reactions by the slow-scale simulator; with <see cref="SlowScaleOptions.LeapEpsilon"/> set, those
/// among abundant species leaped (hybrid).
/// </summary>
internal sealed class SlowScaleMethod : SimulationMethod
{
    public override string Name => "slow-scale";
    public override string Summary => "exact SSA with fast reversible binding pairs at equilibrium, --theta; --leap leaps the reactions among abundant species";
    public override string Paper => "Cao, Gillespie & Petzold 2005, J Chem Phys 122:014116 (slow-scale SSA); hybrid leaping as hybrid";
    public override string WhenToUse => "stiff receptor models (fast ligand binding and unbinding over hours to days): the IL-2 study's engine, validated against exact SSA";
    public override MethodNeeds Needs => MethodNeeds.SlowScale | MethodNeeds.Epsilon;
    public override bool SimulatesCells => true;
    public override bool ResumesCells => true;

    public override EnsembleResult RunEnsemble(ReactionModel model, CompiledNetwork network, EnsembleOptions options, MethodSettings settings,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RefuseRateRules(model, network);
        if (network.HasEvents)
            throw ThrowHelper.Model(new SourcePosition(model.Name, 0, 0), "the slow-scale method does not apply events, and this model has some; use ssa or hybrid");
        var reduced = SlowScaleReduction.Reduce(model, settings.SlowScale, null, network);
        return Ensemble.Run(() => new CellTrajectorySimulator(new SlowScaleCellSimulator(reduced), network), options, progress, cancellationToken);
    }

    public override CellEngine CreateCellEngine(ReactionModel model, CompiledNetwork network, MethodSettings settings, SlowScaleReference? reference = null)
    {
        RefuseRateRulesInCells(model, network);
        var reduced = SlowScaleReduction.Reduce(model, settings.SlowScale, reference, network);
        return new CellEngine(n => new SlowScaleCellSimulator(SlowScaleCellSimulator.Matching(reduced, n)), reduced.Description, reduced);
    }
}
