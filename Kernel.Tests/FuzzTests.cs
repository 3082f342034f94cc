using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Stochastic.Cli;
using Stochastic.Formats;
using Xunit;
using Xunit.Abstractions;

namespace Stochastic.Tests;

/// <summary>
/// A mutation fuzzer over the repository's own model and study files: seeded, bounded mutants
/// (lines deleted, duplicated, swapped or cut; numbers made huge, negative, non-finite or past 2^53;
/// deep nesting; long names; control characters and garbage) go through the command line in-process.
/// Every mutant must end in exit 0 or 1 within a time bound; on exit 1 every line on stderr is one
/// readable error (a file error with its file:line:column, or <c>error: …</c>), short and free of
/// control characters, and never a stack trace. A few hundred mutants per format run by default,
/// thousands with <c>Category=Long</c>.
/// </summary>
public sealed partial class FuzzTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stochastic-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Per input, on a loaded 2-core machine: a seed file checks in milliseconds and simulates (2 runs,
    // a budget of 10^5 firings each) in well under a second; 20 s only catches a hang or super-linear work.
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(20);

    private const int DefaultMutants = 200;
    private const int LongMutants = 2500;

    private static string Data(params string[] parts) => Path.Combine([AppContext.BaseDirectory, .. parts]);

    private static IReadOnlyList<string> Seeds(string format) => format switch
    {
        "bngl" => [.. Directory.GetFiles(Data("Reactions"), "*.bngl", SearchOption.AllDirectories).Order(StringComparer.Ordinal)],
        "net" => [.. Directory.GetFiles(Data("Reactions"), "*.net", SearchOption.AllDirectories).Order(StringComparer.Ordinal)],
        "sbml" => [.. Directory.GetFiles(Data("Data", "biomodels"), "*.xml"),
                   .. new[] { "00001", "00003", "00020", "00028", "00035", "00039" }.Select(c => Data("Data", "dsmts", c, $"{c}-sbml-l3v1.xml")).Where(File.Exists)],
        _ => throw new ArgumentException(format),
    };

    [Theory]
    [InlineData("bngl", 11)]
    [InlineData("net", 12)]
    [InlineData("sbml", 13)]
    public async Task ModelMutants_EndInOneReadableLine(string format, int seed) => await FuzzModels(format, seed, DefaultMutants);

    [Theory]
    [Trait("Category", "Long")]
    [InlineData("bngl", 21)]
    [InlineData("net", 22)]
    [InlineData("sbml", 23)]
    public async Task ModelMutants_Long(string format, int seed) => await FuzzModels(format, seed, LongMutants);

    [Fact]
    public async Task StudyMutants_EndInOneReadableLine() => await FuzzStudies(14, DefaultMutants);

    [Fact]
    [Trait("Category", "Long")]
    public async Task StudyMutants_Long() => await FuzzStudies(24, LongMutants);

    private async Task FuzzModels(string format, int seed, int mutants)
    {
        var seeds = Seeds(format).Select(File.ReadAllText).ToList();
        Assert.NotEmpty(seeds);
        var random = new System.Random(seed);
        var outcomes = new Dictionary<int, int>();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < mutants; i++)
        {
            string original = seeds[i % seeds.Count];
            var (text, how) = Mutate(original, random, format == "sbml");
            string path = Path.Combine(_dir, $"m{i}.{format}");
            File.WriteAllText(path, text);
            int code = await RunOne(path, how, "check", path);
            if (code == 0)
                code = await RunOne(path, how, "simulate", path, "--runs", "2", "--threads", "1", "--t-end", "1", "--points", "3",
                    "--max-firings", "100000", "--out", Path.Combine(_dir, "out.csv"));
            outcomes[code] = outcomes.GetValueOrDefault(code) + 1;
        }
        log.WriteLine($"{format}: {mutants} mutants in {watch.Elapsed.TotalSeconds:F1} s; exits {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}: {o.Value}"))}");
        // A fuzzer whose mutants all pass (or all fail) tests nothing: both outcomes must occur.
        Assert.True(outcomes.GetValueOrDefault(0) > 0 && outcomes.GetValueOrDefault(1) > 0, "mutants should both pass and fail");
    }

    private async Task FuzzStudies(int seed, int mutants)
    {
        // The tiny study runs through the command line; the shipped IL-2 studies are read only (their
        // cells take seconds each to simulate), and must load or fail with the family's error.
        File.WriteAllText(Path.Combine(_dir, "tiny.bngl"), StudyReaderTests.TinyModel);
        File.Copy(Data("Reactions", "il2", "il2.bngl"), Path.Combine(_dir, "il2.bngl"));
        var seeds = new[] { StudyReaderTests.TinyStudy, File.ReadAllText(Data("Reactions", "il2", "study.study")), File.ReadAllText(Data("Reactions", "il2", "tissue.study")) };
        var random = new System.Random(seed);
        var outcomes = new Dictionary<int, int>();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < mutants; i++)
        {
            int which = i % 4 == 3 ? 1 + (i / 4) % 2 : 0; // three tiny mutants for each shipped one
            var (text, how) = Mutate(seeds[which], random, xml: false);
            string path = Path.Combine(_dir, $"s{i}.study");
            File.WriteAllText(path, text);
            int code;
            if (which == 0)
            {
                code = await RunOne(path, how, "population", path, "--cells", "2", "--threads", "1", "--max-firings", "100000",
                    "--out", Path.Combine(_dir, $"pop{i}"));
            }
            else
            {
                var inputWatch = Stopwatch.StartNew();
                try { StudyReader.Read(path); code = 0; }
                catch (ModelException e)
                {
                    code = 1;
                    Assert.All(e.Errors, x => Assert.True(x.Position.File == path || x.Position.File.EndsWith("il2.bngl", StringComparison.Ordinal), $"{how}: {x}"));
                }
                Assert.True(inputWatch.Elapsed < PerInput, $"{how}: took {inputWatch.Elapsed}");
            }
            outcomes[code] = outcomes.GetValueOrDefault(code) + 1;
        }
        log.WriteLine($"study: {mutants} mutants in {watch.Elapsed.TotalSeconds:F1} s; exits {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}: {o.Value}"))}");
        Assert.True(outcomes.GetValueOrDefault(0) > 0 && outcomes.GetValueOrDefault(1) > 0, "mutants should both pass and fail");
    }

    /// <summary>Runs the command line on a mutant; asserts the exit code, the time and the shape of the error lines.</summary>
    private static async Task<int> RunOne(string path, string how, params string[] args)
    {
        var watch = Stopwatch.StartNew();
        var run = Task.Run(() => CliHarness.Run(args));
        var finished = await Task.WhenAny(run, Task.Delay(PerInput));
        Assert.True(finished == run, $"{how}: {args[0]} still running after {PerInput.TotalSeconds} s");
        var (code, _, error) = await run;
        Assert.True(code is 0 or 1, $"{how}: {args[0]} exit {code}: {Short(error)}");
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        foreach (var line in lines)
        {
            Assert.False(line.StartsWith("   at ", StringComparison.Ordinal), $"{how}: stack trace: {Short(error)}");
            Assert.True(line.Length <= path.Length + SourceExcerpt.MaxMessage + 40, $"{how}: a line of {line.Length} characters");
            Assert.DoesNotContain(line, c => char.IsControl(c));
        }
        if (code == 1)
        {
            var errors = lines.Where(l => !l.StartsWith("warning:", StringComparison.Ordinal) && !l.StartsWith("interrupted", StringComparison.Ordinal)).ToList();
            Assert.True(errors.Count >= 1, $"{how}: exit 1 without a message");
            foreach (var line in errors)
            {
                // A file error names its place (file:line:column, or the file alone for the whole file); anything else says "error:".
                bool positioned = FilePosition().IsMatch(line) || line.StartsWith("(", StringComparison.Ordinal);
                Assert.True(positioned || line.StartsWith("error: ", StringComparison.Ordinal), $"{how}: not a one-line error: {Short(line)}");
            }
            if (errors[0].StartsWith(path, StringComparison.Ordinal) && !errors[0].StartsWith(path + ": ", StringComparison.Ordinal))
                Assert.Matches(@"^.+:\d+(:\d+)?: ", errors[0]);
        }
        return code;
    }

    [GeneratedRegex(@"^[^\s:][^:]*(:\d+(:\d+)?)?: ")]
    private static partial Regex FilePosition();

    private static string Short(string s) => s.Length <= 600 ? s : s[..600] + "…";

    // Replacements for a number: huge, tiny, negative, non-finite, past 2^53.
    private static readonly string[] Numbers = ["1e308", "1e400", "-1", "0", "NaN", "inf", "-inf", "9007199254740993", "1e-320", "1e16", "-0", "2.5", "1e+", "0x10"];

    private static readonly string[] Garbage = ["\u001b[31m", "\u001b]0;t\u0007", "\0", "\u202e", "((((", "))", "<", ">", "&", "&amp;", "\"", "'", "\\", "#", "=", ",", "->", "<->", "$", "@", "{", "}", "\t", "\r", "é", "𝔸", "\uFFFD"];

    /// <summary>One seeded mutation of <paramref name="text"/>, and a description for failure messages.</summary>
    internal static (string Text, string How) Mutate(string text, System.Random random, bool xml)
    {
        var lines = text.Split('\n').ToList();
        int Line() => random.Next(lines.Count);
        int kind = random.Next(11);
        string how;
        switch (kind)
        {
            case 0: { int l = Line(); how = $"delete line {l + 1}"; lines.RemoveAt(l); break; }
            case 1: { int l = Line(); how = $"duplicate line {l + 1}"; lines.Insert(l, lines[l]); break; }
            case 2: { int a = Line(), b = Line(); how = $"swap lines {a + 1} and {b + 1}"; (lines[a], lines[b]) = (lines[b], lines[a]); break; }
            case 3:
            case 4:
            {
                // A number (the n-th of the file) replaced.
                var numbers = NumberToken().Matches(text);
                if (numbers.Count == 0) goto case 0;
                var m = numbers[random.Next(numbers.Count)];
                string by = Numbers[random.Next(Numbers.Length)];
                how = $"number '{m.Value}' at offset {m.Index} -> '{by}'";
                return (text[..m.Index] + by + text[(m.Index + m.Length)..], how);
            }
            case 5:
            {
                int depth = new[] { 50, 1_500, 30_000 }[random.Next(3)];
                var numbers = NumberToken().Matches(text);
                if (numbers.Count == 0) goto case 0;
                var m = numbers[random.Next(numbers.Count)];
                string deep = xml
                    ? string.Concat(Enumerable.Repeat("<apply><minus/>", depth)) + $"<cn>{m.Value}</cn>" + string.Concat(Enumerable.Repeat("</apply>", depth))
                    : new string('(', depth) + m.Value + new string(')', depth);
                how = $"number at offset {m.Index} nested {depth} deep";
                return (text[..m.Index] + deep + text[(m.Index + m.Length)..], how);
            }
            case 6:
            {
                var names = NameToken().Matches(text);
                if (names.Count == 0) goto case 0;
                var m = names[random.Next(names.Count)];
                int length = new[] { 300, 100_000 }[random.Next(2)];
                how = $"name '{m.Value}' at offset {m.Index} -> {length} characters";
                return (text[..m.Index] + new string('n', length) + text[(m.Index + m.Length)..], how);
            }
            case 7:
            {
                int at = random.Next(text.Length + 1);
                string g = Garbage[random.Next(Garbage.Length)];
                how = $"insert {Escape(g)} at offset {at}";
                return (text[..at] + g + text[at..], how);
            }
            case 8:
            {
                int at = random.Next(text.Length + 1);
                how = $"cut at offset {at}";
                return (text[..at], how);
            }
            case 9:
            {
                // A line repeated many times: many errors, or many species/reactions.
                int l = Line();
                how = $"line {l + 1} repeated 2,000 times";
                lines.InsertRange(l, Enumerable.Repeat(lines[l], 2_000));
                break;
            }
            default:
            {
                // A long run of garbage on one line: the message must quote at most an excerpt.
                int l = Line();
                how = $"line {l + 1} grows by 200,000 characters with an escape sequence";
                lines[l] += " \u001b[2J" + new string('z', 200_000);
                break;
            }
        }
        return (string.Join('\n', lines), how);
    }

    private static string Escape(string s) => string.Concat(s.Select(c => char.IsControl(c) || c > '~' ? $"\\u{(int)c:x4}" : c.ToString()));

    [GeneratedRegex(@"(?<![\w.])\d+(\.\d+)?([eE][-+]?\d+)?(?![\w.])")]
    private static partial Regex NumberToken();

    [GeneratedRegex(@"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex NameToken();

    [Fact]
    public void Mutations_AreSeeded_AndChangeTheText()
    {
        // The same seed gives the same mutants (a failure can be replayed); every mutant differs from its seed.
        string seed = File.ReadAllText(Seeds("bngl")[0]);
        var a = Enumerable.Range(0, 50).Select(_ => 0).Aggregate((new System.Random(5), new List<string>()), (s, _) => { s.Item2.Add(Mutate(seed, s.Item1, false).Text); return s; }).Item2;
        var b = Enumerable.Range(0, 50).Select(_ => 0).Aggregate((new System.Random(5), new List<string>()), (s, _) => { s.Item2.Add(Mutate(seed, s.Item1, false).Text); return s; }).Item2;
        Assert.Equal(a, b);
        Assert.True(a.Count(t => t != seed) >= 45, "almost every mutant differs from its seed");
    }
}
