namespace Stochastic.Population;

/// <summary>
/// The tissue fluid one scenario's cells share (<see cref="PooledPopulationRunner"/>): for each agent
/// that reaches them, its free concentration, fed from plasma (<see cref="PlasmaProfile"/>) by
/// first-order exchange and, for the ligand of a depleting pool, lowered by what the cells take up.
/// The cells see each agent's concentration averaged over a coupling interval, and the interval is
/// chosen so that the concentration changes little within it.
/// </summary>
/// <remarks>
/// <para>Coupling (operator splitting, one interval [t, t + Δ]): (1) predict the free concentration by
/// integrating dC/dt = k_T·(ρ·C_P(s) − C) − k_up·C, where k_up is the cells' uptake per unit of free
/// ligand measured over the previous interval (first order in C: the pseudo-first-order binding of
/// every receptor model), and give every cell its average; (2) advance the cells; (3) integrate again with the uptake
/// the cells actually made, spread evenly over the interval (they saw a constant concentration, so
/// they took it at a nearly constant rate). The uptake is treated implicitly in (1), so an interval much
/// longer than 1/k_up stays stable: the average is then the quasi-steady supply/(k_T + k_up).</para>
/// <para>The cells' reversibly bound ligand (the pool's <see cref="LigandPool.Bound"/>, when given) is a
/// buffer: a cell that sees more ligand binds more within the interval, one that sees less releases
/// some. Predicted from the last interval's uptake alone, that filling or emptying is charged one
/// interval late, and once the cells hold more bound ligand than the fluid holds free the error grows
/// from interval to interval: the free concentration alternates (a gain of about −b′ per interval, b′
/// the bound ligand per free ligand that a change of concentration moves within one interval). With the bound ligand known, step (1) treats the buffer as in equilibrium with the fluid
/// (bound = b·C, b = what the cells hold now over the concentration they last saw): the fluid and the
/// buffer first share their ligand, C₀ = (C + B)/(1 + b), then dC/dt is the balance above over 1 + b,
/// and k_up counts only what the cells took beyond their buffer's change (internalized, consumed). The
/// error's gain per interval is then (b − b′)/(1 + b) for a buffer that really moves b′ per unit of
/// concentration within an interval: below 1 in size whenever b′ &lt; 1 + 2b, so a buffer that
/// equilibrates slower than assumed makes the prediction lag, not alternate. Step (3) is unchanged:
/// the fluid is charged what the cells took.</para>
/// <para>Intervals (<see cref="NextEnd"/>): never across a dose's start, an infusion's end or a
/// recorded time; at most the coupling interval; halved (down to 1/64 of it) until each agent's
/// concentration, as the supply alone would change it (<see cref="Agent.Supply"/>), changes by at
/// most <see cref="Tolerance"/> of the larger of its two ends, or of <see cref="Resolution"/> times
/// the agent's peak. Until the cells' uptake is known (the first interval with ligand), intervals
/// are the shortest. The schedule thus depends on the scenario only, not on its cells.</para>
/// Integration: classical Runge–Kutta with steps of at most 0.05 over the fastest rate
/// (relative error below 10⁻⁶ per interval); the plasma concentration is exact.
/// </remarks>
internal sealed class TissueWell
{
    /// <summary>Largest predicted change of a concentration over one interval, relative to the larger of its two ends (or the resolution floor).</summary>
    public const double Tolerance = 0.05;

    /// <summary>Changes below this fraction of an agent's peak concentration are not resolved by shorter intervals.</summary>
    public const double Resolution = 0.01;

    /// <summary>Smallest interval, as a fraction of the coupling interval.</summary>
    public const int Subdivisions = 64;

    /// <summary>Most integration steps per interval; beyond it (an uptake rate far above every other) the balance is integrated implicitly.</summary>
    public const int MaxSteps = 100_000;

    private readonly List<double> _breakpoints;

    /// <summary>One agent's state.</summary>
    internal sealed class Agent
    {
        public required string Name { get; init; }
        public required int Parameter { get; init; }
        public required double ParameterMolar { get; init; }
        public PlasmaProfile? Plasma { get; init; }
        public double Exchange { get; init; }
        public double Partition { get; init; } = 1;
        public bool Depleting { get; init; }
        /// <summary>Free concentration now, mol/L.</summary>
        public double Free { get; set; }
        /// <summary>What the free concentration would be without any uptake (the supply alone), mol/L; it sets the coupling schedule.</summary>
        public double Supply { get; set; } = double.NaN;
        /// <summary>Uptake per unit of free ligand, per time unit, from the last interval with ligand (beyond the buffer's change when the bound ligand is known); NaN until known.</summary>
        public double Uptake { get; set; } = double.NaN;
        /// <summary>The cells' reversibly bound ligand at the start of the interval, mol/L of the well; NaN when not known.</summary>
        public double Bound { get; set; } = double.NaN;
        /// <summary>The average free concentration the cells saw in the last interval, mol/L; 0 before the first.</summary>
        public double Seen { get; set; }
        public double Peak { get; set; }
        public double PlasmaAt(double t) => Plasma?.At(t) ?? 0;
        public List<double> PlasmaTrace { get; } = [];
        public List<double> FreeTrace { get; } = [];
    }

