namespace Stochastic.Tests;

/// <summary>Small SBML L3V1 documents for the reader and event tests.</summary>
internal static class SbmlTestModels
{
    public const string MathNs = "http://www.w3.org/1998/Math/MathML";

    /// <summary>An L3V1 document with one sized compartment <c>C</c> (size 2) and the given model content.</summary>
    public static string L3(string content, string sbmlAttributes = "") => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" level="3" version="1"{sbmlAttributes}>
          <model id="m">
            <listOfCompartments><compartment id="C" size="2" spatialDimensions="3" constant="true"/></listOfCompartments>
        {content}
          </model>
        </sbml>
        """;

    public static string Math(string body) => $"<math xmlns=\"{MathNs}\">{body}</math>";

    public static string Species(string id, double amount, bool onlySubstance = true, bool boundary = false) =>
        $"<species id=\"{id}\" compartment=\"C\" initialAmount=\"{amount}\" hasOnlySubstanceUnits=\"{(onlySubstance ? "true" : "false")}\" boundaryCondition=\"{(boundary ? "true" : "false")}\" constant=\"false\"/>";
}
