using System.Collections.Immutable;
using System.Globalization;
using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Formats;

internal sealed partial class StudyParser
{
    private static readonly string[] PkKeys = ["parameter", "unit", "molar_mass", "potency", "volume", "half_life", "half_lives", "clearance", "exchange_half_time", "partition"];
    private static readonly string[] DoseKeys = ["at", "every", "doses", "infusion"];

    /// <summary>
    /// The <c>pharmacokinetics</c> block: <c>AGENT parameter=P molar_mass=M volume=V (half_life=T | half_lives=TA,TB clearance=CL)
    /// exchange_half_time=T [partition=ρ] [unit=nM] [potency=IU/mg]</c>, every quantity with its unit.
    /// </summary>
    private ImmutableArray<PkModel> ReadPharmacokinetics(StudySettings settings)
    {
        var models = ImmutableArray.CreateBuilder<PkModel>();
        double? minutes = StudyQuantity.MinutesPer(settings.TimeUnit);
        foreach (var line in _blocks["pharmacokinetics"])
        {
            string agent = line.Tokens[0].Text;
            if (models.Any(m => m.Agent == agent)) { _errors.Add(line.Start, $"agent '{agent}' has pharmacokinetics twice"); continue; }
            if (minutes is null) { _errors.Add(line.Start, $"pharmacokinetics need a time_unit of s, min, h or d (found '{settings.TimeUnit}') to convert their times"); continue; }
            if (ReadKeys(line, PkKeys, "pharmacokinetics") is not { } keys) continue;
            bool ok = true;
            string Required(string key)
            {
                if (keys.TryGetValue(key, out var v)) return v.Value;
                _errors.Add(line.Start, $"pharmacokinetics of '{agent}' need '{key}=…' (docs/study-files.md, \"Pharmacokinetics and dosing\")");
                ok = false;
                return "";
            }
            double Quantity(string key, string dimension, string example)
            {
                if (!keys.TryGetValue(key, out var v)) return double.NaN;
                var q = StudyQuantity.Parse(v.Value, out string? error);
                if (q is null) { _errors.Add(v.Position, error!); ok = false; return double.NaN; }
                if (q.Value.Dimension != dimension || !(q.Value.Value > 0))
                { _errors.Add(v.Position, $"'{key}' must be a positive {dimension} such as {example}; found '{v.Value}'"); ok = false; return double.NaN; }
                return q.Value.Value;
            }
            double Time(string text, SourcePosition position)
            {
                double t = StudyTime(text, position, minutes.Value, positive: true, "a half-life");
                if (double.IsNaN(t)) ok = false;
                return t;
            }

            string parameter = Required("parameter");
            if (parameter.Length > 0)
            {
                CheckParameter(parameter, keys["parameter"].Position);
                if (!LigandPool.SetDuringRunOk(_model, parameter, keys["parameter"].Position, _errors)) ok = false;
            }
            string unit = keys.TryGetValue("unit", out var u) ? u.Value : settings.DoseUnit;
            double molar = LigandPool.MolarOf(unit) ?? double.NaN;
            if (double.IsNaN(molar)) { _errors.Add(u.Position.Line > 0 ? u.Position : line.Start, $"the unit of '{parameter}' must be molar (M, mM, uM, nM, pM, fM); found '{unit}' (set 'unit=…')"); ok = false; }
            Required("molar_mass");
            double molarMass = Quantity("molar_mass", "mass/amount", "15.3kDa");
            double potency = keys.ContainsKey("potency") ? Quantity("potency", "IU/mass", "16.4MIU/mg") : 0;
            Required("volume");
            double volume = Quantity("volume", "volume", "3L");
            double clearance = Quantity("clearance", "volume/time", "120mL/min") * minutes.Value;  // L per study time unit
            double k10 = double.NaN, k12 = 0, k21 = 0;
            if (keys.TryGetValue("half_lives", out var hl))
            {
                var parts = hl.Value.Split(',');
                if (parts.Length != 2) { _errors.Add(hl.Position, $"'half_lives' takes the distribution and elimination half-lives, e.g. half_lives=12.9min,85min; found '{hl.Value}'"); ok = false; }
                else if (double.IsNaN(clearance)) { _errors.Add(line.Start, $"two-compartment pharmacokinetics of '{agent}' need 'clearance=…' with 'half_lives'"); ok = false; }
                else if (ok)
                {
                    double a = Time(parts[0], hl.Position), b = Time(parts[1], hl.Position);
                    if (ok && PkModel.TwoCompartment(a, b, clearance, volume) is { } micro) (k10, k12, k21) = micro;
                    else if (ok) { _errors.Add(hl.Position, $"half-lives {hl.Value}, clearance and volume of '{agent}' are inconsistent: no two-compartment model has them (a rate constant would be negative)"); ok = false; }
                }
            }
            else if (keys.TryGetValue("half_life", out var h)) k10 = Math.Log(2) / Time(h.Value, h.Position);
            else if (!double.IsNaN(clearance)) k10 = clearance / volume;
            else { _errors.Add(line.Start, $"pharmacokinetics of '{agent}' need 'half_life=…', 'clearance=…', or 'half_lives=…' with 'clearance=…'"); ok = false; }
            Required("exchange_half_time");
            double exchange = keys.TryGetValue("exchange_half_time", out var ex) ? Math.Log(2) / Time(ex.Value, ex.Position) : double.NaN;
            double partition = 1;
            if (keys.TryGetValue("partition", out var pt) && (!double.TryParse(pt.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out partition) || !(partition > 0) || !double.IsFinite(partition)))
            { _errors.Add(pt.Position, $"'partition' must be a positive number (tissue over plasma concentration); found '{pt.Value}'"); ok = false; }
            if (ok) models.Add(new PkModel(agent, parameter, molar, molarMass, potency, volume, k10, k12, k21, exchange, partition, line.Start));
        }
        return models.ToImmutable();
    }

