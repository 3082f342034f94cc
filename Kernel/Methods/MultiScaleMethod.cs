using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Batch;
using Stochastic.Simulation.Cells;
using Stochastic.Transforms;

namespace Stochastic.Methods;

/// <summary>
/// The multi-scale batch engine: slow-scale reduction (fast reversible pairs at partial equilibrium) with
/// hybrid leaping of the abundant slow reactions, one cell per SIMD lane (<see cref="MultiScaleCellSimulator"/>).
/// </summary>
/// <param name="width">Lane width (the catalog's entry: the widest the hardware accelerates; benchmarks compare the others).</param>
internal sealed class MultiScaleMethod(SimdWidth width = SimdWidth.Auto) : SimulationMethod
{
    public override string Name => "multiscale";
    public override string Summary => "slow-scale SSA with hybrid leaping, one cell per SIMD lane; --theta, --leap as slow-scale";
    public override string Paper => "Cao, Gillespie & Petzold 2005 (slow-scale SSA), 2006 (ε rule); Puchałka & Kierzek 2004 (hybrid); Philox4x32-10 lanes (Salmon et al. 2011)";
    public override string WhenToUse => "populations of a stiff receptor model (the IL-2 studies, with a ligand pool and lineages too): the slow-scale hybrid's approximation, other random numbers; no faster than slow-scale on the IL-2 studies (docs/performance.md)";
    public override MethodNeeds Needs => MethodNeeds.SlowScale | MethodNeeds.Epsilon;
    public override bool SimulatesCells => true;
    public override bool ResumesCells => true;
    public override int CellBlockSize => 64;

    public override EnsembleResult RunEnsemble(ReactionModel model, CompiledNetwork network, EnsembleOptions options, MethodSettings settings,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RefuseRateRules(model, network);
        if (network.HasEvents)
            throw ThrowHelper.Model(new SourcePosition(model.Name, 0, 0), "the multiscale method does not apply events, and this model has some; use ssa or hybrid");
        var reduced = SlowScaleReduction.Reduce(model, settings.SlowScale, null, network);
        return Ensemble.Run(() => new CellTrajectorySimulator(new MultiScaleCellSimulator(reduced, width), network), options, progress, cancellationToken);
    }

    public override CellEngine CreateCellEngine(ReactionModel model, CompiledNetwork network, MethodSettings settings, SlowScaleReference? reference = null)
    {
        RefuseRateRulesInCells(model, network);
        if (network.HasEvents)
            throw ThrowHelper.Model(new SourcePosition(model.Name, 0, 0), "the multiscale method does not apply events, and this model has some; use ssa or hybrid");
        var reduced = SlowScaleReduction.Reduce(model, settings.SlowScale, reference, network);
        return new CellEngine(n => new MultiScaleCellSimulator(SlowScaleCellSimulator.Matching(reduced, n), width), $"{Name}: {reduced.Description}", reduced);
    }
}