    /// <summary>Creates the well of one scenario; <paramref name="moleculesPerMolar"/> converts mol/L of free ligand to molecules in the well.</summary>
    /// <remarks><paramref name="recordTimes"/> are coupling times too, so the recorded free concentrations are at them.</remarks>
    public TissueWell(IReadOnlyList<Agent> agents, double moleculesPerMolar, double duration, double coupling, IEnumerable<double> recordTimes)
    {
        Agents = agents;
        MoleculesPerMolar = moleculesPerMolar;
        _breakpoints = [.. agents.Where(a => a.Plasma is not null).SelectMany(a => a.Plasma!.Breakpoints).Concat(recordTimes)
            .Where(b => b > 0 && b < duration).Distinct().Order()];
        foreach (var a in agents)
        {
            a.Supply = a.Free;
            // The peak sets the resolution floor: the initial amount of a closed well, else ρ × the
            // highest plasma concentration on a grid of the coupling interval and the breakpoints.
            double peak = a.Free;
            if (a.Plasma is { } plasma)
                for (double t = 0; t <= duration; t += coupling / 4) peak = Math.Max(peak, a.Partition * plasma.At(t));
            foreach (double b in _breakpoints) peak = Math.Max(peak, a.Partition * a.PlasmaAt(b));
            a.Peak = peak;
        }
        Record(0);
    }

    /// <summary>The agents, in the order the runner sets their parameters.</summary>
    public IReadOnlyList<Agent> Agents { get; }

    /// <summary>Molecules of free ligand in the well per mol/L.</summary>
    public double MoleculesPerMolar { get; }

    /// <summary>Coupling times so far (0 first).</summary>
    public List<double> Times { get; } = [];

    /// <summary>Largest realized change of a concentration over one interval, relative as in <see cref="Tolerance"/>.</summary>
    public double MaxRelativeChange { get; private set; }

    /// <summary>Free ligand the cells took beyond what the well held (molecules, summed over intervals where it would have gone below 0).</summary>
    public double Deficit { get; private set; }

    /// <summary>The end of the interval that starts at <paramref name="t"/> (see the remarks of the class).</summary>
    public double NextEnd(double t, double coupling, double duration)
    {
        double end = Math.Min(t + coupling, duration);
        foreach (double b in _breakpoints) if (b > t + 1e-9 * Math.Max(1, t)) { end = Math.Min(end, b); break; }
        double shortest = coupling / Subdivisions;
        // Bounded: at the shortest interval, end − t may still exceed it by a rounding error.
        for (int halvings = 0; halvings < 64 && end - t > shortest * (1 + 1e-9); halvings++)
        {
            bool ok = true;
            foreach (var a in Agents)
            {
                if (a.Depleting && double.IsNaN(a.Uptake) && (a.Free > 0 || a.PlasmaAt(t) > 0 || a.PlasmaAt(end) > 0)) { ok = false; break; }
                // The supply alone decides (not the cells' uptake, which is handled implicitly and
                // varies from well to well), so every well of a scenario couples at the same times.
                var (c, _) = Integrate(a, a.Supply, t, end, 0, 0);
                if (Change(a, a.Supply, c) > Tolerance) { ok = false; break; }
            }
            if (ok) break;
            end = (end - t) / 2 > shortest ? t + (end - t) / 2 : t + shortest;
        }
        return end;
    }

    /// <summary>
    /// Each agent's predicted average free concentration over [<paramref name="t"/>, <paramref name="end"/>], in its parameter's unit;
    /// <paramref name="boundMolecules"/> is the ligand the cells now hold reversibly (NaN when the pool names no bound observable).
    /// </summary>
    public double[] Averages(double t, double end, double boundMolecules = double.NaN)
    {
        var averages = new double[Agents.Count];
        for (int i = 0; i < averages.Length; i++)
        {
            var a = Agents[i];
            double start = a.Free, buffer = 0;
            if (a.Depleting)
            {
                a.Bound = boundMolecules / MoleculesPerMolar;
                // The buffer ratio b = B / C̄ of the cells now at the concentration they last saw; mixing the
                // fluid with the buffer conserves C + B.
                if (a.Seen > 0 && a.Bound > 0) { buffer = a.Bound / a.Seen; start = (a.Free + a.Bound) / (1 + buffer); }
            }
            var (_, integral) = Integrate(a, start, t, end, double.IsNaN(a.Uptake) ? 0 : a.Uptake, 0, 1 + buffer);
            averages[i] = Math.Max(0, integral / (end - t)) / a.ParameterMolar;
        }
        return averages;
    }

