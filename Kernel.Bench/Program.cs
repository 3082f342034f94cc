using BenchmarkDotNet.Running;
using Stochastic.Bench;

// Runs the benchmarks chosen on the command line (BenchmarkDotNet switcher: --filter, --list, …).
// `--short` gives a quick check: few iterations, one launch, numbers only indicative.
if (args.FirstOrDefault() == "throughput") { ExactThroughput.Run(args[1..]); return; }
// `write-net N FILE`: the synthetic N-reaction .net file (the load-and-compile benchmark's network), for whole-process timing.
if (args.FirstOrDefault() == "write-net") { File.WriteAllText(args[2], Stochastic.Tests.Helpers.SyntheticNetFile.Create(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture))); return; }
if (args.FirstOrDefault() == "load") { LoadProfile.Run(args[1..]); return; }
if (args.FirstOrDefault() == "profile-multiscale") { MultiScaleProfile.Run(args[1..]); return; }
bool quick = args.Contains("--short");
var rest = args.Where(a => a != "--short").ToArray();
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(rest, BenchConfig.Create(quick));
