namespace Stochastic.Random;

/// <summary>
/// Binomial(n, p) variates, exact. With p folded to min(p, 1 − p): n·p below
/// <see cref="InversionLimit"/> by the waiting-time method (Devroye 1986, "Non-Uniform Random Variate
/// Generation", §X.4: the number of geometric gaps that fit in n trials, about n·p + 1 uniforms);
/// above it by Hörmann's BTRS transformed rejection with squeeze (Hörmann 1993, "The generation of
/// binomial random variates", J. Statist. Comput. Simul. 46:101–110), whose acceptance test takes
/// the log factorials from <see cref="PoissonSampler.LogFactorial"/>. Draws from any scalar stream (<see cref="IUniformSource"/>).
/// </summary>
internal static class BinomialSampler
{
    /// <summary>n·p from which BTRS is used (valid from 10 up).</summary>
    public const double InversionLimit = 10;

    /// <summary>One Binomial(<paramref name="trials"/>, <paramref name="p"/>) variate from <paramref name="random"/>; p is clamped to [0, 1].</summary>
    public static double Sample<TRandom>(double trials, double p, ref TRandom random) where TRandom : struct, IUniformSource
    {
        if (!(trials >= 1) || !(p > 0)) return 0;
        if (p >= 1) return trials;
        if (p > 0.5) return trials - Sample(trials, 1 - p, ref random);
        return trials * p < InversionLimit ? WaitingTime(trials, p, ref random) : Btrs(trials, p, ref random);
    }

    // Geometric gaps ⌈ln U / ln(1 − p)⌉ between successes, counted while their sum stays within n.
    private static double WaitingTime<TRandom>(double n, double p, ref TRandom random) where TRandom : struct, IUniformSource
    {
        double scale = 1 / Math.Log(1 - p), sum = 0, k = 0;
        while (true)
        {
            sum += Math.Ceiling(Math.Log(random.NextOpenDouble()) * scale);
            if (sum > n) return k;
            k++;
        }
    }

    private static double Btrs<TRandom>(double n, double p, ref TRandom random) where TRandom : struct, IUniformSource
    {
        double spq = Math.Sqrt(n * p * (1 - p));
        double b = 1.15 + 2.53 * spq;
        double a = -0.0873 + 0.0248 * b + 0.01 * p;
        double c = n * p + 0.5;
        double vr = 0.92 - 4.2 / b;
        double alpha = (2.83 + 5.1 / b) * spq;
        double lpq = Math.Log(p / (1 - p));
        double m = Math.Floor((n + 1) * p);
        double h = PoissonSampler.LogFactorial(m) + PoissonSampler.LogFactorial(n - m);
        while (true)
        {
            double u = random.NextDouble() - 0.5, v = random.NextDouble();
            double us = 0.5 - Math.Abs(u);
            double k = Math.Floor((2 * a / us + b) * u + c);
            if (us >= 0.07 && v <= vr) return k; // the squeeze: inside the tight box
            if (k < 0 || k > n) continue;
            v = Math.Log(v * alpha / (a / (us * us) + b));
            if (v <= h - PoissonSampler.LogFactorial(k) - PoissonSampler.LogFactorial(n - k) + (k - m) * lpq) return k;
        }
    }
}
