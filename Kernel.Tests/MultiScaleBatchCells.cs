using Stochastic.Formats;
using Stochastic.Methods;
using Stochastic.Network;
using Stochastic.Population;
using Stochastic.Simulation.Cells;
using Stochastic.Transforms;

namespace Stochastic.Tests;

/// <summary>
/// Cells of one scenario × cell type of the IL-2 study, sampled as the population runner samples them
/// (parameters and initial counts from stream (seed, cell type, cell), trajectories from stream
/// (seed ⊕ hash(scenario), cell type, cell)), with that group's slow-scale reduction judged at its median
/// cell under the study's engine settings (θ = 2, leaping at ε = 0.03): the inputs the engines compare on.
/// </summary>
internal static class MultiScaleBatchCells
{
    private static readonly Lazy<(Study Study, CompiledNetwork Network)> Il2 = new(() =>
    {
        var study = StudyReader.Read(StudyReaderTests.StudyPath);
        return (study, NetworkCompiler.Compile(study.Model));
    });

    /// <summary>The IL-2 study and its compiled model.</summary>
    public static (Study Study, CompiledNetwork Network) Study => Il2.Value;

    /// <summary>The study engine's method settings (θ = 2, leap ε = 0.03).</summary>
    public static MethodSettings Settings => Study.Study.Settings.Engine.ApplyTo(new PopulationOptions()).Settings;

    /// <summary>The group's reduction, judged at its median cell as <c>CellEngines</c> does.</summary>
    public static ReducedNetwork Reduction(Scenario scenario, CellType cellType, MethodSettings? settings = null)
    {
        var (study, network) = Study;
        var parameters = new double[study.Model.Parameters.Length];
        var counts = new double[study.Model.Species.Length];
        new CellParameterSampler(study.Model).Median(scenario, cellType, parameters, counts);
        return MethodCatalog.SlowScale.CreateCellEngine(study.Model, network, settings ?? Settings, new SlowScaleReference(counts, parameters)).Reduction!;
    }

    /// <summary>Cells <paramref name="first"/>.. of the group (<paramref name="count"/> of them) as one block.</summary>
    public static CellBlock Block(Scenario scenario, int cellTypeIndex, int first, int count, ulong seed = 2024)
    {
        var (study, network) = Study;
        int s = network.SpeciesCount, p = network.Parameters.Length;
        var sampler = new CellParameterSampler(study.Model);
        var block = new CellBlock(count, s, p) { Seed = seed ^ PopulationRunner.ScenarioHash(scenario.Name) };
        for (int i = 0; i < count; i++)
        {
            block.StreamIndices[i] = CellParameterSampler.ParameterStream(cellTypeIndex, first + i);
            sampler.Sample(seed, scenario, study.CellTypes[cellTypeIndex], cellTypeIndex, first + i,
                block.Parameters.AsSpan(i * p, p), block.InitialCounts.AsSpan(i * s, s));
        }
        return block;
    }

    /// <summary>A copy of <paramref name="block"/> holding its cells <paramref name="order"/> in that order.</summary>
    public static CellBlock Pick(CellBlock block, IReadOnlyList<int> order)
    {
        int s = block.SpeciesCount, p = block.ParameterCount;
        var picked = new CellBlock(order.Count, s, p) { Seed = block.Seed };
        for (int i = 0; i < order.Count; i++)
        {
            picked.StreamIndices[i] = block.StreamIndices[order[i]];
            block.InitialCounts.AsSpan(order[i] * s, s).CopyTo(picked.InitialCounts.AsSpan(i * s, s));
            block.Parameters.AsSpan(order[i] * p, p).CopyTo(picked.Parameters.AsSpan(i * p, p));
        }
        return picked;
    }
}
