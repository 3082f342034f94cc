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
    public static string? Suggest(string name)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var (candidate, _) in Names)
        {
            int d = EditDistance(name, candidate);
            if (d < bestDistance) { best = candidate; bestDistance = d; }
        }
        // Allow about one edit per three letters: 'paramters' → 'parameters', not 'foo' → 'model'.
        return bestDistance <= Math.Max(1, name.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance (insert, delete, substitute; each costs 1).</summary>
    internal static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
