using Stochastic.Calibration;
using Stochastic.Population;

namespace Stochastic.Formats;

/// <summary>
/// Reads a fit file (docs/calibration.md): BNGL-like blocks <c>begin fit</c> (the study, the data and
/// settings), <c>begin parameters</c> (what is fitted, with bounds, start, prior, or a fixed value),
/// <c>begin populations</c> (data population → study cell type, with fixed per-cell settings) and the
/// optional <c>begin exclude</c> (data points left out), with <c>#</c> comments and <c>\</c> continuations.
/// Every error is reported with file:line:column through <see cref="ModelException"/>; the reader
/// collects all it can find.
/// </summary>
public static class FitReader
{
    /// <summary>Reads the fit file at <paramref name="path"/>; the study and data paths inside are relative to it.</summary>
    /// <exception cref="ModelException">Missing file or any error in the fit file, its study or its data.</exception>
    public static FitSpec Read(string path)
    {
        string text = ThrowHelper.ReadText(path);
        string dir = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
        string Resolve(string p) => Path.IsPathRooted(p) ? p : Path.Combine(dir, p);
        return Parse(text, path, p => StudyReader.Read(Resolve(p)), (p, columns) => ResponseDataReader.Read(Resolve(p), columns));
    }

    /// <summary>Parses fit-file text; <paramref name="loadStudy"/> and <paramref name="loadData"/> read the files it names.</summary>
    /// <exception cref="ModelException">Any error (all of them, in source order).</exception>
    public static FitSpec Parse(string text, string fileName, Func<string, Study> loadStudy, Func<string, DataColumns, IReadOnlyList<DataPoint>> loadData) =>
        new FitParser(fileName).Parse(text, loadStudy, loadData);
}
