using Stochastic.Lanes;
using Stochastic.Random;

namespace Stochastic.Simulation.Tau;

/// <summary>Where one chunk of lanes reads its cells and writes their results.</summary>
/// <param name="InitialCounts">Initial counts, structure of arrays: species s of column j at [s·Stride + j].</param>
/// <param name="RateConstants">Rate constants, structure of arrays: reaction r of column j at [r·Stride + j].</param>
/// <param name="Stride">Columns per row of the two arrays (at least First + lane count).</param>
/// <param name="First">First column of this chunk.</param>
/// <param name="Cells">Global cell index of each valid lane (fewer than the lane count in a tail chunk).</param>
/// <param name="Streams">Random stream index of each valid lane.</param>
/// <param name="CellsOffset">Where this chunk's lanes start in <paramref name="Cells"/> and <paramref name="Streams"/>.</param>
/// <param name="LaneCount">Valid lanes in this chunk (the rest are padding, frozen from the start).</param>
/// <param name="Records">All cells' recorded outputs, cell-major: [cell][point][output].</param>
/// <param name="Integrals">All cells' time integrals of the outputs, [cell][output]; null when not wanted.</param>
/// <param name="Events">Reactions fired, per cell.</param>
/// <param name="Leaps">Leaps taken, per cell.</param>
/// <param name="Parameters">Per-cell parameter values, cell-major by global cell index (P = the network's parameter count each); null: the network's for every cell.</param>
internal readonly record struct ChunkJob(
    double[] InitialCounts, double[] RateConstants, int Stride, int First,
    int[] Cells, long[] Streams, int CellsOffset, int LaneCount,
    double[] Records, double[]? Integrals, long[] Events, long[] Leaps, double[]? Parameters = null);

/// <summary>
/// Adaptive explicit tau-leaping for one vector of cells, one cell per lane, written once for every
/// width (<typeparamref name="TL"/>). Step selection of Cao, Gillespie &amp; Petzold (2006, J. Chem.
/// Phys. 124:044109, eqs. 32–33, ε-bounded relative change of each reactant species with g_i by
/// highest order); critical reactions of Cao, Gillespie &amp; Petzold (2005, J. Chem. Phys.
/// 122:054103; n_c = 10), at most one critical firing per leap; exact SSA steps (100 of them) when
/// the leap would be shorter than 10/a0; a leap that would drive a count negative is rejected and
/// the step halved, so counts never go negative. Function rates (functional and expression kinds)
/// are evaluated per lane by the same scalar code at every width (<see cref="Network.CompiledNetwork.Propensity"/>
/// on the lane's species and parameters), held constant over a leap; the species they read bound
/// the leap too (see <see cref="TauLeapingPlan"/>).
/// </summary>
/// <remarks>
/// Lanes are independent: each has its own clock, step cap, SSA-step budget and random stream.
/// Every iteration, each active lane does exactly one of: an SSA event (or stops at its next output
/// time), a leap, a rejected leap, or, when nothing can fire, a jump to its next output time.
/// Finished lanes are frozen by the masks. What a lane computes depends only on its own values,
/// through IEEE operations identical in every width, so its integer trajectory is the same at
/// every width, batch size and position.
/// </remarks>
internal sealed class TauLeapingKernel<TL, TV> : ITauLeapingKernel where TL : ILanes<TV> where TV : struct
{
    /// <inheritdoc />
    public int Lanes => TL.Count;

    /// <summary>Threshold n_c of Cao et al. (2005): a reaction within this many firings of exhausting a reactant is critical.</summary>
    public const double CriticalThreshold = 10;
    /// <summary>Leaps shorter than this many mean event intervals 1/a0 are replaced by SSA steps (Cao et al. 2006).</summary>
    public const double SsaThreshold = 10;
    /// <summary>SSA steps taken before leaping is tried again (Cao et al. 2006).</summary>
    public const double SsaSteps = 100;

    private readonly TauLeapingPlan _plan;
    private readonly double _epsilon;
    private readonly TV[] _x, _xNew, _c, _a, _k, _critical, _means, _drawing, _an;
    private readonly PoissonScratch<TV> _poisson;
    private readonly double[] _laneBuffer, _gridTimes;
    private readonly int[] _gridIndex;
    // Per-lane scratch for rate functions and outputs: the lane's species and its parameters.
    private readonly double[][] _laneSpecies, _laneParameters;
    private readonly TV[] _functionPropensities;
    private readonly int[] _functionIndex;
    private readonly LaneStreams _streams = new(TL.Count);

