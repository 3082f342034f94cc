using System.Globalization;
using Stochastic.Model;

namespace Stochastic.Sensitivity;

/// <summary>
/// An input of a sensitivity analysis: a name (a model parameter or a study threshold,
/// <see cref="Population.StudyOverrides"/>) and its range. The designs work in the unit cube; a
/// coordinate u in [0, 1] maps to <c>Low + u (High − Low)</c>, or on a log scale to
/// <c>Low (High/Low)^u</c> for a parameter known only to within a factor (rate constants, affinities).
/// </summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Low">Lower end of the range.</param>
/// <param name="High">Upper end (greater than <paramref name="Low"/>).</param>
/// <param name="Log">Whether the range is sampled uniformly in log (both ends then positive).</param>
public sealed record SensitivityParameter(string Name, double Low, double High, bool Log = false)
{
    /// <summary>The value at unit coordinate <paramref name="u"/>.</summary>
    public double FromUnit(double u) => Log ? Low * Math.Pow(High / Low, u) : Low + u * (High - Low);

    /// <summary>
    /// Reads <c>NAME=LOW:HIGH</c> or <c>NAME=LOW:HIGH:log</c> (the <c>--param</c> option); errors are
    /// <see cref="ModelException"/>s at <paramref name="label"/>.
    /// </summary>
    public static SensitivityParameter Parse(string text, string label)
    {
        var where = new SourcePosition(label, 0, 0);
        int eq = text.IndexOf('=');
        string[] parts = eq > 0 ? text[(eq + 1)..].Split(':') : [];
        if (eq <= 0 || parts.Length is < 2 or > 3)
            throw ThrowHelper.Model(where, $"expected NAME=LOW:HIGH or NAME=LOW:HIGH:log; found '{text}'");
        string name = text[..eq].Trim();
        if (!TryNumber(parts[0], out double low) || !TryNumber(parts[1], out double high))
            throw ThrowHelper.Model(where, $"'{text}': LOW and HIGH must be finite numbers");
        bool log = false;
        if (parts.Length == 3)
        {
            if (parts[2] != "log") throw ThrowHelper.Model(where, $"'{text}': the third field may only be 'log'; found '{parts[2]}'");
            log = true;
        }
        if (!(high > low)) throw ThrowHelper.Model(where, $"'{text}': HIGH must be greater than LOW");
        if (log && !(low > 0)) throw ThrowHelper.Model(where, $"'{text}': a log range needs LOW > 0");
        return new SensitivityParameter(name, low, high, log);

        static bool TryNumber(string s, out double v) =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && double.IsFinite(v);
    }
}
