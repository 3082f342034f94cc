using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Network;

/// <summary>
/// A model's discrete events (<see cref="ReactionModel.Events"/>) in compiled form: triggers and
/// assignment values as delegates over (species, parameters, time), assignment targets as indices,
/// and the time thresholds at which a trigger can change without any reaction firing.
/// Immutable and shared between threads; the per-run state lives in
/// <see cref="Simulation.EventTracker"/>.
/// </summary>
/// <remarks>
/// A trigger may read time only in comparisons with an expression over parameters
/// (<c>time &gt;= c</c>, <c>time &gt; c</c>, <c>c &lt; time</c>, …, combined freely with
/// <c>and</c>/<c>or</c>/<c>not</c> and with state conditions). Such a trigger can change because of
/// time only at c itself or just after it, so simulators schedule those instants exactly instead of
/// searching for crossings. Any other use of time in a trigger is refused when compiling.
/// </remarks>
internal sealed class CompiledEvents
{
    private readonly CompiledExpression[] _triggers;
    private readonly bool[] _initialValues;
    private readonly int[] _assignmentOffsets;
    private readonly bool[] _targetIsSpecies;
    private readonly int[] _targetIndices;
    private readonly CompiledExpression[] _values;
    private readonly CompiledExpression[] _thresholds;
    private readonly string[] _targetNames;

    private CompiledEvents(string[] ids, string[] targetNames, CompiledExpression[] triggers, bool[] initialValues, int[] assignmentOffsets,
        bool[] targetIsSpecies, int[] targetIndices, CompiledExpression[] values, CompiledExpression[] thresholds, bool hasStateTriggers)
    {
        Ids = ids;
        _targetNames = targetNames;
        _triggers = triggers;
        _initialValues = initialValues;
        _assignmentOffsets = assignmentOffsets;
        _targetIsSpecies = targetIsSpecies;
        _targetIndices = targetIndices;
        _values = values;
        _thresholds = thresholds;
        HasStateTriggers = hasStateTriggers;
    }

    /// <summary>Event ids, by index.</summary>
    public string[] Ids { get; }

    /// <summary>Number of events.</summary>
    public int Count => Ids.Length;

    /// <summary>Number of event assignments over all events.</summary>
    public int AssignmentCount => _values.Length;

    /// <summary>
    /// True when some trigger reads a species count: such triggers must be evaluated after every
    /// reaction firing. Triggers over time and parameters only change at scheduled instants.
    /// </summary>
    public bool HasStateTriggers { get; }

    /// <summary>Compiles the events of <paramref name="model"/>; null when it has none (called by <see cref="NetworkCompiler"/>).</summary>
    /// <exception cref="ModelException">A trigger reads time other than in a comparison with a constant.</exception>
    internal static CompiledEvents? Compile(ReactionModel model)
    {
        if (model.Events.Length == 0) return null;
        var errors = new ErrorList();
        var triggers = new List<CompiledExpression>();
        var thresholds = new List<CompiledExpression>();
        var offsets = new List<int> { 0 };
        var isSpecies = new List<bool>();
        var indices = new List<int>();
        var values = new List<CompiledExpression>();
        var names = new List<string>();
        bool state = false;
        foreach (var e in model.Events)
        {
            var trigger = model.Lower(e.Trigger);
            if (ExpressionEvaluator.Symbols(trigger).Any(s => s.Kind == SymbolKind.Species)) state = true;
            try { CollectThresholds(trigger, e, thresholds); }
            catch (ModelException ex) { errors.Add(ex); }
            triggers.Add(ExpressionCompiler.Compile(trigger));
            foreach (var a in e.Assignments)
            {
                if (a.Target.Kind is not (SymbolKind.Species or SymbolKind.Parameter))
                {
                    errors.Add(a.Target.Position, $"event '{e.Id}' assigns '{a.Target.Name}', which is not a species or parameter");
                    continue;
                }
                isSpecies.Add(a.Target.Kind == SymbolKind.Species);
                indices.Add(a.Target.Index);
                names.Add(a.Target.Name);
                values.Add(ExpressionCompiler.Compile(model.Lower(a.Value)));
            }
            offsets.Add(values.Count);
        }
        errors.ThrowIfAny();
        return new CompiledEvents([.. model.Events.Select(e => e.Id)], [.. names], [.. triggers], [.. model.Events.Select(e => e.InitialValue)],
            [.. offsets], [.. isSpecies], [.. indices], [.. values], [.. thresholds], state);
    }

