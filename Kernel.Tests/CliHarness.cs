using Stochastic.Cli;

namespace Stochastic.Tests;

/// <summary>Runs the <c>stochastic</c> command line in-process and captures its output.</summary>
internal static class CliHarness
{
    /// <summary>Runs <paramref name="args"/>; returns the exit code, stdout and stderr.</summary>
    public static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
