using Stochastic.Expressions;
using Stochastic.Model;
using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Cells;
using Stochastic.Transforms;

namespace Stochastic.Methods;

/// <summary>
/// One simulation method of the <see cref="MethodCatalog"/>: its name, the paper it follows, when to
/// use it, what it needs, and factories for an ensemble of trajectories and for the cell simulators of
/// a population. Everything that offers a choice of method (the command line, populations, dose–response,
/// DSMTS, tests, benchmarks) enumerates the catalog, so a method added there is offered, tested and
/// benchmarked everywhere.
/// </summary>
public abstract class SimulationMethod
{
    private protected SimulationMethod() { }

    /// <summary>The name the command line and study files use (<c>--method</c>, <c>engine</c>).</summary>
    public abstract string Name { get; }

    /// <summary>What it is, in a few words (help text).</summary>
    public abstract string Summary { get; }

    /// <summary>The paper(s) the method follows.</summary>
    public abstract string Paper { get; }

    /// <summary>When to use it, and when not.</summary>
    public abstract string WhenToUse { get; }

    /// <summary>Which <see cref="MethodSettings"/> it reads.</summary>
    public virtual MethodNeeds Needs => MethodNeeds.None;

    /// <summary>True when its trajectories follow the chemical master equation exactly.</summary>
    public virtual bool IsExact => false;

    /// <summary>True when it computes one deterministic solution (the reaction rate equations) rather than random trajectories.</summary>
    public virtual bool IsDeterministic => false;

    /// <summary>
    /// True when a model's discrete events (<see cref="CompiledNetwork.HasEvents"/>) act on its trajectories.
    /// The tau-leaping methods do not apply them yet (their trajectories are those of the model without
    /// events); the slow-scale method refuses a model that has any.
    /// </summary>
    public virtual bool AppliesEvents => IsExact;

    /// <summary>True when <see cref="CreateCellEngine"/> is available (the population layer can run it).</summary>
    public virtual bool SimulatesCells => false;

    /// <summary>Cells a population hands its cell simulator at once (results do not depend on it): enough to fill the lanes of a batch method.</summary>
    public virtual int CellBlockSize => 4;

    /// <summary>True when its cell simulators can pause and resume (<see cref="IResumableCellSimulator"/>), as a shared ligand pool needs.</summary>
    public virtual bool ResumesCells => false;

    /// <summary>
    /// Whether <see cref="RunEnsemble"/> runs <see cref="EnsembleOptions.BlockRange"/> alone (the ensemble's fixed
    /// blocks of runs, for shards); false for methods that summarize otherwise (batch, ode).
    /// </summary>
    public virtual bool RunsBlockRanges => true;

