using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>A blank-separated word of a study line; parentheses keep <c>lognormal(3480, 0.8)</c> one token.</summary>
/// <param name="Text">The token.</param>
/// <param name="Offset">Its offset in the line's text.</param>
internal readonly record struct StudyToken(string Text, int Offset);

/// <summary>One logical line inside a study block, split into tokens, with positions for errors.</summary>
internal sealed class StudyLine
{
    private readonly SourceLine _source;

    /// <summary>Tokenizes <paramref name="source"/> (a non-blank line, so there is at least one token).</summary>
    public StudyLine(SourceLine source)
    {
        _source = source;
        Tokens = Tokenize(source.Text);
    }

    /// <summary>The line's text (comments removed).</summary>
    public string Text => _source.Text;

    /// <summary>The tokens, at least one.</summary>
    public List<StudyToken> Tokens { get; }

    /// <summary>Where the first token starts: the position of errors about the whole line.</summary>
    public SourcePosition Start => At(Tokens[0].Offset);

    /// <summary>The source position of character <paramref name="offset"/> of <see cref="Text"/>.</summary>
    public SourcePosition At(int offset) => _source.At(offset);

    /// <summary>The source position of <paramref name="token"/>.</summary>
    public SourcePosition At(StudyToken token) => _source.At(token.Offset);

    private static List<StudyToken> Tokenize(string line)
    {
        var tokens = new List<StudyToken>();
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) break;
            int start = i;
            int depth = 0;
            // Parentheses keep "lognormal(3480, 0.8)" together as one token.
            while (i < line.Length && (depth > 0 || !char.IsWhiteSpace(line[i])))
            {
                if (line[i] == '(') depth++;
                else if (line[i] == ')') depth = Math.Max(0, depth - 1);
                i++;
            }
            tokens.Add(new StudyToken(line[start..i], start));
        }
        return tokens;
    }
}