    private static void CollectThresholds(Expr trigger, ModelEvent e, List<CompiledExpression> thresholds)
    {
        var found = new List<Expr>();
        var other = new List<Expr>();
        TimeThresholds.Collect(trigger, found, other);
        foreach (var c in found) thresholds.Add(ExpressionCompiler.Compile(c));
        if (other.Count == 0) return;
        throw other[0] is BinaryExpr b
            ? ThrowHelper.Model(b.Position, $"trigger of event '{e.Id}' compares time with an expression that changes over time; only comparisons of time with constants and parameters can be scheduled exactly")
            : ThrowHelper.Model(other[0].Position, $"trigger of event '{e.Id}' reads time other than in a comparison with a constant (such as time >= 10); it cannot be scheduled exactly");
    }

    /// <summary>The value of event <paramref name="e"/>'s trigger in the given state.</summary>
    public bool Trigger(int e, double[] species, double[] parameters, double time) => _triggers[e](species, parameters, time) != 0;

    /// <summary>The trigger value assumed just before the start (SBML <c>initialValue</c>): a trigger true at the start fires only when this is false.</summary>
    public bool InitialValue(int e) => _initialValues[e];

    /// <summary>
    /// Adds to <paramref name="times"/> every instant at which a trigger can change because time
    /// passes: each threshold c and the next double after it (where <c>time &gt; c</c> turns true).
    /// </summary>
    public void TimeCandidates(double[] species, double[] parameters, List<double> times)
    {
        foreach (var threshold in _thresholds)
        {
            TimeThresholds.AddInstants(threshold(species, parameters, 0), times);
        }
    }

    /// <summary>
    /// Applies the assignments of every event marked in <paramref name="fire"/>, all together:
    /// every value is computed from the state before any is written.
    /// </summary>
    /// <param name="fire">Which events fire.</param>
    /// <param name="species">Species counts, updated in place.</param>
    /// <param name="parameters">Parameter values, updated in place.</param>
    /// <param name="time">The time of the firing.</param>
    /// <param name="scratch">At least <see cref="AssignmentCount"/> doubles.</param>
    /// <param name="wholeCounts">True for stochastic methods (species are molecule counts); false for the ODE method, where species are real amounts.</param>
    /// <exception cref="SimulationException">An assignment gives a species a value that is not a whole non-negative count, or a parameter a non-finite value.</exception>
    public void Apply(ReadOnlySpan<bool> fire, double[] species, double[] parameters, double time, double[] scratch, bool wholeCounts = true)
    {
        for (int e = 0; e < Count; e++)
        {
            if (!fire[e]) continue;
            for (int k = _assignmentOffsets[e]; k < _assignmentOffsets[e + 1]; k++) scratch[k] = _values[k](species, parameters, time);
        }
        for (int e = 0; e < Count; e++)
        {
            if (!fire[e]) continue;
            for (int k = _assignmentOffsets[e]; k < _assignmentOffsets[e + 1]; k++)
            {
                double v = scratch[k];
                if (_targetIsSpecies[k] && !wholeCounts)
                {
                    if (!double.IsFinite(v))
                        throw new SimulationException($"event '{Ids[e]}' sets species '{_targetNames[k]}' to {v} at t = {time}; it must be finite");
                    species[_targetIndices[k]] = v;
                }
                else if (_targetIsSpecies[k])
                {
                    double rounded = Math.Round(v);
                    // Counts are whole molecules; tolerate the rounding noise of concentration × size.
                    if (!double.IsFinite(v) || rounded < 0 || Math.Abs(v - rounded) > 1e-9 * Math.Max(1, Math.Abs(v)))
                        throw new SimulationException($"event '{Ids[e]}' sets species '{_targetNames[k]}' to {v} at t = {time}; counts must be whole and non-negative");
                    species[_targetIndices[k]] = rounded;
                }
                else
                {
                    if (!double.IsFinite(v))
                        throw new SimulationException($"event '{Ids[e]}' sets parameter '{_targetNames[k]}' to {v} at t = {time}; it must be finite");
                    parameters[_targetIndices[k]] = v;
                }
            }
        }
    }
}
