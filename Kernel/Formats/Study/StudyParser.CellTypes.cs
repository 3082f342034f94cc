using System.Collections.Immutable;
using System.Globalization;
using Stochastic.Model;
using Stochastic.Population;

namespace Stochastic.Formats;

internal sealed partial class StudyParser
{
    /// <summary>
    /// The <c>cell types</c> block: <c>CELLTYPE PARAMETER DISTRIBUTION</c> lines, grouped by cell type
    /// in file order, then the <c>CELLTYPE correlation(A, B) RHO</c> lines attached to their types.
    /// </summary>
    private ImmutableArray<CellType> ReadCellTypes()
    {
        var parameters = new List<(string Name, CellParameter Parameter, SourcePosition Position)>();
        var correlations = new List<(string CellType, StudyToken Head, StudyLine Line)>();
        foreach (var line in _blocks["cell types"])
        {
            if (line.Tokens.Count >= 2 && line.Tokens[1].Text.StartsWith("correlation(", StringComparison.OrdinalIgnoreCase))
            {
                correlations.Add((line.Tokens[0].Text, line.Tokens[1], line));
                continue;
            }
            if (ReadCellParameter(line, parameters) is { } parameter) parameters.Add(parameter);
        }
        var cellTypes = parameters.GroupBy(c => c.Name)
            .Select(g => new CellType(g.Key, [.. g.Select(c => c.Parameter)], g.First().Position)).ToImmutableArray();
        return AddCorrelations(cellTypes, correlations);
    }

    /// <summary>One <c>CELLTYPE PARAMETER DISTRIBUTION</c> line; null after an error.</summary>
    private (string Name, CellParameter Parameter, SourcePosition Position)? ReadCellParameter(
        StudyLine line, List<(string Name, CellParameter Parameter, SourcePosition Position)> earlier)
    {
        if (line.Tokens.Count < 3) { _errors.Add(line.Start, "expected 'CELLTYPE PARAMETER DISTRIBUTION', e.g. 'Treg CD25_0 lognormal(3480, 0.8)'"); return null; }
        string cellType = line.Tokens[0].Text, parameter = line.Tokens[1].Text;
        var parameterPos = line.At(line.Tokens[1]);
        CheckParameter(parameter, parameterPos);
        if (StudyValues.Distribution(line, line.Tokens[2].Offset, _errors) is not { } distribution) return null;
        if (earlier.Any(c => c.Name == cellType && c.Parameter.Parameter == parameter))
        {
            _errors.Add(parameterPos, $"cell type '{cellType}' sets '{parameter}' twice");
            return null;
        }
        return (cellType, new CellParameter(parameter, distribution, parameterPos), line.Start);
    }

    /// <summary>
    /// Checks the <c>CELLTYPE correlation(A, B) RHO</c> lines and attaches them to their cell types:
    /// both parameters varied by that cell type with a non-fixed distribution, |ρ| &lt; 1, each pair
    /// once, and a positive-definite matrix per cell type.
    /// </summary>
    private ImmutableArray<CellType> AddCorrelations(ImmutableArray<CellType> cellTypes, List<(string CellType, StudyToken Head, StudyLine Line)> lines)
    {
        var byType = new Dictionary<string, List<ParameterCorrelation>>(StringComparer.Ordinal);
        foreach (var (typeName, head, line) in lines)
        {
            var cellType = cellTypes.FirstOrDefault(c => c.Name == typeName);
            if (cellType is null)
            {
                var near = NameSuggestion.Closest(typeName, cellTypes.Select(c => c.Name));
                _errors.Add(line.Start, near is not null
                    ? $"unknown cell type '{typeName}' (no parameter lines); did you mean '{near}'?"
                    : $"unknown cell type '{typeName}': declare its parameters before correlating them");
                continue;
            }
            var list = byType.TryGetValue(typeName, out var l) ? l : byType[typeName] = [];
            if (ReadCorrelation(cellType, head, line, list) is { } correlation) list.Add(correlation);
        }
        var result = ImmutableArray.CreateBuilder<CellType>(cellTypes.Length);
        foreach (var cellType in cellTypes)
        {
            if (!byType.TryGetValue(cellType.Name, out var list) || list.Count == 0) { result.Add(cellType); continue; }
            var withCorrelations = cellType with { Correlations = [.. list] };
            try { GaussianCopula.For(withCorrelations); }
            catch (ArgumentException)
            {
                _errors.Add(list[0].Position, $"the correlations of cell type '{cellType.Name}' do not form a positive-definite matrix "
                    + "(together they are impossible, e.g. A~B 0.9, A~C 0.9, B~C -0.9); weaken some of them");
            }
            result.Add(withCorrelations);
        }
        return result.MoveToImmutable();
    }

    /// <summary>One correlation line of a known cell type, checked against <paramref name="earlier"/> ones of the type; null after an error.</summary>
    private ParameterCorrelation? ReadCorrelation(CellType cellType, StudyToken head, StudyLine line, List<ParameterCorrelation> earlier)
    {
        const string Usage = "expected 'CELLTYPE correlation(PARAMETER, PARAMETER) RHO', e.g. 'Treg correlation(CD25_0, CD122_0) 0.6'";
        string typeName = cellType.Name;
        var headPos = line.At(head);
        int open = head.Text.IndexOf('(');
        if (!head.Text.EndsWith(')') || line.Tokens.Count != 3) { _errors.Add(headPos, Usage); return null; }
        var args = head.Text[(open + 1)..^1].Split(',');
        if (args.Length != 2) { _errors.Add(headPos, Usage); return null; }
        var names = new string[2];
        bool ok = true;
        int offset = open + 1;
        for (int a = 0; a < 2; a++)
        {
            names[a] = args[a].Trim();
            var argPosition = line.At(head.Offset + offset + (args[a].Length - args[a].TrimStart().Length));
            offset += args[a].Length + 1;
            var parameter = cellType.Parameters.FirstOrDefault(p => p.Parameter == names[a]);
            if (parameter is null)
            {
                var near = NameSuggestion.Closest(names[a], cellType.Parameters.Select(p => p.Parameter));
                _errors.Add(argPosition, $"cell type '{typeName}' does not vary '{names[a]}'" + (near is not null
                    ? $"; did you mean '{near}'?"
                    : $"; give it a distribution first (e.g. '{typeName} {names[a]} lognormal(MEDIAN, SIGMA)')"));
                ok = false;
            }
            else if (parameter.Distribution is FixedDistribution)
            {
                _errors.Add(argPosition, $"'{names[a]}' is fixed in cell type '{typeName}'; a correlation needs a lognormal, normal or uniform distribution");
                ok = false;
            }
        }
        var rhoToken = line.Tokens[2];
        if (!double.TryParse(rhoToken.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double rho) || !(Math.Abs(rho) < 1))
        {
            _errors.Add(line.At(rhoToken), $"a correlation must be a number strictly between -1 and 1; found '{rhoToken.Text}'");
            ok = false;
        }
        if (ok && names[0] == names[1]) { _errors.Add(headPos, $"correlation of '{names[0]}' with itself"); ok = false; }
        if (ok && earlier.Any(c => (c.First == names[0] && c.Second == names[1]) || (c.First == names[1] && c.Second == names[0])))
        {
            _errors.Add(headPos, $"cell type '{typeName}' correlates '{names[0]}' and '{names[1]}' twice");
            ok = false;
        }
        return ok ? new ParameterCorrelation(names[0], names[1], rho, headPos) : null;
    }
}
