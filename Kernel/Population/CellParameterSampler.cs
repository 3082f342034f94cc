using Stochastic.Simulation;
using System.Collections.Concurrent;
using Stochastic.Expressions;
using Stochastic.Model;
using Stochastic.Random;

namespace Stochastic.Population;

/// <summary>
/// Turns (scenario, cell type, cell number) into one cell's parameter vector and initial counts:
/// scenario settings and the cell type's sampled values override model parameters, every derived
/// parameter and every seed-species count is re-evaluated from its expression, and counts are
/// rounded to whole molecules. The draw uses stream (seed, cell type, cell number) only, so a cell
/// has the same parameters in every scenario (common random numbers) and for any thread count.
/// Correlated parameters (<see cref="CellType.Correlations"/>) draw their standard normal scores
/// from the same stream positions and are then combined through the Cholesky factor of their
/// correlation matrix (a Gaussian copula), so adding a correlation changes only the parameters
/// it names, and a correlation of 0 changes nothing. Safe to use from several threads.
/// </summary>
internal sealed class CellParameterSampler
{
    private readonly ReactionModel _model;
    private readonly ConcurrentDictionary<CellType, GaussianCopula?> _copulas = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates a sampler for <paramref name="model"/>.</summary>
    public CellParameterSampler(ReactionModel model) => _model = model;

    /// <summary>Random stream index of a cell's parameter draw.</summary>
    public static ulong ParameterStream(int cellType, int cell) => ((ulong)(uint)cellType << 32) | (uint)cell;

    /// <summary>
    /// Checks that no parameter named in <paramref name="varying"/> (directly or through a derived
    /// parameter) reaches a mass-action rate constant, which is fixed when the network is compiled.
    /// </summary>
    /// <exception cref="ModelException">A varying parameter feeds a mass-action rate (reported at <paramref name="positionOf"/>).</exception>
    public void CheckVarying(IEnumerable<string> varying, Func<string, SourcePosition> positionOf)
    {
        var names = varying.ToHashSet(StringComparer.Ordinal);
        var reach = new Dictionary<int, string>();
        for (int i = 0; i < _model.Parameters.Length; i++)
        {
            var parameter = _model.Parameters[i];
            if (names.Contains(parameter.Name)) { reach[i] = parameter.Name; continue; }
            foreach (var symbol in ExpressionEvaluator.Symbols(parameter.Expression))
            {
                if (symbol.Kind == SymbolKind.Parameter && reach.TryGetValue(symbol.Index, out var root)) { reach[i] = root; break; }
            }
        }
        var errors = new ErrorList();
        var reported = new HashSet<string>();
        foreach (var reaction in _model.Reactions)
        {
            if (reaction.Kind != RateLawKind.MassAction) continue;
            foreach (var symbol in ExpressionEvaluator.Symbols(reaction.Rate))
            {
                if (symbol.Kind == SymbolKind.Parameter && reach.TryGetValue(symbol.Index, out var root) && reported.Add(root))
                    errors.Add(positionOf(root), $"parameter '{root}' varies per cell or scenario, but reaction '{reaction.Label ?? "?"}' at {reaction.Position} uses it in a mass-action rate, which is fixed when the network is compiled; write that rate as a function (e.g. k() = {symbol.Name})");
            }
        }
        errors.ThrowIfAny();
    }

    /// <summary>
    /// Fills <paramref name="parameters"/> (model order) and <paramref name="counts"/> (species order)
    /// for one cell.
    /// </summary>
    /// <exception cref="ArgumentException">The cell type's correlations are invalid (see <see cref="ParameterCorrelation"/>; the study reader reports them with positions).</exception>
    public void Sample(ulong seed, Scenario scenario, CellType cellType, int cellTypeIndex, int cell, Span<double> parameters, Span<double> counts)
    {
        var random = new Xoshiro256StarStar(seed ^ 0x9E3779B97F4A7C15UL, ParameterStream(cellTypeIndex, cell));
        var overrides = new Dictionary<string, double>(scenario.Settings, StringComparer.Ordinal);
        // Cell values are drawn in file order, whether or not a scenario overrides them, so that
        // the stream position of each draw does not depend on the scenario.
        var copula = _copulas.GetOrAdd(cellType, GaussianCopula.For);
        if (copula is null)
        {
            foreach (var cp in cellType.Parameters)
            {
                double v = cp.Distribution.Sample(ref random);
                if (!scenario.Settings.ContainsKey(cp.Parameter)) overrides[cp.Parameter] = v;
            }
        }
        else
        {
            Span<double> z = stackalloc double[copula.Size];
            int slot = 0;
            for (int i = 0; i < cellType.Parameters.Length; i++)
            {
                var cp = cellType.Parameters[i];
                // Slots follow file order, as the parameter indices do.
                if (slot < copula.Size && copula.ParameterIndices[slot] == i) { z[slot++] = cp.Distribution.SampleScore(ref random); continue; }
                double v = cp.Distribution.Sample(ref random);
                if (!scenario.Settings.ContainsKey(cp.Parameter)) overrides[cp.Parameter] = v;
            }
            copula.Correlate(z);
            for (int k = 0; k < copula.Size; k++)
            {
                var cp = cellType.Parameters[copula.ParameterIndices[k]];
                if (!scenario.Settings.ContainsKey(cp.Parameter)) overrides[cp.Parameter] = cp.Distribution.FromScore(z[k]);
            }
        }
        Evaluate(overrides, parameters, counts);
    }

    /// <summary>
    /// The median cell of <paramref name="cellType"/> under <paramref name="scenario"/>: every per-cell
    /// parameter at its distribution's median (the scenario's settings win), then the initial counts.
    /// </summary>
    public void Median(Scenario scenario, CellType cellType, Span<double> parameters, Span<double> counts)
    {
        var overrides = new Dictionary<string, double>(scenario.Settings, StringComparer.Ordinal);
        foreach (var cp in cellType.Parameters) overrides.TryAdd(cp.Parameter, cp.Distribution.Median);
        Evaluate(overrides, parameters, counts);
    }

    /// <summary>Evaluates every parameter and seed count with <paramref name="overrides"/> applied.</summary>
    public void Evaluate(IReadOnlyDictionary<string, double> overrides, Span<double> parameters, Span<double> counts)
    {
        var values = new double[_model.Parameters.Length];
        for (int i = 0; i < values.Length; i++)
        {
            var parameter = _model.Parameters[i];
            values[i] = overrides.TryGetValue(parameter.Name, out double v)
                ? v
                : ExpressionEvaluator.Evaluate(parameter.Expression, s => s.Kind == SymbolKind.Parameter ? values[s.Index] : double.NaN);
        }
        values.CopyTo(parameters);
        for (int i = 0; i < _model.Species.Length; i++)
        {
            double c = ExpressionEvaluator.Evaluate(_model.Species[i].InitialExpression, s => s.Kind == SymbolKind.Parameter ? values[s.Index] : double.NaN);
            // Past 2^53 a count is no longer exact (…993 would become …992): refuse it rather than round it.
            if (Math.Round(c) >= RunLimits.MaxExactCount)
                throw new SimulationException(FormattableString.Invariant(
                    $"a cell's initial count of '{_model.Species[i].Name}' is {c:G6}; counts must be below 2^53 = 9007199254740992 (see the study's cell values)"));
            counts[i] = double.IsFinite(c) ? Math.Max(0, Math.Round(c)) : 0;
        }
    }
}
