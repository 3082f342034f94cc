using System.Globalization;
using Stochastic.Simulation;

namespace Stochastic.Reports;

/// <summary>
/// Writes ensemble results as CSV in the SBML Test Suite convention: <c>time</c>, then
/// <c>NAME-mean</c> for every output, then <c>NAME-sd</c> for every output. Numbers use the
/// invariant culture and round-trip precision.
/// </summary>
public static class ResultsCsv
{
    /// <summary>Writes the per-time means and standard deviations.</summary>
    public static void WriteSummary(EnsembleResult result, TextWriter writer)
    {
        var names = result.OutputNames;
        writer.Write("time");
        foreach (var n in names) writer.Write($",{n}-mean");
        foreach (var n in names) writer.Write($",{n}-sd");
        writer.WriteLine();
        for (int k = 0; k < result.Grid.Points; k++)
        {
            writer.Write(Format(result.Grid[k]));
            for (int j = 0; j < names.Count; j++) writer.Write("," + Format(result.Mean(k, j)));
            for (int j = 0; j < names.Count; j++) writer.Write("," + Format(result.StandardDeviation(k, j)));
            writer.WriteLine();
        }
    }

    /// <summary>Writes every kept trajectory in long form: <c>run,time,NAME…</c>.</summary>
    public static void WriteTrajectories(EnsembleResult result, TextWriter writer)
    {
        var names = result.OutputNames;
        writer.WriteLine("run,time," + string.Join(",", names));
        for (int run = 0; run < result.Runs; run++)
        {
            var record = result.Trajectory(run);
            for (int k = 0; k < result.Grid.Points; k++)
            {
                writer.Write(run.ToString(CultureInfo.InvariantCulture));
                writer.Write("," + Format(result.Grid[k]));
                for (int j = 0; j < names.Count; j++) writer.Write("," + Format(record[k * names.Count + j]));
                writer.WriteLine();
            }
        }
    }

    /// <summary>A number as CSV text: shortest round-trip form, invariant culture.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
