using System.Globalization;
using Stochastic.Calibration;
using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>Which CSV columns hold a data point's fields (the fit block's <c>columns</c> setting).</summary>
/// <param name="Population">Population name.</param>
/// <param name="Ligand">Ligand name.</param>
/// <param name="Time">Time, in the study's time unit.</param>
/// <param name="Dose">Dose (converted to the study's unit by the fit's <c>dose_factor</c>).</param>
/// <param name="Replicate">Replicate label.</param>
/// <param name="Value">Measured value.</param>
public sealed record DataColumns(string Population = "cell_type", string Ligand = "ligand", string Time = "time_min",
    string Dose = "dose_nM", string Replicate = "replicate", string Value = "pSTAT5_MFI");

/// <summary>
/// Reads dose–response data: a comma-separated file with a header row naming the columns
/// (<see cref="DataColumns"/>; others are ignored), one measured value per row. Doses must be positive
/// (the model's baseline is simulated apart); every error has its file:line:column.
/// </summary>
public static class ResponseDataReader
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="ModelException">Missing file, missing column, or a field that is not a number where one is needed.</exception>
    public static List<DataPoint> Read(string path, DataColumns columns)
    {
        string text = ThrowHelper.ReadText(path);
        return Parse(text, path, columns);
    }

    /// <summary>Parses CSV text (<paramref name="fileName"/> for positions).</summary>
    /// <exception cref="ModelException">As <see cref="Read"/>.</exception>
    public static List<DataPoint> Parse(string text, string fileName, DataColumns columns)
    {
        var errors = new ErrorList();
        var csv = CsvText.Parse(text, fileName, "empty data file: expected a header row");
        var header = csv.Header;
        int Column(string name)
        {
            int i = header.IndexOf(name);
            if (i < 0) errors.Add(csv.HeaderPosition, $"no column '{name}' in the header ({string.Join(", ", header)})");
            return i;
        }
        int population = Column(columns.Population), ligand = Column(columns.Ligand), time = Column(columns.Time),
            dose = Column(columns.Dose), replicate = Column(columns.Replicate), value = Column(columns.Value);
        errors.ThrowIfAny();
        var points = new List<DataPoint>();
        foreach (var row in csv.Rows(errors))
        {
            double Number(int column, bool positive)
            {
                var p = row.At(column);
                if (!double.TryParse(row[column], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                    errors.Add(p, $"column '{header[column]}': '{row.Fields[column]}' is not a number");
                else if (positive && !(v > 0)) errors.Add(p, $"column '{header[column]}': must be positive; found {row.Fields[column]}");
                return v;
            }
            double t = Number(time, false), d = Number(dose, true), y = Number(value, false);
            points.Add(new DataPoint(row[population], row[ligand], t, d, row[replicate], y, row.Position));
        }
        errors.ThrowIfAny();
        return points;
    }
}