    /// <summary>
    /// The <c>dosing</c> block: <c>SCENARIO AGENT AMOUNT [at=T] [every=T doses=N] [infusion=T]</c>; the
    /// amount in mass, moles or IU, optionally per kg of body weight. Returns the scenarios with their doses.
    /// </summary>
    private ImmutableArray<Scenario> ReadDosing(ImmutableArray<Scenario> scenarios, ImmutableArray<PkModel> pk, StudySettings settings, double bodyWeight)
    {
        var doses = new Dictionary<string, List<Dose>>(StringComparer.Ordinal);
        double minutes = StudyQuantity.MinutesPer(settings.TimeUnit) ?? 1;
        foreach (var line in _blocks["dosing"])
        {
            if (line.Tokens.Count < 3) { _errors.Add(line.Start, "expected 'SCENARIO AGENT AMOUNT [at=T] [every=T doses=N] [infusion=T]', e.g. 'IL2 IL2 600000IU/kg every=8h doses=14 infusion=15min'"); continue; }
            string name = line.Tokens[0].Text, agentName = line.Tokens[1].Text;
            var scenario = scenarios.FirstOrDefault(s => s.Name == name);
            if (scenario is null)
            {
                var near = NameSuggestion.Closest(name, scenarios.Select(s => s.Name));
                _errors.Add(line.Start, near is not null ? $"unknown scenario '{name}'; did you mean '{near}'?" : $"unknown scenario '{name}'");
                continue;
            }
            var model = pk.FirstOrDefault(m => m.Agent == agentName);
            if (model is null)
            {
                _errors.Add(line.At(line.Tokens[1]), $"agent '{agentName}' has no pharmacokinetics (the 'pharmacokinetics' block defines {(pk.Length > 0 ? string.Join(", ", pk.Select(m => m.Agent)) : "none")})");
                continue;
            }
            bool ok = true;
            if (model.Parameter == settings.DoseParameter && model.Agent != scenario.Ligand)
            { _errors.Add(line.At(line.Tokens[1]), $"scenario '{name}' uses ligand '{scenario.Ligand}', but '{agentName}' is dosed into its dose parameter '{settings.DoseParameter}'"); ok = false; }
            if (model.Parameter == settings.DoseParameter && scenario.Dose != 0)
            { _errors.Add(line.Start, $"scenario '{name}' sets dose={scenario.Dose.ToString(CultureInfo.InvariantCulture)} and doses '{agentName}': give the ligand either as a constant dose or by dosing, not both"); ok = false; }
            if (model.Parameter != settings.DoseParameter && scenario.Settings.ContainsKey(model.Parameter))
            { _errors.Add(line.Start, $"scenario '{name}' (or its ligand) sets '{model.Parameter}' and doses '{agentName}', which sets it over time: remove one"); ok = false; }

            var amountToken = line.Tokens[2];
            var amount = StudyQuantity.Parse(amountToken.Text, out string? error);
            double moles = double.NaN;
            if (amount is null) { _errors.Add(line.At(amountToken), error!); ok = false; }
            else
            {
                var (value, dimension) = amount.Value;
                bool perKg = dimension.EndsWith("/bodyweight", StringComparison.Ordinal);
                string what = perKg ? dimension[..dimension.IndexOf('/')] : dimension;
                if (perKg && double.IsNaN(bodyWeight)) { _errors.Add(line.At(amountToken), $"a dose per kg needs the study setting 'body_weight' (e.g. 'body_weight 70kg')"); ok = false; }
                double total = perKg ? value * bodyWeight : value;
                switch (what)
                {
                    case "amount": moles = total; break;
                    case "mass": moles = total / model.MolarMass; break;
                    case "IU" when model.UnitsPerGram > 0: moles = total / model.UnitsPerGram / model.MolarMass; break;
                    case "IU": _errors.Add(line.At(amountToken), $"a dose in IU needs 'potency=…' (IU per mass) in the pharmacokinetics of '{agentName}'"); ok = false; break;
                    default: _errors.Add(line.At(amountToken), $"a dose is a mass, an amount or IU, optionally per kg (e.g. 37ug/kg, 240mg, 600000IU/kg); found '{amountToken.Text}'"); ok = false; break;
                }
                if (ok && !(moles > 0)) { _errors.Add(line.At(amountToken), "a dose must be positive"); ok = false; }
            }
            if (ReadKeys(line, DoseKeys, "dosing", skip: 3) is not { } keys) continue;
            double Time(string key, double fallback, bool positive)
            {
                if (!keys.TryGetValue(key, out var v)) return fallback;
                if (v.Value == "0") return 0;
                double t = StudyTime(v.Value, v.Position, minutes, positive, $"'{key}'");
                if (double.IsNaN(t)) ok = false;
                return t;
            }
            double at = Time("at", 0, false), every = Time("every", double.NaN, true), infusion = Time("infusion", 0, true);
            int count = 1;
            if (keys.TryGetValue("doses", out var n) && (!int.TryParse(n.Value, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1))
            { _errors.Add(n.Position, $"'doses' must be a whole number ≥ 1; found '{n.Value}'"); ok = false; }
            if (count > 1 && double.IsNaN(every)) { _errors.Add(line.Start, "'doses' above 1 needs 'every=…' (the dosing interval)"); ok = false; }
            if (count > 1 && infusion > every) { _errors.Add(line.Start, "an infusion must end before the next dose starts ('infusion' longer than 'every')"); ok = false; }
            if (!ok) continue;
            if (!doses.TryGetValue(name, out var list)) doses[name] = list = [];
            list.Add(new Dose(agentName, moles, at, double.IsNaN(every) ? 0 : every, count, infusion, line.Text.Trim(), line.Start));
        }
        if (doses.Count > 0 && _poolLine is null)
            _errors.Add(_blocks["dosing"][0].Start, "dosing needs a 'ligand_pool' setting in the study block: the tissue fluid the doses reach and the cells share (docs/study-files.md)");
        return [.. scenarios.Select(s => doses.TryGetValue(s.Name, out var d) ? s with { Doses = [.. d] } : s)];
    }

    /// <summary>
    /// A time with its unit (<c>85min</c>, <c>25d</c>) in the study's time unit (<paramref name="minutes"/>
    /// minutes each); NaN after an error naming <paramref name="what"/>.
    /// </summary>
    private double StudyTime(string text, SourcePosition position, double minutes, bool positive, string what)
    {
        var q = StudyQuantity.Parse(text, out string? error);
        if (q is { Dimension: "time" } t && (t.Value > 0 || (!positive && t.Value == 0))) return t.Value / minutes;
        _errors.Add(position, error ?? $"{what} must be a {(positive ? "positive" : "non-negative")} time such as 8h or 85min; found '{text}'");
        return double.NaN;
    }

    /// <summary>The <c>KEY=VALUE</c> tokens of a line from token <paramref name="skip"/> on, each key once and known; null after an error.</summary>
    private Dictionary<string, (string Value, SourcePosition Position)>? ReadKeys(StudyLine line, string[] known, string block, int skip = 1)
    {
        var values = new Dictionary<string, (string Value, SourcePosition Position)>(StringComparer.Ordinal);
        bool ok = true;
        foreach (var token in line.Tokens.Skip(skip))
        {
            int eq = token.Text.IndexOf('=');
            if (eq <= 0 || eq == token.Text.Length - 1) { _errors.Add(line.At(token), $"expected KEY=VALUE (no blanks around '='); found '{token.Text}'"); ok = false; continue; }
            string key = token.Text[..eq];
            if (!known.Contains(key))
            {
                var near = NameSuggestion.Closest(key, known);
                _errors.Add(line.At(token), near is not null ? $"unknown {block} key '{key}'; did you mean '{near}'?" : $"unknown {block} key '{key}' (expected {string.Join(", ", known)})");
                ok = false;
                continue;
            }
            if (!values.TryAdd(key, (token.Text[(eq + 1)..], line.At(token.Offset + eq + 1)))) { _errors.Add(line.At(token), $"'{key}' is given twice"); ok = false; }
        }
        return ok ? values : null;
    }
}
