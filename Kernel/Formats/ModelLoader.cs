using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>Loads a model file, choosing the reader by the file's extension.</summary>
public static class ModelLoader
{
    /// <summary>Reads the model at <paramref name="path"/>: <c>.xml</c>/<c>.sbml</c> as SBML.</summary>
    /// <exception cref="ModelException">The file cannot be read, has an unknown extension, or holds an invalid model.</exception>
    public static ReactionModel Load(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".xml" or ".sbml" => SbmlReader.Read(path),
            _ => throw new ModelException(new SourcePosition(path, 0, 0), $"unknown model file type '{extension}'; expected .xml or .sbml (SBML)"),
        };
    }
}
