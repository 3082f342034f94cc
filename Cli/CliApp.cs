using System.CommandLine;
using System.CommandLine.Parsing;
using System.Reflection;
using System.Runtime.InteropServices;
using Stochastic.Cli.Commands;
using Stochastic.Model;
using Stochastic.Simulation;

namespace Stochastic.Cli;

/// <summary>The <c>stochastic</c> command line: builds the commands and turns failures into one readable line and an exit code.</summary>
public static class CliApp
{
    /// <summary>Exit code for bad input (model file errors, impossible settings).</summary>
    public const int InputError = 1;

    /// <summary>Exit code of a bug (sysexits' EX_SOFTWARE): anything outside the library's exception family and the CLI's own checks.</summary>
    public const int InternalError = 70;

    /// <summary>Exit code when the user interrupted a run (what was done is written).</summary>
    public const int Interrupted = 130;

    /// <summary>Builds the root command.</summary>
    public static RootCommand Build(TextWriter output, TextWriter error) => Build(output, error, RunContext.None);

    /// <summary>Builds the root command for a run started by <c>merge</c> or <c>--resume</c> (<paramref name="context"/>).</summary>
    internal static RootCommand Build(TextWriter output, TextWriter error, RunContext context)
    {
        var root = new RootCommand("stochastic: exact and tau-leaping stochastic simulation of reaction networks (BNGL, BioNetGen .net, SBML)");
        root.Subcommands.Add(CheckCommand.Create(output, error));
        root.Subcommands.Add(SimulateCommand.Create(output, error, context));
        root.Subcommands.Add(DsmtsCommand.Create(output, error));
        root.Subcommands.Add(PopulationCommand.Create(output, error, context));
        root.Subcommands.Add(DoseResponseCommand.Create(output, error, context));
        root.Subcommands.Add(MergeCommand.Create(output, error));
        root.Subcommands.Add(ReplicatesCommand.Create(output, error));
        root.Subcommands.Add(SlurmCommand.Create(output, error));
        root.Subcommands.Add(FitCommand.Create(output, error));
        root.Subcommands.Add(SensitivityCommand.Create(output, error));
        foreach (var command in root.Subcommands)
        {
            // Counts (cells, runs, threads, points, replicates) are never negative: one check for all.
            foreach (var option in command.Options)
            {
                if (option is Option<int> or Option<int?>) option.Validators.Add(r => NonNegative(r, $"{option.Name} must be 0 or more"));
            }
            // Every command that simulates takes the firing budget.
            if (command.Name is "simulate" or "population" or "dose-response" or "dsmts") command.Options.Add(MaxFiringsOption());
        }
        return root;
    }

    /// <summary>The name of the firing-budget option.</summary>
    internal const string MaxFiringsName = "--max-firings";

    private static Option<long> MaxFiringsOption()
    {
        var option = new Option<long>(MaxFiringsName)
        {
            Description = $"most reaction firings per run or cell before it stops with an error (runaway growth); 0 = no budget",
            DefaultValueFactory = _ => RunLimits.DefaultMaxFirings,
        };
        option.Validators.Add(r => NonNegative(r, $"{MaxFiringsName} must be 0 (no budget) or a positive count"));
        return option;
    }

    // Reads the tokens, not the value: a token that is not a number is the parser's own error, and asking
    // for the value then would throw instead of reporting it.
    private static void NonNegative(OptionResult result, string rule)
    {
        foreach (var token in result.Tokens)
            if (long.TryParse(token.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long value) && value < 0)
                result.AddError($"{rule}, got {value}");
    }

    /// <summary>Runs the command line; returns the process exit code.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) => RunAsync(args, output, error, RunContext.None);

