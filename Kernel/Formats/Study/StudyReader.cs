using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Formats;

/// <summary>
/// Reads a study file (docs/study-files.md): BNGL-like blocks <c>begin study</c>,
/// <c>begin ligands</c>, <c>begin cell types</c>, <c>begin scenarios</c>, <c>begin fates</c> (and the
/// optional <c>traits</c>, <c>pharmacokinetics</c>, <c>dosing</c> and <c>lineage</c>), each
/// closed by <c>end …</c>, with <c>#</c> comments and <c>\</c> continuations as in BNGL. Every error
/// is reported with file:line:column through <see cref="ModelException"/>; the reader collects all
/// it can find.
/// </summary>
public static class StudyReader
{
    /// <summary>Reads the study file at <paramref name="path"/>; the model path inside is relative to the study file.</summary>
    /// <exception cref="ModelException">Missing file or any error in the study or its model.</exception>
    public static Study Read(string path)
    {
        string text = ThrowHelper.ReadText(path);
        return Parse(text, path, modelPath =>
        {
            string full = Path.IsPathRooted(modelPath) ? modelPath : Path.Combine(Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".", modelPath);
            return ModelLoader.Load(full);
        });
    }

    /// <summary>Parses study text; <paramref name="loadModel"/> loads the model named in the <c>study</c> block.</summary>
    /// <exception cref="ModelException">Any error (all of them, in source order).</exception>
    public static Study Parse(string text, string fileName, Func<string, ReactionModel> loadModel) =>
        new StudyParser(fileName).Parse(text, loadModel);
}
