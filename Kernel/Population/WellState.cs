using System.Runtime.InteropServices;

namespace Stochastic.Population;

/// <summary>
/// Where a coupled population run (a shared ligand pool or a <c>lineage</c> block: its cells cannot be finished one
/// by one) keeps its state, so that a run killed by SIGKILL or a node failure continues where it was
/// (<see cref="CellRunPlan.Wells"/>; <see cref="CellCheckpoint"/> keeps it on disk). The run saves each finished
/// well (scenario) once, and the well in progress between two coupling intervals when <see cref="ProgressDue"/>
/// says so. A run that continues from the saved states gives the outputs of an uninterrupted run, bit for bit:
/// every cell's state, random stream included, and every running sum of the well are saved exactly.
/// </summary>
public interface IWellStateStore
{
    /// <summary>The saved states of the finished wells, in scenario order (empty for a new run).</summary>
    IReadOnlyList<byte[]> FinishedWells { get; }

    /// <summary>The saved state of the well in progress (the scenario after the finished ones), or null.</summary>
    byte[]? WellInProgress { get; }

    /// <summary>Keeps the state of finished well <paramref name="scenario"/> (counted from 0, in order), written by <paramref name="write"/>.</summary>
    void SaveFinishedWell(int scenario, Action<BinaryWriter> write);

    /// <summary>Whether the well in progress should be saved now (asked between coupling intervals).</summary>
    bool ProgressDue { get; }

    /// <summary>Keeps the state of the well in progress, written by <paramref name="write"/>, in place of the last one.</summary>
    void SaveProgress(Action<BinaryWriter> write);
}

/// <summary>
/// The binary encoding of a coupled run's saved state: little-endian numbers, arrays with their length first.
/// The bytes are protected by the checkpoint's SHA-256 and tied to one build and one run by its identity, so a
/// length that does not match what the run expects means a defect, reported as such.
/// </summary>
internal static class WellState
{
    /// <summary>The tag every saved well state starts with.</summary>
    public const int Magic = 0x57454C4C; // "WELL"

    public static void WriteDoubles(this BinaryWriter w, ReadOnlySpan<double> values)
    {
        w.Write(values.Length);
        if (BitConverter.IsLittleEndian) w.Write(MemoryMarshal.AsBytes(values));
        else foreach (double x in values) w.Write(x);
    }

    public static double[] ReadDoubles(this BinaryReader r)
    {
        var values = new double[Length(r, sizeof(double))];
        ReadInto(r, values);
        return values;
    }

    /// <summary>Reads an array written by <see cref="WriteDoubles"/> into <paramref name="target"/>, which must have its length.</summary>
    public static void ReadDoubles(this BinaryReader r, Span<double> target)
    {
        int n = Length(r, sizeof(double));
        if (n != target.Length) throw Mismatch($"an array of {n} numbers where {target.Length} were expected");
        ReadInto(r, target);
    }

