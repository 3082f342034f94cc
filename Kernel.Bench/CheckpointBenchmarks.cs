using BenchmarkDotNet.Attributes;
using Stochastic.Formats;
using Stochastic.Population;

namespace Stochastic.Bench;

/// <summary>
/// What a checkpoint part and a shard file cost: writing and reading back (checksum included) the per-cell rows of
/// the IL-2 study's layout (all its per-cell variables, sampled parameters, weight, fate and traits), for a part of
/// <see cref="Cells"/> cells. The rows are random numbers: the cost of Parquet does not depend on the values much,
/// and simulating cells here would measure the simulation. Divide by <see cref="Cells"/> for the cost per cell, to
/// set against a cell's simulation (docs/performance.md, "Shards and checkpoints").
/// </summary>
public class CheckpointBenchmarks
{
    private CellRows _rows = null!;
    private string _path = null!;
    private CellLayout _layout = null!;

    /// <summary>Cells per part.</summary>
    [Params(100, 4800)]
    public int Cells { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var study = StudyReader.Read(BenchModels.Find(Path.Combine("il2", "study.study")));
        var outputs = Network.NetworkCompiler.Compile(study.Model).OutputNames;
        string[] variables = [.. outputs, .. outputs.Select(o => o + "_auc"), .. outputs.Select(o => o + "_mean"), .. outputs.Select(o => o + "_max")];
        _layout = PopulationRunner.CellLayout(study, variables, PopulationRunner.SampledParameters(study));
        var random = new System.Random(1);
        _rows = new CellRows(_layout);
        var row = new double[_layout.Width];
        for (int i = 0; i < Cells; i++)
        {
            for (int c = 0; c < row.Length; c++)
                row[c] = _layout.Columns[c].Kind switch
                {
                    CellColumnKind.Fate => random.Next(_layout.FateNames.Count),
                    CellColumnKind.Flag => random.Next(2),
                    _ => random.NextDouble() * 1000,
                };
            _rows.Add(study.Scenarios[i % study.Scenarios.Length].Name, study.CellTypes[i % study.CellTypes.Length].Name, i, row);
        }
        _path = Path.Combine(Path.GetTempPath(), $"stochastic-bench-{Environment.ProcessId}.parquet");
        CellTable.WriteAtomic(_path, _rows);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    /// <summary>Writes one part atomically (temporary file, flushed to disk, renamed).</summary>
    [Benchmark]
    public long WritePart()
    {
        CellTable.WriteAtomic(_path, _rows);
        return new FileInfo(_path).Length;
    }

    /// <summary>Reads one part back and checks its rows' checksum (resumption, merge).</summary>
    [Benchmark]
    public int ReadPart() => CellTable.Read(_path, _layout).Count;
}
