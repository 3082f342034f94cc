using Stochastic.Formats;
using Stochastic.Network;

namespace Stochastic.Bench;

/// <summary>Finds and compiles the model files the benchmarks run (Reactions/ in the repository).</summary>
public static class BenchModels
{
    /// <summary>Loads <c>Reactions/{relativePath}</c>, searching upward from the binary and the working directory.</summary>
    public static CompiledNetwork Load(string relativePath) => NetworkCompiler.Compile(ModelLoader.Load(Find(relativePath)));

    /// <summary>The full path of <c>Reactions/{relativePath}</c>.</summary>
    public static string Find(string relativePath)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "Reactions", relativePath);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException($"Reactions/{relativePath} not found above {AppContext.BaseDirectory}");
    }
}
