using System.CommandLine;
using Stochastic.Methods;
using Stochastic.Population;
using Stochastic.Simulation.SlowScale;
using Stochastic.Transforms;
using Stochastic.Simulation.Tau;

namespace Stochastic.Cli.Commands;

/// <summary>
/// The cell-engine options shared by <c>population</c> and <c>dose-response</c>:
/// <c>--method batch|ssa|slow-scale</c>, <c>--epsilon</c>, <c>--theta</c>, <c>--group-theta</c>,
/// <c>--reservoir-tolerance</c> and <c>--leap</c>.
/// </summary>
internal sealed record EngineOptions(Option<string> Method, Option<double> Epsilon, Option<double> Theta, Option<double> GroupTheta, Option<double> ReservoirTolerance, Option<bool> Leap)
{
    public static EngineOptions Create()
    {
        var method = MethodOption([.. MethodCatalog.All.Where(m => m.SimulatesCells)],
            "cell engine (default: the study's 'engine' setting, else slow-scale --theta 10 --leap)", "slow-scale");
        var theta = new Option<double>("--theta") { Description = "slow-scale: a reversible pair A <-> B is lumped when kf + kr >= theta x the fastest other per-molecule reaction consuming A or B (judged per scenario x cell type at its median cell; a chain of pairs must also relax across each pair at >= max(theta, --group-theta) x its fastest drain)", DefaultValueFactory = _ => SlowScaleOptions.DefaultTheta };
        Positive(theta);
        var groupTheta = new Option<double>("--group-theta") { Description = "slow-scale: the separation a chain of lumped pairs needs across each pair, against its fastest drain (the criterion uses max(--theta, this))", DefaultValueFactory = _ => new SlowScaleOptions().GroupTheta };
        Positive(groupTheta);
        var tolerance = new Option<double>("--reservoir-tolerance") { Description = "slow-scale: relative drift δ of a reservoir's free count before the equilibria that depend on it are re-solved, in [0, 1); the shares then err by at most (1 - π)·δ (0.001 bounds that by 0.1% at ~50% more time for NK cells under IL-2)", DefaultValueFactory = _ => new SlowScaleOptions().ReservoirTolerance };
        tolerance.Validators.Add(r =>
        {
            double d = r.GetValueOrDefault<double>();
            if (!(d >= 0 && d < 1)) r.AddError($"--reservoir-tolerance must be in [0, 1), got {d}");
        });
        var epsilon = EpsilonOption("tau-leaping error bound ε, in (0, 1): of the batch engine, and of slow-scale --leap");
        var leap = new Option<bool>("--leap") { Description = "slow-scale: leap the slow reactions among abundant species (hybrid SSA / tau-leaping with --epsilon, e.g. receptor turnover); the rest stay exact" };
        return new EngineOptions(method, epsilon, theta, groupTheta, tolerance, leap);

        static void Positive(Option<double> option) => option.Validators.Add(r =>
        {
            double t = r.GetValueOrDefault<double>();
            if (!(t > 0) || double.IsInfinity(t)) r.AddError($"{option.Name} must be a positive number, got {t}");
        });
    }

    /// <summary>
    /// True, after writing the one-line error, when <paramref name="study"/> couples the cells of a well (a shared ligand
    /// pool or a lineage block) and <paramref name="method"/>'s cells cannot pause and resume, as that needs.
    /// </summary>
    public static bool RefusesCoupledStudy(Study study, SimulationMethod method, TextWriter error)
    {
        if (study.WellCoupling is not { } coupledBy || method.ResumesCells) return false;
        error.WriteLine($"error: the study has a {coupledBy}, which needs cells that pause and resume; use --method {string.Join(", ", MethodCatalog.All.Where(m => m.ResumesCells).Select(m => m.Name))}, not {method.Name}");
        return true;
    }

    /// <summary>A <c>--method</c> option offering <paramref name="choices"/> from the catalog, each listed with its summary.</summary>
    public static Option<string> MethodOption(IReadOnlyList<SimulationMethod> choices, string description, string defaultName)
    {
        var method = new Option<string>("--method")
        {
            Description = description + ": " + string.Join("; ", choices.Select(m => $"{m.Name} ({m.Summary})")),
            DefaultValueFactory = _ => defaultName,
        };
        method.Validators.Add(r =>
        {
            string m = r.GetValueOrDefault<string>();
            if (!choices.Any(c => c.Name == m)) r.AddError($"unknown --method '{m}' (expected {string.Join(", ", choices.Select(c => c.Name))})");
        });
        return method;
    }

