using System.Collections.Immutable;
using System.Globalization;
using System.Xml.Linq;
using Stochastic.Expressions;
using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>
/// Turns one parsed SBML document into a <see cref="ReactionModel"/>. Compartments become
/// parameters holding their size; species are molecule counts, and a species symbol in math means
/// its concentration (count / compartment size) unless <c>hasOnlySubstanceUnits</c> is true; local
/// parameters become model parameters named <c>reaction.parameter</c>; function definitions are
/// expanded inline; kinetic laws become <see cref="RateLawKind.Propensity"/> reactions. Rate rules
/// become continuous variables (<see cref="RateRule"/>): a parameter or compartment with a rate rule
/// follows its ODE; a species with one is read through a parameter of its own name holding the
/// species symbol's value (its concentration unless <c>hasOnlySubstanceUnits</c>), and the species
/// itself becomes a boundary species assigned from it, so outputs still report its amount.
/// </summary>
/// <remarks>
/// One file over 400 lines: SBML's ids form one namespace (compartments, species, parameters,
/// reactions, functions), and every element's reader resolves against the same symbol table and
/// rule sets; MathML and function definitions are already apart (<see cref="MathMLReader"/>).
/// </remarks>
internal sealed class SbmlModelBuilder
{
    private const string L3V1 = "http://www.sbml.org/sbml/level3/version1/core";
    private const string L2V4 = "http://www.sbml.org/sbml/level2/version4";
    private const string L2V5 = "http://www.sbml.org/sbml/level2/version5";

    private enum SymKind { Compartment, Species, Parameter, Reaction, SpeciesReference, Function }

    private sealed record Sym(SymKind Kind, int Index);

    private sealed class SpeciesInfo
    {
        public required string Id;
        public required int Compartment; // parameter index of its compartment
        public required bool OnlySubstanceUnits;
        public required bool Boundary;
        public required bool Constant;
        public double? Amount;
        public double? Concentration;
        public int? Continuous; // parameter index of the continuous variable, for a species with a rate rule
        public required SourcePosition Position;
    }

    private sealed class ParameterInfo
    {
        public required string Id;
        public double? Value;
        public required bool Constant;
        public required bool IsCompartment;
        public required SourcePosition Position;
    }

    private readonly string _file;
    private readonly XDocument _document;
    private readonly ErrorList _errors = new();
    private readonly List<ModelError> _warnings = [];
    private readonly Dictionary<string, Sym> _symbols = new(StringComparer.Ordinal);
    private readonly List<SpeciesInfo> _species = [];
    private readonly List<ParameterInfo> _parameters = [];
    private readonly Dictionary<string, SbmlFunctionDefinition> _functions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ruleTargets = new(StringComparer.Ordinal); // assignment rules
    private readonly HashSet<string> _rateRuleTargets = new(StringComparer.Ordinal);
    private readonly List<RateRule> _rateRuleList = [];
    private readonly HashSet<string> _initialAssignmentTargets = new(StringComparer.Ordinal);
    private readonly Dictionary<(SymbolKind, int), Expr> _rules = [];
    private readonly Dictionary<(SymbolKind, int), Expr> _initialAssignments = [];
    private readonly List<AssignmentRule> _ruleList = [];
    private readonly List<Reaction> _reactions = [];
    private readonly List<ModelEvent> _events = [];
    private XNamespace _ns = L3V1;
    private int _level;
    private MathMLReader _math = null!;

    public SbmlModelBuilder(string file, XDocument document)
    {
        _file = file;
        _document = document;
    }

    private SourcePosition Pos(XObject node) => MathMLReader.PositionOf(_file, node);

    private ModelException Refuse(XElement e, string what) => ThrowHelper.Model(Pos(e), $"{what} is not supported");

