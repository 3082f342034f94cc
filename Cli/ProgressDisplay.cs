using Spectre.Console;
using Stochastic.Simulation;

namespace Stochastic.Cli;

/// <summary>A progress bar on stderr when it is a terminal; silent when output is redirected.</summary>
internal static class ProgressDisplay
{
    public static T Run<T>(string title, int total, Func<IProgress<EnsembleProgress>?, T> work)
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
                result = work(new Reporter(task));
                task.Value = task.MaxValue;
            });
        return result;
    }

    private sealed class Reporter(ProgressTask task) : IProgress<EnsembleProgress>
    {
        public void Report(EnsembleProgress value) => task.Value = value.CompletedRuns;
    }
}
