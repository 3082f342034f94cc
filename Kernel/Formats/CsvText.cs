namespace Stochastic.Formats;

/// <summary>
/// A small comma-separated table read for its positions (the data files of a fit, a run's fate tables read back):
/// a header row of names, then rows of fields without quoting. Blank lines are skipped; every field knows its
/// file:line:column, so the readers built on it report each error where it is.
/// </summary>
internal sealed class CsvText
{
    private readonly string[] _lines;
    private readonly string _fileName;

    private CsvText(string[] lines, string fileName, List<string> header)
    {
        _lines = lines;
        _fileName = fileName;
        Header = header;
    }

    /// <summary>The column names of the header row (a byte-order mark and blanks around names removed).</summary>
    public List<string> Header { get; }

    /// <summary>Splits <paramref name="text"/>; an empty file is an error saying <paramref name="empty"/>, at line 1.</summary>
    public static CsvText Parse(string text, string fileName, string empty)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        if (lines.Length == 0 || string.IsNullOrWhiteSpace(lines[0])) throw ThrowHelper.Model(new SourcePosition(fileName, 1, 1), empty);
        return new CsvText(lines, fileName, [.. lines[0].TrimStart('\uFEFF').Split(',').Select(h => h.Trim())]);
    }

    /// <summary>The position of the header row (a missing column's error).</summary>
    public SourcePosition HeaderPosition => new(_fileName, 1, 1);

    /// <summary>
    /// The data rows that have as many fields as the header; a row with another count is an error in
    /// <paramref name="errors"/> and skipped. With <paramref name="skipComments"/> a line starting with '#' is skipped too.
    /// </summary>
    public IEnumerable<CsvRow> Rows(ErrorList errors, bool skipComments = false)
    {
        for (int l = 1; l < _lines.Length; l++)
        {
            if (string.IsNullOrWhiteSpace(_lines[l]) || (skipComments && _lines[l].StartsWith('#'))) continue;
            var fields = _lines[l].Split(',');
            if (fields.Length != Header.Count) { errors.Add(new SourcePosition(_fileName, l + 1, 1), $"{fields.Length} fields; the header has {Header.Count}"); continue; }
            var offsets = new int[fields.Length];
            for (int f = 1; f < fields.Length; f++) offsets[f] = offsets[f - 1] + fields[f - 1].Length + 1;
            yield return new CsvRow(fields, offsets, _fileName, l + 1);
        }
    }
}

/// <summary>One data row of a <see cref="CsvText"/>: its fields as written, and where each starts.</summary>
internal readonly struct CsvRow(string[] fields, int[] offsets, string fileName, int line)
{
    /// <summary>The fields as written (not trimmed).</summary>
    public string[] Fields { get; } = fields;

    /// <summary>1-based line of the row.</summary>
    public int Line { get; } = line;

    /// <summary>The row's position (line, column 1).</summary>
    public SourcePosition Position => new(fileName, Line, 1);

    /// <summary>Where field <paramref name="column"/> starts.</summary>
    public SourcePosition At(int column) => new(fileName, Line, offsets[column] + 1);

    /// <summary>Field <paramref name="column"/>, blanks around it removed.</summary>
    public string this[int column] => Fields[column].Trim();
}
