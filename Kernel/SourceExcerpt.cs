using System.Text;

namespace Stochastic;

/// <summary>
/// Makes input text safe to quote in an error line: control characters (terminal escape sequences
/// among them) and bidirectional overrides become visible escapes (<c>\x1b</c>, <c>\u202e</c>), and a
/// long text is cut to a short excerpt, so a hostile or broken file can neither drive the terminal
/// nor flood it (a 5 MB line comes back as at most <see cref="MaxMessage"/> characters).
/// </summary>
public static class SourceExcerpt
{
    /// <summary>The longest error message, in characters, before it is cut with an ellipsis.</summary>
    public const int MaxMessage = 500;

    /// <summary>One character as it may be shown: itself when printable, else its escape.</summary>
    public static string Char(char c) => NeedsEscape(c) ? Escape(c) : c.ToString();

    /// <summary><paramref name="text"/> with unprintable characters escaped, cut to <paramref name="max"/> characters.</summary>
    public static string Clean(string text, int max = MaxMessage)
    {
        bool clean = text.Length <= max;
        if (clean) foreach (char c in text) if (NeedsEscape(c)) { clean = false; break; }
        if (clean) return text;
        var sb = new StringBuilder(Math.Min(text.Length, max) + 8);
        foreach (char c in text)
        {
            if (sb.Length >= max) { sb.Append('…'); break; }
            if (NeedsEscape(c)) sb.Append(Escape(c)); else sb.Append(c);
        }
        return sb.ToString();
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069';

    private static string Escape(char c) => c <= '\xff' ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}";
}
