namespace Stochastic.Population;

/// <summary>
/// One scenario's well of a coupled population run (<see cref="CoupledRun"/>): its tissue fluid when the study has a
/// ligand pool (<see cref="TissueWell"/>), and the agents' columns of its root cells' parameters, which every cell
/// reads as the agents' average concentrations over the interval it advances.
/// </summary>
internal sealed class CoupledWell
{
    private readonly CoupledRun _run;
    private readonly Scenario _scenario;
    private readonly double _coupling;
    private readonly double[] _parameters;
    private readonly int[] _agentParameters;
    private readonly int _rows, _parameterCount;

    /// <summary>
    /// The well of <paramref name="scenario"/> for the <paramref name="wellCells"/> root cells whose parameters are the rows
    /// of <paramref name="parameters"/> (kept: the agents' columns change as the well runs); its fluid, with a pool, coupled
    /// every <paramref name="coupling"/> at most and recorded at <paramref name="recordTimes"/>.
    /// </summary>
    public CoupledWell(CoupledRun run, Scenario scenario, double[] parameters, int wellCells, double coupling, double[] recordTimes)
    {
        _run = run;
        _scenario = scenario;
        _coupling = coupling;
        _parameters = parameters;
        _rows = wellCells;
        _parameterCount = run.Network.Parameters.Length;
        Dose = wellCells > 0 ? parameters[run.Dose] : 0;
        if (run.Pool is { } pool)
        {
            Fluid = FluidFor(run.Study, scenario, pool, run.Dose, Dose, wellCells, coupling, recordTimes);
            InitialMolecules = Dose * pool.DoseMolar * Fluid.MoleculesPerMolar;
        }
        _agentParameters = Fluid?.Agents.Select(a => a.Parameter).ToArray() ?? [];
        LastAverages = new double[_agentParameters.Length];
    }

    /// <summary>The tissue fluid, or null without a ligand pool.</summary>
    public TissueWell? Fluid { get; }

    /// <summary>The scenario's dose (the dose parameter of the first root cell).</summary>
    public double Dose { get; }

    /// <summary>The ligand molecules in the well at the start (0 without a pool).</summary>
    public double InitialMolecules { get; }

    /// <summary>The agents' concentrations the cells read in the last interval (kept for a checkpoint).</summary>
    public double[] LastAverages { get; }

    /// <summary>
    /// The agents' average concentrations over the interval [<paramref name="t"/>, <paramref name="end"/>], which every cell reads from now on;
    /// <paramref name="boundMolecules"/> is the ligand the well's cells hold reversibly now (NaN when the pool names no bound observable).
    /// </summary>
    public double[] Averages(double t, double end, double boundMolecules = double.NaN)
    {
        var averages = Fluid?.Averages(t, end, boundMolecules) ?? [];
        Use(averages);
        return averages;
    }

    /// <summary>
    /// If this well is the run's well in progress (<see cref="WellResumption.ContinueInProgress"/>), reads its state with
    /// <paramref name="read"/> into the well the runner has just started, lets every cell read the saved
    /// <see cref="LastAverages"/> again and returns true; <paramref name="time"/> says where it continues.
    /// </summary>
    public bool ContinueInProgress(int scenarioIndex, Action<BinaryReader> read, Func<double> time)
    {
        if (!_run.Resumption.ContinueInProgress(scenarioIndex, read,
            () => FormattableString.Invariant($"scenario {_scenario.Name} at time {time():G6} of {_scenario.Duration:G6}"))) return false;
        Use(LastAverages);
        return true;
    }

    // Every cell reads the agents' concentrations of the interval (kept for a checkpoint).
    private void Use(ReadOnlySpan<double> averages)
    {
        averages.CopyTo(LastAverages);
        for (int w = 0; w < _rows; w++)
            for (int a = 0; a < _agentParameters.Length; a++) _parameters[w * _parameterCount + _agentParameters[a]] = averages[a];
    }

