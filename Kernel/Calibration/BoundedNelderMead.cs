using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Stochastic.Calibration;

/// <summary>The best point a search found.</summary>
/// <param name="Point">The parameters (natural scale).</param>
/// <param name="Value">The objective there.</param>
/// <param name="Evaluations">Objective evaluations the search made.</param>
public sealed record SearchResult(double[] Point, double Value, int Evaluations);

/// <summary>
/// Nelder–Mead downhill simplex (Nelder &amp; Mead 1965, Comput J 7:308) of Math.NET Numerics
/// (<see cref="NelderMeadSimplex"/>) over positive parameters within bounds, in log space: each
/// parameter θ is searched as u with ln θ = ln lo + (ln hi − ln lo)·logistic(u), so every point the
/// simplex tries is inside the bounds and steps are relative. Derivative-free, so it suits an objective
/// whose stochastic simulation makes it rough on small scales; each run restarts from the best point with
/// a fresh simplex (<c>restarts</c> times), the usual remedy for a simplex that collapsed early
/// on a ridge or a step of the rough surface. The best point ever evaluated is kept, so a run that hits its
/// evaluation limit still returns what it found.
/// </summary>
public static class BoundedNelderMead
{
    /// <summary>Relative convergence tolerance on the simplex's spread of objective values.</summary>
    public const double Tolerance = 1e-6;

    /// <summary>Minimizes <paramref name="objective"/> from <paramref name="start"/> within [<paramref name="lower"/>, <paramref name="upper"/>].</summary>
    /// <param name="objective">The function of the parameters (natural scale).</param>
    /// <param name="lower">Lower bounds, &gt; 0.</param>
    /// <param name="upper">Upper bounds, &gt; lower.</param>
    /// <param name="start">Starting point, inside the bounds.</param>
    /// <param name="maxEvaluations">Evaluations per simplex run at most.</param>
    /// <param name="restarts">Fresh simplices from the best point after the first run.</param>
    /// <param name="step">Initial simplex edge in u (logistic scale); 0.5 moves a mid-range parameter by about 1/8 of its log range.</param>
    public static SearchResult Minimize(Func<double[], double> objective, double[] lower, double[] upper, double[] start,
        int maxEvaluations, int restarts, double step = 0.5)
    {
        int n = start.Length;
        if (lower.Length != n || upper.Length != n) throw new ArgumentException("one bound of each kind per parameter", nameof(lower));
        for (int i = 0; i < n; i++)
            if (!(lower[i] > 0) || !(upper[i] > lower[i]) || !(start[i] >= lower[i] && start[i] <= upper[i]))
                throw new ArgumentOutOfRangeException(nameof(start), FormattableString.Invariant($"parameter {i}: need 0 < lower < upper and lower ≤ start ≤ upper; got {lower[i]}, {upper[i]}, {start[i]}"));
        double[] best = [.. start];
        double bestValue = double.PositiveInfinity;
        int evaluations = 0, runStart = 0;
        double Value(Vector<double> u)
        {
            if (evaluations - runStart >= maxEvaluations) throw new BudgetSpent();
            var x = ToNatural(u, lower, upper);
            double v = objective(x);
            evaluations++;
            if (v < bestValue) { bestValue = v; best = x; }
            return double.IsNaN(v) ? double.PositiveInfinity : v;
        }
        for (int run = 0; run <= restarts; run++)
        {
            double before = bestValue;
            var u0 = Vector<double>.Build.DenseOfArray(ToSearch(best, lower, upper));
            runStart = evaluations;
            var simplex = new NelderMeadSimplex(Tolerance, maxEvaluations);
            try { simplex.FindMinimum(ObjectiveFunction.Value(Value), u0, Vector<double>.Build.Dense(n, step)); }
            catch (Exception e) when (e is BudgetSpent or MaximumIterationsException) { /* the best point so far is kept */ }
            // A restart that improves nothing by more than the tolerance ends the search.
            if (run > 0 && !(bestValue < before - Tolerance * Math.Max(1, Math.Abs(before)))) break;
        }
        return new SearchResult(best, bestValue, evaluations);
    }

    /// <summary>Ends a simplex run whose evaluations are spent (Math.NET counts iterations, not evaluations).</summary>
    private sealed class BudgetSpent : Exception;

    private static double[] ToNatural(Vector<double> u, double[] lower, double[] upper)
    {
        var x = new double[u.Count];
        for (int i = 0; i < x.Length; i++)
        {
            double lo = Math.Log(lower[i]), hi = Math.Log(upper[i]);
            x[i] = Math.Exp(lo + (hi - lo) / (1 + Math.Exp(-u[i])));
        }
        return x;
    }

    private static double[] ToSearch(double[] x, double[] lower, double[] upper)
    {
        var u = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double lo = Math.Log(lower[i]), hi = Math.Log(upper[i]);
            // Keep a start on a bound a little inside it, where the logistic is finite.
            double f = Math.Clamp((Math.Log(x[i]) - lo) / (hi - lo), 1e-6, 1 - 1e-6);
            u[i] = Math.Log(f / (1 - f));
        }
        return u;
    }
}