    public ReactionModel Build()
    {
        var root = _document.Root!;
        if (root.Name.LocalName != "sbml")
            throw ThrowHelper.Model(Pos(root), $"not an SBML file: the root element is <{root.Name.LocalName}>, expected <sbml>");
        string level = (string?)root.Attribute("level") ?? "?", version = (string?)root.Attribute("version") ?? "?";
        _ns = root.Name.Namespace;
        if (_ns == L3V1) _level = 3;
        else if (_ns == L2V4 || _ns == L2V5) _level = 2;
        else throw ThrowHelper.Model(Pos(root), $"SBML Level {level} Version {version} (namespace '{_ns}') is not supported; use Level 3 Version 1 core or Level 2 Version 4");

        foreach (var attribute in root.Attributes())
        {
            if (attribute.Name.LocalName != "required" || attribute.Name.Namespace == XNamespace.None) continue;
            string package = root.Attributes().FirstOrDefault(a => a.IsNamespaceDeclaration && a.Value == attribute.Name.NamespaceName)?.Name.LocalName ?? attribute.Name.NamespaceName;
            if (attribute.Value.Trim() == "true")
                _errors.Add(Pos(root), $"SBML package '{package}' ({attribute.Name.NamespaceName}) is required by this file and is not supported");
            else
                _warnings.Add(new ModelError(Pos(root), $"SBML package '{package}' is not supported; its elements are ignored (the file marks it as not required)"));
        }
        _errors.ThrowIfAny();

        var model = root.Element(_ns + "model") ?? throw ThrowHelper.Model(Pos(root), "<sbml> has no <model>");
        _math = new MathMLReader(_file, ResolveGlobal, _functions);

        // First pass: every id, so math can name anything regardless of document order.
        Collect(model, "listOfFunctionDefinitions", "functionDefinition", ReadFunctionDefinition);
        Collect(model, "listOfCompartments", "compartment", ReadCompartment);
        Collect(model, "listOfSpecies", "species", ReadSpecies);
        Collect(model, "listOfParameters", "parameter", ReadParameter);
        Collect(model, "listOfReactions", "reaction", e =>
        {
            Declare(e, SymKind.Reaction, _reactions.Count);
            foreach (var list in new[] { "listOfReactants", "listOfProducts" })
                foreach (var reference in e.Element(_ns + list)?.Elements(_ns + "speciesReference") ?? [])
                    if ((string?)reference.Attribute("id") is { } refId) Declare(reference, SymKind.SpeciesReference, 0, refId);
        });
        foreach (var e in model.Element(_ns + "listOfRules")?.Elements() ?? [])
            if ((string?)e.Attribute("variable") is { } v) (e.Name.LocalName == "rateRule" ? _rateRuleTargets : _ruleTargets).Add(v);
        // A species with a rate rule gets its continuous variable now, before any math names it.
        foreach (var info in _species)
        {
            if (!_rateRuleTargets.Contains(info.Id)) continue;
            info.Continuous = _parameters.Count;
            _parameters.Add(new ParameterInfo { Id = info.Id, Value = null, Constant = false, IsCompartment = false, Position = info.Position });
        }
        foreach (var e in model.Element(_ns + "listOfInitialAssignments")?.Elements(_ns + "initialAssignment") ?? [])
            if ((string?)e.Attribute("symbol") is { } v) _initialAssignmentTargets.Add(v);
        _errors.ThrowIfAny();

        foreach (var child in model.Elements())
        {
            if (child.Name.Namespace != _ns)
            {
                _warnings.Add(new ModelError(Pos(child), $"element <{child.Name.LocalName}> of namespace '{child.Name.NamespaceName}' is ignored"));
                continue;
            }
            switch (child.Name.LocalName)
            {
                case "notes" or "annotation" or "listOfUnitDefinitions" or "listOfCompartmentTypes" or "listOfSpeciesTypes"
                    or "listOfFunctionDefinitions" or "listOfCompartments" or "listOfSpecies" or "listOfParameters":
                    break;
                case "listOfRules": Collect(model, "listOfRules", null, ReadRule); break;
                case "listOfInitialAssignments": Collect(model, "listOfInitialAssignments", "initialAssignment", ReadInitialAssignment); break;
                case "listOfReactions": break; // read after rules: reactions check rule targets
                case "listOfEvents": break;
                case "listOfConstraints": _errors.Add(Pos(child), "constraints (<listOfConstraints>) are not supported"); break;
                default: _errors.Add(Pos(child), $"element <{child.Name.LocalName}> is not supported"); break;
            }
        }
        if (model.Attribute("conversionFactor") is { } cf) _errors.Add(Pos(model), $"conversion factors (model conversionFactor '{cf.Value}') are not supported");
        CheckRuleCycles();
        try { AddContinuousSpecies(); }
        catch (ModelException ex) { _errors.Add(ex); }
        Collect(model, "listOfReactions", "reaction", ReadReaction);
        Collect(model, "listOfEvents", "event", ReadEvent);
        _errors.ThrowIfAny();

        var (parameters, species) = ResolveInitialValues();
        _errors.ThrowIfAny();
        return new ReactionModel(
            Path.GetFileNameWithoutExtension(_file) is { Length: > 0 } n && !_file.StartsWith('<') ? n : (string?)model.Attribute("id") ?? "sbml",
            parameters, species, [], [], [.. _reactions], [.. _ruleList], [.. _events], null, [.. _warnings], [.. _rateRuleList]);
    }