    /// <summary>Runs the command line in <paramref name="context"/> (a merge or a resumption replaying a recorded command).</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, RunContext context)
    {
        var root = Build(output, error, context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // A mistake on the command line: the message alone (help is one --help away), first error only.
            error.WriteLine($"error: {parse.Errors[0].Message.ReplaceLineEndings(" ").Replace("\t", "")} (see {string.Join(' ', ["stochastic", .. CommandPath(parse), "--help"])})");
            return InputError;
        }
        // Ctrl+C and SIGTERM cancel every loop (the simulators look every 65,536 firings), and what is
        // done is written; a second signal ends the process at once (the system's default action).
        // System.CommandLine's own handler is off: it raced with ours and failed on a second signal.
        using var interrupt = new CancellationTokenSource();
        int signals = 0;
        void OnSignal(PosixSignalContext context)
        {
            if (Interlocked.Increment(ref signals) > 1) return;
            context.Cancel = true;
            try { interrupt.Cancel(); } catch (ObjectDisposedException) { }
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        long maxFirings = parse.CommandResult.Command.Options.Any(o => o.Name == MaxFiringsName) ? parse.GetValue<long>(MaxFiringsName) : RunLimits.DefaultMaxFirings;
        using var limits = RunGuard.Enter(new RunLimits(maxFirings == 0 ? long.MaxValue : maxFirings, interrupt.Token));
        try
        {
            return await parse.InvokeAsync(config, interrupt.Token);
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            error.WriteLine(message);
            return InputError;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            error.WriteLine("interrupted");
            return Interrupted;
        }
        catch (Exception e)
        {
            // Not a user mistake: a bug. One line, no stack trace on the terminal (EX_SOFTWARE).
            var inner = Unwrap(e);
            error.WriteLine(SourceExcerpt.Clean($"internal error (a bug in stochastic, please report it with the command line): {inner.GetType().Name}: {inner.Message.ReplaceLineEndings(" ")}"));
            return InternalError;
        }
    }

    /// <summary>
    /// The exception that says what went wrong: parallel loops wrap the failure of a cell or run in an
    /// <see cref="AggregateException"/> (and reflection in a <see cref="TargetInvocationException"/>);
    /// the first of the library's family inside, else the first inner one.
    /// </summary>
    internal static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException a when a.InnerExceptions.Count > 0:
                    var flat = a.Flatten().InnerExceptions;
                    e = flat.FirstOrDefault(x => x is StochasticException) ?? flat.FirstOrDefault(x => x is not OperationCanceledException) ?? flat[0];
                    continue;
                case TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    continue;
                case TypeInitializationException { InnerException: { } inner }:
                    e = inner;
                    continue;
                default:
                    return e;
            }
        }
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var c = parse.CommandResult; c.Parent is CommandResult parent; c = parent) names.Insert(0, c.Command.Name);
        return names;
    }

    // A broken file can have an error on every line: the first ones say enough.
    private const int MaxErrorLines = 10;

    /// <summary>The one-line (or one line per model error) message for a user mistake, or null for a bug.</summary>
    /// Every line is escaped and cut to a short excerpt (<see cref="SourceExcerpt"/>).
    internal static string? Describe(Exception e)
    {
        string? message = Unwrap(e) switch
        {
            ModelException m => string.Join(Environment.NewLine, m.Errors.Take(MaxErrorLines).Select(x => x.ToString())
                .Concat(m.Errors.Count > MaxErrorLines ? [$"({m.Errors.Count - MaxErrorLines} more errors)"] : [])),
            SimulationException s => $"error: {s.Message}",
            ArgumentOutOfRangeException a => $"error: {a.Message.Split(" (Parameter")[0]}",
            FileNotFoundException f => $"error: file not found: {f.FileName ?? f.Message}",
            DirectoryNotFoundException d => $"error: {d.Message}",
            UnauthorizedAccessException u => $"error: {u.Message}",
            IOException io => $"error: {io.Message}",
            _ => null,
        };
        return message is null ? null : string.Join(Environment.NewLine, message.Split(Environment.NewLine).Select(line => SourceExcerpt.Clean(line.ReplaceLineEndings(" "))));
    }
}
