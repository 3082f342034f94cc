using System.Collections.Immutable;

namespace Stochastic.Population;

/// <summary>
/// The pharmacokinetics of one agent (a ligand or an antibody; the <c>pharmacokinetics</c> block of a
/// study file, docs/study-files.md): linear one- or two-compartment plasma kinetics and first-order
/// exchange between plasma and the tissue the study simulates. Times are in the study's time unit,
/// volumes in liters, concentrations in mol/L.
/// </summary>
/// <remarks>
/// Plasma (central compartment, volume <see cref="CentralVolume"/>): dC/dt = −(k10 + k12)·C + k21·P/V + input/V,
/// with the peripheral amount P. Its response to a unit bolus is a sum of exponentials
/// (<see cref="PlasmaPerMole"/>), so any schedule of boluses and constant-rate infusions is
/// computed exactly by superposition. Tissue (interstitial fluid): dC_T/dt = k_T·(ρ·C − C_T) − uptake,
/// where uptake is what the simulated cells take (a depleting ligand pool) or nothing.
/// </remarks>
/// <param name="Agent">Agent name (a ligand of the study, or another agent such as an antibody).</param>
/// <param name="Parameter">Model parameter that holds the agent's tissue concentration.</param>
/// <param name="ParameterMolar">Molar concentration of one unit of <paramref name="Parameter"/> (1e-12 for pM).</param>
/// <param name="MolarMass">Molar mass, g/mol (converts mass doses to moles).</param>
/// <param name="UnitsPerGram">International units per gram (0: doses in IU are refused).</param>
/// <param name="CentralVolume">Central (plasma) volume, L.</param>
/// <param name="K10">Elimination rate from plasma, per time unit.</param>
/// <param name="K12">Plasma → peripheral rate, per time unit (0: one compartment).</param>
/// <param name="K21">Peripheral → plasma rate, per time unit.</param>
/// <param name="TissueExchange">k_T: plasma ↔ tissue exchange rate, per time unit.</param>
/// <param name="Partition">ρ: tissue over plasma concentration at equilibrium without uptake.</param>
/// <param name="Position">Where the study file defines it.</param>
public sealed record PkModel(string Agent, string Parameter, double ParameterMolar, double MolarMass, double UnitsPerGram,
    double CentralVolume, double K10, double K12, double K21, double TissueExchange, double Partition, SourcePosition Position)
{
    /// <summary>
    /// Micro-constants of a two-compartment model from what clinical papers report: the two plasma
    /// half-lives (distribution α, elimination β), the clearance CL and the central volume V:
    /// k10 = CL/V, k21 = αβ/k10, k12 = α + β − k10 − k21 (Gibaldi &amp; Perrier, Pharmacokinetics, ch. 2).
    /// Null when the three are inconsistent (a rate would be negative).
    /// </summary>
    public static (double K10, double K12, double K21)? TwoCompartment(double halfLifeAlpha, double halfLifeBeta, double clearance, double volume)
    {
        double a = Math.Log(2) / Math.Min(halfLifeAlpha, halfLifeBeta), b = Math.Log(2) / Math.Max(halfLifeAlpha, halfLifeBeta);
        double k10 = clearance / volume, k21 = a * b / k10, k12 = a + b - k10 - k21;
        return k21 > 0 && k12 >= 0 && k10 > 0 ? (k10, k12, k21) : null;
    }

    /// <summary>
    /// Plasma concentration (mol/L) per mole given as a bolus at time 0: Σ coefficient_i·exp(−rate_i·t).
    /// </summary>
    public (double Rate, double Coefficient)[] PlasmaPerMole()
    {
        if (K12 <= 0) return [(K10, 1 / CentralVolume)];
        double sum = K10 + K12 + K21, disc = Math.Sqrt(sum * sum - 4 * K10 * K21);
        double alpha = (sum + disc) / 2, beta = (sum - disc) / 2;
        return [(alpha, (alpha - K21) / (CentralVolume * (alpha - beta))), (beta, (K21 - beta) / (CentralVolume * (alpha - beta)))];
    }
}

/// <summary>
/// One line of a scenario's dosing schedule: an amount of an agent given as a bolus or a constant-rate
/// infusion, once or repeated.
/// </summary>
/// <param name="Agent">The agent (<see cref="PkModel.Agent"/>).</param>
/// <param name="Moles">Amount per administration, mol (per-kilogram doses already multiplied by the body weight).</param>
/// <param name="Start">Time of the first administration.</param>
/// <param name="Every">Interval between administrations (ignored for one).</param>
/// <param name="Count">Number of administrations.</param>
/// <param name="Infusion">Infusion duration (0: bolus).</param>
/// <param name="Text">The schedule as written, for reports.</param>
/// <param name="Position">Where the study file gives it.</param>
public sealed record Dose(string Agent, double Moles, double Start, double Every, int Count, double Infusion, string Text, SourcePosition Position)
{
    /// <summary>Start times of the administrations.</summary>
    public IEnumerable<double> Times => Enumerable.Range(0, Count).Select(k => Start + k * Every);
}

/// <summary>
/// The plasma concentration of one agent under a dosing schedule (exact, by superposition of the
/// unit responses of <see cref="PkModel.PlasmaPerMole"/>).
/// </summary>
public sealed class PlasmaProfile
{
    private readonly (double Rate, double Coefficient)[] _response;
    private readonly (double Start, double Duration, double Moles)[] _administrations;

    /// <summary>The profile of <paramref name="model"/> under <paramref name="doses"/> (those of other agents are ignored).</summary>
    public PlasmaProfile(PkModel model, IEnumerable<Dose> doses)
    {
        Model = model;
        _response = model.PlasmaPerMole();
        FastestRate = _response.Max(r => r.Rate);
        _administrations = [.. doses.Where(d => d.Agent == model.Agent).SelectMany(d => d.Times.Select(t => (t, d.Infusion, d.Moles))).OrderBy(a => a.Item1)];
        Breakpoints = [.. _administrations.SelectMany(a => a.Duration > 0 ? new[] { a.Start, a.Start + a.Duration } : [a.Start]).Distinct().Order()];
    }

    /// <summary>The agent's model.</summary>
    public PkModel Model { get; }

    /// <summary>Times at which the input changes (each administration's start and each infusion's end), ascending.</summary>
    public ImmutableArray<double> Breakpoints { get; }

    /// <summary>The fastest rate of the plasma response (per time unit): what an integrator's step must resolve.</summary>
    public double FastestRate { get; }

    /// <summary>Plasma concentration at <paramref name="t"/>, mol/L.</summary>
    public double At(double t)
    {
        double c = 0;
        foreach (var (start, duration, moles) in _administrations)
        {
            if (t < start) break;
            foreach (var (rate, coefficient) in _response)
            {
                if (duration <= 0) { c += moles * coefficient * Math.Exp(-rate * (t - start)); continue; }
                // Constant-rate infusion: ∫ over the time infused so far of the unit response.
                double infused = Math.Min(t - start, duration);
                c += moles / duration * coefficient / rate * (1 - Math.Exp(-rate * infused)) * Math.Exp(-rate * Math.Max(0, t - start - duration));
            }
        }
        return c;
    }
}
