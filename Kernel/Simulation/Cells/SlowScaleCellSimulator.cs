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
/// model's observables are recorded on a draw of the full state from its conditional law given the
/// slow state (<see cref="FullStateDraw"/>: members multinomial over their group's total, from a stream
/// of the cell's own apart from its trajectory's). An observable that holds every member of a group
/// with equal weights is therefore its total; one that reads only some members, or a reservoir, has the
/// fast group's noise, as in the full model. Resumable
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
        _drawn = new double[_full.SpeciesCount];
        _draw = new FullStateDraw(reduced);
    }

    private readonly SlowScaleSimulator? _slowScale;
    // With another exact algorithm, the fast equilibrium that gives the expected full state (made once, not per record).
    private readonly FastEquilibrium? _equilibrium;
    // Outputs are recorded on a draw of the lumped members from their conditional law (FullStateDraw), not on x̄.
    private readonly FullStateDraw _draw;
    private readonly double[] _drawn;

    // The outputs of the simulator's state at time t, on a draw of the full state from random.
    private void Record(ExactSimulator sim, double t, Span<double> outputs, ref Random.Xoshiro256StarStar random)
    {
        Expected(sim);
        _draw.Draw(sim.State, _fullState, _drawn, ref random);
        _full.Outputs(_drawn, sim.Parameters, t, outputs);
    }

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
            var draws = FullStateDraw.Stream(block.Seed, block.StreamIndices[i]);
            for (int k = 0; k < grid.Points; k++)
            {
                double t = grid[k];
                while (sim.Advance(t, 1 << 20) == 1 << 20) cancellationToken.ThrowIfCancellationRequested();
                Record(sim, t, record.Slice((i * grid.Points + k) * outputs, outputs), ref draws);
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
        return new PausedCell(reduced, new Random.Xoshiro256StarStar(seed, streamIndex), startTime) { Draws = FullStateDraw.Stream(seed, streamIndex) };
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
            Record(sim, t, outputs.Slice(k * o, o), ref cell.Draws);
        }
        Events += sim.Events;
        sim.State.CopyTo(cell.Counts, 0);
        cell.Random = sim.RandomStream;
        cell.Time = stops[^1];
    }

    /// <inheritdoc />
    /// <remarks>
    /// The slow-scale approximation's own law of the full state given the slow one (<see cref="FullStateDraw"/>):
    /// the members of each group are multinomial over its total with the equilibrium shares, at the
    /// reservoirs' free counts of the fixed point; the recorded outputs are drawn from the same law.
    /// </remarks>
    public void FullCounts(PausedCell cell, ReadOnlySpan<double> parameters, Span<double> full, ref Random.Xoshiro256StarStar random)
    {
        var sim = _simulator;
        sim.Resume(cell.Counts, parameters, cell.Random, cell.Time);
        Expected(sim);
        _draw.Draw(cell.Counts, _fullState, full, ref random);
    }

    /// <inheritdoc />
    /// <remarks>On the expected full state given the cell's slow state: the mean of what <see cref="Advance"/> records there on a draw (no draw is taken, so the cell is not changed).</remarks>
    public void Outputs(PausedCell cell, ReadOnlySpan<double> parameters, Span<double> outputs)
    {
        var sim = _simulator;
        sim.Resume(cell.Counts, parameters, cell.Random, cell.Time);
        Expected(sim);
        _full.Outputs(_fullState, sim.Parameters, cell.Time, outputs);
    }
}
