using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>
/// One logical line of a block-structured file (BNGL, study files): comments removed and <c>\</c>
/// continuations joined by <see cref="BlockScanner.Lines"/>, with the true source position of every
/// character kept so errors point at the physical line and column.
/// </summary>
internal sealed class SourceLine
{
    private readonly int[] _lines;
    private readonly int[] _columns;

    internal SourceLine(string file, string text, int[] lines, int[] columns, SourcePosition end)
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
    public SourceLine Append(SourceLine next) => new(
        File,
        Text + " " + next.Text,
        [.. _lines, End.Line, .. next._lines],
        [.. _columns, End.Column, .. next._columns],
        next.End);
}