    private static void ReadInto(BinaryReader r, Span<double> target)
    {
        if (BitConverter.IsLittleEndian) r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(target));
        else for (int i = 0; i < target.Length; i++) target[i] = r.ReadDouble();
    }

    public static void WriteInts(this BinaryWriter w, ReadOnlySpan<int> values)
    {
        w.Write(values.Length);
        foreach (int x in values) w.Write(x);
    }

    public static int[] ReadInts(this BinaryReader r)
    {
        var values = new int[Length(r, sizeof(int))];
        for (int i = 0; i < values.Length; i++) values[i] = r.ReadInt32();
        return values;
    }

    public static void WriteBools(this BinaryWriter w, ReadOnlySpan<bool> values)
    {
        w.Write(values.Length);
        foreach (bool x in values) w.Write(x);
    }

    public static bool[] ReadBools(this BinaryReader r)
    {
        var values = new bool[Length(r, 1)];
        for (int i = 0; i < values.Length; i++) values[i] = r.ReadBoolean();
        return values;
    }

    public static void WriteDoubleList(this BinaryWriter w, List<double> values) => w.WriteDoubles(CollectionsMarshal.AsSpan(values));

    public static void ReadDoubleList(this BinaryReader r, List<double> target)
    {
        target.Clear();
        target.AddRange(r.ReadDoubles());
    }

    /// <summary>Checks a count read back against the one the run has.</summary>
    public static void Expect(this BinaryReader r, int expected, string what)
    {
        int n = r.ReadInt32();
        if (n != expected) throw Mismatch($"{n} {what} where the run has {expected}");
    }

    private static int Length(BinaryReader r, int bytesEach)
    {
        int n = r.ReadInt32();
        if (n < 0 || (long)n * bytesEach > r.BaseStream.Length - r.BaseStream.Position) throw Mismatch($"an array length of {n} past the end of the state");
        return n;
    }

    /// <summary>The error for a saved state that does not fit the run (a defect: the checkpoint's identity and hash matched).</summary>
    public static SimulationException Mismatch(string what) =>
        new($"the checkpoint's saved well state does not fit this run ({what}); start again with --force");

    /// <summary>Reads a saved state with <paramref name="read"/>, which must use every byte of it.</summary>
    public static T Read<T>(byte[] state, Func<BinaryReader, T> read)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(state, writable: false));
            if (reader.ReadInt32() != Magic) throw Mismatch("it does not start as a well state");
            var value = read(reader);
            if (reader.BaseStream.Position != reader.BaseStream.Length) throw Mismatch($"{reader.BaseStream.Length - reader.BaseStream.Position} bytes left over");
            return value;
        }
        catch (EndOfStreamException)
        {
            throw Mismatch("it ends early");
        }
        catch (Exception e) when (e is IOException or FormatException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw Mismatch(e.Message.ReplaceLineEndings(" "));
        }
    }

    /// <summary>Writes a finished well's ligand trace (or that there is none).</summary>
    public static void WriteTrace(this BinaryWriter w, LigandPoolTrace? trace)
    {
        w.Write(trace is not null);
        if (trace is null) return;
        w.Write(trace.Scenario);
        w.Write(trace.Cells);
        w.Write(trace.Coupling);
        w.Write(trace.InitialMolecules);
        w.WriteDoubles(trace.Times);
        w.WriteDoubles(trace.FreeFraction);
        w.Write(trace.MaxRelativeChange);
        w.Write(trace.Agents.Count);
        foreach (var a in trace.Agents)
        {
            w.Write(a.Agent);
            w.Write(a.Parameter);
            w.WriteDoubles(a.Plasma);
            w.WriteDoubles(a.Free);
        }
        w.WriteDoubles([.. trace.UptakePerCell]);
        w.Write(trace.Deficit);
        w.Write(trace.CellUptake);
    }

    public static LigandPoolTrace? ReadTrace(this BinaryReader r)
    {
        if (!r.ReadBoolean()) return null;
        var trace = new LigandPoolTrace(r.ReadString(), r.ReadInt32(), r.ReadDouble(), r.ReadDouble(), r.ReadDoubles(), r.ReadDoubles(), r.ReadDouble());
        var agents = new AgentTrace[r.ReadInt32()];
        for (int i = 0; i < agents.Length; i++) agents[i] = new AgentTrace(r.ReadString(), r.ReadString(), r.ReadDoubles(), r.ReadDoubles());
        return trace with { Agents = agents, UptakePerCell = r.ReadDoubles(), Deficit = r.ReadDouble(), CellUptake = r.ReadDouble() };
    }

    public static void WriteHistory(this BinaryWriter w, CellHistory h)
    {
        w.Write(h.Scenario);
        w.Write(h.CellType);
        w.Write(h.Id);
        w.Write(h.Parent);
        w.Write(h.Generation);
        w.Write(h.Birth);
        w.Write(h.Death);
        w.Write(h.Thinned);
        w.Write(h.Division);
        w.WriteDoubleList(h.Times);
        w.Write(h.Outputs.Count);
        foreach (var o in h.Outputs) w.WriteDoubles(o);
    }

    public static CellHistory ReadHistory(this BinaryReader r)
    {
        var h = new CellHistory(r.ReadString(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadDouble())
        {
            Death = r.ReadDouble(),
            Thinned = r.ReadBoolean(),
            Division = r.ReadDouble(),
        };
        r.ReadDoubleList(h.Times);
        int n = r.ReadInt32();
        for (int i = 0; i < n; i++) h.Outputs.Add(r.ReadDoubles());
        return h;
    }

    public static void WriteLineage(this BinaryWriter w, LineageTrace trace)
    {
        w.WriteDoubles(trace.Cells);
        w.WriteDoubles(trace.SquaredWeights);
        w.WriteInts(trace.Simulated);
        w.WriteDoubles(trace.Divisions);
        w.WriteDoubles(trace.Deaths);
        foreach (var x in trace.Means) w.WriteDoubles(x);
        foreach (var x in trace.FateCells) w.WriteDoubles(x);
        foreach (var x in trace.TraitCells) w.WriteDoubles(x);
    }

    /// <summary>Reads into a trace made for the same group (same times, outputs, fates and traits).</summary>
    public static void ReadLineage(this BinaryReader r, LineageTrace trace)
    {
        r.ReadDoubles(trace.Cells);
        r.ReadDoubles(trace.SquaredWeights);
        var simulated = r.ReadInts();
        if (simulated.Length != trace.Simulated.Length) throw Mismatch("a lineage trace of another length");
        simulated.CopyTo(trace.Simulated);
        r.ReadDoubles(trace.Divisions);
        r.ReadDoubles(trace.Deaths);
        foreach (var x in trace.Means) r.ReadDoubles(x);
        foreach (var x in trace.FateCells) r.ReadDoubles(x);
        foreach (var x in trace.TraitCells) r.ReadDoubles(x);
    }

    public static void WriteCounters(this BinaryWriter w, Simulation.SimulationCounters c)
    {
        w.Write(c.Events);
        w.Write(c.Leaps);
        w.Write(c.LeapedFirings);
    }

    public static Simulation.SimulationCounters ReadCounters(this BinaryReader r) =>
        new(r.ReadInt64(), r.ReadInt64()) { LeapedFirings = r.ReadInt64() };
}

