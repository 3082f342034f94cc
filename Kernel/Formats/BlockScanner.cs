using System.Text;
using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>
/// The lexical layer shared by the block-structured readers (BNGL and study files): splitting a file
/// into logical lines and recognising <c>begin NAME</c> / <c>end NAME</c> lines. Each reader keeps
/// its own block rules and messages (BNGL's optional <c>begin model</c> wrapper, the study's fixed
/// block list); only how text becomes lines and positions is shared, so both report the same places.
/// </summary>
internal static class BlockScanner
{
    /// <summary>
    /// Splits a file into logical lines: <c>#</c> starts a comment that runs to the
    /// end of the physical line; a line ending in <c>\</c> continues on the next one. Blank lines
    /// are dropped. With <paramref name="quotes"/> (BNGL, whose action arguments are quoted
    /// strings) a <c>#</c> inside quotes is text; study files have no strings, so there every
    /// <c>#</c> starts a comment, even after a stray apostrophe.
    /// </summary>
    public static List<SourceLine> Lines(string text, string file, bool quotes = true)
    {
        var result = new List<SourceLine>();
        var buffer = new StringBuilder();
        var lines = new List<int>();
        var columns = new List<int>();
        string[] physical = text.Split('\n');
        for (int i = 0; i < physical.Length; i++)
        {
            string raw = physical[i];
            if (raw.EndsWith('\r')) raw = raw[..^1];
            if (i == 0 && raw.StartsWith('\uFEFF')) raw = raw[1..];
            string content = raw[..CommentStart(raw, quotes)].TrimEnd();
            bool continued = content.EndsWith('\\');
            if (continued) content = content[..^1];
            for (int c = 0; c < content.Length; c++)
            {
                buffer.Append(content[c]);
                lines.Add(i + 1);
                columns.Add(c + 1);
            }
            if (continued)
            {
                // The backslash becomes a space, so tokens on both sides stay apart.
                buffer.Append(' ');
                lines.Add(i + 1);
                columns.Add(content.Length + 1);
                continue;
            }
            Flush(new SourcePosition(file, i + 1, content.Length + 1));
        }
        if (buffer.Length > 0) Flush(new SourcePosition(file, physical.Length, 1));
        return result;

        void Flush(SourcePosition end)
        {
            string logical = buffer.ToString();
            if (!string.IsNullOrWhiteSpace(logical)) result.Add(new SourceLine(file, logical, [.. lines], [.. columns], end));
            buffer.Clear();
            lines.Clear();
            columns.Clear();
        }
    }

    /// <summary>
    /// When <paramref name="line"/> is <c>begin NAME</c> or <c>end NAME</c> (keyword in any case,
    /// followed by a blank or the end): the keyword in lower case, the block name (lower case,
    /// blanks collapsed, so <c>reaction   rules</c> works; empty when missing), and the offsets of
    /// the keyword and of the name (the line's end when there is no name). Otherwise null:
    /// <c>end: A -> B k</c>, <c>begin(…)</c> and <c>end_value</c> are not block lines.
    /// </summary>
    public static BlockLine? Keyword(SourceLine line)
    {
        string text = line.Text;
        int start = SkipBlanks(text, 0), end = start;
        while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) end++;
        string word = text[start..end].ToLowerInvariant();
        if (word is not ("begin" or "end") || (end < text.Length && !char.IsWhiteSpace(text[end]))) return null;
        int nameOffset = SkipBlanks(text, end);
        string name = string.Join(' ', text[nameOffset..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
        return new BlockLine(word, name, start, nameOffset);
    }

    private static int SkipBlanks(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        return i;
    }

    /// <summary>Offset of the <c>#</c> that starts a comment, or the length when there is none. With <paramref name="quotes"/>, a <c>#</c> inside quotes (action arguments) is text.</summary>
    private static int CommentStart(string raw, bool quotes)
    {
        if (!quotes) return raw.IndexOf('#') is >= 0 and var hash ? hash : raw.Length;
        char quote = '\0';
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; }
            else if (c is '"' or '\'') quote = c;
            else if (c == '#') return i;
        }
        return raw.Length;
    }
}

/// <summary>A <c>begin NAME</c> or <c>end NAME</c> line, as <see cref="BlockScanner.Keyword"/> finds it.</summary>
/// <param name="Keyword"><c>begin</c> or <c>end</c>.</param>
/// <param name="Name">The block name, lower case with blanks collapsed; empty when missing.</param>
/// <param name="KeywordOffset">Offset of the keyword in the line's text.</param>
/// <param name="NameOffset">Offset of the name (the text's length when there is none).</param>
internal readonly record struct BlockLine(string Keyword, string Name, int KeywordOffset, int NameOffset)
{
    /// <summary>True for <c>begin NAME</c>.</summary>
    public bool IsBegin => Keyword == "begin";
}