    public TauLeapingKernel(TauLeapingPlan plan, double epsilon, TimeGrid grid)
    {
        _plan = plan;
        _epsilon = epsilon;
        int ns = plan.Network.SpeciesCount, nr = plan.Network.ReactionCount;
        _x = new TV[ns]; _xNew = new TV[ns];
        _c = new TV[nr]; _a = new TV[nr]; _k = new TV[nr]; _critical = new TV[nr]; _means = new TV[nr]; _drawing = new TV[nr]; _an = new TV[nr];
        _poisson = new PoissonScratch<TV>(nr);
        _laneBuffer = new double[Math.Max(ns, 1) * TL.Count + TL.Count];
        int np = plan.Network.Parameters.Length;
        _laneSpecies = new double[TL.Count][];
        _laneParameters = new double[TL.Count][];
        for (int i = 0; i < TL.Count; i++) { _laneSpecies[i] = new double[ns]; _laneParameters[i] = new double[np]; }
        _functionPropensities = new TV[plan.FunctionReactions.Length];
        _functionIndex = new int[nr];
        Array.Fill(_functionIndex, -1);
        for (int f = 0; f < plan.FunctionReactions.Length; f++) _functionIndex[plan.FunctionReactions[f]] = f;
        _gridTimes = grid.Times();
        _gridIndex = new int[TL.Count];
    }

    // The rare path of the step loop: cancellation and the firing budget (counted in steps, each at least one firing).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void CheckLimits(long steps)
    {
        var limits = RunGuard.Limits;
        limits.Cancellation.ThrowIfCancellationRequested();
        if (steps > limits.MaxFirings)
            throw new SimulationException(FormattableString.Invariant(
                $"a run took more than {limits.MaxFirings:N0} tau-leaping steps (the firing budget); the model may grow without bound. Raise the budget: RunLimits.MaxFirings, on the command line --max-firings (0: none)"));
    }

