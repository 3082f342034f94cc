using System.Diagnostics;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Cells;
using Stochastic.Simulation.Ode;
using Stochastic.Transforms;

namespace Stochastic.Methods;

/// <summary>
/// The deterministic mean field of the network: its reaction rate equations dx/dt = Σ_j ν_j a_j(x)
/// together with the model's continuous variables (SBML rate rules), integrated by SUNDIALS CVODE
/// (BDF, Newton) with events applied (<see cref="OdeSimulator"/>). The result has the ensemble form of
/// the other methods with one "run": mean = the solution, standard deviation 0. Propensities take their
/// deterministic limit (c·x² for a homodimer; <see cref="RateEquations"/>).
/// </summary>
internal sealed class OdeMethod : SimulationMethod
{
    public override bool RunsBlockRanges => false;
    public override bool SimulatesCells => true;
    public override string Name => "ode";
    public override string Summary => "deterministic reaction rate equations (mean field) and rate rules, SUNDIALS CVODE; one run, sd 0";
    public override string Paper => "Hindmarsh et al. 2005, ACM TOMS 31:363 (SUNDIALS CVODE: variable-order BDF with Newton iteration)";
    public override string WhenToUse => "the mean-field solution for comparison with SSA means (equal to them for first-order networks), and models with SBML rate rules; it has no noise, so it misses extinction, bimodality and every effect of small counts";
    public override MethodNeeds Needs => MethodNeeds.OdeTolerances;
    public override bool IsDeterministic => true;
    public override bool AppliesEvents => true;

    public override EnsembleResult RunEnsemble(ReactionModel model, CompiledNetwork network, EnsembleOptions options, MethodSettings settings,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var grid = options.Grid;
        var outputs = new double[grid.Points * network.OutputCount];
        using var simulator = new OdeSimulator(network, settings.Ode);
        simulator.Run(grid, outputs, cancellationToken);
        // Internal integrator steps are reported as leaps: there are no reaction firings to count.
        var counters = new SimulationCounters(0, simulator.Steps);
        progress?.Report(new EnsembleProgress(1, 1, counters));
        return new EnsembleResult(grid, [.. network.OutputNames], 1, outputs, new double[outputs.Length], counters, stopwatch.Elapsed,
            false, options.KeepTrajectories ? [outputs] : null);
    }

    /// <summary>
    /// Population cells on their mean-field solutions (<see cref="OdeCellSimulator"/>): each cell's own
    /// parameters and initial counts, no intrinsic noise. For fits of population means at large copy
    /// numbers (a smooth objective); a shared ligand pool or divisions need an integer-count engine.
    /// </summary>
    public override CellEngine CreateCellEngine(ReactionModel model, CompiledNetwork network, MethodSettings settings, SlowScaleReference? reference = null)
    {
        RefuseRateRulesInCells(model, network);
        return new CellEngine(n => new OdeCellSimulator(n, settings.Ode), "reaction rate equations (CVODE), no intrinsic noise");
    }
}