    /// <summary>
    /// Runs <paramref name="options"/>.<see cref="EnsembleOptions.Runs"/> trajectories of
    /// <paramref name="network"/> (<paramref name="model"/> compiled; methods that transform the model read it).
    /// </summary>
    public abstract EnsembleResult RunEnsemble(ReactionModel model, CompiledNetwork network, EnsembleOptions options, MethodSettings settings,
        IProgress<EnsembleProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The cell simulators of this method for <paramref name="model"/> (compiled: <paramref name="network"/>),
    /// prepared once and shared by every thread; <paramref name="reference"/> is the state a method that
    /// judges the model (the slow-scale criterion) judges it at (default: the model's initial state).
    /// </summary>
    /// <exception cref="NotSupportedException">The method does not simulate cells (<see cref="SimulatesCells"/> is false).</exception>
    public virtual CellEngine CreateCellEngine(ReactionModel model, CompiledNetwork network, MethodSettings settings, SlowScaleReference? reference = null) =>
        throw new NotSupportedException($"method '{Name}' does not simulate population cells; methods that do: {string.Join(", ", MethodCatalog.All.Where(m => m.SimulatesCells).Select(m => m.Name))}");

    /// <summary>
    /// Refuses a model with continuous variables (SBML rate rules) for a method that does not couple
    /// them to its steps: a leap or a hybrid step holds each propensity fixed over the step, and its
    /// error control knows nothing of the variables' drift, so the error would be neither bounded nor
    /// reported. Refusing is better than treating them as constants; the exact methods couple them
    /// exactly (<see cref="RefuseUncoupledRateRules"/>) and <c>--method ode</c> integrates them.
    /// </summary>
    /// <exception cref="ModelException">The model has a rate rule; the message names it and the methods that run it.</exception>
    private protected void RefuseRateRules(ReactionModel model, CompiledNetwork network)
    {
        if (!network.HasRateRules) return;
        var rule = model.RateRules.Length > 0 ? model.RateRules[0] : null;
        string which = rule is null ? "a rate rule" : $"a rate rule for '{rule.Target.Name}'";
        throw ThrowHelper.Model(rule?.Position ?? new SourcePosition(model.Name, 0, 0),
            $"the model has {which} (a continuous variable) and method '{Name}' cannot simulate it: it does not couple continuous variables to its steps; use an exact method (--method ssa or one of {string.Join(", ", Simulation.Exact.ExactAlgorithms.All.Select(a => a.Name))}) or --method ode for the deterministic solution");
    }

    /// <summary>
    /// Refuses a model with continuous variables (SBML rate rules) in population cells, whatever the
    /// method: cells pause and resume runs (a shared pool, divisions), which would have to carry the
    /// continuous variables' integration along, and no cell simulator does that yet.
    /// </summary>
    /// <exception cref="ModelException">The model has a rate rule; the message names it and says what runs it.</exception>
    private protected void RefuseRateRulesInCells(ReactionModel model, CompiledNetwork network)
    {
        if (!network.HasRateRules) return;
        var rule = model.RateRules.Length > 0 ? model.RateRules[0] : null;
        string which = rule is null ? "a rate rule" : $"a rate rule for '{rule.Target.Name}'";
        throw ThrowHelper.Model(rule?.Position ?? new SourcePosition(model.Name, 0, 0),
            $"the model has {which} (a continuous variable) and population cells do not couple continuous variables yet (method '{Name}'); stochastic simulate runs it with an exact method (--method ssa) or --method ode");
    }

    /// <summary>
    /// For the exact methods, which couple continuous variables (SBML rate rules) exactly: refuses what
    /// that coupling cannot schedule exactly, namely an event trigger or a rate law's comparison of time
    /// that reads a continuous variable (its crossing would have to be located by root finding between
    /// firings, which the exact methods do not do). <c>--method ode</c> locates such crossings.
    /// </summary>
    /// <exception cref="ModelException">An event trigger or a time comparison in a rate law reads a continuous variable.</exception>
    private protected static void RefuseUncoupledRateRules(ReactionModel model, CompiledNetwork network, string method)
    {
        if (!network.HasRateRules) return;
        bool Continuous(Expr e, out string name)
        {
            foreach (var s in Expressions.ExpressionEvaluator.Symbols(e))
            {
                if (s.Kind != SymbolKind.Parameter || !model.RateRules.Any(r => r.Target.Index == s.Index)) continue;
                name = model.Parameters[s.Index].Name;
                return true;
            }
            name = "";
            return false;
        }
        foreach (var e in model.Events)
        {
            if (Continuous(model.Lower(e.Trigger), out string name))
                throw ThrowHelper.Model(e.Position,
                    $"the trigger of event '{e.Id}' reads the continuous variable '{name}' (a rate rule) and method '{method}' cannot locate when it changes between firings; use --method ode");
        }
        foreach (var reaction in model.Reactions)
        {
            var thresholds = new List<Expr>();
            Network.TimeThresholds.Collect(model.Lower(reaction.Rate), thresholds, []);
            foreach (var threshold in thresholds)
            {
                if (Continuous(threshold, out string name))
                    throw ThrowHelper.Model(reaction.Position,
                        $"a rate law compares time with the continuous variable '{name}' (a rate rule) and method '{method}' cannot schedule when that comparison changes; use --method ode");
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Which settings a method reads.</summary>
[Flags]
public enum MethodNeeds
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>The tau-leaping error bound <see cref="MethodSettings.Epsilon"/>.</summary>
    Epsilon = 1,
    /// <summary>The fast-pair criterion and leaping of <see cref="MethodSettings.SlowScale"/>, judged per scenario × cell type in a population.</summary>
    SlowScale = 2,
    /// <summary>The ODE integrator's tolerances <see cref="MethodSettings.Ode"/> (<c>ode</c>; the exact methods, for continuous variables).</summary>
    OdeTolerances = 4,
}

/// <summary>The settings of every method; each reads those its <see cref="SimulationMethod.Needs"/> name.</summary>
/// <param name="Epsilon">Tau-leaping error bound ε (Cao, Gillespie &amp; Petzold 2006), in (0, 1).</param>
/// <param name="SlowScale">Slow-scale criterion, reservoir tolerance and leaping.</param>
public sealed record MethodSettings(double Epsilon, SlowScaleOptions SlowScale)
{
    /// <summary>Tolerances of the ODE integrator (<c>--method ode</c>, and the continuous variables of rate rules in the exact methods).</summary>
    public Simulation.Ode.OdeTolerances Ode { get; init; } = Simulation.Ode.OdeTolerances.Default;


    /// <summary>ε = <see cref="Simulation.Tau.TauLeapingSimulator.DefaultEpsilon"/>, default slow-scale options.</summary>
    public static MethodSettings Default { get; } = new(Simulation.Tau.TauLeapingSimulator.DefaultEpsilon, new SlowScaleOptions());
}

/// <summary>
/// A method's cell simulators for one model (and, for the slow-scale method, one reduction): a factory
/// called once per thread, the words reports use, and the reduction when there is one.
/// </summary>
/// <param name="Create">A new cell simulator of the study's compiled network (one per thread).</param>
/// <param name="Description">The engine in words, for reports.</param>
/// <param name="Reduction">The slow-scale reduction run, or null.</param>
public sealed record CellEngine(Func<CompiledNetwork, ICellSimulator> Create, string Description, ReducedNetwork? Reduction = null)
{
    /// <summary>Cell engines with equal keys run identical simulators (a population shares them between groups).</summary>
    public string Key => Reduction is null ? Description
        : string.Join(",", Reduction.Pairs.Select(p => $"{p.Forward}/{p.Reverse}/{p.Reservoir}"));
}
