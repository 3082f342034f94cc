using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>A cursor over one <see cref="SourceLine"/>: reads names, symbols and expression spans, and makes errors at the cursor.</summary>
internal sealed class BnglScanner(SourceLine line)
{
    /// <summary>The line being read.</summary>
    public SourceLine Line { get; } = line;

    /// <summary>Offset of the cursor in <see cref="SourceLine.Text"/>.</summary>
    public int Pos { get; set; }

    private string Text => Line.Text;

    /// <summary>The character at the cursor, or <c>'\0'</c> at the end.</summary>
    public char Peek => Pos < Text.Length ? Text[Pos] : '\0';

    /// <summary>The character after the cursor, or <c>'\0'</c>.</summary>
    public char PeekNext => Pos + 1 < Text.Length ? Text[Pos + 1] : '\0';

    /// <summary>True when only blanks remain.</summary>
    public bool AtEnd
    {
        get
        {
            SkipSpace();
            return Pos >= Text.Length;
        }
    }

    /// <summary>The position of the cursor.</summary>
    public SourcePosition Here => Line.At(Pos);

    /// <summary>Moves past blanks.</summary>
    public void SkipSpace()
    {
        while (Pos < Text.Length && char.IsWhiteSpace(Text[Pos])) Pos++;
    }

    /// <summary>Moves past <paramref name="token"/> when it is next (after blanks).</summary>
    public bool Accept(string token)
    {
        SkipSpace();
        if (string.CompareOrdinal(Text, Pos, token, 0, token.Length) != 0) return false;
        Pos += token.Length;
        return true;
    }

    /// <summary>True when <paramref name="c"/> may start a name.</summary>
    public static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    /// <summary>True when <paramref name="c"/> may continue a name.</summary>
    public static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>Reads a name (letter or underscore, then letters, digits, underscores) at the cursor, or returns null and stays.</summary>
    public string? Name()
    {
        SkipSpace();
        if (!IsNameStart(Peek)) return null;
        int start = Pos;
        while (Pos < Text.Length && IsNamePart(Text[Pos])) Pos++;
        return Text[start..Pos];
    }

    /// <summary>
    /// Skips a leading integer index as BioNetGen writes it (<c>1 k1 0.5</c>) when it is followed by
    /// blanks and then a character <paramref name="startsEntry"/> accepts; otherwise stays.
    /// </summary>
    public void SkipIndex(Func<BnglScanner, bool> startsEntry)
    {
        SkipSpace();
        int start = Pos, p = Pos;
        while (p < Text.Length && char.IsAsciiDigit(Text[p])) p++;
        if (p == start || p >= Text.Length || !char.IsWhiteSpace(Text[p])) return;
        Pos = p;
        SkipSpace();
        if (!startsEntry(this)) Pos = start;
    }

    /// <summary>The rest of the line from the cursor, trimmed; empty at the end.</summary>
    public string Rest => Pos < Text.Length ? Text[Pos..].Trim() : "";

    /// <summary>An error at the cursor.</summary>
    public ModelException Error(string message) => ThrowHelper.Model(Here, message);

    /// <summary>An error at <paramref name="offset"/>.</summary>
    public ModelException ErrorAt(int offset, string message) => ThrowHelper.Model(Line.At(offset), message);

    /// <summary>Parses <c>Text[start..end]</c> as an expression, keeping true source positions.</summary>
    public Expr Expression(int start, int end, NameResolver resolve) =>
        ExpressionParser.Parse(Text[start..end], i => Line.At(start + i), resolve);
}