    /// <summary>
    /// Ends the interval: each agent's free concentration at <paramref name="end"/> with the cells' net
    /// uptake <paramref name="takenMolecules"/> of the depleting ligand over the interval, and its
    /// uptake rate for the next prediction: what was taken beyond the change of the cells' bound ligand,
    /// which is <paramref name="boundMolecules"/> now (NaN when not known).
    /// </summary>
    public void Commit(double t, double end, double takenMolecules, double[] averages, double boundMolecules = double.NaN)
    {
        double dt = end - t;
        for (int i = 0; i < Agents.Count; i++)
        {
            var a = Agents[i];
            double before = a.Free;
            double taken = a.Depleting ? takenMolecules / MoleculesPerMolar : 0;  // mol/L over the interval
            var (c, _) = Integrate(a, a.Free, t, end, 0, taken / dt);
            a.Supply = Integrate(a, a.Supply, t, end, 0, 0).Free;
            if (c < 0) { Deficit += -c * MoleculesPerMolar; c = 0; }
            a.Free = c;
            double seen = averages[i] * a.ParameterMolar;
            if (a.Depleting && seen > 0)
            {
                double bound = boundMolecules / MoleculesPerMolar;
                double irreversible = double.IsNaN(a.Bound) || double.IsNaN(bound) ? taken : taken - (bound - a.Bound);
                a.Uptake = Math.Max(0, irreversible / (seen * dt));
            }
            if (a.Depleting) a.Seen = seen;
            MaxRelativeChange = Math.Max(MaxRelativeChange, Change(a, before, c));
        }
        Record(end);
    }

    /// <summary>Writes what changes as the well runs (a checkpoint): per agent its concentrations and traces, the coupling times, the largest change and the deficit.</summary>
    public void WriteState(BinaryWriter w)
    {
        w.Write(Agents.Count);
        foreach (var a in Agents)
        {
            w.Write(a.Free);
            w.Write(a.Supply);
            w.Write(a.Uptake);
            w.Write(a.Seen);
            w.WriteDoubleList(a.PlasmaTrace);
            w.WriteDoubleList(a.FreeTrace);
        }
        w.WriteDoubleList(Times);
        w.Write(MaxRelativeChange);
        w.Write(Deficit);
    }

    /// <summary>Restores what <see cref="WriteState"/> wrote into the same scenario's new well.</summary>
    public void ReadState(BinaryReader r)
    {
        r.Expect(Agents.Count, "agents in the well");
        foreach (var a in Agents)
        {
            a.Free = r.ReadDouble();
            a.Supply = r.ReadDouble();
            a.Uptake = r.ReadDouble();
            a.Seen = r.ReadDouble();
            r.ReadDoubleList(a.PlasmaTrace);
            r.ReadDoubleList(a.FreeTrace);
        }
        r.ReadDoubleList(Times);
        MaxRelativeChange = r.ReadDouble();
        Deficit = r.ReadDouble();
    }

    private static double Change(Agent a, double from, double to) =>
        Math.Abs(to - from) is var d && d == 0 ? 0 : d / Math.Max(Math.Max(from, to), Resolution * a.Peak);

    private void Record(double t)
    {
        Times.Add(t);
        foreach (var a in Agents)
        {
            a.PlasmaTrace.Add(a.PlasmaAt(t));
            a.FreeTrace.Add(a.Free);
        }
    }

    // capacity·dC/dt = k_T·(ρ·C_P(s) − C) − k·C − u from C = from at t over [t, end] (capacity 1 + b with
    // a buffer in equilibrium, else 1): the concentration at end and its integral over the interval (RK4 on the pair).
    private static (double Free, double Integral) Integrate(Agent a, double from, double t, double end, double k, double u, double capacity = 1)
    {
        double dt = end - t;
        if (!(dt > 0)) return (from, 0);
        double fastest = a.Exchange + k + (a.Plasma?.FastestRate ?? 0);
        double wanted = Math.Ceiling(dt * fastest / 0.05);
        double F(double s, double x) => (a.Exchange * (a.Partition * a.PlasmaAt(s) - x) - k * x - u) / capacity;
        if (wanted > MaxSteps)
        {
            // Very fast uptake (a weighted population grown far beyond the well's cells): backward Euler,
            // stable at any step, with the integral by the trapezoid rule; the concentration then sits at
            // its quasi-steady value, which is what RK4 with enough steps would give.
            double hb = dt / MaxSteps, cb = from, ib = 0;
            for (int i = 1; i <= MaxSteps; i++)
            {
                double sb = t + i * hb;
                double next = (cb + hb / capacity * (a.Exchange * a.Partition * a.PlasmaAt(sb) - u)) / (1 + hb / capacity * (a.Exchange + k));
                ib += hb * (cb + next) / 2;
                cb = next;
            }
            return (cb, ib);
        }
        int steps = Math.Max(1, (int)wanted);
        double h = dt / steps, c = from, integral = 0;
        for (int i = 0; i < steps; i++)
        {
            double s = t + i * h;
            double k1 = F(s, c), k2 = F(s + h / 2, c + h / 2 * k1), k3 = F(s + h / 2, c + h / 2 * k2), k4 = F(s + h, c + h * k3);
            // RK4 on the pair (C, ∫C): the integral's stages are the concentration's stage values.
            integral += h / 6 * (c + 2 * (c + h / 2 * k1) + 2 * (c + h / 2 * k2) + (c + h * k3));
            c += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        }
        return (c, integral);
    }
}