    /// <summary>
    /// The fluid's trace at the well's end (a pool only): the ligand's free fraction, every agent's plasma and free
    /// concentration, and the uptake per cell of each type (<paramref name="uptakePerCell"/>).
    /// </summary>
    public LigandPoolTrace Trace(double[] uptakePerCell)
    {
        var run = _run;
        var well = Fluid ?? throw new InvalidOperationException("a well without a ligand pool has no trace");
        var ligand = well.Agents[0];
        double initial = InitialMolecules;
        return new LigandPoolTrace(_scenario.Name, _rows, _coupling, initial, [.. well.Times],
            [.. ligand.FreeTrace.Select(c => initial > 0 && ligand.Plasma is null ? c * well.MoleculesPerMolar / initial : double.NaN)], well.MaxRelativeChange)
        {
            Agents = [.. well.Agents.Select(a => new AgentTrace(a.Name, a.Parameter == run.Dose ? run.Study.Settings.DoseParameter : run.Network.ParameterNames[a.Parameter],
                [.. a.PlasmaTrace.Select(c => c / a.ParameterMolar)], [.. a.FreeTrace.Select(c => c / a.ParameterMolar)]))],
            UptakePerCell = uptakePerCell,
            Deficit = well.Deficit,
        };
    }

    /// <summary>
    /// The agents' concentrations (model parameter, value in its unit) that a dosed scenario's cells pass through, at
    /// which its slow-scale reductions are judged: the fluid run without uptake (the most it can hold) over the
    /// scenario, and of its intervals while the first dosed agent (the ligand when dosed) is present, those at that
    /// agent's time-weighted 10th, 30th, 50th, 70th and 90th percentiles and at its peak, with every agent's average
    /// over the same interval. Empty for a scenario that doses nothing.
    /// </summary>
    internal static List<(int Parameter, double Value)[]> Concentrations(Study study, Scenario scenario, LigandPool pool, int doseParameter, double dose0)
    {
        var fluid = FluidFor(study, scenario, pool, doseParameter, dose0, 1, pool.Coupling, []);
        int lead = fluid.Agents.ToList().FindIndex(a => a.Plasma is not null);
        if (lead < 0) return [];
        var seen = new List<(double Length, double[] Averages)>();
        for (double t = 0, end; t < scenario.Duration; t = end)
        {
            end = fluid.NextEnd(t, pool.Coupling, scenario.Duration);
            var averages = fluid.Averages(t, end);
            fluid.Commit(t, end, 0, averages);
            if (averages[lead] > 0) seen.Add((end - t, averages));
        }
        if (seen.Count == 0) return [];
        seen.Sort((a, b) => a.Averages[lead].CompareTo(b.Averages[lead]));
        double total = seen.Sum(s => s.Length);
        var picked = new SortedSet<int> { seen.Count - 1 };
        foreach (double q in (double[])[0.1, 0.3, 0.5, 0.7, 0.9])
        {
            double sum = 0;
            int i = 0;
            while (i < seen.Count - 1 && (sum += seen[i].Length) < q * total) i++;
            picked.Add(i);
        }
        return [.. picked.Select(i => fluid.Agents.Select((a, j) => (a.Parameter, seen[i].Averages[j])).ToArray())];
    }

    /// <summary>
    /// The tissue fluid of one scenario: its ligand first (depleted by the cells' uptake; from plasma when
    /// the scenario doses it, else a closed well starting at the dose), then every other dosed agent.
    /// </summary>
    internal static TissueWell FluidFor(Study study, Scenario scenario, LigandPool pool, int doseParameter, double dose0, int wellCells, double coupling, double[] recordTimes)
    {
        var pk = study.Settings.Pharmacokinetics;
        var dosed = pk.Where(m => scenario.Doses.Any(d => d.Agent == m.Agent)).ToList();
        var ligandPk = dosed.FirstOrDefault(m => m.Parameter == study.Settings.DoseParameter);
        var agents = new List<TissueWell.Agent>
        {
            new()
            {
                Name = scenario.Ligand, Parameter = doseParameter, ParameterMolar = pool.DoseMolar, Depleting = true,
                Plasma = ligandPk is null ? null : new PlasmaProfile(ligandPk, scenario.Doses),
                Exchange = ligandPk?.TissueExchange ?? 0, Partition = ligandPk?.Partition ?? 1,
                Free = ligandPk is null ? dose0 * pool.DoseMolar : 0,
            },
        };
        foreach (var m in dosed.Where(m => m != ligandPk))
            agents.Add(new()
            {
                Name = m.Agent, Parameter = study.Model.ParameterIndex(m.Parameter), ParameterMolar = m.ParameterMolar,
                Plasma = new PlasmaProfile(m, scenario.Doses), Exchange = m.TissueExchange, Partition = m.Partition,
            });
        return new TissueWell(agents, LigandPool.Avogadro * wellCells / pool.CellsPerLiter, scenario.Duration, coupling, recordTimes);
    }
}
