using System.Globalization;
using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Formats;

/// <summary>The value syntaxes several study blocks share: <c>NAME=VALUE</c> and parameter distributions.</summary>
internal static class StudyValues
{
    /// <summary>
    /// Reads <c>NAME=VALUE</c> (no blanks around <c>=</c>); <c>on/yes/true</c> are 1 and
    /// <c>off/no/false</c> are 0. Null after an error.
    /// </summary>
    public static KeyValuePair<string, double>? KeyValue(StudyLine line, StudyToken token, ErrorList errors)
    {
        int eq = token.Text.IndexOf('=');
        if (eq <= 0 || eq == token.Text.Length - 1)
        {
            errors.Add(line.At(token), $"expected NAME=VALUE (no blanks around '='); found '{token.Text}'");
            return null;
        }
        string value = token.Text[(eq + 1)..];
        if (value is "on" or "yes" or "true") return new(token.Text[..eq], 1);
        if (value is "off" or "no" or "false") return new(token.Text[..eq], 0);
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
        {
            errors.Add(line.At(token.Offset + eq + 1), $"'{value}' is not a number");
            return null;
        }
        return new(token.Text[..eq], v);
    }

    /// <summary>
    /// Reads a number or <c>lognormal(MEDIAN, SIGMA)</c>, <c>normal(MEAN, SD)</c>,
    /// <c>uniform(LOW, HIGH)</c>, <c>fixed(VALUE)</c> from the line's text starting at
    /// <paramref name="offset"/>. Null after an error.
    /// </summary>
    public static ParameterDistribution? Distribution(StudyLine line, int offset, ErrorList errors)
    {
        string spec = line.Text[offset..].Trim();
        var position = line.At(offset);
        if (double.TryParse(spec, NumberStyles.Float, CultureInfo.InvariantCulture, out double fixedValue))
        {
            if (!double.IsFinite(fixedValue)) { errors.Add(position, $"value '{spec}' is not finite"); return null; }
            return new FixedDistribution(fixedValue);
        }
        int open = spec.IndexOf('(');
        if (open <= 0 || !spec.EndsWith(')'))
        {
            errors.Add(position, $"expected a number or a distribution such as lognormal(MEDIAN, SIGMA), normal(MEAN, SD), uniform(LOW, HIGH), fixed(VALUE); found '{spec}'");
            return null;
        }
        string kind = spec[..open].Trim().ToLowerInvariant();
        var args = spec[(open + 1)..^1].Split(',');
        var numbers = new double[args.Length];
        int argOffset = open + 1;
        for (int a = 0; a < args.Length; a++)
        {
            if (!double.TryParse(args[a], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[a]) || !double.IsFinite(numbers[a]))
            {
                errors.Add(line.At(offset + argOffset + (args[a].Length - args[a].TrimStart().Length)), $"'{args[a].Trim()}' is not a number");
                return null;
            }
            argOffset += args[a].Length + 1;
        }
        int expected = kind == "fixed" ? 1 : 2;
        if (kind is not ("lognormal" or "normal" or "uniform" or "fixed"))
        {
            errors.Add(position, $"unknown distribution '{kind}' (expected lognormal, normal, uniform or fixed)");
            return null;
        }
        if (numbers.Length != expected) { errors.Add(position, $"{kind} takes {expected} argument{(expected > 1 ? "s" : "")}; found {numbers.Length}"); return null; }
        return Make(kind, numbers, position, errors);
    }

    private static ParameterDistribution? Make(string kind, double[] numbers, SourcePosition position, ErrorList errors)
    {
        switch (kind)
        {
            case "fixed": return new FixedDistribution(numbers[0]);
            case "lognormal":
                if (!(numbers[0] > 0) || numbers[1] < 0) { errors.Add(position, "lognormal needs a positive median and a non-negative sigma"); return null; }
                return new LogNormalDistribution(numbers[0], numbers[1]);
            case "normal":
                if (numbers[1] < 0) { errors.Add(position, "normal needs a non-negative standard deviation"); return null; }
                return new NormalDistribution(numbers[0], numbers[1]);
            default:
                if (!(numbers[1] >= numbers[0])) { errors.Add(position, "uniform needs LOW <= HIGH"); return null; }
                return new UniformDistribution(numbers[0], numbers[1]);
        }
    }
}
