using Stochastic.Network;
using Stochastic.Simulation.Exact;

namespace Stochastic.Simulation.SlowScale;

/// <summary>
/// Slow-scale SSA on a <see cref="ReducedModel"/> (Cao, Gillespie &amp; Petzold 2005): Gillespie's
/// direct method over the slow reactions, whose state is the reduced model's (<see cref="ExactSimulator.State"/>:
/// group totals, reservoir totals, other species). It keeps the expected full state
/// x̄ = E[x | slow state] (members T·π_i, reservoirs their free count g, other species copied) and
/// evaluates each slow reaction's propensity as the <em>full</em> network's propensity at x̄, which
/// is the conditional expectation for the propensities the reduction accepts (affine in each group).
/// After a firing only the propensities reading a changed species are recomputed. A reservoir's free
/// count g (the fixed point of g = G_T − Σ T·c̄(g)) is not re-solved on every firing: the bound
/// amount is tracked at the current g, and g and the shares of its groups are refreshed only when the
/// implied free count G_T − bound has drifted from g by more than <see cref="SlowScaleOptions.ReservoirTolerance"/>
/// (relative). The error this adds to a share is at most (1 − π)·δ relative.
/// </summary>
public sealed class SlowScaleSimulator : ExactSimulator
{
    private readonly ReducedModel _reduced;
    private readonly CompiledNetwork _full;
    private readonly FastEquilibrium _eq;
    private readonly int[] _slow;
    private readonly double[] _xbar;
    private readonly double[] _a;
    private readonly int _resumInterval;
    // Per reduced species: 0 plain (full species _fullOf), 1 group total (_groupOf), 2 reservoir total (_reservoirOf), 3 auxiliary.
    private readonly byte[] _kind;
    private readonly int[] _index;
    private readonly int[] _depOffsets, _deps;
    private readonly int[][] _refreshReaders;
    private readonly int[] _timeDependent;
    private readonly double[] _free, _bound, _share;
    private readonly bool[] _touched;
    private readonly double _tolerance;
    private double _total;
    private double _nextTime;
    private bool _pending;
    private int _sinceResum;

    /// <summary>Creates a simulator of <paramref name="reduced"/>; <paramref name="full"/> is the full model compiled (its propensities are evaluated).</summary>
    public SlowScaleSimulator(ReducedModel reduced, CompiledNetwork full) : base(NetworkCompiler.Compile(reduced.Model))
    {
        ArgumentNullException.ThrowIfNull(full);
        if (full.SpeciesCount != reduced.Full.Species.Length || full.ReactionCount != reduced.Full.Reactions.Length)
            throw new ArgumentException("the compiled network is not the reduced model's full model", nameof(full));
        _reduced = reduced;
        _full = full;
        _eq = new FastEquilibrium(reduced);
        _slow = reduced.SlowReactions;
        _xbar = new double[full.SpeciesCount];
        _a = new double[_slow.Length];
        _resumInterval = Math.Max(1024, _slow.Length);
        _tolerance = reduced.Options.ReservoirTolerance;
        int ny = Network.SpeciesCount;
        _kind = new byte[ny];
        _index = new int[ny];
        for (int y = 0; y < ny; y++) _kind[y] = 3;
        var map = reduced.SpeciesMap;
        var groupOf = new int[full.SpeciesCount];
        Array.Fill(groupOf, -1);
        for (int k = 0; k < _eq.Members.Length; k++) foreach (int m in _eq.Members[k]) groupOf[m] = k;
        for (int s = 0; s < full.SpeciesCount; s++)
        {
            int r = Array.IndexOf(_eq.ReservoirSpecies, s);
            if (groupOf[s] >= 0) { _kind[map[s]] = 1; _index[map[s]] = groupOf[s]; }
            else if (r >= 0) { _kind[map[s]] = 2; _index[map[s]] = r; }
            else { _kind[map[s]] = 0; _index[map[s]] = s; }
        }
        _free = new double[_eq.ReservoirSpecies.Length];
        _bound = new double[_free.Length];
        _touched = new bool[_free.Length];
        _share = new double[_eq.Members.Length];

        // Which slow reactions read each full species (reactants and rate-expression symbols).
        var readers = Enumerable.Range(0, full.SpeciesCount).Select(_ => new SortedSet<int>()).ToArray();
        var timeDependent = new List<int>();
        for (int j = 0; j < _slow.Length; j++)
        {
            int r = _slow[j];
            for (int k = full.ReactantOffsets[r]; k < full.ReactantOffsets[r + 1]; k++) readers[full.ReactantSpecies[k]].Add(j);
            foreach (var symbol in Expressions.ExpressionEvaluator.Symbols(full.RateExpressions[r]))
            {
                if (symbol.Kind == Expressions.SymbolKind.Species) readers[symbol.Index].Add(j);
                if (symbol.Kind == Expressions.SymbolKind.Time) timeDependent.Add(j);
            }
        }
        _timeDependent = [.. timeDependent.Distinct()];
        // Readers of a reduced species (a reservoir total changes nothing until a refresh).
        var readersOfReduced = Enumerable.Range(0, ny).Select(_ => new SortedSet<int>()).ToArray();
        for (int s = 0; s < full.SpeciesCount; s++) if (_kind[map[s]] is 0 or 1) readersOfReduced[map[s]].UnionWith(readers[s]);
        var net = Network;
        var offsets = new List<int> { 0 };
        var deps = new List<int>();
        for (int j = 0; j < _slow.Length; j++)
        {
            var set = new SortedSet<int>();
            for (int k = net.ChangeOffsets[j]; k < net.ChangeOffsets[j + 1]; k++) set.UnionWith(readersOfReduced[net.ChangeSpecies[k]]);
            deps.AddRange(set);
            offsets.Add(deps.Count);
        }
        _depOffsets = [.. offsets];
        _deps = [.. deps];
        _refreshReaders = [.. _eq.ReservoirSpecies.Select((g, r) =>
        {
            var set = new SortedSet<int>(readers[g]);
            foreach (int k in _eq.GroupsOf[r]) foreach (int m in _eq.Members[k]) set.UnionWith(readers[m]);
            return set.ToArray();
        })];
    }

