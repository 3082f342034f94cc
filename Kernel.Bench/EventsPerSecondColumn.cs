using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Stochastic.Bench;

/// <summary>Adds an Events/s column to an SSA benchmark: events of the seeded trajectory divided by the mean time.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class EventsPerSecondColumnAttribute : Attribute, IConfigSource
{
    /// <inheritdoc />
    public IConfig Config { get; } = ManualConfig.CreateEmpty().AddColumn(new EventsPerSecondColumn());
}

/// <summary>Events per second of <see cref="SsaBenchmarks"/> cases (recomputes the event count in the host; it depends only on the seed).</summary>
public sealed class EventsPerSecondColumn : IColumn
{
    /// <inheritdoc />
    public string Id => "EventsPerSecond";
    /// <inheritdoc />
    public string ColumnName => "Events/s";
    /// <inheritdoc />
    public bool AlwaysShow => true;
    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;
    /// <inheritdoc />
    public int PriorityInCategory => 0;
    /// <inheritdoc />
    public bool IsNumeric => true;
    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;
    /// <inheritdoc />
    public string Legend => "Exact SSA events per second (one thread)";
    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;
    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is null) return "-";
        var parameters = benchmarkCase.Parameters;
        if (parameters["Case"] is not SsaCase c || parameters["Algorithm"] is not string algorithm) return "-";
        long events = SsaCase.Run(c.CreateSimulator(algorithm), c.TEnd);
        double seconds = report.ResultStatistics.Mean * 1e-9;
        return (events / seconds).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }
}
