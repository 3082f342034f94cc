using System.Runtime.CompilerServices;
using Stochastic.Network;
using Stochastic.Random;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The sorting partial-propensity direct method, SPDM (Ramaswamy, González-Segredo &amp; Sbalzarini
/// 2009, J. Chem. Phys. 130:244104): the direct method over propensities factored by one reactant.
/// Every reaction is put in the row of one of its reactants i (a zero-order reaction in a row of its
/// own whose count is 1) with the partial propensity π = a / n_i: c for a unimolecular reaction,
/// c·n_j for S_i + S_j, c·(n_i − 1) for 2 S_i. Row i's propensity is Λ_i = n_i·Σ_j π_ij. A change of
/// n_i costs one product (its row), whatever the number of reactions in the row; a change of n_j costs
/// one update per partial propensity that reads it (the "U" lists). The reaction is drawn by a linear
/// search over the rows and then within the chosen row, both in orders that adapt as in the sorting
/// direct method (a firing row, and a firing entry within its row, swap places with the one before).
/// Only for networks of mass-action reactions of order ≤ 2 without time dependence.
/// </summary>
/// <remarks>
/// The row of a bimolecular reaction is that of the reactant with more reactions (the lower index on a
/// tie): in a network of hub species (an enzyme binding dozens of substrate states, a receptor binding
/// dozens of complexes) the hub is then the row, its frequent count changes cost one product, and a
/// substrate's change updates only its own few entries. The papers leave the choice free (pSSAlib
/// takes the second reactant); it changes speed only, never the law.
/// <para>
/// Partial propensities are recomputed from the counts (never accumulated); row sums Σ_j π_ij and the
/// total are running sums, re-summed every max(1024, reactions) firings against rounding drift, as in
/// the direct method. Waiting times come from <see cref="ExponentialZiggurat"/>.
/// </para>
/// </remarks>
internal sealed class SortingPartialPropensityDirectMethod : IExactAlgorithm
{
    /// <inheritdoc />
    public string Name => "spdm";

    /// <inheritdoc />
    public string Description =>
        "Ramaswamy, González-Segredo & Sbalzarini (2009) sorting partial-propensity direct method; rows by reactant, cost per firing independent of how many reactions a species takes part in. Mass action of order ≤ 2 without time dependence only.";

    /// <inheritdoc />
    public string? Refusal(CompiledNetwork network) =>
        MassActionTable.NotMassAction(network) is { } why ? $"it takes only mass-action reactions of order ≤ 2 with constant rates, and {why}" : null;

    /// <inheritdoc />
    /// <exception cref="SimulationException">The network is not mass action of order ≤ 2 without time dependence.</exception>
    public ExactSimulator CreateSimulator(CompiledNetwork network)
    {
        ExactAlgorithms.ThrowIfRefused(this, network);
        return new Simulator(network);
    }

    /// <summary>The simulator; internal so tests can inspect its rows.</summary>
    internal sealed class Simulator : RunningTotalSimulator
    {
        // A partial propensity that reads a species' count: π[Entry] = Rate·(n − Shift), in row Row.
        private readonly record struct Reader(int Entry, int Row, double Rate, double Shift);

        private readonly int _rows;             // species + 1: row `species` is the zero-order row (count 1)
        private readonly double[] _x;           // counts, then 1 for the zero-order row
        private readonly double[] _pi;          // partial propensity per entry; entries grouped by row
        private readonly int[] _entryReaction;  // entry -> reaction
        private readonly int[] _rowStart;       // row -> its entries [start, next start)
        private readonly int[] _entryOrder;     // search position within each row's range -> entry (sorted as they fire)
        private readonly double[] _sigma;       // Σ π of each row
        private readonly double[] _lambda;      // n_row · Σ π: the row's propensity
        private readonly int[] _rowOrder;       // search position -> row (sorted as they fire)
        private readonly int[] _readerStart;    // species -> its readers [start, next start)
        private readonly Reader[] _readers;
        private readonly int[] _changeOffsets, _changeSpecies;
        private readonly double[] _changeAmounts;
        private readonly double[] _rate, _shift; // per entry: its own π = rate·(n_col − shift), or rate when it reads no count
        private readonly int[] _column;          // per entry: the species its π reads, or -1

        public Simulator(CompiledNetwork network) : base(network)
        {
            int m = network.SpeciesCount, n = network.ReactionCount;
            _rows = m + 1;
            _x = new double[m + 1];
            _changeOffsets = network.ChangeOffsets;
            _changeSpecies = network.ChangeSpecies;
            _changeAmounts = network.ChangeAmounts;

            // Degree of each species: the reactions it is a reactant of (the hub is the row of its bimolecular reactions).
            var degree = new int[m];
            for (int r = 0; r < n; r++)
            {
                if (network.Reactant1[r] >= 0) degree[network.Reactant1[r]]++;
                if (network.Reactant2[r] >= 0) degree[network.Reactant2[r]]++;
            }
            var row = new int[n];
            var column = new int[n];
            var shift = new double[n];
            for (int r = 0; r < n; r++)
            {
                int a = network.Reactant1[r], b = network.Reactant2[r];
                (row[r], column[r], shift[r]) = network.Kinds[r] switch
                {
                    PropensityKind.Constant => (m, -1, 0.0),
                    PropensityKind.Unimolecular => (a, -1, 0.0),
                    PropensityKind.Homodimer => (a, a, 1.0),
                    _ => degree[a] > degree[b] || (degree[a] == degree[b] && a < b) ? (a, b, 0.0) : (b, a, 0.0),
                };
            }

            // Entries grouped by row (counting sort, reactions in their order within a row).
            _rowStart = new int[_rows + 1];
            foreach (int i in row) _rowStart[i + 1]++;
            for (int i = 0; i < _rows; i++) _rowStart[i + 1] += _rowStart[i];
            var fill = (int[])_rowStart.Clone();
            var entryOf = new int[n];
            _entryReaction = new int[n];
            _rate = new double[n];
            _shift = new double[n];
            _column = new int[n];
            for (int r = 0; r < n; r++)
            {
                int e = fill[row[r]]++;
                entryOf[r] = e;
                _entryReaction[e] = r;
                _rate[e] = network.RateConstants[r];
                _shift[e] = shift[r];
                _column[e] = column[r];
            }
            _pi = new double[n];
            _entryOrder = new int[n];
            _sigma = new double[_rows];
            _lambda = new double[_rows];
            _rowOrder = new int[_rows];

            // The U lists: species -> the partial propensities that read its count.
            _readerStart = new int[m + 1];
            for (int e = 0; e < n; e++) if (_column[e] >= 0) _readerStart[_column[e] + 1]++;
            for (int s = 0; s < m; s++) _readerStart[s + 1] += _readerStart[s];
            _readers = new Reader[_readerStart[m]];
            var next = (int[])_readerStart.Clone();
            int[] rowOfEntry = new int[n];
            for (int i = 0; i < _rows; i++) for (int e = _rowStart[i]; e < _rowStart[i + 1]; e++) rowOfEntry[e] = i;
            for (int e = 0; e < n; e++)
                if (_column[e] >= 0) _readers[next[_column[e]]++] = new Reader(e, rowOfEntry[e], _rate[e], _shift[e]);
        }

        /// <summary>The row (reactant) reaction <paramref name="r"/> is filed under; the species count for a zero-order reaction.</summary>
        internal int RowOf(int r)
        {
            int e = Array.IndexOf(_entryReaction, r);
            int i = 0;
            while (_rowStart[i + 1] <= e) i++;
            return i;
        }

        /// <summary>Row <paramref name="i"/>'s propensity Λ_i as the running sums hold it.</summary>
        internal double RowPropensity(int i) => _lambda[i];

        /// <summary>The running total of the propensities.</summary>
        internal double Total => _total;


        protected override void RestartCore(double time)
        {
            Time = time;
            _pending = false;
            // The search orders start fresh, so a run depends only on its seed, not on earlier runs of this simulator.
            LinearSearch.ResetOrder(_rowOrder);
            LinearSearch.ResetOrder(_entryOrder);
            State.CopyTo(_x, 0);
            _x[_rows - 1] = 1;
            for (int e = 0; e < _pi.Length; e++) _pi[e] = PartialPropensity(e);
            Resum();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private double PartialPropensity(int e) => _column[e] < 0 ? _rate[e] : _rate[e] * (_x[_column[e]] - _shift[e]);

        // Row sums, row propensities and the total from the partial propensities (which are never accumulated).
        [MethodImpl(MethodImplOptions.NoInlining)]
        private double Resum()
        {
            double total = 0;
            for (int i = 0; i < _rows; i++)
            {
                double sigma = 0;
                for (int e = _rowStart[i]; e < _rowStart[i + 1]; e++) sigma += _pi[e];
                _sigma[i] = sigma;
                _lambda[i] = _x[i] * sigma;
                total += _lambda[i];
            }
            _total = total;
            _sinceResum = 0;
            return total;
        }

        public override double NextFiringTime()
        {
            if (!_pending)
            {
                _nextTime = _total > 0 ? Time + ExponentialZiggurat.Next(ref Random) / _total : double.PositiveInfinity;
                _pending = true;
            }
            return _nextTime;
        }

        // Hot loop rule: no allocation, no virtual calls; the rare paths (re-sums, rounding at the end of a search) in helpers.
        protected override long AdvanceCore(double horizon, long maxEvents)
        {
            var x = _x;
            var pi = _pi;
            var sigma = _sigma;
            var lambda = _lambda;
            var rowOrder = _rowOrder;
            var entryOrder = _entryOrder;
            var rowStart = _rowStart;
            var entryReaction = _entryReaction;
            var readerStart = _readerStart;
            var readers = _readers;
            var changeOffsets = _changeOffsets;
            var changeSpecies = _changeSpecies;
            var changeAmounts = _changeAmounts;
            int rows = _rows;
            var rng = Random;
            double t = Time, total = _total, next = _nextTime;
            bool pending = _pending;
            int sinceResum = _sinceResum, resumInterval = ResumInterval;
            long fired = 0;
            while (fired < maxEvents)
            {
                if (!pending)
                {
                    next = total > 0 ? t + ExponentialZiggurat.Next(ref rng) / total : double.PositiveInfinity;
                    pending = true;
                }
                if (next > horizon || double.IsPositiveInfinity(next)) break; // +∞: nothing can fire, even for an infinite horizon
                pending = false;
                t = next;

                // Row: linear search over Λ in the adaptive row order.
                double target = rng.NextDouble() * total;
                int p = 0, i = rowOrder[0];
                double before = 0, cumulative = lambda[i];
                while (cumulative <= target)
                {
                    if (++p == rows) { p = -1; break; }
                    i = rowOrder[p];
                    before = cumulative;
                    cumulative += lambda[i];
                }
                int e = p < 0 ? -1 : SelectInRow(i, target - before, x[i]);
                if (e < 0)
                {
                    // Rounding left the target past the end of a running sum: re-sum exactly and draw again.
                    total = Resum();
                    sinceResum = 0;
                    continue;
                }
                if (p > 0) (rowOrder[p - 1], rowOrder[p]) = (i, rowOrder[p - 1]);

                // Fire, then bring the partial propensities that read a changed count, and the changed rows, up to date.
                int r = entryReaction[e];
                double delta = 0;
                int from = changeOffsets[r], to = changeOffsets[r + 1];
                for (int k = from; k < to; k++) x[changeSpecies[k]] += changeAmounts[k];
                for (int k = from; k < to; k++)
                {
                    int s = changeSpecies[k];
                    double n = x[s];
                    for (int q = readerStart[s]; q < readerStart[s + 1]; q++)
                    {
                        ref readonly Reader u = ref readers[q];
                        double value = u.Rate * (n - u.Shift);
                        double rowSum = sigma[u.Row] + (value - pi[u.Entry]); // kept in a register: not stored and read back
                        sigma[u.Row] = rowSum;
                        pi[u.Entry] = value;
                        double rowValue = x[u.Row] * rowSum;
                        delta += rowValue - lambda[u.Row];
                        lambda[u.Row] = rowValue;
                    }
                    double own = n * sigma[s];
                    delta += own - lambda[s];
                    lambda[s] = own;
                }
                total += delta;
                fired++;
                if (++sinceResum >= resumInterval || total <= 0)
                {
                    total = Resum();
                    sinceResum = 0;
                }
            }
            Random = rng;
            Time = t;
            _total = total;
            _nextTime = next;
            _pending = pending;
            _sinceResum = sinceResum;
            x.AsSpan(0, rows - 1).CopyTo(State);
            Events += fired;
            return fired;
        }

        // Linear search within row i for the entry where n·(running sum of π) passes `target` (the row's propensity
        // up to there); the entry found swaps places with the one before it. -1 when no entry of the row is positive.
        // Multiplying by the row's count n at each step keeps a division off the path from the row search to this one.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int SelectInRow(int i, double target, double n)
        {
            var order = _entryOrder;
            var pi = _pi;
            int start = _rowStart[i], end = _rowStart[i + 1];
            int p = start;
            int e = order[p];
            double cumulative = pi[e];
            while (cumulative * n <= target)
            {
                if (++p == end) return LastPositive(start, end);
                e = order[p];
                cumulative += pi[e];
            }
            if (p > start) (order[p - 1], order[p]) = (e, order[p - 1]);
            return e;
        }

        // Reached only when rounding puts the target at the very end of a row's running sum.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private int LastPositive(int start, int end)
        {
            for (int p = end - 1; p >= start; p--) if (_pi[_entryOrder[p]] > 0) return _entryOrder[p];
            return -1;
        }
    }
}
