namespace Stochastic;

/// <summary>
/// The one exception type the library throws for bad model input (reaction files, SBML, BioNetGen
/// .net, study files, and models built in code): it carries every error found, each with its
/// file, line and column. Callers print <see cref="ModelError.ToString"/> per error.
/// </summary>
public sealed class ModelException : StochasticException
{
    /// <summary>Creates the exception from one or more errors.</summary>
    public ModelException(IReadOnlyList<ModelError> errors)
        : base(errors.Count == 0 ? "invalid model" : string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception from a single error.</summary>
    public ModelException(SourcePosition position, string message) : this([new ModelError(position, message)]) { }

    /// <summary>Every error found, in source order.</summary>
    public IReadOnlyList<ModelError> Errors { get; }
}

/// <summary>Collects errors while reading a source, and throws them together.</summary>
internal sealed class ErrorList
{
    private readonly List<ModelError> _errors = [];

    /// <summary>The errors collected so far.</summary>
    public IReadOnlyList<ModelError> Errors => _errors;

    /// <summary>True when at least one error was collected.</summary>
    public bool Any => _errors.Count > 0;

    /// <summary>Adds an error.</summary>
    public void Add(SourcePosition position, string message) => _errors.Add(new ModelError(position, message));

    /// <summary>Adds the errors of a caught exception.</summary>
    public void Add(ModelException exception) => _errors.AddRange(exception.Errors);

    /// <summary>
    /// Adds the errors of a file named at <paramref name="position"/> (<paramref name="what"/>, e.g. <c>model 'x.bngl'</c>):
    /// a file that cannot be opened is one error at the naming line; errors inside it keep their own positions.
    /// </summary>
    public void AddFrom(SourcePosition position, string what, ModelException exception)
    {
        if (exception.Errors is [{ Position.Line: 0 } whole]) { Add(position, $"{what}: {whole.Message}"); return; }
        Add(position, $"{what} has errors:");
        Add(exception);
    }

    /// <summary>Throws a <see cref="ModelException"/> with every error, sorted by place, when there are any.</summary>
    public void ThrowIfAny()
    {
        if (_errors.Count == 0) return;
        throw ThrowHelper.Model(_errors
            .OrderBy(e => e.Position.File, StringComparer.Ordinal)
            .ThenBy(e => e.Position.Line).ThenBy(e => e.Position.Column).ToList());
    }
}
