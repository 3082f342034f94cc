using System.Runtime.CompilerServices;
using Stochastic.Transforms;

namespace Stochastic.Simulation.SlowScale;

/// <summary>
/// The reservoirs' free counts of a slow-scale run, refreshed only when they drift (docs/algorithms.md, "Slow-scale SSA"). A reservoir's free count g (the fixed point of a·g = G_T − Σ T·c̄(g), a its home
/// group's molecules per free one, jointly with the reservoirs coupled to it; <see cref="FastEquilibrium"/>)
/// is not re-solved on every firing: the bound amount is tracked at the current shares, and g and the
/// shares of its groups are refreshed only when the implied free count (G_T − bound)/a has drifted from g
/// by more than the tolerance δ (relative); the reservoirs that a refresh moves are then checked in turn
/// (Gauss–Seidel). The error this adds to a share is at most (1 − π)·δ relative.
/// </summary>
internal sealed class ReservoirRefresh
{
    private readonly FastEquilibrium _eq;
    private readonly double _tolerance;
    // Per reservoir: molecules bound in other groups and home-group scale a (at the last refresh; the
    // bound amount is kept up to date as group totals move), and whether it moved since its last check.
    private readonly double[] _bound, _scale;
    private readonly bool[] _touched;

    /// <summary>Tracks the reservoirs of <paramref name="eq"/> with drift tolerance <paramref name="tolerance"/>.</summary>
    public ReservoirRefresh(FastEquilibrium eq, double tolerance)
    {
        _eq = eq;
        _tolerance = tolerance;
        int n = eq.ReservoirSpecies.Length;
        Free = new double[n];
        _bound = new double[n];
        _scale = new double[n];
        _touched = new bool[n];
    }

    /// <summary>Each reservoir's free count, as last solved.</summary>
    public double[] Free { get; }

    /// <summary>The reservoirs the last <see cref="Settle"/> refreshed.</summary>
    public List<int> Refreshed { get; } = [];

    /// <summary>
    /// Solves every free count from the reduced state <paramref name="y"/> (its free-count entries the
    /// starting guesses), writes them into <paramref name="y"/> and the expected full state
    /// <paramref name="xbar"/>, fills every group's members, and starts tracking from there.
    /// </summary>
    public void Restart(double[] y, double[] xbar)
    {
        var free = Free;
        for (int r = 0; r < free.Length; r++) free[r] = y[_eq.ReservoirFreeIndex[r]];
        _eq.SolveAll(y, free);
        for (int k = 0; k < _eq.Members.Length; k++) _eq.Fill(k, y, free, xbar);
        for (int r = 0; r < free.Length; r++)
        {
            y[_eq.ReservoirFreeIndex[r]] = xbar[_eq.ReservoirSpecies[r]] = free[r];
            _bound[r] = _eq.Bound(r, y, free);
            _scale[r] = _eq.Scale(r);
        }
        Array.Clear(_touched);
    }

    /// <summary>Group <paramref name="k"/>'s total moved by <paramref name="amount"/>: the reservoirs it binds hold that much more at the current shares. True when it binds any.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool GroupMoved(int k, double amount)
    {
        var reservoirs = _eq.Reservoirs[k];
        var share = _eq.Share[k];
        for (int q = 0; q < reservoirs.Length; q++)
        {
            _bound[reservoirs[q]] += amount * share[q];
            _touched[reservoirs[q]] = true;
        }
        return reservoirs.Length > 0;
    }

    /// <summary>Reservoir <paramref name="r"/>'s total moved: check its drift at the next <see cref="Settle"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Touch(int r) => _touched[r] = true;

    /// <summary>
    /// Refreshes every touched reservoir whose free count has drifted, and those that refresh moves in
    /// turn (Gauss–Seidel; the drift tolerance ends it), noting each refreshed one in <see cref="Refreshed"/>.
    /// </summary>
    public void Settle(double[] y, double[] xbar)
    {
        Refreshed.Clear();
        for (int round = 0; round < 100; round++)
        {
            bool again = false;
            for (int r = 0; r < Free.Length; r++)
            {
                if (!_touched[r]) continue;
                _touched[r] = false;
                if (!Drifted(r, y)) continue;
                Refresh(r, y, xbar);
                if (!Refreshed.Contains(r)) Refreshed.Add(r);
                again = true;
            }
            if (!again) return;
        }
        Array.Clear(_touched);
    }

    // Re-solves reservoir r's free count (the others held) and fills the members that move with it;
    // the reservoirs coupled to it get their bound amounts and scales anew and are checked next.
    private void Refresh(int r, double[] y, double[] xbar)
    {
        var free = Free;
        double g = _eq.SolveFree(r, y, free);
        free[r] = g;
        y[_eq.ReservoirFreeIndex[r]] = g;
        xbar[_eq.ReservoirSpecies[r]] = g;
        foreach (int k in _eq.Affected[r])
        {
            _eq.Update(k, free);
            _eq.Fill(k, y, free, xbar);
        }
        foreach (int c in _eq.Coupled[r])
        {
            _bound[c] = _eq.Bound(c, y, free);
            _scale[c] = _eq.Scale(c);
            if (c != r) _touched[c] = true;
        }
    }

    // True when reservoir r's implied free count has drifted from the last solved one by more than the tolerance.
    private bool Drifted(int r, double[] y) => Math.Abs((y[_eq.ReservoirTotal[r]] - _bound[r]) / _scale[r] - Free[r]) > _tolerance * Free[r];
}