/// <summary>
/// A coupled runner's side of its checkpoint (<see cref="CellRunPlan.Wells"/>): which wells are taken as saved and
/// which one continues from its state, the header every saved state starts with (tag, scenario, work so far), and
/// the work counters of a continued run (the saved work, plus what this process's engines do after restoring).
/// </summary>
internal sealed class WellResumption
{
    private readonly CellRunPlan? _plan;
    private readonly IWellStateStore? _store;
    private readonly IReadOnlyList<byte[]> _finished;
    private readonly byte[]? _inProgress;
    private readonly int _scenarios;
    private readonly Func<Simulation.SimulationCounters> _engineWork;
    private Simulation.SimulationCounters _offset;

    /// <param name="plan">The run's plan (its <see cref="CellRunPlan.Wells"/>), or null.</param>
    /// <param name="scenarios">Scenarios (wells) of the run.</param>
    /// <param name="engineWork">The work of this process's engines so far.</param>
    public WellResumption(CellRunPlan? plan, int scenarios, Func<Simulation.SimulationCounters> engineWork)
    {
        _plan = plan;
        _store = plan?.Wells;
        _finished = _store?.FinishedWells ?? [];
        _inProgress = _store?.WellInProgress;
        _scenarios = scenarios;
        _engineWork = engineWork;
        if (_finished.Count > scenarios || _finished.Count == scenarios && _inProgress is not null)
            throw WellState.Mismatch($"{_finished.Count} finished wells of a run of {scenarios} scenarios");
    }

    /// <summary>The run's work: what the interrupted run had done when it saved, and what was done here since.</summary>
    public Simulation.SimulationCounters Work() => _offset + _engineWork();

    /// <summary>Whether well <paramref name="scenario"/> finished before and is taken as saved.</summary>
    public bool IsFinished(int scenario) => scenario < _finished.Count;

    /// <summary>
    /// Makes the criterion checks of a finished well's cells again (they are per run, not saved): the cells' draws
    /// alone, nothing simulated.
    /// </summary>
    public static void Recheck(SlowScaleCriterionCheck? criterion, CellParameterSampler sampler, Study study, Scenario scenario, int scenarioIndex,
        ulong seed, int cells, int parameters, int species)
    {
        if (criterion is null) return;
        int types = study.CellTypes.Length;
        var row = new double[parameters];
        var counts = new double[species];
        for (int w = 0; w < types * cells; w++)
        {
            sampler.Sample(seed, scenario, study.CellTypes[w / cells], w / cells, w % cells, row, counts);
            criterion.Check(scenarioIndex * types + w / cells, counts, row);
        }
    }

    /// <summary>Reads finished well <paramref name="scenario"/>'s results with <paramref name="read"/> (after its header).</summary>
    public void ReadFinished(int scenario, Action<BinaryReader> read)
    {
        WellState.Read(_finished[scenario], r =>
        {
            r.Expect(scenario, "as the finished well's scenario");
            ContinueWork(r.ReadCounters());
            read(r);
            return 0;
        });
        Say($"{_finished.Count} of {_scenarios} scenarios finished");
    }

    /// <summary>
    /// If well <paramref name="scenario"/> is the one in progress, reads its state with <paramref name="read"/> (after its
    /// header, into the well the runner has just started) and returns true; <paramref name="where"/> then says where it
    /// continues.
    /// </summary>
    public bool ContinueInProgress(int scenario, Action<BinaryReader> read, Func<string> where)
    {
        if (scenario != _finished.Count || _inProgress is null) return false;
        WellState.Read(_inProgress, r =>
        {
            r.Expect(scenario, "as the scenario in progress");
            var saved = r.ReadCounters();
            read(r);
            // what starting the well again counted was counted before
            ContinueWork(saved);
            return 0;
        });
        Say($"{where()}, {_finished.Count} of {_scenarios} scenarios finished");
        return true;
    }

    /// <summary>Saves finished well <paramref name="scenario"/>: its header, then <paramref name="write"/>.</summary>
    public void SaveFinished(int scenario, Action<BinaryWriter> write) => _store?.SaveFinishedWell(scenario, w =>
    {
        Header(w, scenario);
        write(w);
    });

    /// <summary>Between coupling intervals: saves the well in progress when the store says it is due.</summary>
    public void SaveProgressIfDue(int scenario, Action<BinaryWriter> write)
    {
        if (_store is { ProgressDue: true })
            _store.SaveProgress(w =>
            {
                Header(w, scenario);
                write(w);
            });
    }

    private void Header(BinaryWriter w, int scenario)
    {
        w.Write(WellState.Magic);
        w.Write(scenario);
        w.WriteCounters(Work());
    }

    private void ContinueWork(Simulation.SimulationCounters saved) => _offset = saved - _engineWork();

    private void Say(string where) => _plan!.ContinuedFrom = where;
}
