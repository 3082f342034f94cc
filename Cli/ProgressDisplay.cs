using Spectre.Console;
using Stochastic.Simulation;

namespace Stochastic.Cli;

/// <summary>A progress bar on stderr when it is a terminal; silent when output is redirected.</summary>
internal static class ProgressDisplay
{
    /// <summary>Ensemble runs: progress is <see cref="EnsembleProgress.CompletedRuns"/> out of <paramref name="total"/>.</summary>
    public static T Run<T>(string title, int total, Func<IProgress<EnsembleProgress>?, T> work) =>
        Run(title, total, (EnsembleProgress p) => p.CompletedRuns, work);

    /// <summary>Any progress type: <paramref name="completed"/> maps a report to the number of units done out of <paramref name="total"/>.</summary>
    public static T Run<TProgress, T>(string title, long total, Func<TProgress, long> completed, Func<IProgress<TProgress>?, T> work)
    {
        if (Console.IsErrorRedirected || Console.IsOutputRedirected) return work(null);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: total);
                result = work(new Reporter<TProgress>(task, completed));
                task.Value = task.MaxValue;
            });
        return result;
    }

    private sealed class Reporter<TProgress>(ProgressTask task, Func<TProgress, long> completed) : IProgress<TProgress>
    {
        public void Report(TProgress value) => task.Value = completed(value);
    }
}