    /// <summary>Runs the chunk's lanes from the grid's start to its end.</summary>
    // Hot loop rule: no allocation and no virtual calls; the work per iteration is a fixed sequence of
    // masked vector operations over reactions and species; per-lane scalar work only for random
    // draws, rate functions (one delegate call per function reaction and lane), rare Poisson paths
    // and recording at output times.
    public void Run(in ChunkJob job, ulong seed)
    {
        var net = _plan.Network;
        int ns = net.SpeciesCount, nr = net.ReactionCount, lanes = TL.Count;
        var x = _x; var xNew = _xNew; var c = _c; var a = _a; var kk = _k; var critical = _critical;
        var means = _means; var drawing = _drawing; var an = _an;
        var changedOffsets = _plan.ChangedOffsets; var changedBy = _plan.ChangedBy; var changedAmounts = _plan.ChangedAmounts;
        var reactantOffsets = net.ReactantOffsets; var reactantSpecies = net.ReactantSpecies; var reactantMultiplicities = net.ReactantMultiplicities;
        var consumedOffsets = _plan.ConsumedOffsets; var consumedSpecies = _plan.ConsumedSpecies; var consumedAmounts = _plan.ConsumedAmounts;
        var tauSpecies = _plan.TauSpecies; var highestOrder = _plan.HighestOrder; var highestMultiplicity = _plan.HighestOrderMultiplicity;
        var gridTimes = _gridTimes; var gridIndex = _gridIndex;
        int outputs = net.OutputCount, points = gridTimes.Length;
        var functionIndex = _functionIndex; var functionPropensities = _functionPropensities;
        bool hasFunctions = functionPropensities.Length > 0;
        Span<double> laneValues = stackalloc double[lanes];
        int np = net.Parameters.Length;
        for (int i = 0; i < lanes; i++)
        {
            if (job.Parameters is { } given && i < job.LaneCount)
                given.AsSpan(job.Cells[job.CellsOffset + i] * np, np).CopyTo(_laneParameters[i]);
            else net.Parameters.CopyTo(_laneParameters[i], 0);
        }

        for (int s = 0; s < ns; s++) x[s] = TL.Load(job.InitialCounts.AsSpan(s * job.Stride + job.First, lanes));
        for (int r = 0; r < nr; r++) c[r] = TL.Load(job.RateConstants.AsSpan(r * job.Stride + job.First, lanes));
        for (int i = 0; i < lanes; i++)
        {
            laneValues[i] = i < job.LaneCount ? 1 : 0;
            if (i < job.LaneCount) _streams.Set(i, seed, (ulong)job.Streams[job.CellsOffset + i]); else _streams.Set(i, 0, 0);
            gridIndex[i] = 0;
        }
        TV zero = TL.Create(0), one = TL.Create(1), infinity = TL.Create(double.PositiveInfinity);
        TV active = TL.LessThan(zero, TL.Load(laneValues));
        TV t = TL.Create(gridTimes[0]);
        TV events = zero, leaps = zero, ssaLeft = zero, tauCap = infinity;
        TV epsilon = TL.Create(_epsilon), nc = TL.Create(CriticalThreshold);
        // Output point 0 is the initial state.
        Record(job, TL.MaskBits(active), t);
        active = TL.And(active, TL.LessThan(t, TL.Create(gridTimes[^1])));
        TV nextOutput = TL.Create(gridTimes[1]);
        // Breakpoints of the rate laws (a piecewise on time switching branch) are stops like output
        // times, so no leap or SSA step crosses one; for most networks there are none and stops are outputs.
        bool hasBreakpoints = net.Breakpoints.Length > 0;
        TV nextStop = hasBreakpoints ? NextStops(t, nextOutput) : nextOutput;

        long steps = 0;
        while (TL.MaskBits(active) != 0)
        {
            // Each step fires or leaps at least once in a lane: a look at the run's limits (cancellation,
            // firing budget) every RunGuard.CheckEvery steps, out of line.
            if ((++steps & (RunGuard.CheckEvery - 1)) == 0) CheckLimits(steps);
            // Propensities: c·Π x(x−1)…(x−m+1), or through the rate function per lane.
            if (hasFunctions) EvaluateFunctions(TL.MaskBits(active), t);
            TV a0 = zero;
            for (int r = 0; r < nr; r++)
            {
                if (functionIndex[r] >= 0)
                {
                    TV f = functionPropensities[functionIndex[r]];
                    a[r] = f;
                    a0 = TL.Add(a0, f);
                    continue;
                }
                TV v = c[r];
                for (int k = reactantOffsets[r]; k < reactantOffsets[r + 1]; k++)
                {
                    TV n = x[reactantSpecies[k]];
                    v = TL.Multiply(v, n);
                    for (int m = 1; m < reactantMultiplicities[k]; m++) v = TL.Multiply(v, TL.Subtract(n, TL.Create(m)));
                }
                a[r] = v;
                a0 = TL.Add(a0, v);
            }

            // Mode of each lane: idle (nothing can fire), busy in SSA steps, or free to leap.
            TV idle = TL.And(active, TL.Equal(a0, zero));
            TV busy = TL.AndNot(active, idle);
            TV inSsa = TL.LessThan(zero, ssaLeft);
            // Criticality and the leap bound matter only to lanes that may leap (busy, not in their SSA
            // steps); in a step with none (a quarter of them on the IL-2 toy) they are not computed.
            TV a0Critical = zero, tau1 = tauCap;
            bool mayLeap = TL.MaskBits(TL.AndNot(busy, inSsa)) != 0;
            if (mayLeap)
            {
                // Critical reactions (Cao et al. 2005): a_j > 0 and fewer than n_c firings left.
                for (int r = 0; r < nr; r++)
                {
                    TV firingsLeft = infinity;
                    for (int k = consumedOffsets[r]; k < consumedOffsets[r + 1]; k++)
                    {
                        // ⌊x/1⌋ is x itself (counts are integers): no division for the usual amount of 1.
                        TV xs = x[consumedSpecies[k]];
                        firingsLeft = LaneOps.Min<TL, TV>(firingsLeft, consumedAmounts[k] == 1 ? xs : TL.Floor(TL.Divide(xs, TL.Create(consumedAmounts[k]))));
                    }
                    TV isCritical = TL.And(TL.LessThan(zero, a[r]), TL.LessThan(firingsLeft, nc));
                    critical[r] = isCritical;
                    a0Critical = TL.Add(a0Critical, TL.And(isCritical, a[r]));
                }

                // Leap bound (Cao et al. 2006, eqs. 32–33) over the non-critical reactions. μ_s and σ²_s are
                // summed species by species (in registers, not through memory), in reaction order as before.
                for (int r = 0; r < nr; r++) an[r] = TL.AndNot(a[r], critical[r]);
                foreach (int s in tauSpecies)
                {
                    TV mus = zero, sigmas = zero;
                    for (int k = changedOffsets[s]; k < changedOffsets[s + 1]; k++)
                    {
                        TV v = TL.Create(changedAmounts[k]);
                        TV va = TL.Multiply(v, an[changedBy[k]]);
                        mus = TL.Add(mus, va);
                        sigmas = TL.Add(sigmas, TL.Multiply(v, va));
                    }
                    TV xs = x[s];
                    // ε·x_i/g_i; dividing by a g_i of 1 or 2 is exact as no division or as a product with ½.
                    TV epsilonX = TL.Multiply(epsilon, xs);
                    TV scaled = highestMultiplicity[s] > 1 ? TL.Divide(epsilonX, G(highestOrder[s], highestMultiplicity[s], xs))
                        : highestOrder[s] == 1 ? epsilonX
                        : highestOrder[s] == 2 ? TL.Multiply(epsilonX, TL.Create(0.5))
                        : TL.Divide(epsilonX, TL.Create(highestOrder[s]));
                    TV bound = LaneOps.Max<TL, TV>(scaled, one);
                    TV byMean = TL.Divide(bound, TL.Abs(mus));
                    TV byVariance = TL.Divide(TL.Multiply(bound, bound), sigmas);
                    tau1 = LaneOps.Min<TL, TV>(tau1, LaneOps.Min<TL, TV>(byMean, byVariance));
                }
            }
            else Array.Clear(critical);

            TV gap = TL.Subtract(nextStop, t);
            TV entering = mayLeap ? TL.AndNot(TL.And(busy, TL.LessThan(tau1, TL.Divide(TL.Create(SsaThreshold), a0))), inSsa) : zero;
            TV ssa = TL.And(busy, TL.Or(inSsa, entering));
            TV leap = TL.AndNot(busy, ssa);
            ssaLeft = TL.Select(entering, TL.Create(SsaSteps), ssaLeft);
            ssaLeft = TL.Select(ssa, TL.Subtract(ssaLeft, one), ssaLeft);
            tauCap = TL.Select(entering, infinity, tauCap);

            // Draws: lanes stepping draw an exponential (SSA waiting time, or the time to the next
            // critical firing) then a uniform for which reaction fires.
            TV stepping = TL.Or(ssa, leap);
            TV e = TL.Subtract(zero, LaneLog.Invoke<TL, TV>(TL.Subtract(one, _streams.NextUniform<TL, TV>(stepping))));
            TV u = _streams.NextUniform<TL, TV>(stepping);
            TV tauSsa = TL.Divide(e, a0);
            TV anyCritical = TL.LessThan(zero, a0Critical);
            TV tau2 = TL.MaskBits(anyCritical) != 0 ? TL.Select(anyCritical, TL.Divide(e, a0Critical), infinity) : infinity;
            TV tauLeap = LaneOps.Min<TL, TV>(tau1, gap);
            TV criticalFires = TL.And(leap, TL.LessThan(tau2, tauLeap));
            tauLeap = TL.Select(criticalFires, tau2, tauLeap);
            TV leapToOutput = TL.AndNot(TL.And(leap, TL.LessThanOrEqual(gap, tau1)), criticalFires);
            TV ssaToOutput = TL.And(ssa, TL.LessThan(gap, tauSsa));
            TV ssaFires = TL.AndNot(ssa, ssaToOutput);

            // Which single reaction fires (SSA event, or the critical one): first r with Σ_{j≤r} w_j > u·W.
            TV selecting = TL.Or(ssaFires, criticalFires);
            TV target = TL.Multiply(u, TL.Select(ssa, a0, a0Critical));
            TV selected = TL.Create(-1), lastPositive = TL.Create(-1), cumulative = zero;
            if (TL.MaskBits(selecting) != 0)
            {
                for (int r = 0; r < nr; r++)
                {
                    TV w = TL.Select(ssa, a[r], TL.And(critical[r], a[r]));
                    cumulative = TL.Add(cumulative, w);
                    TV rv = TL.Create(r);
                    TV hit = TL.And(TL.And(selecting, TL.LessThan(target, cumulative)), TL.LessThan(selected, zero));
                    selected = TL.Select(hit, rv, selected);
                    lastPositive = TL.Select(TL.LessThan(zero, w), rv, lastPositive);
                }
                // Rounding can leave u·W at the very end of the running sum.
                selected = TL.Select(TL.And(selecting, TL.LessThan(selected, zero)), lastPositive, selected);
            }

            // Firings per reaction: Poisson(a_j·τ) for non-critical reactions of leaping lanes, plus the selected one.
            // All reactions' variates in one call (the same draws as one Poisson call per reaction in turn).
            TV fired = zero;
            if (TL.MaskBits(leap) != 0)
            {
                for (int r = 0; r < nr; r++)
                {
                    TV mask = TL.AndNot(leap, critical[r]);
                    TV mean = TL.And(mask, TL.Multiply(a[r], tauLeap));
                    means[r] = mean;
                    drawing[r] = TL.And(mask, TL.LessThan(zero, mean));
                }
                var source = new LaneStreamsSource(_streams);
                PoissonSampler.SampleMany<TL, TV, LaneStreamsSource>(means, drawing, kk, _poisson, ref source);
            }
            else Array.Clear(kk);
            for (int r = 0; r < nr; r++)
            {
                TV k = TL.Add(kk[r], TL.And(TL.Equal(selected, TL.Create(r)), one));
                kk[r] = k;
                fired = TL.Add(fired, k);
            }

            // Apply; a leap that would make a count negative is rejected and its step halved.
            // Species by species, the changes in reaction order (integers: exact in any order anyway).
            for (int s = 0; s < ns; s++)
            {
                TV xs = x[s];
                for (int j = changedOffsets[s]; j < changedOffsets[s + 1]; j++)
                    xs = TL.Add(xs, TL.Multiply(TL.Create(changedAmounts[j]), kk[changedBy[j]]));
                xNew[s] = xs;
            }
            TV negative = zero;
            for (int s = 0; s < ns; s++) negative = TL.Or(negative, TL.LessThan(xNew[s], zero));
            TV rejected = TL.And(leap, negative);
            TV accepted = TL.AndNot(active, rejected);
            TV toOutput = TL.And(accepted, TL.Or(idle, TL.Or(ssaToOutput, leapToOutput)));
            TV dt = TL.Select(toOutput, gap, TL.Select(ssa, tauSsa, tauLeap));
            if (job.Integrals is not null) Integrate(job, accepted, dt);
            for (int s = 0; s < ns; s++) x[s] = TL.Select(accepted, xNew[s], x[s]);
            t = TL.Select(toOutput, nextStop, TL.Select(accepted, TL.Add(t, dt), t));
            tauCap = TL.Select(rejected, TL.Multiply(tauLeap, TL.Create(0.5)), TL.Select(TL.And(accepted, leap), infinity, tauCap));
            events = TL.Add(events, TL.And(accepted, fired));
            leaps = TL.Add(leaps, TL.And(TL.And(accepted, leap), one));

            uint outputBits = TL.MaskBits(toOutput);
            if (outputBits != 0)
            {
                // Lanes that stopped at a breakpoint before their next output time record nothing.
                if (hasBreakpoints) outputBits = TL.MaskBits(TL.And(toOutput, TL.Equal(t, nextOutput)));
                if (outputBits != 0)
                {
                    Record(job, outputBits, t);
                    for (int i = 0; i < lanes; i++) laneValues[i] = gridIndex[i] < points ? gridTimes[gridIndex[i]] : double.PositiveInfinity;
                    nextOutput = TL.Load(laneValues);
                    active = TL.And(active, TL.LessThan(nextOutput, infinity));
                }
                nextStop = hasBreakpoints ? NextStops(t, nextOutput) : nextOutput;
            }
        }

        TL.Store(events, laneValues);
        for (int i = 0; i < job.LaneCount; i++) job.Events[job.Cells[job.CellsOffset + i]] = (long)laneValues[i];
        TL.Store(leaps, laneValues);
        for (int i = 0; i < job.LaneCount; i++) job.Leaps[job.Cells[job.CellsOffset + i]] = (long)laneValues[i];
    }

