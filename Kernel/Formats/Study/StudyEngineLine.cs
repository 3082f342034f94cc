using Stochastic.Model;
using Stochastic.Population;
using Stochastic.Methods;
using Stochastic.Transforms;
using Stochastic.Simulation.Tau;

namespace Stochastic.Formats;

/// <summary>
/// The study block's <c>engine METHOD [theta=X] [group_theta=X] [reservoir_tolerance=X] [epsilon=X] [leap]</c>
/// line. Kept apart from the rest of the reader because it is the one place the format names
/// simulation methods and their settings: when the methods change, only this type follows.
/// </summary>
internal static class StudyEngineLine
{
    // The methods an engine line may name: those of the catalog that simulate cells.
    private static readonly Dictionary<string, SimulationMethod> Methods =
        MethodCatalog.All.Where(m => m.SimulatesCells).ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>The method that simulates cells named <paramref name="name"/>, or null (<see cref="MethodNames"/> lists them).</summary>
    public static SimulationMethod? CellMethod(string name) => Methods.GetValueOrDefault(name);

    /// <summary>The names of the methods that simulate cells, for error messages.</summary>
    public static string MethodNames => string.Join(", ", Methods.Keys);

    /// <summary>The engine the line names; <see cref="StudyEngine.Default"/> when the method is missing or unknown (after the error).</summary>
    public static StudyEngine Parse(StudyLine line, ErrorList errors)
    {
        var engine = StudyEngine.Default;
        if (line.Tokens.Count < 2) { errors.Add(line.Start, $"setting 'engine' needs a method ({MethodNames})"); return engine; }
        var methodToken = line.Tokens[1];
        if (!Methods.TryGetValue(methodToken.Text, out var method))
        {
            errors.Add(line.At(methodToken), $"unknown engine '{methodToken.Text}' (expected {MethodNames})");
            return engine;
        }
        double epsilon = TauLeapingSimulator.DefaultEpsilon;
        bool leap = false, slowScaleOnly = false;
        var slow = new SlowScaleOptions();
        foreach (var token in line.Tokens.Skip(2))
        {
            if (token.Text == "leap") { leap = slowScaleOnly = true; continue; }
            if (StudyValues.KeyValue(line, token, errors) is not { } kv) continue;
            var position = line.At(token);
            double v = kv.Value;
            switch (kv.Key)
            {
                case "theta" when v > 0 && double.IsFinite(v): slow = slow with { Theta = v }; slowScaleOnly = true; break;
                case "theta": errors.Add(position, "theta must be a positive number"); break;
                case "group_theta" when v > 0 && double.IsFinite(v): slow = slow with { GroupTheta = v }; slowScaleOnly = true; break;
                case "group_theta": errors.Add(position, "group_theta must be a positive number"); break;
                case "reservoir_tolerance" when v >= 0 && v < 1: slow = slow with { ReservoirTolerance = v }; slowScaleOnly = true; break;
                case "reservoir_tolerance": errors.Add(position, "reservoir_tolerance must be in [0, 1)"); break;
                case "epsilon" when v > 0 && v < 1: epsilon = v; break;
                case "epsilon": errors.Add(position, "epsilon must be in (0, 1)"); break;
                default: errors.Add(position, $"unknown engine setting '{kv.Key}' (expected theta, group_theta, reservoir_tolerance, epsilon, leap)"); break;
            }
        }
        if (!method.Needs.HasFlag(MethodNeeds.SlowScale) && slowScaleOnly)
            errors.Add(line.Start, "theta, group_theta, reservoir_tolerance and leap apply to engine slow-scale only");
        return new StudyEngine(method, epsilon, slow with { LeapEpsilon = leap ? epsilon : null });
    }
}
