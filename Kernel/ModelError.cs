namespace Stochastic;

/// <summary>One error found in a model source, with its place.</summary>
/// <param name="Position">Where the error is.</param>
/// <param name="Message">What is wrong, in one line.</param>
public sealed record ModelError(SourcePosition Position, string Message)
{
    /// <summary>What is wrong, in one line: quoted input has its control characters escaped and the line is cut to <see cref="SourceExcerpt.MaxMessage"/> characters.</summary>
    public string Message { get; } = SourceExcerpt.Clean(Message);

    /// <summary>Formats as <c>file:line:column: message</c>.</summary>
    public override string ToString() => $"{Position}: {Message}";
}
