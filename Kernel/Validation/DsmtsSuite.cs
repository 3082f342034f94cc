using Stochastic.Model;

namespace Stochastic.Validation;

/// <summary>Finds and loads the DSMTS cases in a folder.</summary>
public static class DsmtsSuite
{
    /// <summary>
    /// The expected number of false failures of a correct simulator over the whole suite at
    /// n = 10,000, in the DSMTS user guide's words (section 3.4).
    /// </summary>
    public const string ExpectedFalseFailures =
        "\"Running the entire test suite with n = 10,000, it wouldn't be particularly surprising to fail 2 or 3 mean tests and 5 or 6 standard deviation tests in total\" (DSMTS user guide); the SD test of 00003 (dsmts-001-03) is expected to fail at large t because its distribution is skewed.";

    /// <summary>
    /// Loads every case in <paramref name="directory"/>: each sub-folder holding an
    /// <c>NNNNN-settings.txt</c>, in case-number order.
    /// </summary>
    /// <exception cref="ModelException">The folder does not exist, holds no case, or a case is malformed.</exception>
    public static IReadOnlyList<DsmtsCase> Load(string directory)
    {
        if (!Directory.Exists(directory)) throw ThrowHelper.Model(new SourcePosition(directory, 0, 0), "no such folder");
        var cases = Directory.GetDirectories(directory)
            .Where(d => File.Exists(Path.Combine(d, $"{Path.GetFileName(d)}-settings.txt")))
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal)
            .Select(DsmtsCase.Load)
            .ToList();
        if (cases.Count == 0) throw ThrowHelper.Model(new SourcePosition(directory, 0, 0), "no DSMTS case folders (NNNNN/NNNNN-settings.txt) found");
        return cases;
    }
}
