using BenchmarkDotNet.Running;
using Stochastic.Bench;

// Runs the benchmarks chosen on the command line (BenchmarkDotNet switcher: --filter, --list, …).
// `--short` gives a quick check: few iterations, one launch, numbers only indicative.
if (args.FirstOrDefault() == "throughput") { ExactThroughput.Run(args[1..]); return; }
if (args.FirstOrDefault() == "profile-multiscale") { MultiScaleProfile.Run(args[1..]); return; }
bool quick = args.Contains("--short");
var rest = args.Where(a => a != "--short").ToArray();
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(rest, BenchConfig.Create(quick));
