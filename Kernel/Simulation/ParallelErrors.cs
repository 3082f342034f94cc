using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;

namespace Stochastic.Simulation;

/// <summary>
/// What a failed parallel loop of runs or cells throws: <c>Parallel.For</c> wraps the failure of a
/// body in an <see cref="AggregateException"/>; the loops of the library rethrow the error of the
/// family inside it (a propensity that turned negative in one cell, say), so callers see one
/// <see cref="StochasticException"/>, and treat a loop whose bodies were all cancelled as cancelled.
/// </summary>
internal static class ParallelErrors
{
    /// <summary>True when every failure inside <paramref name="e"/> is a cancellation.</summary>
    public static bool IsCancellation(AggregateException e) => e.Flatten().InnerExceptions.All(x => x is OperationCanceledException);

    /// <summary>Rethrows the first error of the library's family inside <paramref name="e"/> (with its stack), else the single inner exception, else <paramref name="e"/>.</summary>
    [DoesNotReturn]
    public static void Rethrow(AggregateException e)
    {
        var inner = e.Flatten().InnerExceptions;
        var first = inner.FirstOrDefault(x => x is StochasticException) ?? (inner.Count == 1 ? inner[0] : null);
        ExceptionDispatchInfo.Capture(first ?? e).Throw();
        throw e; // not reached
    }
}
