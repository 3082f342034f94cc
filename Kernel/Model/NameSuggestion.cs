namespace Stochastic.Model;

/// <summary>The "did you mean" of error messages: the closest known name to a misspelled one.</summary>
internal static class NameSuggestion
{
    /// <summary>
    /// The candidate nearest to <paramref name="name"/> in edit distance (the first of equals), if it
    /// is within about one edit per three letters ('paramters' → 'parameters', not 'foo' → 'model');
    /// otherwise null.
    /// </summary>
    /// <remarks>Bounded work on any input: names longer than <see cref="MaxLength"/> get no suggestion,
    /// candidates whose length alone rules them out are skipped, and at most <see cref="MaxCandidates"/>
    /// are compared, so a file of long or many names cannot make an error message slow.</remarks>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        if (name.Length > MaxLength) return null;
        int limit = Math.Max(1, name.Length / 3);
        string? best = null;
        int bestDistance = int.MaxValue, compared = 0;
        foreach (string candidate in candidates)
        {
            if (Math.Abs(candidate.Length - name.Length) > limit) continue;
            if (++compared > MaxCandidates) break;
            int d = EditDistance(name, candidate);
            if (d < bestDistance) { best = candidate; bestDistance = d; }
        }
        return bestDistance <= limit ? best : null;
    }

    /// <summary>The longest name that gets a suggestion.</summary>
    public const int MaxLength = 64;

    /// <summary>The most candidates compared for one suggestion.</summary>
    public const int MaxCandidates = 10_000;

    /// <summary>Levenshtein distance (insert, delete, substitute; each costs 1).</summary>
    public static int EditDistance(string a, string b)
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
