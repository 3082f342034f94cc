using Stochastic.Calibration;
using Stochastic.Formats;
using Xunit;

namespace Stochastic.Tests;

/// <summary>Fit files (docs/calibration.md): what they read into, every error with file:line:column, the data reader's errors, and the fit command.</summary>
public sealed class FitReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-fit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Data = """
        cell_type,ligand,time_min,dose_nM,replicate,pSTAT5_MFI
        toy,L,2,1,1,510
        toy,L,2,10,1,700
        toy,L,20,1,1,600
        toy,L,20,10,1,1500
        toy,L,20,100,1,2900
        toy,L,20,100,2,1200
        toy,M,20,100,1,3
        """;

    private const string Good = """
        begin fit
          study   toy.study
          data    toy.csv
          ligand  L=L
          times   2 20
          predict 40
          cells   4
        end fit
        begin parameters
          Kd    1  1000  literature=(10, 50)  prior=lognormal(25, 1)
          kon   = 0.01
          # R0 is set per population
        end parameters
        begin populations
          toy   cell   R0=250
        end populations
        begin exclude
          toy  L  20  100  2   # a point left out
        end exclude
        """;

    private static FitSpec Parse(string fit) => FitReader.Parse(fit, "toy.fit", _ => CalibrationTests.Toy(),
        (_, columns) => ResponseDataReader.Parse(Data, "toy.csv", columns));

    private static string Error(string fit) => string.Join("\n", Assert.Throws<ModelException>(() => Parse(fit)).Errors.Select(e => e.ToString()));

    [Fact]
    public void ReadsAFitFile()
    {
        var spec = Parse(Good);
        Assert.Equal("L", spec.Ligand);
        Assert.Equal([2.0, 20.0], spec.Times.ToArray());
        Assert.Equal(5, spec.Data.Length);            // ligand M dropped, one excluded
        Assert.Single(spec.Excluded);
        Assert.Equal(["Kd"], spec.Free.Select(p => p.Name));
        Assert.Equal(30, spec.Free[0].Start);           // the model's value when no start is given
        Assert.Equal((10.0, 50.0), spec.Free[0].Literature);
        Assert.Equal((25.0, 1.0), spec.Free[0].Prior);
        Assert.True(spec.Parameters[1].Fixed);
        Assert.Equal(0.01, spec.Parameters[1].Start);
        Assert.Equal(250, spec.Populations[0].Settings["R0"]);
        Assert.Equal(4, spec.Settings.Cells);
        Assert.Equal([40.0], spec.Settings.PredictTimes.ToArray());
    }

    [Theory]
    [InlineData("begin fitt", "toy.fit:1:7: unknown block 'fitt'; did you mean 'fit'?")]
    [InlineData("  Kd    1  1000  literature=(10, 50)  prior=lognormal(25, 1)", "toy.fit:10:3: unknown model parameter 'KD'; did you mean 'Kd'?", "  KD    1  1000  literature=(10, 50)")]
    [InlineData("  Kd    1  1000  literature=(10, 50)  prior=lognormal(25, 1)", "toy.fit:10:9: bounds must satisfy 0 < LOWER < UPPER (the search is in log space); found 0, 1000", "  Kd    0  1000")]
    [InlineData("  Kd    1  1000  literature=(10, 50)  prior=lognormal(25, 1)", "toy.fit:10:3: start value 30 (the model's) is outside the bounds [40, 1000]", "  Kd    40  1000")]
    [InlineData("  Kd    1  1000  literature=(10, 50)  prior=lognormal(25, 1)", "toy.fit:10:14: expected prior=lognormal(MEDIAN, SIGMA) with MEDIAN > 0 and SIGMA > 0 (σ of ln); found 'prior=lognormal(5)'", "  Kd  1 1000 prior=lognormal(5)")]
    [InlineData("  toy   cell   R0=250", "toy.fit:15:3: no population 'tox' in the data; did you mean 'toy'?", "  tox   cell")]
    [InlineData("  toy   cell   R0=250", "toy.fit:15:9: unknown cell type 'cel'; did you mean 'cell'?", "  toy   cel")]
    [InlineData("  toy  L  20  100  2   # a point left out", "toy.fit:18:3: excludes nothing: no fitted data point of population 'toy', ligand 'L' at that time, dose and replicate", "  toy  L  20  100  3")]
    [InlineData("  ligand  L=L", "toy.fit:4:13: unknown study ligand 'X'; ligands: L", "  ligand  L=X")]
    [InlineData("  times   2 20", "toy.fit:5:13: 'times' takes positive numbers; found '-1'", "  times   2 -1")]
    [InlineData("  cells   4", "toy.fit:7:3: unknown setting 'cels'; did you mean 'cells'?", "  cels   4")]
    [InlineData("  cells   4", "toy.fit:7:11: unknown engine 'odes' (expected ssa, batch, hybrid, slow-scale, multiscale, ode, direct, sorting-direct, nrm, cr, rssa-cr, spdm)", "  engine  odes")]
    public void ErrorsHavePositions(string line, string expected, string? replacement = null)
    {
        string fit = replacement is null ? Good.Replace("begin fit\n", line + "\n") : Good.Replace(line, replacement);
        Assert.Contains(expected, Error(fit));
    }

    [Fact]
    public void AFittedParameterThatACellTypeSetsIsRejected()
    {
        // R0 is set by the population: fitting it would be overridden per cell.
        string fit = Good.Replace("  # R0 is set per population", "  R0    10 1000");
        Assert.Contains("toy.fit:12:3: parameter 'R0' cannot be fitted: population 'toy' sets it", Error(fit));
    }

    [Fact]
    public void DataErrorsHavePositions()
    {
        var e = Assert.Throws<ModelException>(() => ResponseDataReader.Parse("cell_type,ligand,time_min,dose_nM,replicate,pSTAT5_MFI\ntoy,L,2,abc,1,5\ntoy,L,2,0,1,5\n", "d.csv", new DataColumns()));
        Assert.Equal("d.csv:2:9: column 'dose_nM': 'abc' is not a number", e.Errors[0].ToString());
        Assert.Equal("d.csv:3:9: column 'dose_nM': must be positive; found 0", e.Errors[1].ToString());
        var missing = Assert.Throws<ModelException>(() => ResponseDataReader.Parse("cell_type,ligand,time,dose_nM,replicate,pSTAT5_MFI\n", "d.csv", new DataColumns()));
        Assert.StartsWith("d.csv:1:1: no column 'time_min' in the header", missing.Errors[0].ToString());
    }

    [Fact]
    public void TheIl2FitFileReads()
    {
        var spec = FitReader.Read(Path.Combine(AppContext.BaseDirectory, "Reactions", "il2", "il2.fit"));
        Assert.Equal(["NK", "CD8+", "T-reg"], spec.Populations.Select(p => p.Data));
        // 3 populations x 2 replicates x 2 times x 12 doses, less the 3 excluded T-reg wells
        Assert.Equal(144 - 3, spec.Data.Length);
        Assert.Equal(3, spec.Excluded.Length);
        Assert.DoesNotContain(spec.Data, d => d.Time > 60);
        Assert.Same(Methods.MethodCatalog.Ode, spec.Settings.Engine);
        Assert.Null(Parse(Good).Settings.Engine);   // none named: the study's
    }

    /// <summary>The command end to end on the toy study: files written, exit 0; a bad fit file gives exit 1 and one positioned line.</summary>
    [Fact]
    public async Task FitCommandWritesItsOutputs()
    {
        File.WriteAllText(Path.Combine(_dir, "toy.bngl"), CalibrationTests.ToyModel);
        File.WriteAllText(Path.Combine(_dir, "toy.study"), CalibrationTests.ToyStudy);
        File.WriteAllText(Path.Combine(_dir, "toy.csv"), Data);
        File.WriteAllText(Path.Combine(_dir, "toy.fit"), Good.Replace("begin fit\n", "begin fit\n  evaluations 12\n  restarts 0\n  profile 0.3 1\n"));
        string outDir = Path.Combine(_dir, "out");
        var (code, stdout, stderr) = await CliHarness.Run("fit", Path.Combine(_dir, "toy.fit"), "--method", "ssa", "--threads", "1", "--out", outDir);
        Assert.True(code == 0, stderr);
        foreach (var f in new[] { "fitted.csv", "profiles.csv", "blocks.csv", "residuals.csv", "ec50.csv", "prediction.csv", "prediction.png", "report.md", "fit_toy.png" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        var fitted = File.ReadAllLines(Path.Combine(outDir, "fitted.csv"));
        Assert.StartsWith("parameter,fitted,low95,high95", fitted[0]);
        Assert.Equal(3, fitted.Length);                 // Kd, kon (fixed)
        Assert.Equal(5 + 1, File.ReadAllLines(Path.Combine(outDir, "residuals.csv")).Length);
        Assert.Contains("wrote", stdout);

        File.WriteAllText(Path.Combine(_dir, "bad.fit"), Good.Replace("  Kd    1  1000", "  Kd    1  x"));
        var (badCode, _, badErr) = await CliHarness.Run("fit", Path.Combine(_dir, "bad.fit"), "--out", outDir);
        Assert.Equal(1, badCode);
        // one line per error (the Kd line, and then no parameter left to fit), each with its place; no stack trace
        Assert.Contains("bad.fit:10:12: expected a number, prior=lognormal(MEDIAN, SIGMA) or literature=(LOW, HIGH); found 'x'", badErr);
        Assert.DoesNotContain("   at ", badErr);
        Assert.All(badErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Contains("bad.fit:", l));
    }
}
