using Stochastic.Expressions;
using Stochastic.Network;
using Stochastic.Transforms;

namespace Stochastic.Simulation.SlowScale;

/// <summary>
/// What every cell simulated on one <see cref="ReducedNetwork"/> shares, made once and read-only afterwards:
/// the slow reactions, what each reduced species stands for, which propensities a firing or a reservoir
/// refresh changes, and the orders g_i of the ε rule. The scalar hybrid (<see cref="SlowScaleSimulator"/>)
/// makes one for itself; the multi-scale batch engine one per scenario × cell type with distinct fast
/// pairs, shared by its lanes. Each cell steps on it through its <see cref="HybridState"/>.
/// </summary>
internal sealed class SlowScalePlan
{
    /// <summary>Makes the plan of <paramref name="reduced"/>, leaping at its <see cref="SlowScaleOptions.LeapEpsilon"/> (null: every slow reaction exact).</summary>
    public SlowScalePlan(ReducedNetwork reduced)
    {
        Reduced = reduced;
        Full = reduced.Full;
        Network = reduced.Network;
        Slow = reduced.SlowReactions;
        Epsilon = reduced.Options.LeapEpsilon;
        var full = Full;
        var eq = new FastEquilibrium(reduced);
        int ny = Network.SpeciesCount;
        Kind = new SpeciesKind[ny];
        Index = new int[ny];
        Array.Fill(Kind, SpeciesKind.Auxiliary);
        var map = reduced.SpeciesMap;
        var groupOf = new int[full.SpeciesCount];
        Array.Fill(groupOf, -1);
        for (int k = 0; k < eq.Members.Length; k++) foreach (int m in eq.Members[k]) groupOf[m] = k;
        for (int s = 0; s < full.SpeciesCount; s++)
        {
            int r = Array.IndexOf(eq.ReservoirSpecies, s);
            if (groupOf[s] >= 0 && eq.HomeOf[groupOf[s]] >= 0) { Kind[map[s]] = SpeciesKind.ReservoirTotal; Index[map[s]] = eq.HomeOf[groupOf[s]]; }
            else if (groupOf[s] >= 0) { Kind[map[s]] = SpeciesKind.GroupTotal; Index[map[s]] = groupOf[s]; }
            else if (r >= 0) { Kind[map[s]] = SpeciesKind.ReservoirTotal; Index[map[s]] = r; }
            else { Kind[map[s]] = SpeciesKind.Plain; Index[map[s]] = s; }
        }

        // Which slow reactions read each full species (reactants and rate-expression symbols).
        var readers = Enumerable.Range(0, full.SpeciesCount).Select(_ => new SortedSet<int>()).ToArray();
        var timeDependent = new SortedSet<int>();
        for (int j = 0; j < Slow.Length; j++)
        {
            int r = Slow[j];
            for (int k = full.ReactantOffsets[r]; k < full.ReactantOffsets[r + 1]; k++) readers[full.ReactantSpecies[k]].Add(j);
            foreach (var symbol in ExpressionEvaluator.Symbols(full.RateExpressions[r]))
            {
                if (symbol.Kind == SymbolKind.Species) readers[symbol.Index].Add(j);
                if (symbol.Kind == SymbolKind.Time) timeDependent.Add(j);
            }
        }
        TimeDependent = [.. timeDependent];
        ParameterRates = [.. Slow.Select(r => full.ParameterRateTerm(r))];
        var readersOfReduced = Enumerable.Range(0, ny).Select(_ => new SortedSet<int>()).ToArray();
        for (int s = 0; s < full.SpeciesCount; s++)
            if (Kind[map[s]] is SpeciesKind.Plain or SpeciesKind.GroupTotal) readersOfReduced[map[s]].UnionWith(readers[s]);
        var net = Network;
        var offsets = new List<int> { 0 };
        var deps = new List<int>();
        for (int j = 0; j < Slow.Length; j++)
        {
            var set = new SortedSet<int>();
            for (int k = net.ChangeOffsets[j]; k < net.ChangeOffsets[j + 1]; k++) set.UnionWith(readersOfReduced[net.ChangeSpecies[k]]);
            deps.AddRange(set);
            offsets.Add(deps.Count);
        }
        DependencyOffsets = [.. offsets];
        Dependencies = [.. deps];
        RefreshReaders = [.. eq.ReservoirSpecies.Select((g, r) =>
        {
            var set = new SortedSet<int>(readers[g]);
            foreach (int k in eq.Affected[r]) foreach (int m in eq.Members[k]) set.UnionWith(readers[m]);
            return set.ToArray();
        })];

        // g_i per reduced species: the highest order of a slow reaction reading it (rate expressions
        // count as first order, as in the batch engine); a reservoir total is read through its free count.
        Order = new double[ny];
        for (int j = 0; j < Slow.Length; j++)
        {
            int r = Slow[j], n = 0;
            for (int k = full.ReactantOffsets[r]; k < full.ReactantOffsets[r + 1]; k++) n += full.ReactantMultiplicities[k];
            for (int k = full.ReactantOffsets[r]; k < full.ReactantOffsets[r + 1]; k++) Raise(full.ReactantSpecies[k], n);
            foreach (var symbol in ExpressionEvaluator.Symbols(full.RateExpressions[r]))
                if (symbol.Kind == SymbolKind.Species) Raise(symbol.Index, 1);
        }

        void Raise(int fullSpecies, int n)
        {
            int y = map[fullSpecies];
            Order[y] = Math.Max(Order[y], n);
        }
    }