    // Reads each element of a list, collecting errors so that one bad element does not hide the others.
    private void Collect(XElement model, string listName, string? itemName, Action<XElement> read)
    {
        var list = model.Element(_ns + listName);
        if (list is null) return;
        foreach (var item in list.Elements())
        {
            if (item.Name.Namespace != _ns || item.Name.LocalName is "notes" or "annotation") continue;
            if (itemName is not null && item.Name.LocalName != itemName)
            {
                _errors.Add(Pos(item), $"unexpected <{item.Name.LocalName}> in <{listName}>");
                continue;
            }
            try { read(item); }
            catch (ModelException ex) { _errors.Add(ex); }
        }
    }

    private string RequireId(XElement e, string attribute = "id") =>
        ((string?)e.Attribute(attribute))?.Trim() is { Length: > 0 } id ? id
            : throw ThrowHelper.Model(Pos(e), $"<{e.Name.LocalName}> has no '{attribute}' attribute");

    private void Declare(XElement e, SymKind kind, int index, string? id = null)
    {
        id ??= RequireId(e);
        if (!_symbols.TryAdd(id, new Sym(kind, index)))
            throw ThrowHelper.Model(Pos(e), $"id '{id}' is defined more than once");
    }

    private bool Bool(XElement e, string attribute, bool fallback)
    {
        var a = e.Attribute(attribute);
        if (a is null) return fallback;
        return a.Value.Trim() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            var v => throw ThrowHelper.Model(Pos(e), $"attribute {attribute}=\"{v}\" of <{e.Name.LocalName}> must be true or false"),
        };
    }

    private double? Number(XElement e, string attribute)
    {
        var a = e.Attribute(attribute);
        if (a is null) return null;
        if (!double.TryParse(a.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            throw ThrowHelper.Model(Pos(e), $"attribute {attribute}=\"{a.Value}\" of <{e.Name.LocalName}> is not a number");
        return v;
    }

    private Expr ReadMathChild(XElement e, string where)
    {
        var math = e.Element(XName.Get("math", MathMLReader.Namespace))
            ?? throw ThrowHelper.Model(Pos(e), $"<{e.Name.LocalName}> of {where} has no <math>");
        return _math.ReadMath(math, where);
    }

    private void ReadFunctionDefinition(XElement e)
    {
        string id = RequireId(e);
        Declare(e, SymKind.Function, 0);
        var math = e.Element(XName.Get("math", MathMLReader.Namespace))
            ?? throw ThrowHelper.Model(Pos(e), $"function definition '{id}' has no <math>");
        _functions[id] = MathMLReader.ReadLambda(_file, id, math);
    }

    private void ReadCompartment(XElement e)
    {
        string id = RequireId(e);
        Declare(e, SymKind.Compartment, _parameters.Count);
        double? size = Number(e, "size") ?? (_level == 2 ? Number(e, "volume") : null);
        if (size is { } s && (!double.IsFinite(s) || s <= 0))
            throw ThrowHelper.Model(Pos(e), $"compartment '{id}' has size {s}; it must be finite and positive");
        _parameters.Add(new ParameterInfo { Id = id, Value = size, Constant = Bool(e, "constant", true), IsCompartment = true, Position = Pos(e) });
    }

    private void ReadSpecies(XElement e)
    {
        string id = RequireId(e);
        Declare(e, SymKind.Species, _species.Count);
        string compartment = RequireId(e, "compartment");
        if (!_symbols.TryGetValue(compartment, out var c) || c.Kind != SymKind.Compartment)
            throw ThrowHelper.Model(Pos(e), $"species '{id}' is in compartment '{compartment}', which is not a compartment");
        if (e.Attribute("conversionFactor") is { } cf)
            throw ThrowHelper.Model(Pos(e), $"conversion factors (species '{id}' conversionFactor '{cf.Value}') are not supported");
        var info = new SpeciesInfo
        {
            Id = id,
            Compartment = c.Index,
            OnlySubstanceUnits = Bool(e, "hasOnlySubstanceUnits", false),
            Boundary = Bool(e, "boundaryCondition", false),
            Constant = Bool(e, "constant", false),
            Amount = Number(e, "initialAmount"),
            Concentration = Number(e, "initialConcentration"),
            Position = Pos(e),
        };
        if (info.Amount is not null && info.Concentration is not null)
            throw ThrowHelper.Model(Pos(e), $"species '{id}' sets both initialAmount and initialConcentration");
        _species.Add(info);
    }

    private void ReadParameter(XElement e)
    {
        string id = RequireId(e);
        Declare(e, SymKind.Parameter, _parameters.Count);
        _parameters.Add(new ParameterInfo { Id = id, Value = Number(e, "value"), Constant = Bool(e, "constant", true), IsCompartment = false, Position = Pos(e) });
    }

    // A compartment may be named in math (or hold a concentration species) only when it has a size.
    private bool HasSize(int parameter) =>
        _parameters[parameter].Value is not null || _ruleTargets.Contains(_parameters[parameter].Id) || _rateRuleTargets.Contains(_parameters[parameter].Id)
        || _initialAssignmentTargets.Contains(_parameters[parameter].Id);

    private SymbolExpr ParameterSymbol(int index, SourcePosition pos) => new(SymbolKind.Parameter, index, _parameters[index].Id, pos);

    private SymbolExpr SpeciesSymbol(int index, SourcePosition pos) => new(SymbolKind.Species, index, _species[index].Id, pos);

    private Expr ResolveGlobal(string name, SourcePosition pos)
    {
        if (!_symbols.TryGetValue(name, out var sym)) throw ThrowHelper.Model(pos, $"unknown identifier '{name}'");
        switch (sym.Kind)
        {
            case SymKind.Parameter: return ParameterSymbol(sym.Index, pos);
            case SymKind.Compartment:
                if (!HasSize(sym.Index)) throw ThrowHelper.Model(pos, $"compartment '{name}' is used in math but has no size");
                return ParameterSymbol(sym.Index, pos);
            case SymKind.Species:
                var s = _species[sym.Index];
                if (s.Continuous is { } continuous) return ParameterSymbol(continuous, pos);
                if (s.OnlySubstanceUnits) return SpeciesSymbol(sym.Index, pos);
                // hasOnlySubstanceUnits=false: the symbol means the concentration, amount / size.
                if (!HasSize(s.Compartment))
                    throw ThrowHelper.Model(pos, $"species '{name}' has hasOnlySubstanceUnits=false, so its symbol means a concentration, but its compartment '{_parameters[s.Compartment].Id}' has no size");
                return new BinaryExpr(BinaryOperator.Divide, SpeciesSymbol(sym.Index, pos), ParameterSymbol(s.Compartment, pos), pos);
            case SymKind.Reaction: throw ThrowHelper.Model(pos, $"reaction id '{name}' used in math (its rate) is not supported");
            case SymKind.SpeciesReference: throw ThrowHelper.Model(pos, $"species reference id '{name}' used in math (variable stoichiometry) is not supported");
            default: throw ThrowHelper.Model(pos, $"function '{name}' is used without arguments");
        }
    }

    // The target of a rule, initial assignment or event assignment, and how to turn the value
    // written in SBML into what the model holds (a count for species).
    private (SymbolExpr Target, Func<Expr, Expr> ToModelValue, Sym Sym) Target(XElement e, string attribute, string where)
    {
        string id = RequireId(e, attribute);
        var pos = Pos(e);
        if (!_symbols.TryGetValue(id, out var sym)) throw ThrowHelper.Model(pos, $"{where} assigns unknown identifier '{id}'");
        switch (sym.Kind)
        {
            case SymKind.Parameter or SymKind.Compartment:
                return (ParameterSymbol(sym.Index, pos), x => x, sym);
            case SymKind.Species:
                var s = _species[sym.Index];
                // The continuous variable holds the species symbol's value (amount or concentration) as written.
                if (s.Continuous is { } continuous) return (ParameterSymbol(continuous, pos), x => x, sym);
                if (s.OnlySubstanceUnits) return (SpeciesSymbol(sym.Index, pos), x => x, sym);
                if (!HasSize(s.Compartment))
                    throw ThrowHelper.Model(pos, $"{where} sets the concentration of species '{id}', but its compartment '{_parameters[s.Compartment].Id}' has no size");
                return (SpeciesSymbol(sym.Index, pos), x => new BinaryExpr(BinaryOperator.Multiply, x, ParameterSymbol(s.Compartment, pos), pos), sym);
            case SymKind.SpeciesReference:
                throw ThrowHelper.Model(pos, $"{where} assigns species reference '{id}' (variable stoichiometry), which is not supported");
            default:
                throw ThrowHelper.Model(pos, $"{where} assigns '{id}', which is not a species, compartment or parameter");
        }
    }

    private void ReadRule(XElement e)
    {
        switch (e.Name.LocalName)
        {
            case "assignmentRule":
            {
                string where = $"assignment rule for '{(string?)e.Attribute("variable")}'";
                var (target, toModel, _) = Target(e, "variable", where);
                var value = toModel(ReadMathChild(e, where));
                if (!_rules.TryAdd((target.Kind, target.Index), value))
                    throw ThrowHelper.Model(Pos(e), $"'{target.Name}' has more than one assignment rule");
                _ruleList.Add(new AssignmentRule(target, value, Pos(e)));
                break;
            }
            case "rateRule":
            {
                string where = $"rate rule for '{(string?)e.Attribute("variable")}'";
                var (target, _, sym) = Target(e, "variable", where);
                if (_ruleTargets.Contains(target.Name))
                    throw ThrowHelper.Model(Pos(e), $"'{target.Name}' has both an assignment rule and a rate rule");
                bool constant = sym.Kind == SymKind.Species ? _species[sym.Index].Constant : _parameters[sym.Index].Constant;
                if (constant) throw ThrowHelper.Model(Pos(e), $"{where}: '{target.Name}' is constant (constant=\"true\"), so it cannot change continuously");
                if (target.Kind != SymbolKind.Parameter) throw Refuse(e, where); // only a species without its continuous variable, which cannot happen
                if (_rateRuleList.Any(r => r.Target.Index == target.Index))
                    throw ThrowHelper.Model(Pos(e), $"'{target.Name}' has more than one rate rule");
                _rateRuleList.Add(new RateRule(target, ReadMathChild(e, where), Pos(e)));
                break;
            }
            case "algebraicRule":
                throw Refuse(e, "algebraic rule");
            default:
                throw Refuse(e, $"rule <{e.Name.LocalName}>");
        }
    }

    private void ReadInitialAssignment(XElement e)
    {
        string where = $"initial assignment for '{(string?)e.Attribute("symbol")}'";
        var (target, toModel, _) = Target(e, "symbol", where);
        if (_ruleTargets.Contains(target.Name))
            throw ThrowHelper.Model(Pos(e), $"'{target.Name}' has both an assignment rule and an initial assignment");
        if (!_initialAssignments.TryAdd((target.Kind, target.Index), toModel(ReadMathChild(e, where))))
            throw ThrowHelper.Model(Pos(e), $"'{target.Name}' has more than one initial assignment");
    }

    private void CheckRuleCycles()
    {
        // Assignment rules may read each other but must not form a cycle (SBML L3V1 section 4.11.5).
        var state = new Dictionary<(SymbolKind, int), int>();
        void Visit((SymbolKind, int) key, string name, SourcePosition pos)
        {
            if (!_rules.TryGetValue(key, out var value)) return;
            if (state.GetValueOrDefault(key) == 2) return;
            if (state.GetValueOrDefault(key) == 1) throw ThrowHelper.Model(pos, $"assignment rules form a cycle through '{name}'");
            state[key] = 1;
            foreach (var s in ExpressionEvaluator.Symbols(value)) Visit((s.Kind, s.Index), s.Name, s.Position);
            state[key] = 2;
        }
        try { foreach (var rule in _ruleList) Visit((rule.Target.Kind, rule.Target.Index), rule.Target.Name, rule.Position); }
        catch (ModelException ex) { _errors.Add(ex); }
    }

    private void ReadReaction(XElement e)
    {
        string id = RequireId(e);
        var pos = Pos(e);
        if (Bool(e, "reversible", true))
            throw ThrowHelper.Model(pos, $"reversible reaction '{id}' is not supported: a stochastic propensity must be non-negative, so write the forward and reverse directions as two irreversible reactions (reversible=\"false\")");
        if (Bool(e, "fast", false)) throw ThrowHelper.Model(pos, $"fast reaction '{id}' (fast=\"true\") is not supported");
        if (e.Attribute("compartment") is not null && _level == 3) { /* L3 reaction compartment is informational only */ }

        var reactants = ReadReferences(e, "listOfReactants", id);
        var products = ReadReferences(e, "listOfProducts", id);
        foreach (var modifier in e.Element(_ns + "listOfModifiers")?.Elements(_ns + "modifierSpeciesReference") ?? [])
        {
            string species = RequireId(modifier, "species");
            if (!_symbols.TryGetValue(species, out var s) || s.Kind != SymKind.Species)
                throw ThrowHelper.Model(Pos(modifier), $"modifier '{species}' of reaction '{id}' is not a species");
        }

        var law = e.Element(_ns + "kineticLaw") ?? throw ThrowHelper.Model(pos, $"reaction '{id}' has no kinetic law");
        var locals = new Dictionary<string, Expr>(StringComparer.Ordinal);
        foreach (var (listName, itemName) in new[] { ("listOfLocalParameters", "localParameter"), ("listOfParameters", "parameter") })
        {
            foreach (var p in law.Element(_ns + listName)?.Elements(_ns + itemName) ?? [])
            {
                string localId = RequireId(p);
                double value = Number(p, "value") ?? throw ThrowHelper.Model(Pos(p), $"local parameter '{localId}' of reaction '{id}' has no value");
                // Local parameters shadow globals; they become model parameters with a unique generated name.
                string name = $"{id}.{localId}";
                for (int k = 2; _symbols.ContainsKey(name) || _parameters.Any(x => x.Id == name); k++) name = $"{id}.{localId}_{k}";
                int index = _parameters.Count;
                _parameters.Add(new ParameterInfo { Id = name, Value = value, Constant = true, IsCompartment = false, Position = Pos(p) });
                if (!locals.TryAdd(localId, ParameterSymbol(index, Pos(p))))
                    throw ThrowHelper.Model(Pos(p), $"local parameter '{localId}' of reaction '{id}' is defined more than once");
            }
        }
        var reader = locals.Count == 0 ? _math : new MathMLReader(_file,
            (name, at) => locals.TryGetValue(name, out var local) ? local with { Position = at } : ResolveGlobal(name, at), _functions);
        var math = law.Element(XName.Get("math", MathMLReader.Namespace)) ?? throw ThrowHelper.Model(Pos(law), $"kinetic law of reaction '{id}' has no <math>");
        var rate = reader.ReadMath(math, $"kinetic law of reaction '{id}'");
        _reactions.Add(new Reaction(id, reactants, products, rate, RateLawKind.Propensity, 1, pos));
    }

    private ImmutableArray<int> ReadReferences(XElement reaction, string listName, string reactionId)
    {
        var result = ImmutableArray.CreateBuilder<int>();
        foreach (var reference in reaction.Element(_ns + listName)?.Elements(_ns + "speciesReference") ?? [])
        {
            var pos = Pos(reference);
            string species = RequireId(reference, "species");
            if (!_symbols.TryGetValue(species, out var sym) || sym.Kind != SymKind.Species)
                throw ThrowHelper.Model(pos, $"'{species}' in reaction '{reactionId}' is not a species");
            var info = _species[sym.Index];
            if (reference.Element(_ns + "stoichiometryMath") is { } sm)
                throw ThrowHelper.Model(Pos(sm), $"stoichiometryMath (species '{species}' in reaction '{reactionId}') is not supported");
            if ((string?)reference.Attribute("id") is { } refId && (_ruleTargets.Contains(refId) || _initialAssignmentTargets.Contains(refId)))
                throw ThrowHelper.Model(pos, $"variable stoichiometry (species reference '{refId}' in reaction '{reactionId}') is not supported");
            double stoichiometry = Number(reference, "stoichiometry") ?? 1;
            if (stoichiometry != Math.Floor(stoichiometry) || stoichiometry < 1 || stoichiometry > 1_000_000)
                throw ThrowHelper.Model(pos, $"stoichiometry {stoichiometry.ToString(CultureInfo.InvariantCulture)} of species '{species}' in reaction '{reactionId}' is not supported: it must be a positive whole number");
            if (info.Constant && !info.Boundary)
                throw ThrowHelper.Model(pos, $"species '{species}' is constant and not a boundary species, so it cannot take part in reaction '{reactionId}'");
            if (!info.Boundary && _ruleTargets.Contains(species))
                throw ThrowHelper.Model(pos, $"species '{species}' is set by an assignment rule, so it cannot take part in reaction '{reactionId}' unless boundaryCondition=\"true\"");
            if (!info.Boundary && _rateRuleTargets.Contains(species))
                throw ThrowHelper.Model(pos, $"species '{species}' has a rate rule, so it cannot take part in reaction '{reactionId}' unless boundaryCondition=\"true\"");
            for (int k = 0; k < (int)stoichiometry; k++) result.Add(sym.Index);
        }
        return result.ToImmutable();
    }

    // Each species with a rate rule: its continuous variable starts at the species' initial value in the
    // units of its symbol (unless an initial assignment sets it), and the species (clamped: reactions never
    // change it) is assigned its amount from the variable, so outputs and other math still see an amount.
    private void AddContinuousSpecies()
    {
        for (int i = 0; i < _species.Count; i++)
        {
            var s = _species[i];
            if (s.Continuous is not { } p) continue;
            var pos = s.Position;
            Expr Size() => HasSize(s.Compartment) ? ParameterSymbol(s.Compartment, pos)
                : throw ThrowHelper.Model(pos, $"species '{s.Id}' has a rate rule and hasOnlySubstanceUnits=false, but its compartment '{_parameters[s.Compartment].Id}' has no size");
            if (!_initialAssignments.ContainsKey((SymbolKind.Parameter, p)))
            {
                Expr initial = (s.Amount, s.Concentration, s.OnlySubstanceUnits) switch
                {
                    ({ } amount, _, true) => new NumberExpr(amount, pos),
                    (_, { } concentration, true) => new BinaryExpr(BinaryOperator.Multiply, new NumberExpr(concentration, pos), Size(), pos),
                    (_, { } concentration, false) => new NumberExpr(concentration, pos),
                    ({ } amount, _, false) => new BinaryExpr(BinaryOperator.Divide, new NumberExpr(amount, pos), Size(), pos),
                    _ => throw ThrowHelper.Model(pos, $"species '{s.Id}' has no initial amount or concentration (and no initial assignment)"),
                };
                _initialAssignments[(SymbolKind.Parameter, p)] = initial;
            }
            Expr amountOf = s.OnlySubstanceUnits ? ParameterSymbol(p, pos) : new BinaryExpr(BinaryOperator.Multiply, ParameterSymbol(p, pos), Size(), pos);
            var target = SpeciesSymbol(i, pos);
            _rules[(SymbolKind.Species, i)] = amountOf;
            _ruleList.Add(new AssignmentRule(target, amountOf, pos));
        }
    }

    private void ReadEvent(XElement e)
    {
        string id = ((string?)e.Attribute("id"))?.Trim() is { Length: > 0 } given ? given : $"event{_events.Count + 1}";
        var pos = Pos(e);
        if (e.Element(_ns + "delay") is { } delay) throw ThrowHelper.Model(Pos(delay), $"event delay (event '{id}') is not supported");
        if (e.Element(_ns + "priority") is { } priority) throw ThrowHelper.Model(Pos(priority), $"event priority (event '{id}') is not supported");
        var triggerElement = e.Element(_ns + "trigger") ?? throw ThrowHelper.Model(pos, $"event '{id}' has no trigger");
        var trigger = ReadMathChild(triggerElement, $"trigger of event '{id}'");
        // SBML L2 triggers behave as L3 initialValue="true": an event whose trigger holds at the start does not fire then.
        bool initialValue = _level == 2 || Bool(triggerElement, "initialValue", true);
        var assignments = ImmutableArray.CreateBuilder<EventAssignment>();
        foreach (var a in e.Element(_ns + "listOfEventAssignments")?.Elements(_ns + "eventAssignment") ?? [])
        {
            string where = $"assignment to '{(string?)a.Attribute("variable")}' of event '{id}'";
            var (target, toModel, sym) = Target(a, "variable", where);
            if (_ruleTargets.Contains(target.Name))
                throw ThrowHelper.Model(Pos(a), $"{where}: '{target.Name}' is set by an assignment rule and cannot be assigned by an event");
            bool constant = sym.Kind == SymKind.Species ? _species[sym.Index].Constant : _parameters[sym.Index].Constant;
            if (constant) throw ThrowHelper.Model(Pos(a), $"{where}: '{target.Name}' is constant (constant=\"true\") and cannot be assigned");
            assignments.Add(new EventAssignment(target, toModel(ReadMathChild(a, where))));
        }
        _events.Add(new ModelEvent(id, trigger, assignments.ToImmutable(), initialValue, pos));
    }

    // Initial values: an assignment rule wins, then an initial assignment, then the attribute. Values
    // may read each other in any order (resolved on demand); a cycle is an error.
    private (ImmutableArray<Parameter>, ImmutableArray<Species>) ResolveInitialValues()
    {
        var parameterValues = new double?[_parameters.Count];
        var speciesValues = new double?[_species.Count];
        var visiting = new HashSet<(SymbolKind, int)>();

        double Value(SymbolKind kind, int index, SourcePosition pos)
        {
            if (kind == SymbolKind.Time) return 0;
            var cache = kind == SymbolKind.Species ? speciesValues : parameterValues;
            if (cache[index] is { } known) return known;
            string name = kind == SymbolKind.Species ? _species[index].Id : _parameters[index].Id;
            if (!visiting.Add((kind, index))) throw ThrowHelper.Model(pos, $"the initial value of '{name}' depends on itself");
            double value;
            if (_rules.TryGetValue((kind, index), out var rule) || _initialAssignments.TryGetValue((kind, index), out rule))
                value = ExpressionEvaluator.Evaluate(rule, s => Value(s.Kind, s.Index, s.Position));
            else if (kind == SymbolKind.Parameter)
            {
                var p = _parameters[index];
                value = p.Value ?? throw ThrowHelper.Model(p.Position, p.IsCompartment
                    ? $"compartment '{name}' has no size"
                    : $"parameter '{name}' has no value (and no initial assignment or assignment rule)");
            }
            else
            {
                var s = _species[index];
                if (s.Amount is { } amount) value = amount;
                else if (s.Concentration is { } concentration) value = concentration * Value(SymbolKind.Parameter, s.Compartment, s.Position);
                else throw ThrowHelper.Model(s.Position, $"species '{name}' has no initial amount or concentration (and no initial assignment or assignment rule)");
            }
            visiting.Remove((kind, index));
            cache[index] = value;
            return value;
        }

        var parameters = ImmutableArray.CreateBuilder<Parameter>(_parameters.Count);
        for (int i = 0; i < _parameters.Count; i++)
        {
            var p = _parameters[i];
            double value = 1;
            // A compartment without size is kept (as size 1) when nothing reads it; reading it is refused above.
            if (!(p.IsCompartment && !HasSize(i)))
            {
                try
                {
                    value = Value(SymbolKind.Parameter, i, p.Position);
                    if (!double.IsFinite(value)) _errors.Add(p.Position, $"the initial value of '{p.Id}' is {value.ToString(CultureInfo.InvariantCulture)}; it must be finite");
                }
                catch (ModelException ex) { _errors.Add(ex); }
            }
            parameters.Add(new Parameter(p.Id, new NumberExpr(value, p.Position), value, p.Position));
        }
        var species = ImmutableArray.CreateBuilder<Species>(_species.Count);
        for (int i = 0; i < _species.Count; i++)
        {
            var s = _species[i];
            double count = 0;
            try
            {
                count = Value(SymbolKind.Species, i, s.Position);
                if (!_rules.ContainsKey((SymbolKind.Species, i)))
                {
                    // Counts are whole molecules; allow rounding noise of concentration × size.
                    double rounded = Math.Round(count);
                    if (!double.IsFinite(count) || count < 0 || Math.Abs(count - rounded) > 1e-9 * Math.Max(1, Math.Abs(count)) || rounded > 9007199254740992.0)
                        _errors.Add(s.Position, $"the initial amount of species '{s.Id}' is {count.ToString(CultureInfo.InvariantCulture)} molecules; stochastic simulation needs a whole, non-negative number");
                    count = rounded;
                }
            }
            catch (ModelException ex) { _errors.Add(ex); }
            species.Add(new Species(s.Id, new NumberExpr(count, s.Position), count, s.Boundary || s.Constant || s.Continuous is not null, s.Position));
        }
        return (parameters.MoveToImmutable(), species.MoveToImmutable());
    }
}
