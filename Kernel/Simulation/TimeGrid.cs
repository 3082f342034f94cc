namespace Stochastic.Simulation;

/// <summary>
/// Evenly spaced output times from <see cref="Start"/> to <see cref="End"/>, both included. The
/// state recorded at time t is the state after the last firing at or before t.
/// </summary>
public sealed record TimeGrid
{
    /// <summary>Creates a grid of <paramref name="points"/> times (at least 2) from <paramref name="start"/> to <paramref name="end"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 points, or end not after start, or a bound not finite.</exception>
    public TimeGrid(double start, double end, int points)
    {
        if (!double.IsFinite(start) || !double.IsFinite(end) || end <= start)
            throw new ArgumentOutOfRangeException(nameof(end), $"the end time ({end}) must be finite and after the start time ({start})");
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), $"at least 2 output points are needed, got {points}");
        Start = start;
        End = end;
        Points = points;
    }

    /// <summary>
    /// The grid a model file asks for (its simulate action): from its t_start (else 0) to <paramref name="end"/>,
    /// <paramref name="points"/> times, else its n_steps + 1, else 101.
    /// </summary>
    public static TimeGrid For(Model.RunSettings? run, double end, int? points = null) =>
        new(run?.TStart ?? 0, end, points ?? (run?.Points is int steps ? steps + 1 : 101));

    /// <summary>First output time.</summary>
    public double Start { get; }
    /// <summary>Last output time.</summary>
    public double End { get; }
    /// <summary>Number of output times.</summary>
    public int Points { get; }

    /// <summary>Output time <paramref name="k"/> (0-based); the last is exactly <see cref="End"/>.</summary>
    public double this[int k] => k == Points - 1 ? End : Start + (End - Start) * k / (Points - 1);

    /// <summary>All output times.</summary>
    public double[] Times() => [.. Enumerable.Range(0, Points).Select(k => this[k])];
}