    /// <summary>The reduction.</summary>
    public ReducedNetwork Reduced { get; }
    /// <summary>The full network: slow propensities are its propensities at the expected full state.</summary>
    public CompiledNetwork Full { get; }
    /// <summary>The reduced network (change vectors of the slow reactions, reduced species).</summary>
    public CompiledNetwork Network { get; }
    /// <summary>Full-network index of each slow reaction.</summary>
    public int[] Slow { get; }
    /// <summary>ε of the leap rule; null when nothing is leaped.</summary>
    public double? Epsilon { get; }
    /// <summary>Per reduced species, what it stands for.</summary>
    public SpeciesKind[] Kind { get; }
    /// <summary>Per reduced species, the full species, the group or the reservoir it stands for.</summary>
    public int[] Index { get; }
    /// <summary>Per slow reaction, the slow reactions whose propensity its firing changes (CSR: <see cref="DependencyOffsets"/>).</summary>
    public int[] Dependencies { get; }
    /// <summary>Offsets into <see cref="Dependencies"/>.</summary>
    public int[] DependencyOffsets { get; }
    /// <summary>Per reservoir, the slow reactions a refresh of its free count changes.</summary>
    public int[][] RefreshReaders { get; }
    /// <summary>Slow reactions whose rate law reads time.</summary>
    public int[] TimeDependent { get; }
    /// <summary>
    /// Per slow reaction, for a rate law that reads only parameters, its mass-action form with the rate left
    /// to fill (<see cref="CompiledNetwork.ParameterRateTerm"/>); null for the others.
    /// </summary>
    public CompiledNetwork.PropensityTerm?[] ParameterRates { get; }
    /// <summary>g_i of the ε rule per reduced species.</summary>
    public double[] Order { get; }
}

/// <summary>What a species of a slow-scale reduced network stands for.</summary>
internal enum SpeciesKind : byte
{
    /// <summary>A full-model species, unchanged.</summary>
    Plain,
    /// <summary>A fast group's total.</summary>
    GroupTotal,
    /// <summary>A reservoir's total (free, in its home group and bound in others); a home group's total too.</summary>
    ReservoirTotal,
    /// <summary>A reservoir's free count, held at its fixed point (no reaction changes it).</summary>
    Auxiliary,
}