    /// <summary>Per lane, the earlier of its next output time and its rate laws' next breakpoint after its clock (lane parameters may differ).</summary>
    private TV NextStops(TV t, TV nextOutput)
    {
        var net = _plan.Network;
        int lanes = TL.Count;
        Span<double> clock = stackalloc double[lanes];
        Span<double> output = stackalloc double[lanes];
        TL.Store(t, clock);
        TL.Store(nextOutput, output);
        for (int i = 0; i < lanes; i++) output[i] = Math.Min(output[i], net.NextBreakpoint(_laneParameters[i], clock[i]));
        return TL.Load(output);
    }

    /// <summary>
    /// Propensities of the function-rate reactions for the active lanes (0 elsewhere), each lane by
    /// the same scalar code whatever the width, so lanes stay bit-identical across widths.
    /// </summary>
    private void EvaluateFunctions(uint activeBits, TV t)
    {
        var net = _plan.Network;
        int ns = net.SpeciesCount, lanes = TL.Count;
        var buffer = _laneBuffer.AsSpan();
        for (int s = 0; s < ns; s++) TL.Store(_x[s], buffer.Slice(s * lanes, lanes));
        Span<double> times = stackalloc double[lanes];
        TL.Store(t, times);
        for (int i = 0; i < lanes; i++)
        {
            if (((activeBits >> i) & 1) == 0) continue;
            var species = _laneSpecies[i];
            for (int s = 0; s < ns; s++) species[s] = buffer[s * lanes + i];
        }
        Span<double> values = stackalloc double[lanes];
        var reactions = _plan.FunctionReactions;
        for (int f = 0; f < reactions.Length; f++)
        {
            for (int i = 0; i < lanes; i++)
                values[i] = ((activeBits >> i) & 1) == 0 ? 0 : net.Propensity(reactions[f], _laneSpecies[i], _laneParameters[i], times[i]);
            _functionPropensities[f] = TL.Load(values);
        }
    }

