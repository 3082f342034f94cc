using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Exact;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;

namespace Stochastic.Simulation.Cells;

/// <summary>
/// <see cref="ICellSimulator"/> of the slow-scale method: the slow-scale SSA
/// (<see cref="SlowScaleSimulator"/> on the <see cref="SlowScaleReduction"/> of the model, Cao,
/// Gillespie &amp; Petzold 2005), or, when an exact algorithm is given and no group has a reservoir,
/// that algorithm on the reduced model.
/// Cells come in and go out in the full model's layout: initial counts are lumped into the pair
/// totals, parameters are the full model's (the reduced model keeps them, in order), and the full
/// model's observables are recorded on the expected full state given the slow state
/// (members T·π_i, reservoirs their free count). An observable that holds every member of a group
/// with equal weights is therefore exact; one that reads only some members, or a reservoir, is its
/// conditional mean (the multinomial noise of the fast group is not added). Resumable
/// (<see cref="IResumableCellSimulator"/>; a paused cell holds reduced counts), so it can run a shared ligand pool.
/// </summary>
public sealed class SlowScaleCellSimulator : IResumableCellSimulator
{
    private readonly ReducedNetwork _reduced;
    private readonly CompiledNetwork _full;
    private readonly CompiledNetwork _network;
    private readonly ExactSimulator _simulator;
    private readonly double[] _fullState;

    /// <summary>
    /// Creates a simulator of <paramref name="reduced"/>, recording its full network's outputs. By default
    /// (<paramref name="algorithm"/> null, or a reduction with reservoirs) it runs <see cref="SlowScaleSimulator"/>;
    /// otherwise <paramref name="algorithm"/> on the reduced network. Both read the reduction's networks, compiled once.
    /// </summary>
    public SlowScaleCellSimulator(ReducedNetwork reduced, IExactAlgorithm? algorithm = null)
    {
        ArgumentNullException.ThrowIfNull(reduced);
        _reduced = reduced;
        _full = reduced.Full;
        _network = reduced.Network;
        if (algorithm is null || reduced.HasReservoirs)
        {
            _slowScale = new SlowScaleSimulator(reduced);
            _simulator = _slowScale;
        }
        else
        {
            _simulator = algorithm.CreateSimulator(_network);
            _equilibrium = new FastEquilibrium(reduced);
        }
        _fullState = new double[_full.SpeciesCount];
    }

    private readonly SlowScaleSimulator? _slowScale;
    // With another exact algorithm, the fast equilibrium that gives the expected full state (made once, not per record).
    private readonly FastEquilibrium? _equilibrium;

    private void Expected(ExactSimulator sim)
    {
        if (_slowScale is not null) _slowScale.ExpectedFullState.CopyTo(_fullState);
        else
        {
            _equilibrium!.Load(sim.Parameters);
            _equilibrium.ExpectedFullState(sim.State, _fullState);
        }
    }

    /// <summary>
    /// <paramref name="reduced"/>, checked against the network a population passes to its engine factory
    /// (the reduction carries its own compiled full network; the two must be of the same model).
    /// </summary>
    internal static ReducedNetwork Matching(ReducedNetwork reduced, CompiledNetwork full)
    {
        if (full.SpeciesCount != reduced.Full.SpeciesCount || full.ReactionCount != reduced.Full.ReactionCount)
            throw new ArgumentException("the compiled network is not the reduction's full network", nameof(full));
        return reduced;
    }

    /// <summary>The reduction this simulator runs.</summary>
    public ReducedNetwork Reduced => _reduced;

    /// <inheritdoc />
    public IReadOnlyList<string> OutputNames => _full.OutputNames;

    /// <summary>Reactions of the reduced model fired by this instance so far (all cells, leaped firings included).</summary>
    public long Events { get; private set; }

    /// <summary>Of <see cref="Events"/>, the firings made by leaps (hybrid leaping, <see cref="SlowScaleOptions.LeapEpsilon"/>).</summary>
    public long LeapedEvents => _slowScale?.LeapedFirings ?? 0;

    /// <inheritdoc />
    public SimulationCounters Counters => new(Events, _slowScale?.Leaps ?? 0) { LeapedFirings = LeapedEvents };

