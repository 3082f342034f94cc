using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>Loads a model file, choosing the reader by the file's extension.</summary>
public static class ModelLoader
{
    /// <summary>The extensions <see cref="Load"/> understands (lower case, with the dot), for messages and help text.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".bngl", ".net", ".xml", ".sbml"];

    /// <summary>Reads the model in <paramref name="path"/>: <c>.bngl</c> with <see cref="BnglReader"/>, <c>.net</c> with <see cref="BioNetGenNetReader"/>, <c>.xml</c>/<c>.sbml</c> with <see cref="SbmlReader"/>.</summary>
    /// <exception cref="ModelException">The file is missing, of an unsupported type, or has errors.</exception>
    public static ReactionModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var whole = new SourcePosition(path, 0, 0);
        if (!File.Exists(path)) throw ThrowHelper.Model(whole, "file not found");
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".bngl" => BnglReader.Read(path),
            ".net" => BioNetGenNetReader.Read(path),
            ".xml" or ".sbml" => SbmlReader.Read(path),
            _ => throw ThrowHelper.Model(whole, $"unsupported file type '{extension}' (expected {string.Join(", ", Extensions)})"),
        };
    }
}
