using Stochastic.Model;
namespace Stochastic.Formats;

/// <summary>The kinds of <c>begin … end</c> blocks the BNGL reader knows.</summary>
internal enum BnglBlock
{
    /// <summary><c>begin model</c>: wraps the other blocks; optional.</summary>
    Model,
    /// <summary><c>begin parameters</c>.</summary>
    Parameters,
    /// <summary><c>begin seed species</c> (alias <c>species</c>).</summary>
    SeedSpecies,
    /// <summary><c>begin observables</c>.</summary>
    Observables,
    /// <summary><c>begin functions</c>.</summary>
    Functions,
    /// <summary><c>begin reaction rules</c> (alias <c>reactions</c>).</summary>
    ReactionRules,
    /// <summary><c>begin actions</c>: action lines, as after the model.</summary>
    Actions,
    /// <summary><c>begin molecule types</c>: accepted and ignored (species are declared in seed species).</summary>
    MoleculeTypes,
    /// <summary>A misspelled or unsupported block; its lines are skipped after the error.</summary>
    Unknown,
}

/// <summary>Block names, aliases, and the "did you mean" suggestion for a misspelled one.</summary>
internal static class BnglBlocks
{
    private static readonly (string Name, BnglBlock Block)[] Names =
    [
        ("model", BnglBlock.Model),
        ("parameters", BnglBlock.Parameters),
        ("seed species", BnglBlock.SeedSpecies),
        ("species", BnglBlock.SeedSpecies),
        ("observables", BnglBlock.Observables),
        ("functions", BnglBlock.Functions),
        ("reaction rules", BnglBlock.ReactionRules),
        ("reactions", BnglBlock.ReactionRules),
        ("actions", BnglBlock.Actions),
        ("molecule types", BnglBlock.MoleculeTypes),
    ];

    /// <summary>The block a (whitespace-normalized, lower-case) name stands for, or <see cref="BnglBlock.Unknown"/>.</summary>
    public static BnglBlock Find(string name)
    {
        foreach (var (n, b) in Names) if (n == name) return b;
        return BnglBlock.Unknown;
    }

    /// <summary>The canonical name of a block, as written after <c>begin</c>.</summary>
    public static string CanonicalName(BnglBlock block) => block switch
    {
        BnglBlock.Model => "model",
        BnglBlock.Parameters => "parameters",
        BnglBlock.SeedSpecies => "seed species",
        BnglBlock.Observables => "observables",
        BnglBlock.Functions => "functions",
        BnglBlock.ReactionRules => "reaction rules",
        BnglBlock.Actions => "actions",
        BnglBlock.MoleculeTypes => "molecule types",
        _ => "?",
    };

    /// <summary>The closest known block name within a few edits of <paramref name="name"/>, or null.</summary>
    public static string? Suggest(string name) => NameSuggestion.Closest(name, Names.Select(n => n.Name));
}
