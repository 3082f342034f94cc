using Stochastic.Lanes;
using Stochastic.Network;

namespace Stochastic.Simulation.Tau;

/// <summary>
/// Adaptive explicit tau-leaping for one trajectory at a time, as an <see cref="ITrajectorySimulator"/>
/// for <see cref="Ensemble"/>: step selection of Cao, Gillespie &amp; Petzold (2006, "Efficient step
/// size selection for the tau-leaping simulation method", J. Chem. Phys. 124:044109) with ε bounding
/// the relative change of every reactant species' propensity (g_i from its highest reaction order,
/// x-dependent for repeated reactants, e.g. 2 + 1/(x−1) in a homodimerization); critical reactions
/// of Cao, Gillespie &amp; Petzold (2005, "Avoiding negative populations in explicit Poisson
/// tau-leaping", J. Chem. Phys. 122:054103), n_c = 10, at most one critical firing per leap; 100
/// exact SSA steps (Gillespie 1977) whenever the leap would be shorter than 10/a0; a leap that would
/// still make a count negative is rejected and retried with half the step. Counts never go negative.
/// Use it when counts are large and the exact SSA spends its time on many small events; its error
/// grows with ε. Functional and expression rates are evaluated at the start of each leap and held
/// over it; the species they read bound the leap with g = 1 (see docs/algorithms.md).
/// </summary>
/// <remarks>
/// This is the scalar width of the lane kernel (<see cref="TauLeapingKernel{TL, TV}"/>) that the batch
/// engine runs, on one cell: run r of seed s is cell r of a batch with seed s, bit for bit, and draws
/// from Philox4x32-10 stream (s, r). One instance per thread.
/// </remarks>
public sealed class TauLeapingSimulator : ITrajectorySimulator
{
    /// <summary>Default ε of Cao et al. (2006).</summary>
    public const double DefaultEpsilon = 0.03;

    private readonly CompiledNetwork _network;
    private readonly TauLeapingPlan _plan;
    private readonly double _epsilon;
    private readonly double[] _initial, _rates;
    private readonly int[] _cells = [0];
    private readonly long[] _streams = [0];
    private readonly long[] _events = [0], _leaps = [0];
    private TimeGrid? _grid;
    private TauLeapingKernel<ScalarLanes, double>? _kernel;
    private double[] _records = [];

    /// <summary>Creates a tau-leaping simulator for <paramref name="network"/> with error bound <paramref name="epsilon"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">ε not in (0, 1).</exception>
    public TauLeapingSimulator(CompiledNetwork network, double epsilon = DefaultEpsilon)
    {
        if (!(epsilon > 0 && epsilon < 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"epsilon must be in (0, 1), got {epsilon}");
        _network = network;
        _plan = new TauLeapingPlan(network);
        _epsilon = epsilon;
        _initial = (double[])network.InitialCounts.Clone();
        _rates = (double[])network.RateConstants.Clone();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> OutputNames => _network.OutputNames;

    /// <inheritdoc />
    public SimulationCounters Simulate(ulong seed, long run, TimeGrid grid, Span<double> record)
    {
        if (_kernel is null || _grid != grid)
        {
            _grid = grid;
            _kernel = new TauLeapingKernel<ScalarLanes, double>(_plan, _epsilon, grid);
            _records = new double[grid.Points * _network.OutputCount];
        }
        _streams[0] = run;
        _kernel.Run(new ChunkJob(_initial, _rates, 1, 0, _cells, _streams, 0, 1, _records, null, _events, _leaps), seed);
        // Leaps can carry a growing count far in one step: refuse a run whose outputs left the exact
        // range of doubles (past 2^53 the sd would come out NaN) instead of writing them.
        for (int i = 0; i < _records.Length; i++)
        {
            if (!(Math.Abs(_records[i]) < RunLimits.MaxExactCount))
                throw new SimulationException(FormattableString.Invariant(
                    $"run {run}: '{_network.OutputNames[i % _network.OutputCount]}' passed 2^53 (9.007e15) by t = {grid[i / _network.OutputCount]:G6}: counts past it are not exact in doubles; the model grows without bound"));
        }
        RunGuard.Limits.Cancellation.ThrowIfCancellationRequested();
        _records.CopyTo(record);
        return new SimulationCounters(_events[0], _leaps[0]);
    }
}
