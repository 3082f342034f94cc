using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace Stochastic.Bench;

/// <summary>The one benchmark configuration: memory diagnoser, and a short job for quick checks.</summary>
public static class BenchConfig
{
    /// <summary>The default config, or a short one (1 launch, 1 warm-up, 3 iterations) when <paramref name="quick"/>.</summary>
    public static IConfig Create(bool quick)
    {
        var job = quick
            ? Job.ShortRun.WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3)
            : Job.Default;
        return ManualConfig.CreateMinimumViable()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub)
            .AddColumn(StatisticColumn.Median)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}