    /// <summary>The reduction simulated.</summary>
    public ReducedModel Reduced => _reduced;

    /// <summary>The expected full state x̄ = E[x | slow state] now (full-model layout; reservoirs at their free count as last refreshed).</summary>
    public ReadOnlySpan<double> ExpectedFullState => _xbar;

    /// <inheritdoc />
    public override void Restart(double time)
    {
        Time = time;
        _pending = false;
        _eq.Load(Parameters);
        var y = State;
        for (int s = 0; s < _xbar.Length; s++) _xbar[s] = y[_reduced.SpeciesMap[s]];
        for (int k = 0; k < _eq.Members.Length; k++)
        {
            if (_eq.ReservoirOf[k] >= 0) continue;
            _eq.Fill(k, y[_eq.Totals[k]], 1, _xbar);
        }
        for (int r = 0; r < _free.Length; r++)
        {
            _free[r] = y[_eq.ReservoirFreeIndex[r]];
            Refresh(r);
        }
        for (int j = 0; j < _a.Length; j++) _a[j] = _full.Propensity(_slow[j], _xbar, Parameters, time);
        _total = LinearSearch.Sum(_a);
        _sinceResum = 0;
    }

    // Re-solves reservoir r's free count and fills its groups' members.
    private void Refresh(int r)
    {
        var y = State;
        double g = _eq.SolveFree(r, y, _free[r]);
        _free[r] = g;
        y[_eq.ReservoirFreeIndex[r]] = g;
        _xbar[_eq.ReservoirSpecies[r]] = g;
        double bound = 0;
        foreach (int k in _eq.GroupsOf[r])
        {
            double t = y[_eq.Totals[k]];
            _share[k] = _eq.Bound(k, g);
            bound += t * _share[k];
            _eq.Fill(k, t, g, _xbar);
        }
        _bound[r] = bound;
    }

    /// <inheritdoc />
    public override double NextFiringTime()
    {
        if (!_pending)
        {
            _nextTime = _total > 0 ? Time + Random.NextExponential() / _total : double.PositiveInfinity;
            _pending = true;
        }
        return _nextTime;
    }

    /// <inheritdoc />
    public override long Advance(double horizon, long maxEvents = long.MaxValue)
    {
        var full = _full;
        var net = Network;
        var a = _a;
        var y = State;
        var x = _xbar;
        var p = Parameters;
        var slow = _slow;
        var changeOffsets = net.ChangeOffsets;
        var changeSpecies = net.ChangeSpecies;
        var changeAmounts = net.ChangeAmounts;
        var kind = _kind;
        var index = _index;
        var rng = Random;
        double t = Time, total = _total, next = _nextTime;
        bool pending = _pending;
        long fired = 0;
        while (fired < maxEvents)
        {
            if (!pending)
            {
                next = total > 0 ? t + rng.NextExponential() / total : double.PositiveInfinity;
                pending = true;
            }
            if (next > horizon || double.IsPositiveInfinity(next)) break;
            pending = false;
            t = next;
            int j = LinearSearch.Select(a, rng.NextDouble() * total);
            if (j < 0)
            {
                total = LinearSearch.Sum(a);
                _sinceResum = 0;
                continue;
            }
            bool touched = false;
            for (int c = changeOffsets[j]; c < changeOffsets[j + 1]; c++)
            {
                int s = changeSpecies[c];
                double amount = changeAmounts[c];
                y[s] += amount;
                switch (kind[s])
                {
                    case 0: x[index[s]] = y[s]; break;
                    case 1:
                        {
                            int k = index[s];
                            int r = _eq.ReservoirOf[k];
                            if (r < 0) { _eq.Fill(k, y[s], 1, x); break; }
                            _eq.Fill(k, y[s], _free[r], x);
                            _bound[r] += amount * _share[k];
                            _touched[r] = touched = true;
                            break;
                        }
                    case 2: _touched[index[s]] = touched = true; break;
                }
            }
            double delta = 0;
            for (int k = _depOffsets[j]; k < _depOffsets[j + 1]; k++)
            {
                int d = _deps[k];
                double value = full.Propensity(slow[d], x, p, t);
                delta += value - a[d];
                a[d] = value;
            }
            if (touched)
            {
                for (int r = 0; r < _free.Length; r++)
                {
                    if (!_touched[r]) continue;
                    _touched[r] = false;
                    double g = _free[r], implied = y[_eq.ReservoirTotal[r]] - _bound[r];
                    if (Math.Abs(implied - g) <= _tolerance * g) continue;
                    Refresh(r);
                    foreach (int d in _refreshReaders[r])
                    {
                        double value = full.Propensity(slow[d], x, p, t);
                        delta += value - a[d];
                        a[d] = value;
                    }
                }
            }
            foreach (int d in _timeDependent)
            {
                double value = full.Propensity(slow[d], x, p, t);
                delta += value - a[d];
                a[d] = value;
            }
            total += delta;
            fired++;
            if (++_sinceResum >= _resumInterval || total <= 0)
            {
                total = LinearSearch.Sum(a);
                _sinceResum = 0;
            }
        }
        Random = rng;
        Time = t;
        _total = total;
        _nextTime = next;
        _pending = pending;
        Events += fired;
        return fired;
    }
}
