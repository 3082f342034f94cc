using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Tau;

namespace Stochastic.Methods;

/// <summary>Adaptive explicit tau-leaping, one trajectory at a time (<see cref="TauLeapingSimulator"/>).</summary>
internal sealed class TauMethod : SimulationMethod
{
    public override string Name => "tau";
    public override string Summary => "adaptive tau-leaping, scalar";
    public override string Paper => "Cao, Gillespie & Petzold 2006, J Chem Phys 124:044109 (step selection, critical reactions, SSA fallback)";
    public override string WhenToUse => "abundant species and slow reactions; its error grows with --epsilon. The scalar baseline of batch";
    public override MethodNeeds Needs => MethodNeeds.Epsilon;

    public override EnsembleResult RunEnsemble(ReactionModel model, CompiledNetwork network, EnsembleOptions options, MethodSettings settings,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RefuseRateRules(model, network);
        return Ensemble.Run(() => new TauLeapingSimulator(network, settings.Epsilon), options, progress, cancellationToken);
    }
}