    /// <inheritdoc />
    public void Simulate(CellBlock block, TimeGrid grid, Span<double> record, CancellationToken cancellationToken = default)
    {
        var sim = _simulator;
        int outputs = _full.OutputCount;
        int s = block.SpeciesCount, p = block.ParameterCount;
        var initial = new double[_network.SpeciesCount];
        for (int i = 0; i < block.Count; i++)
        {
            _reduced.ReduceCounts(block.InitialCounts.AsSpan(i * s, s), initial);
            sim.Reset(block.Seed, block.StreamIndices[i], initial, grid.Start);
            block.Parameters.AsSpan(i * p, p).CopyTo(sim.Parameters);
            sim.Restart(grid.Start);
            for (int k = 0; k < grid.Points; k++)
            {
                double t = grid[k];
                while (sim.Advance(t, 1 << 20) == 1 << 20) cancellationToken.ThrowIfCancellationRequested();
                Expected(sim);
                _full.Outputs(_fullState, sim.Parameters, t, record.Slice((i * grid.Points + k) * outputs, outputs));
            }
            Events += sim.Events;
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <inheritdoc />
    public PausedCell Start(ReadOnlySpan<double> initialCounts, ulong seed, ulong streamIndex, double startTime)
    {
        var reduced = new double[_network.SpeciesCount];
        _reduced.ReduceCounts(initialCounts, reduced);
        return new PausedCell(reduced, new Random.Xoshiro256StarStar(seed, streamIndex), startTime);
    }

    /// <inheritdoc />
    public void Advance(PausedCell cell, ReadOnlySpan<double> parameters, ReadOnlySpan<double> stops, Span<double> outputs,
        CancellationToken cancellationToken = default)
    {
        var sim = _simulator;
        int o = _full.OutputCount;
        sim.Resume(cell.Counts, parameters, cell.Random, cell.Time);
        for (int k = 0; k < stops.Length; k++)
        {
            double t = stops[k];
            while (sim.Advance(t, 1 << 20) == 1 << 20) cancellationToken.ThrowIfCancellationRequested();
            Expected(sim);
            _full.Outputs(_fullState, sim.Parameters, t, outputs.Slice(k * o, o));
        }
        Events += sim.Events;
        sim.State.CopyTo(cell.Counts, 0);
        cell.Random = sim.RandomStream;
        cell.Time = stops[^1];
    }

    /// <inheritdoc />
    /// <remarks>
    /// The slow-scale approximation's own law of the full state given the slow one: the members of each group
    /// are multinomial over its total with the equilibrium shares (the expected full state over the total),
    /// at the reservoirs' free counts of the fixed point. Groups without a home reservoir first; then each
    /// reservoir's home group (or the free reservoir itself) gets its total less what the other groups were
    /// drawn to bind. Slow species are copied.
    /// </remarks>
    public void FullCounts(PausedCell cell, ReadOnlySpan<double> parameters, Span<double> full, ref Random.Xoshiro256StarStar random)
    {
        var sim = _simulator;
        sim.Resume(cell.Counts, parameters, cell.Random, cell.Time);
        Expected(sim);
        var y = cell.Counts;
        var map = _reduced.SpeciesMap;
        for (int sp = 0; sp < full.Length; sp++) full[sp] = _fullState[sp];
        var bound = new Dictionary<int, double>();
        foreach (var g in _reduced.Groups)
        {
            if (g.Home >= 0) continue;
            Multinomial(g.Members, y[g.Total], full, ref random);
            for (int q = 0; q < g.Reservoirs.Length; q++)
                for (int i = 0; i < g.Members.Length; i++)
                    bound[g.Reservoirs[q]] = bound.GetValueOrDefault(g.Reservoirs[q]) + g.Content[i][q] * full[g.Members[i]];
        }
        var homes = new HashSet<int>();
        foreach (var g in _reduced.Groups)
        {
            if (g.Home < 0) continue;
            homes.Add(g.Home);
            Multinomial(g.Members, Math.Max(0, y[g.Total] - bound.GetValueOrDefault(g.Home)), full, ref random);
        }
        // A reservoir that is no group's member: its total less what the groups hold of it.
        foreach (var (reservoir, held) in bound)
            if (!homes.Contains(reservoir)) full[reservoir] = Math.Max(0, y[map[reservoir]] - held);
    }

    // The members' counts: Multinomial(total, expected member / their sum) by sequential binomials (the
    // expected full state is still in _fullState and full holds it for the members not drawn yet).
    private void Multinomial(System.Collections.Immutable.ImmutableArray<int> members, double total, Span<double> full, ref Random.Xoshiro256StarStar random)
    {
        double mass = 0;
        foreach (int m in members) mass += Math.Max(0, _fullState[m]);
        double left = Math.Round(total);
        for (int i = 0; i < members.Length; i++)
        {
            double share = Math.Max(0, _fullState[members[i]]);
            double k = i == members.Length - 1 || mass <= 0 ? left : Random.BinomialSampler.Sample(left, Math.Min(1, share / mass), ref random);
            if (mass <= 0 && i < members.Length - 1) k = i == 0 ? left : 0;
            full[members[i]] = k;
            left -= k;
            mass -= share;
        }
    }

    /// <inheritdoc />
    public void Outputs(PausedCell cell, ReadOnlySpan<double> parameters, Span<double> outputs)
    {
        var sim = _simulator;
        sim.Resume(cell.Counts, parameters, cell.Random, cell.Time);
        Expected(sim);
        _full.Outputs(_fullState, sim.Parameters, cell.Time, outputs);
    }
}
