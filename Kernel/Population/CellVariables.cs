namespace Stochastic.Population;

/// <summary>
/// The per-cell variables a fate rule can read, derived from a cell's recorded outputs: for each
/// observable NAME, <c>NAME</c> (final value), <c>NAME_auc</c> (time integral over the run, by the
/// trapezoid rule on the recorded points), <c>NAME_mean</c> (time average) and <c>NAME_max</c>
/// (largest recorded value).
/// </summary>
/// <remarks>
/// The integral is taken by the population layer rather than by a counter species in the model,
/// so any observable can be integrated at no cost in events. Its error is that of the trapezoid
/// rule on a jump process sampled every Δt: it is exact for a piecewise-linear path and, for a
/// path that jumps, off by at most (Δt/2)·Σ|jumps at sampled intervals|; with Δt well under
/// the observable's correlation time (minutes for pSTAT5 against a 10–30 min grid) the relative
/// error of a run's AUC is small next to the cell-to-cell spread.
/// </remarks>
internal static class CellVariables
{
    /// <summary>Variables per observable.</summary>
    public const int PerOutput = 4;

    /// <summary>Variable names for <paramref name="outputs"/>, in the order <see cref="Compute"/> writes them.</summary>
    public static string[] Names(IReadOnlyList<string> outputs)
    {
        var names = new string[outputs.Count * PerOutput];
        for (int j = 0; j < outputs.Count; j++)
        {
            names[j] = outputs[j];
            names[outputs.Count + j] = outputs[j] + "_auc";
            names[2 * outputs.Count + j] = outputs[j] + "_mean";
            names[3 * outputs.Count + j] = outputs[j] + "_max";
        }
        return names;
    }

    /// <summary>Computes one cell's variables from its record (one row of <paramref name="outputs"/> values per time in <paramref name="times"/>).</summary>
    public static void Compute(ReadOnlySpan<double> record, double[] times, int outputs, Span<double> variables)
    {
        int points = times.Length;
        double duration = times[^1] - times[0];
        for (int j = 0; j < outputs; j++)
        {
            double auc = 0, max = record[j];
            for (int k = 1; k < points; k++)
            {
                double a = record[(k - 1) * outputs + j], b = record[k * outputs + j];
                auc += 0.5 * (a + b) * (times[k] - times[k - 1]);
                if (b > max) max = b;
            }
            variables[j] = record[(points - 1) * outputs + j];
            variables[outputs + j] = auc;
            variables[2 * outputs + j] = duration > 0 ? auc / duration : variables[j];
            variables[3 * outputs + j] = max;
        }
    }
}
