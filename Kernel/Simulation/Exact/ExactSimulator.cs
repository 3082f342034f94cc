using Stochastic.Network;
using Stochastic.Random;

namespace Stochastic.Simulation.Exact;

/// <summary>
/// The state of one exact trajectory and the algorithm that advances it. A simulator is reused
/// for many runs (<see cref="Reset"/>); it is not thread-safe.
/// </summary>
/// <remarks>
/// The contract every algorithm keeps: <see cref="Advance"/> fires, in order, every reaction whose
/// firing time is at or before the horizon, and leaves the next firing pending, so that the state
/// after <c>Advance(t)</c> is the state at time t. After the caller changes <see cref="State"/> or
/// <see cref="Parameters"/> (an event), it calls <see cref="Restart"/>, which recomputes every
/// propensity and discards the pending firing (valid by the memorylessness of the exponential).
/// Propensities that read time are held constant between firings. Algorithms read propensities
/// through <see cref="CompiledNetwork.Propensity"/>, which throws a <see cref="SimulationException"/>
/// for a computed rate that is negative or not finite, so they need no checks of their own.
/// </remarks>
public abstract class ExactSimulator
{
    /// <summary>Creates a simulator for <paramref name="network"/>.</summary>
    protected ExactSimulator(CompiledNetwork network)
    {
        Network = network;
        State = new double[network.SpeciesCount];
        Parameters = (double[])network.Parameters.Clone();
    }

    /// <summary>The network simulated.</summary>
    public CompiledNetwork Network { get; }

    /// <summary>Species counts now (exact integers held as doubles).</summary>
    public double[] State { get; }

    /// <summary>Parameter values of this run (events may change them).</summary>
    public double[] Parameters { get; }

    /// <summary>Time of the last firing, restart or reset.</summary>
    public double Time { get; protected set; }

    /// <summary>Reactions fired since the last <see cref="Reset"/>.</summary>
    public long Events { get; protected set; }

    /// <summary>This run's random stream.</summary>
    protected Xoshiro256StarStar Random;

    /// <summary>
    /// Starts a new run: initial counts (the network's unless given), time, and random stream
    /// <paramref name="streamIndex"/> of <paramref name="seed"/>.
    /// </summary>
    public void Reset(ulong seed, ulong streamIndex, ReadOnlySpan<double> initialCounts = default, double startTime = 0)
    {
        (initialCounts.IsEmpty ? Network.InitialCounts : initialCounts).CopyTo(State);
        Network.Parameters.CopyTo(Parameters, 0);
        Random = new Xoshiro256StarStar(seed, streamIndex);
        Events = 0;
        OnNewRun();
        Restart(startTime);
    }

    /// <summary>Called by <see cref="Reset"/> and <see cref="Resume"/> before <see cref="Restart"/>: drops whatever the previous run left pending beyond the state.</summary>
    protected virtual void OnNewRun() { }

    /// <summary>
    /// Where this run's random stream stands. With <see cref="State"/> and <see cref="Parameters"/> it is
    /// all a paused run needs: <see cref="Resume"/> continues it later, on this or another simulator of
    /// the same network, without keeping a simulator per run.
    /// </summary>
    public Xoshiro256StarStar RandomStream => Random;

    /// <summary>
    /// Continues a paused run at <paramref name="time"/>: counts, parameters (possibly changed since the
    /// pause) and random stream as given, <see cref="Events"/> back to 0, then <see cref="Restart"/>
    /// (valid by the memorylessness of the exponential, as for any event).
    /// </summary>
    public void Resume(ReadOnlySpan<double> counts, ReadOnlySpan<double> parameters, Xoshiro256StarStar random, double time)
    {
        counts.CopyTo(State);
        parameters.CopyTo(Parameters);
        Random = random;
        Events = 0;
        OnNewRun();
        Restart(time);
    }

    /// <summary>Recomputes every propensity from <see cref="State"/> at <paramref name="time"/> and discards any pending firing.</summary>
    public abstract void Restart(double time);

    /// <summary>
    /// Fires reactions in time order while the next firing time is at or before
    /// <paramref name="horizon"/>, at most <paramref name="maxEvents"/> of them.
    /// </summary>
    /// <remarks><paramref name="horizon"/> may be +∞: the run then goes on until nothing can fire.</remarks>
    /// <returns>The number of reactions fired.</returns>
    public abstract long Advance(double horizon, long maxEvents = long.MaxValue);

    /// <summary>The time of the pending firing (+∞ when nothing can fire), drawing it if needed.</summary>
    public abstract double NextFiringTime();
}
