using System.Globalization;

namespace Stochastic.Formats;

/// <summary>
/// A physical quantity with its unit as a study file writes it (<c>15min</c>, <c>3L</c>,
/// <c>120mL/min</c>, <c>600000IU/kg</c>, <c>15.3kDa</c>, <c>0.15/min</c>), converted to base
/// units: minutes, liters, grams, moles, international units (IU), per kilogram of body weight.
/// </summary>
/// <param name="Value">The value in base units.</param>
/// <param name="Dimension">What it measures, e.g. <c>time</c>, <c>volume/time</c>, <c>mass/bodyweight</c>, <c>1/time</c>.</param>
internal readonly record struct StudyQuantity(double Value, string Dimension)
{
    // Unit → (dimension, factor to the base unit of that dimension).
    private static readonly Dictionary<string, (string Dimension, double Factor)> Units = new(StringComparer.Ordinal)
    {
        ["s"] = ("time", 1.0 / 60), ["min"] = ("time", 1), ["h"] = ("time", 60), ["d"] = ("time", 1440),
        ["L"] = ("volume", 1), ["mL"] = ("volume", 1e-3), ["uL"] = ("volume", 1e-6), ["µL"] = ("volume", 1e-6),
        ["g"] = ("mass", 1), ["mg"] = ("mass", 1e-3), ["ug"] = ("mass", 1e-6), ["µg"] = ("mass", 1e-6), ["ng"] = ("mass", 1e-9),
        ["mol"] = ("amount", 1), ["mmol"] = ("amount", 1e-3), ["umol"] = ("amount", 1e-6), ["µmol"] = ("amount", 1e-6),
        ["nmol"] = ("amount", 1e-9), ["pmol"] = ("amount", 1e-12),
        ["IU"] = ("IU", 1), ["kIU"] = ("IU", 1e3), ["MIU"] = ("IU", 1e6),
        ["Da"] = ("mass/amount", 1), ["kDa"] = ("mass/amount", 1e3),
        ["kg"] = ("bodyweight", 1),
    };

    /// <summary>Minutes per unit of a study's <c>time_unit</c> (s, min, h, d), or null for another name.</summary>
    public static double? MinutesPer(string timeUnit) =>
        Units.TryGetValue(timeUnit, out var u) && u.Dimension == "time" ? u.Factor : null;

    /// <summary>
    /// Reads <c>NUMBER UNIT[/UNIT]</c> (no blank between them), e.g. <c>120mL/min</c>; <c>/min</c>
    /// alone after the number is a rate. <c>kg</c> after <c>/</c> is per kilogram of body weight.
    /// Returns null with a message in <paramref name="error"/>.
    /// </summary>
    public static StudyQuantity? Parse(string text, out string? error)
    {
        error = null;
        int i = 0;
        while (i < text.Length && (char.IsDigit(text[i]) || text[i] is '.' or '+' or '-' or 'e' or 'E'))
        {
            // An 'e' starts a unit unless a digit or sign follows it (1e-3 vs. "1e").
            if (text[i] is 'e' or 'E' && (i + 1 >= text.Length || !(char.IsDigit(text[i + 1]) || text[i + 1] is '+' or '-'))) break;
            i++;
        }
        if (i == 0 || !double.TryParse(text[..i], NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || !double.IsFinite(number))
        {
            error = $"expected a number with a unit (e.g. 15min, 3L, 120mL/min, 37ug/kg); found '{text}'";
            return null;
        }
        string unit = text[i..];
        if (unit.Length == 0) { error = $"'{text}' needs a unit (e.g. 15min, 3L, 120mL/min, 37ug/kg)"; return null; }
        int slash = unit.IndexOf('/');
        string top = slash < 0 ? unit : unit[..slash], bottom = slash < 0 ? "" : unit[(slash + 1)..];
        string dimension;
        double factor = 1;
        if (top.Length == 0) dimension = "1";
        else if (Units.TryGetValue(top, out var t)) { dimension = t.Dimension; factor = t.Factor; }
        else { error = $"unknown unit '{top}' in '{text}' (known: {string.Join(", ", Units.Keys)})"; return null; }
        if (slash >= 0)
        {
            if (!Units.TryGetValue(bottom, out var b)) { error = $"unknown unit '{bottom}' in '{text}' (known: {string.Join(", ", Units.Keys)})"; return null; }
            dimension = $"{dimension}/{b.Dimension}";
            factor /= b.Factor;
        }
        return new StudyQuantity(number * factor, dimension);
    }
}
