using System.Globalization;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>
/// Reads BNGL actions. The first <c>simulate</c>, <c>simulate_ssa</c>, <c>simulate_ode</c>,
/// <c>simulate_pla</c> or <c>simulate_nf</c> gives the model's default run
/// (<c>method</c>, <c>t_start</c>, <c>t_end</c>, <c>n_steps</c>); every other action is reported
/// as a warning, never silently dropped.
/// </summary>
internal static class BnglActions
{
    private static readonly Dictionary<string, string?> SimulateActions = new(StringComparer.Ordinal)
    {
        ["simulate"] = null,
        ["simulate_ssa"] = "ssa",
        ["simulate_ode"] = "ode",
        ["simulate_pla"] = "pla",
        ["simulate_nf"] = "nf",
    };

    /// <summary>Reads one action line (possibly joined from several) into <paramref name="builder"/>.</summary>
    public static void Read(SourceLine line, bool insideModel, BnglModelBuilder builder)
    {
        var s = new BnglScanner(line);
        s.SkipSpace();
        var at = s.Here;
        string? name = s.Name();
        if (name is null || !s.Accept("("))
        {
            string what = insideModel ? "a block ('begin parameters', …)" : "'begin <block>' or an action such as 'simulate({...})'";
            throw ThrowHelper.Model(at, $"expected {what}; found '{line.Text.Trim()}'");
        }
        if (!SimulateActions.TryGetValue(name, out string? impliedMethod))
        {
            builder.Warnings.Add(new ModelError(at, $"unsupported action '{name}' ignored"));
            return;
        }
        var options = Options(s);
        if (!s.Accept(")")) throw s.Error("expected ')' closing the action");
        s.Accept(";");
        if (!s.AtEnd) throw s.Error($"unexpected '{s.Peek}' after the action");

        if (builder.Run is not null)
        {
            builder.Warnings.Add(new ModelError(at, $"action '{name}' ignored: the first simulate action (line {builder.RunLine}) sets the default run"));
            return;
        }

        string? method = impliedMethod;
        double? tStart = null, tEnd = null;
        int? points = null;
        foreach (var (key, value, valueAt, text, quoted) in options)
        {
            switch (key)
            {
                case "method":
                    method = text;
                    break;
                case "t_start":
                    tStart = Number(key, value, valueAt, text, quoted);
                    break;
                case "t_end":
                    tEnd = Number(key, value, valueAt, text, quoted);
                    break;
                case "n_steps" or "n_output_steps":
                    double n = Number(key, value, valueAt, text, quoted);
                    if (n < 1 || n != Math.Floor(n) || n > int.MaxValue)
                        throw ThrowHelper.Model(valueAt, $"'{key}' must be a positive whole number; found '{text}'");
                    points = (int)n;
                    break;
                case "sample_times":
                    builder.Warnings.Add(new ModelError(valueAt, "simulate option 'sample_times' ignored; use t_end and n_steps"));
                    break;
            }
        }
        if (tEnd is double end && end <= (tStart ?? 0))
            throw ThrowHelper.Model(at, $"t_end ({end.ToString(CultureInfo.InvariantCulture)}) must be greater than t_start ({(tStart ?? 0).ToString(CultureInfo.InvariantCulture)})");
        builder.Run = new RunSettings(method, tEnd, points, tStart);
        builder.RunLine = at.Line;
    }

    private static double Number(string key, double? value, SourcePosition at, string text, bool quoted) =>
        !quoted && value is double v && double.IsFinite(v) ? v : throw ThrowHelper.Model(at, $"'{key}' must be a number; found '{text}'");

    /// <summary>
    /// Reads <c>{ key =&gt; value, … }</c> (or nothing). Values are quoted strings, lists in
    /// brackets (skipped), or arithmetic as Perl would evaluate it (<c>t_end=&gt;60*10</c>).
    /// </summary>
    private static List<(string Key, double? Value, SourcePosition At, string Text, bool Quoted)> Options(BnglScanner s)
    {
        var options = new List<(string, double?, SourcePosition, string, bool)>();
        s.SkipSpace();
        if (s.Peek == ')') return options;
        if (!s.Accept("{")) throw s.Error("expected '{' starting the action's options, e.g. simulate({method=>\"ssa\",t_end=>100})");
        while (true)
        {
            s.SkipSpace();
            if (s.Accept("}")) return options;
            string key = Quoted(s) ?? s.Name() ?? throw s.Error("expected an option name");
            if (!s.Accept("=>")) throw s.Error($"expected '=>' after option '{key}'");
            s.SkipSpace();
            var valueAt = s.Here;
            if (Quoted(s) is string str)
            {
                options.Add((key, null, valueAt, str, true));
            }
            else
            {
                int start = s.Pos, depth = 0;
                string text = s.Line.Text;
                while (s.Pos < text.Length)
                {
                    char c = text[s.Pos];
                    if (c is '(' or '[' or '{') depth++;
                    else if (c is ')' or ']' or '}') { if (depth == 0) break; depth--; }
                    else if (c == ',' && depth == 0) break;
                    s.Pos++;
                }
                string raw = text[start..s.Pos].Trim();
                if (raw.Length == 0) throw ThrowHelper.Model(valueAt, $"option '{key}' has no value");
                double? value = null;
                if (!raw.StartsWith('['))
                {
                    try
                    {
                        var expr = ExpressionParser.Parse(text[start..s.Pos], i => s.Line.At(start + i), (_, _, _) => null);
                        value = ExpressionEvaluator.Evaluate(expr, _ => double.NaN);
                    }
                    catch (ModelException)
                    {
                        // A bare word (method=>ssa): kept as text; numeric options report it.
                    }
                }
                options.Add((key, value, valueAt, raw, false));
            }
            s.SkipSpace();
            if (s.Accept(",")) continue;
            if (s.Peek != '}') throw s.Error($"expected ',' or '}}' after option '{key}'");
        }
    }

    private static string? Quoted(BnglScanner s)
    {
        s.SkipSpace();
        char q = s.Peek;
        if (q is not ('"' or '\'')) return null;
        string text = s.Line.Text;
        int end = text.IndexOf(q, s.Pos + 1);
        if (end < 0) throw s.Error("unclosed quote");
        string value = text[(s.Pos + 1)..end];
        s.Pos = end + 1;
        return value;
    }
}
