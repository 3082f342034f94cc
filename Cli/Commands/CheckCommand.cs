using System.CommandLine;
using Stochastic.Formats;
using Stochastic.Model;
using Stochastic.Network;

namespace Stochastic.Cli.Commands;

/// <summary><c>stochastic check FILE</c>: validate a model and print a summary and anything suspicious.</summary>
internal static class CheckCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "model file (.bngl, .net, .xml/.sbml)" };
        var command = new Command("check", "Validate a model file and print a summary: species, reactions, parameters, observables, and warnings.");
        command.Arguments.Add(file);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var model = ModelLoader.Load(parse.GetValue(file)!.ToString());
            var network = NetworkCompiler.Compile(model);
            output.WriteLine($"{model.Name}: {model.Species.Length} species, {model.Reactions.Length} reactions, " +
                             $"{model.Parameters.Length} parameters, {model.Observables.Length} observables, {model.Functions.Length} functions" +
                             (model.Events.Length > 0 ? $", {model.Events.Length} events" : "") +
                             (model.Rules.Length > 0 ? $", {model.Rules.Length} assignment rules" : "") +
                             (model.RateRules.Length > 0 ? $", {model.RateRules.Length} rate rules" : ""));
            if (model.RateRules.Length > 0)
                output.WriteLine($"continuous variables (rate rules; --method ode and the exact methods integrate them, the leaping and hybrid methods refuse them): {string.Join(", ", model.RateRules.Select(r => r.Target.Name))}");
            var kinds = network.PropensityKinds.ToArray().GroupBy(k => k).OrderBy(g => g.Key).Select(g => $"{g.Key.ToString().ToLowerInvariant()} {g.Count()}");
            if (network.ReactionCount > 0) output.WriteLine($"propensities: {string.Join(", ", kinds)}");
            if (model.DefaultRun is { } run)
                output.WriteLine($"default run: method={run.Method ?? "-"} t_end={run.TEnd?.ToString() ?? "-"} n_steps={run.Points?.ToString() ?? "-"}");
            foreach (var w in model.Warnings.Concat(ModelDiagnostics.Check(model)))
                output.WriteLine($"{w.Position}: warning: {w.Message}");
            _ = path;
            return 0;
        });
        return command;
    }
}