    /// <summary>g_i of Cao et al. (2006): the highest order, corrected when the species appears more than once in it.</summary>
    private static TV G(int order, int multiplicity, TV x)
    {
        if (multiplicity <= 1) return TL.Create(order);
        // Σ_{j=1}^{m−1} j/(x−j), with x−j floored at 1 (for x ≤ j the reaction cannot fire anyway).
        TV sum = TL.Create(0);
        for (int j = 1; j < multiplicity; j++)
            sum = TL.Add(sum, TL.Divide(TL.Create(j), LaneOps.Max<TL, TV>(TL.Subtract(x, TL.Create(j)), TL.Create(1))));
        // Order 2 with m = 2: 2 + 1/(x−1); order 3: m = 2 → (3/2)(2 + 1/(x−1)), m = 3 → 3 + 1/(x−1) + 2/(x−2).
        if (order == 3 && multiplicity == 2) return TL.Multiply(TL.Create(1.5), TL.Add(TL.Create(2), sum));
        return TL.Add(TL.Create(order), sum);
    }

    private void Integrate(in ChunkJob job, TV accepted, TV dt)
    {
        var net = _plan.Network;
        Span<double> values = stackalloc double[TL.Count];
        TV weight = TL.And(accepted, dt);
        for (int o = 0; o < net.OutputCount; o++)
        {
            TV sum = TL.Create(0);
            for (int k = net.OutputOffsets[o]; k < net.OutputOffsets[o + 1]; k++)
                sum = TL.Add(sum, TL.Multiply(TL.Create(net.OutputWeights[k]), _x[net.OutputSpecies[k]]));
            TL.Store(TL.Multiply(sum, weight), values);
            for (int i = 0; i < job.LaneCount; i++) job.Integrals![job.Cells[job.CellsOffset + i] * net.OutputCount + o] += values[i];
        }
    }

    /// <summary>Records the lanes in <paramref name="bits"/> at their next output point and moves them past it.</summary>
    private void Record(in ChunkJob job, uint bits, TV t)
    {
        var net = _plan.Network;
        int ns = net.SpeciesCount, lanes = TL.Count, outputs = net.OutputCount, points = _gridTimes.Length;
        var buffer = _laneBuffer.AsSpan();
        for (int s = 0; s < ns; s++) TL.Store(_x[s], buffer.Slice(s * lanes, lanes));
        for (int i = 0; i < job.LaneCount; i++)
        {
            if (((bits >> i) & 1) == 0) continue;
            var species = _laneSpecies[i];
            for (int s = 0; s < ns; s++) species[s] = buffer[s * lanes + i];
            int point = _gridIndex[i]++;
            int cell = job.Cells[job.CellsOffset + i];
            net.Outputs(species, _laneParameters[i], _gridTimes[point], job.Records.AsSpan((cell * points + point) * outputs, outputs));
        }
    }
}
