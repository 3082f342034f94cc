using System.Buffers.Binary;
using Xunit;

namespace Stochastic.Tests;

/// <summary>
/// The figures of a population run with a <c>lineage</c> block (fates_time.png, expansion.png, lineages.png):
/// written as PNGs of a sensible size when cells divide, and not at all without the block.
/// </summary>
public sealed class LineagePlotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-lineage-plots-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Figures = ["fates_time.png", "expansion.png", "lineages.png"];

    // A cell that divides after three Cycle events (mean 500 min) and dies on one Death event; A is the read-out.
    internal const string Model = """
        begin model
        begin parameters
          lambda  0.006
          mu      0.0003
          L       0
          kA      1
        end parameters
        begin functions
          fl() = lambda
          fa() = kA
        end functions
        begin seed species
          Cycle  0
          Death  0
          A      20
        end seed species
        begin observables
          Molecules Cyc   Cycle
          Molecules Dead  Death
          Molecules Aobs  A
        end observables
        begin reaction rules
          0 -> Cycle  fl()
          0 -> Death  mu
          0 -> A      fa()
          A -> 0      0.02
        end reaction rules
        end model
        """;

    internal static string Study(bool lineage) => $$"""
        begin study
          model cell.bngl
          cells 3
          seed 7
          output_every 60
          dose_parameter L
          readout Aobs
          readout_time 60
          time_unit min
        end study
        begin ligands
          L
        end ligands
        begin cell types
          prog   kA  lognormal(1, 0.8)
          other  kA  0.3
        end cell types
        begin scenarios
          fast  ligand=L dose=0 duration=3600 lambda=0.008
          slow  ligand=L dose=0 duration=3600 lambda=0.004
        end scenarios
        begin fates
          hi (prog): Aobs >= 60
          mid (prog): Aobs >= 30
          lo (prog): 1
          resp (other): Aobs > 10
          quiet (other): 1
        end fates
        {{(lineage ? "begin lineage\n  divide Cyc >= 3\n  die Dead >= 1\n  reset Cycle Death\n  cap 32\n  every 10\nend lineage" : "")}}
        """;

    private async Task<(string Output, string Dir)> RunStudy(bool lineage)
    {
        File.WriteAllText(Path.Combine(_dir, "cell.bngl"), Model);
        string study = Path.Combine(_dir, "plots.study");
        File.WriteAllText(study, Study(lineage));
        string outDir = Path.Combine(_dir, lineage ? "with" : "without");
        var (code, output, error) = await CliHarness.Run("population", study, "--out", outDir);
        Assert.True(code == 0, error);
        return (output, outDir);
    }

    [Fact]
    public async Task LineageRun_WritesTheThreeFigures_AsPngsOfSensibleSize()
    {
        var (output, outDir) = await RunStudy(lineage: true);
        foreach (string name in Figures)
        {
            string path = Path.Combine(outDir, name);
            Assert.True(File.Exists(path), $"{name} not written");
            Assert.Contains(name, output);
            byte[] png = File.ReadAllBytes(path);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
            int width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
            Assert.InRange(width, 500, 4000);
            Assert.InRange(height, 300, 4000);
            Assert.True(png.Length > 10_000, $"{name}: {png.Length} bytes, too small to hold a drawn figure");
        }
    }

    [Fact]
    public async Task RunWithoutLineage_WritesNoLineageFigures()
    {
        var (output, outDir) = await RunStudy(lineage: false);
        Assert.True(File.Exists(Path.Combine(outDir, "fates.png")));
        foreach (string name in Figures)
        {
            Assert.False(File.Exists(Path.Combine(outDir, name)), $"{name} written without a lineage block");
            Assert.DoesNotContain(name, output);
        }
    }
}
