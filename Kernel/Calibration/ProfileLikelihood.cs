namespace Stochastic.Calibration;

/// <summary>One point of a likelihood profile: the parameter held at <see cref="Value"/>, the others re-optimized.</summary>
/// <param name="Value">The profiled parameter's value.</param>
/// <param name="Objective">The minimum of the objective with the parameter held there.</param>
/// <param name="Others">The other free parameters at that minimum (free order, the profiled one included at <see cref="Value"/>).</param>
public sealed record ProfilePoint(double Value, double Objective, double[] Others);

/// <summary>
/// A 95% profile-likelihood interval of one parameter (Venzon &amp; Moolgavkar 1988; Raue et al. 2009,
/// Bioinformatics 25:1923): the values whose profile lies within χ²₁(0.95) = 3.841 of the optimum.
/// </summary>
/// <param name="Parameter">Parameter name.</param>
/// <param name="Estimate">Fitted value.</param>
/// <param name="Low">Lower end; the lower bound when <see cref="LowOpen"/>.</param>
/// <param name="High">Upper end; the upper bound when <see cref="HighOpen"/>.</param>
/// <param name="LowOpen">The profile stayed below the threshold down to the lower bound: the data do not bound the parameter from below.</param>
/// <param name="HighOpen">Likewise above.</param>
/// <param name="Points">The profile, ascending in value, the optimum included.</param>
public sealed record ProfileInterval(string Parameter, double Estimate, double Low, double High, bool LowOpen, bool HighOpen, IReadOnlyList<ProfilePoint> Points);

/// <summary>
/// Profile likelihood of each free parameter: the parameter is held at values stepping outward from
/// the optimum in log10 (the fit's profile steps) until the objective rises by more than
/// <see cref="Threshold"/> or a bound is reached, the other free parameters re-optimized at each value
/// (Nelder–Mead from the previous point's optimum); the interval's ends interpolate linearly in ln θ the
/// signed root √Δ (exact for a quadratic profile) between the last point inside and the first outside.
/// </summary>
public static class ProfileLikelihood
{
    /// <summary>χ²₁ 95% quantile: the rise of −2 ln L that bounds a 95% interval of one parameter.</summary>
    public const double Threshold = 3.841458820694124;

    /// <summary>Profiles parameter <paramref name="index"/> of <paramref name="optimum"/>.</summary>
    /// <param name="name">Parameter name (for the result).</param>
    /// <param name="objective">Objective of the free parameters (natural scale).</param>
    /// <param name="optimum">The fitted free parameters.</param>
    /// <param name="optimumValue">The objective there.</param>
    /// <param name="index">Which free parameter.</param>
    /// <param name="lower">Lower bounds of the free parameters.</param>
    /// <param name="upper">Upper bounds.</param>
    /// <param name="steps">Offsets from the optimum in log10, ascending and positive.</param>
    /// <param name="maxEvaluations">Evaluations of each re-optimization at most.</param>
    public static ProfileInterval Profile(string name, Func<double[], double> objective, double[] optimum, double optimumValue, int index,
        double[] lower, double[] upper, IReadOnlyList<double> steps, int maxEvaluations)
    {
        int n = optimum.Length;
        var points = new List<ProfilePoint> { new(optimum[index], optimumValue, [.. optimum]) };
        var ends = new double[2];
        var open = new bool[2];
        for (int side = 0; side < 2; side++)
        {
            double sign = side == 0 ? -1 : 1;
            double[] previous = [.. optimum];
            double lastInside = optimum[index], lastValue = optimumValue;
            open[side] = true;
            ends[side] = side == 0 ? lower[index] : upper[index];
            foreach (double step in steps)
            {
                double value = Math.Clamp(optimum[index] * Math.Pow(10, sign * step), lower[index], upper[index]);
                var (point, objectiveValue) = Reoptimize(value);
                points.Add(new ProfilePoint(value, objectiveValue, point));
                if (objectiveValue - optimumValue >= Threshold)
                {
                    // Interpolate the signed root √Δ, which is linear in ln θ where the profile is quadratic
                    // (interpolating Δ itself would put the end too close when the first step already crosses).
                    double inside = Math.Sqrt(Math.Max(0, lastValue - optimumValue)), outside = Math.Sqrt(objectiveValue - optimumValue);
                    double f = (Math.Sqrt(Threshold) - inside) / (outside - inside);
                    ends[side] = Math.Exp(Math.Log(lastInside) + f * (Math.Log(value) - Math.Log(lastInside)));
                    open[side] = false;
                    break;
                }
                previous = point;
                lastInside = value;
                lastValue = objectiveValue;
                if (value == lower[index] || value == upper[index]) break;
            }

            (double[] Point, double Value) Reoptimize(double held)
            {
                if (n == 1) return ([held], objective([held]));
                int[] others = [.. Enumerable.Range(0, n).Where(i => i != index)];
                double[] Full(double[] x)
                {
                    var full = new double[n];
                    full[index] = held;
                    for (int k = 0; k < others.Length; k++) full[others[k]] = x[k];
                    return full;
                }
                var result = BoundedNelderMead.Minimize(x => objective(Full(x)), [.. others.Select(i => lower[i])], [.. others.Select(i => upper[i])],
                    [.. others.Select(i => previous[i])], maxEvaluations, restarts: 0, step: 0.3);
                return (Full(result.Point), result.Value);
            }
        }
        return new ProfileInterval(name, optimum[index], ends[0], ends[1], open[0], open[1], [.. points.OrderBy(p => p.Value)]);
    }
}
