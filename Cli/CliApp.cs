using System.CommandLine;
using System.CommandLine.Parsing;
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
    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("stochastic: exact and tau-leaping stochastic simulation of reaction networks (BNGL, BioNetGen .net, SBML)");
        root.Subcommands.Add(CheckCommand.Create(output, error));
        root.Subcommands.Add(SimulateCommand.Create(output, error));
        root.Subcommands.Add(DsmtsCommand.Create(output, error));
        root.Subcommands.Add(PopulationCommand.Create(output, error));
        root.Subcommands.Add(DoseResponseCommand.Create(output, error));
        root.Subcommands.Add(SensitivityCommand.Create(output, error));
        return root;
    }

    /// <summary>Runs the command line; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build(output, error);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // A mistake on the command line: the message alone (help is one --help away), first error only.
            error.WriteLine($"error: {parse.Errors[0].Message.ReplaceLineEndings(" ").Replace("\t", "")} (see {string.Join(' ', ["stochastic", .. CommandPath(parse), "--help"])})");
            return InputError;
        }
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(config);
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            error.WriteLine(message);
            return InputError;
        }
        catch (Exception e)
        {
            // Not a user mistake: a bug. One line, no stack trace on the terminal (EX_SOFTWARE).
            error.WriteLine($"internal error (a bug in stochastic, please report it with the command line): {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return InternalError;
        }
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var c = parse.CommandResult; c.Parent is CommandResult parent; c = parent) names.Insert(0, c.Command.Name);
        return names;
    }

    /// <summary>The one-line (or one line per model error) message for a user mistake, or null for a bug.</summary>
    internal static string? Describe(Exception e) => e switch
    {
        ModelException m => string.Join(Environment.NewLine, m.Errors.Select(x => x.ToString())),
        SimulationException s => $"error: {s.Message}",
        ArgumentOutOfRangeException a => $"error: {a.Message.Split(" (Parameter")[0]}",
        FileNotFoundException f => $"error: file not found: {f.FileName ?? f.Message}",
        DirectoryNotFoundException d => $"error: {d.Message}",
        UnauthorizedAccessException u => $"error: {u.Message}",
        IOException io => $"error: {io.Message}",
        _ => null,
    };
}
