using System.Text;
using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>
/// One logical line of a BNGL file: comments removed and <c>\</c> continuations joined, with the
/// true source position of every character kept so errors point at the physical line and column.
/// </summary>
internal sealed class BnglLine
{
    private readonly int[] _lines;
    private readonly int[] _columns;

    private BnglLine(string file, string text, int[] lines, int[] columns, SourcePosition end)
    {
        File = file;
        Text = text;
        _lines = lines;
        _columns = columns;
        End = end;
    }

    /// <summary>The file name used in positions.</summary>
    public string File { get; }

    /// <summary>The logical line's text (not trimmed).</summary>
    public string Text { get; }

    /// <summary>The position just after the last character.</summary>
    public SourcePosition End { get; }

    /// <summary>The physical line the logical line starts on.</summary>
    public int Line => _lines.Length > 0 ? _lines[0] : End.Line;

    /// <summary>The source position of character <paramref name="offset"/>; <see cref="End"/> past the end.</summary>
    public SourcePosition At(int offset) =>
        offset >= 0 && offset < Text.Length ? new SourcePosition(File, _lines[offset], _columns[offset]) : End;

    /// <summary>The position of the first non-blank character.</summary>
    public SourcePosition Start => At(FirstNonBlank);

    /// <summary>Offset of the first non-blank character.</summary>
    public int FirstNonBlank
    {
        get
        {
            int i = 0;
            while (i < Text.Length && char.IsWhiteSpace(Text[i])) i++;
            return i;
        }
    }

    /// <summary>This line followed by <paramref name="next"/>, joined by a space (for actions whose arguments span lines).</summary>
    public BnglLine Append(BnglLine next) => new(
        File,
        Text + " " + next.Text,
        [.. _lines, End.Line, .. next._lines],
        [.. _columns, End.Column, .. next._columns],
        next.End);

    /// <summary>
    /// Splits a file into logical lines: <c>#</c> starts a comment (outside quotes) that runs to the
    /// end of the physical line; a line ending in <c>\</c> continues on the next one. Blank lines
    /// are dropped.
    /// </summary>
    public static List<BnglLine> Split(string text, string file)
    {
        var result = new List<BnglLine>();
        var buffer = new StringBuilder();
        var lines = new List<int>();
        var columns = new List<int>();
        string[] physical = text.Split('\n');
        for (int i = 0; i < physical.Length; i++)
        {
            string raw = physical[i];
            if (raw.EndsWith('\r')) raw = raw[..^1];
            if (i == 0 && raw.StartsWith('\uFEFF')) raw = raw[1..];
            string content = raw[..CommentStart(raw)].TrimEnd();
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
            if (!string.IsNullOrWhiteSpace(logical)) result.Add(new BnglLine(file, logical, [.. lines], [.. columns], end));
            buffer.Clear();
            lines.Clear();
            columns.Clear();
        }
    }

    /// <summary>Offset of the <c>#</c> that starts a comment, or the length when there is none. A <c>#</c> inside quotes (action arguments) is text.</summary>
    private static int CommentStart(string raw)
    {
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
