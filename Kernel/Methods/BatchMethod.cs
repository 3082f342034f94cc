using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Batch;
using Stochastic.Simulation.Cells;
using Stochastic.Transforms;

namespace Stochastic.Methods;

/// <summary>Adaptive tau-leaping on the SIMD batch engine, one trajectory or cell per vector lane (<see cref="BatchSimulator"/>).</summary>
internal sealed class BatchMethod : SimulationMethod
{
    public override bool RunsBlockRanges => false;
    public override string Name => "batch";
    public override string Summary => "tau-leaping, one cell per SIMD lane; same results as tau";
    public override string Paper => "Cao, Gillespie & Petzold 2006, J Chem Phys 124:044109; Philox4x32-10 streams per lane (Salmon et al. 2011)";
    public override string WhenToUse => "many cells of a network with abundant species; on stiff models (fast ligand binding, as in IL-2) it falls back to exact steps and is slower than ssa";
    public override MethodNeeds Needs => MethodNeeds.Epsilon;
    public override bool SimulatesCells => true;
    public override int CellBlockSize => 32;

    public override EnsembleResult RunEnsemble(ReactionModel model, CompiledNetwork network, EnsembleOptions options, MethodSettings settings,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RefuseRateRules(model, network);
        return BatchSimulator.RunEnsemble(network, new BatchOptions(options.Runs, options.Seed, options.Grid, settings.Epsilon, options.Threads),
            null, progress, cancellationToken, options.KeepTrajectories);
    }

    public override CellEngine CreateCellEngine(ReactionModel model, CompiledNetwork network, MethodSettings settings, SlowScaleReference? reference = null)
    {
        RefuseRateRulesInCells(model, network);
        double epsilon = settings.Epsilon;
        return new CellEngine(n => new BatchCellSimulator(n, epsilon), FormattableString.Invariant($"batch tau-leaping, ε = {epsilon}"));
    }
}