    /// <summary>The <c>--epsilon</c> option: ε in (0, 1), default <see cref="TauLeapingSimulator.DefaultEpsilon"/>.</summary>
    public static Option<double> EpsilonOption(string description)
    {
        var epsilon = new Option<double>("--epsilon") { Description = description, DefaultValueFactory = _ => TauLeapingSimulator.DefaultEpsilon };
        epsilon.Validators.Add(r =>
        {
            double e = r.GetValueOrDefault<double>();
            if (!(e > 0 && e < 1)) r.AddError($"--epsilon must be in (0, 1), got {e}");
        });
        return epsilon;
    }

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Method, Epsilon, Theta, GroupTheta, ReservoirTolerance, Leap }) command.Options.Add(o);
    }

    /// <summary>
    /// <paramref name="options"/> with the engine to run. Without <c>--method</c> it is the study's own
    /// (<paramref name="studyEngine"/>: its <c>engine</c> setting, or the validated default), each engine flag
    /// given overriding that setting; with <c>--method</c> the flags alone say it, as documented per flag.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><c>--leap</c>, <c>--theta</c>, <c>--group-theta</c> or <c>--reservoir-tolerance</c> given for an engine other than slow-scale.</exception>
    public PopulationOptions Apply(PopulationOptions options, ParseResult parse, StudyEngine studyEngine, TextWriter? notices = null)
    {
        bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
        if (Given(Method))
        {
            var flags = FromFlags(parse);
            if (notices is not null && Dropped(studyEngine, flags, Given) is { Count: > 0 } dropped)
                notices.WriteLine($"note: --method replaces the study's engine ({studyEngine.Method.Name}); to keep what it set, add {string.Join(" ", dropped)}");
            return Check(flags.ApplyTo(options));
        }
        var engine = studyEngine;
        double epsilon = Given(Epsilon) ? parse.GetValue(Epsilon) : engine.Epsilon;
        var slow = engine.SlowScale;
        if (Given(Theta)) slow = slow with { Theta = parse.GetValue(Theta) };
        if (Given(GroupTheta)) slow = slow with { GroupTheta = parse.GetValue(GroupTheta) };
        if (Given(ReservoirTolerance)) slow = slow with { ReservoirTolerance = parse.GetValue(ReservoirTolerance) };
        bool leap = Given(Leap) ? parse.GetValue(Leap) : slow.LeapEpsilon is not null;
        return Check((engine with { Epsilon = epsilon, SlowScale = slow with { LeapEpsilon = leap ? epsilon : null } }).ApplyTo(options));

        PopulationOptions Check(PopulationOptions chosen)
        {
            if (chosen.Method.Needs.HasFlag(MethodNeeds.SlowScale)) return chosen;
            foreach (var option in new Option[] { Leap, GroupTheta, ReservoirTolerance })
                if (Given(option) && !(option == Leap && !parse.GetValue(Leap)))
                    throw new ArgumentOutOfRangeException(option.Name, $"{option.Name} applies to --method slow-scale only");
            return chosen;
        }
    }

    // The flags that would keep the study engine's settings which the flags' engine reads but were not given
    // (a study's 'engine slow-scale theta=10 leap' run with --method multiscale alone would not leap).
    private List<string> Dropped(StudyEngine study, StudyEngine flags, Func<Option, bool> given)
    {
        var dropped = new List<string>();
        var needs = flags.Method.Needs;
        if (needs.HasFlag(MethodNeeds.SlowScale) && study.Method.Needs.HasFlag(MethodNeeds.SlowScale))
        {
            SlowScaleOptions a = study.SlowScale, b = flags.SlowScale;
            if (a.LeapEpsilon is not null && b.LeapEpsilon is null && !given(Leap)) dropped.Add("--leap");
            if (a.Theta != b.Theta && !given(Theta)) dropped.Add(FormattableString.Invariant($"--theta {a.Theta}"));
            if (a.GroupTheta != b.GroupTheta && !given(GroupTheta)) dropped.Add(FormattableString.Invariant($"--group-theta {a.GroupTheta}"));
            if (a.ReservoirTolerance != b.ReservoirTolerance && !given(ReservoirTolerance))
                dropped.Add(FormattableString.Invariant($"--reservoir-tolerance {a.ReservoirTolerance}"));
        }
        if (needs.HasFlag(MethodNeeds.Epsilon) && study.Method.Needs.HasFlag(MethodNeeds.Epsilon) && study.Epsilon != flags.Epsilon && !given(Epsilon))
            dropped.Add(FormattableString.Invariant($"--epsilon {study.Epsilon}"));
        return dropped;
    }

    private StudyEngine FromFlags(ParseResult parse)
    {
        var method = MethodCatalog.Get(parse.GetValue(Method)!, "--method");
        double epsilon = parse.GetValue(Epsilon);
        return new StudyEngine(method, epsilon, new SlowScaleOptions
        {
            Theta = parse.GetValue(Theta),
            GroupTheta = parse.GetValue(GroupTheta),
            ReservoirTolerance = parse.GetValue(ReservoirTolerance),
            LeapEpsilon = parse.GetValue(Leap) ? epsilon : null,
        });
    }
}
