using System.Xml;
using System.Xml.Linq;
using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>
/// Reads SBML models (Level 3 Version 1 core; Level 2 Versions 4 and 5) into a
/// <see cref="ReactionModel"/> for stochastic simulation. The supported subset and every refusal
/// are listed in <c>docs/sbml.md</c>; in short: compartments, species by amount or concentration,
/// boundary and constant species, global and local parameters, integer stoichiometry, MathML
/// kinetic laws (read as stochastic propensities, as the DSMTS writes them), function definitions,
/// assignment rules, initial assignments and events without delay or priority. Anything else is
/// refused with a <see cref="ModelException"/> that names the construct, the element id and its
/// file:line:column, never ignored.
/// </summary>
/// <remarks>
/// XML is parsed safely: DTDs are prohibited and no external resource is ever resolved, so external
/// entities and entity expansion attacks are rejected as errors.
/// </remarks>
public static class SbmlReader
{
    /// <summary>Reads the SBML file at <paramref name="path"/>.</summary>
    /// <exception cref="ModelException">The file cannot be read, is not well-formed XML, is not SBML, or uses an unsupported construct.</exception>
    public static ReactionModel Read(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw ThrowHelper.Model(new SourcePosition(path, 0, 0), $"cannot read file: {ex.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Reads SBML from <paramref name="text"/>; <paramref name="fileName"/> is used in error positions and as the model name.</summary>
    /// <exception cref="ModelException">The text is not well-formed XML, is not SBML, or uses an unsupported construct.</exception>
    public static ReactionModel Parse(string text, string fileName = "<string>")
    {
        var document = LoadXml(text, fileName);
        return new SbmlModelBuilder(fileName, document).Build();
    }

    /// <summary>The deepest nesting of elements read: MathML's limit (<see cref="Expressions.ExpressionLimits.MaxDepth"/>) with room for the model around it.</summary>
    public const int MaxXmlDepth = Expressions.ExpressionLimits.MaxDepth + 100;

    /// <summary>Parses XML with DTD processing prohibited and no resolver, keeping line information.</summary>
    internal static XDocument LoadXml(string text, string fileName)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            MaxCharactersFromEntities = 0,
        };
        try
        {
            // XDocument.Load costs time quadratic in the nesting depth (40,000 levels: seconds; 100,000:
            // minutes): a first pass with the reader alone, linear, refuses a document nested deeper than
            // any SBML model is (MathML's own limit plus the levels of the model around it).
            using (var scan = XmlReader.Create(new StringReader(text), settings))
            {
                while (scan.Read())
                {
                    if (scan.Depth > MaxXmlDepth)
                    {
                        var info = (IXmlLineInfo)scan;
                        throw ThrowHelper.Model(new SourcePosition(fileName, info.LineNumber, info.LinePosition),
                            $"XML nested more than {MaxXmlDepth} elements deep (<{SourceExcerpt.Clean(scan.LocalName, 60)}>)");
                    }
                }
            }
            using var reader = XmlReader.Create(new StringReader(text), settings);
            return XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException ex)
        {
            bool dtd = ex.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase);
            string message = dtd
                ? "DTDs and entity declarations are not allowed in SBML files (they are refused for safety)"
                : $"malformed XML: {ex.Message}";
            var position = new SourcePosition(fileName, ex.LineNumber, ex.LinePosition);
            // The DTD refusal carries no position; point at the DOCTYPE declaration instead.
            if (ex.LineNumber == 0 && dtd && text.IndexOf("<!DOCTYPE", StringComparison.Ordinal) is >= 0 and int at)
            {
                int line = 1 + text.AsSpan(0, at).Count('\n');
                position = new SourcePosition(fileName, line, at - (text.LastIndexOf('\n', Math.Max(0, at - 1)) + 1) + 1);
            }
            throw ThrowHelper.Model(position, message);
        }
    }
}
