namespace Stochastic;

/// <summary>A place in a source file: file name, 1-based line and 1-based column.</summary>
/// <param name="File">The file name as the user gave it (or a label such as <c>&lt;string&gt;</c>).</param>
/// <param name="Line">1-based line number; 0 when the place is the whole file.</param>
/// <param name="Column">1-based column number; 0 when the place is the whole line.</param>
public readonly record struct SourcePosition(string File, int Line, int Column)
{
    /// <summary>A position for things that do not come from a file.</summary>
    public static SourcePosition None { get; } = new("<generated>", 0, 0);

    /// <summary>Formats as <c>file:line:column</c>, the form compilers and editors understand.</summary>
    /// <remarks>A file name read from input (a study's model line) is escaped and cut like any excerpt (<see cref="SourceExcerpt"/>).</remarks>
    public override string ToString()
    {
        string file = SourceExcerpt.Clean(File, MaxFileName);
        return Line == 0 ? file : Column == 0 ? $"{file}:{Line}" : $"{file}:{Line}:{Column}";
    }

    // Long enough for any real path; a name past it is hostile or broken input.
    private const int MaxFileName = 300;
}
