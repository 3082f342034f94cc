using Stochastic.Network;
using Stochastic.Simulation;
using Stochastic.Simulation.Batch;
using Stochastic.Simulation.Exact;
using Stochastic.Model;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;
using Stochastic.Simulation.Tau;

namespace Stochastic.Cli;

/// <summary>The simulation methods the command line offers, by <c>--method</c> name.</summary>
internal static class Methods
{
    /// <summary>Every name <c>--method</c> accepts, for help text and errors.</summary>
    public static IReadOnlyList<string> Names { get; } = ["ssa", "tau", "batch", "hybrid", .. ExactAlgorithms.All.Select(a => a.Name)];

    /// <summary>Help text of the <c>--method</c> option.</summary>
    public static string Help =>
        "ssa (exact; the algorithm is chosen for the network's size), tau (adaptive tau-leaping, scalar), " +
        "batch (tau-leaping, one cell per SIMD lane; same results as tau), hybrid (exact SSA with the reactions among abundant species leaped, --epsilon), " +
        $"or an exact algorithm: {string.Join(", ", ExactAlgorithms.All.Select(a => a.Name))}";

    /// <summary>Throws for a name that is not a method, before any work is done.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown method.</exception>
    public static void Validate(string method)
    {
        if (!Names.Contains(method, StringComparer.OrdinalIgnoreCase))
            throw new ArgumentOutOfRangeException(nameof(method), $"unknown method '{method}' (expected {string.Join(", ", Names)})");
    }

    /// <summary>Checks the tau-leaping error-control parameter ε.</summary>
    /// <exception cref="ArgumentOutOfRangeException">ε outside (0, 1).</exception>
    public static void ValidateEpsilon(double epsilon)
    {
        if (!(epsilon > 0 && epsilon < 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"--epsilon must be in (0, 1), got {epsilon}");
    }

    /// <summary>Runs an ensemble of <paramref name="network"/> with the named method.</summary>
    public static EnsembleResult RunEnsemble(string method, ReactionModel model, CompiledNetwork network, EnsembleOptions options, double epsilon,
        IProgress<EnsembleProgress>? progress, CancellationToken cancellationToken)
    {
        Validate(method);
        switch (method.ToLowerInvariant())
        {
            case "ssa":
                return Ensemble.Run(network, ExactAlgorithms.Select(network), options, progress, cancellationToken);
            case "tau":
                return Ensemble.Run(() => new TauLeapingSimulator(network, epsilon), options, progress, cancellationToken);
            case "hybrid":
                return Ensemble.Run(() => new ExactTrajectorySimulator(network, new SlowScaleSimulator(SlowScaleReduction.Hybrid(model, epsilon, network))), options, progress, cancellationToken);
            case "batch":
                var batch = new BatchOptions(options.Runs, options.Seed, options.Grid, epsilon, options.Threads);
                return BatchSimulator.RunEnsemble(network, batch, null, progress, cancellationToken, options.KeepTrajectories);
            default:
                return Ensemble.Run(network, ExactAlgorithms.Find(method)!, options, progress, cancellationToken);
        }
    }
}
