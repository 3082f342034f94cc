using Stochastic.Model;

namespace Stochastic.Formats;

/// <summary>
/// Reads the reaction-network subset of BioNetGen's BNGL (<c>.bngl</c>): blocks
/// <c>parameters</c>, <c>seed species</c> (alias <c>species</c>), <c>observables</c>,
/// <c>functions</c> and <c>reaction rules</c> (alias <c>reactions</c>), optionally inside
/// <c>begin model … end model</c>, followed by actions such as <c>simulate({...})</c>.
/// Species are plain names (no molecule components or bonds). The grammar, the semantics and
/// every departure from BioNetGen are documented in <c>docs/reaction-files.md</c>.
/// </summary>
/// <remarks>
/// The reader makes two passes. The first (this class) splits the text into logical lines
/// (<see cref="BlockScanner"/>, shared with the study reader) and checks the block structure; the
/// second (<see cref="BnglModelBuilder"/>) reads the definitions,
/// in file order for names and in dependency order (parameters, species, observables, functions,
/// reactions) for expressions. Errors are collected line by line and thrown together.
/// </remarks>
public static class BnglReader
{
    /// <summary>Reads a BNGL file.</summary>
    /// <param name="path">The file; its name (as given) is used in error positions, and its name without extension becomes the model name.</param>
    /// <exception cref="ModelException">The file is missing or unreadable, or the model has errors (all of them, with file, line and column).</exception>
    public static ReactionModel Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text = ThrowHelper.ReadText(path);
        return Parse(text, path);
    }

    /// <summary>Parses BNGL text.</summary>
    /// <param name="text">The file's contents.</param>
    /// <param name="fileName">The name used in error positions; its name without directory and extension becomes the model name.</param>
    /// <exception cref="ModelException">The model has errors (all of them, with file, line and column).</exception>
    public static ReactionModel Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var lines = BlockScanner.Lines(text, fileName);
        if (lines.Count == 0) throw ThrowHelper.Model(new SourcePosition(fileName, 0, 0), "empty file: no parameters, species or reactions");

        var builder = new BnglModelBuilder(fileName);
        var errors = builder.Errors;
        SourceLine? model = null;
        (BnglBlock Block, string Name, SourceLine Begin)? open = null;

        for (int i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var blockLine = BlockScanner.Keyword(line);
            string? keyword = blockLine?.Keyword;
            string name = blockLine?.Name ?? "";
            int nameOffset = blockLine?.NameOffset ?? 0;
            if (keyword == "begin")
            {
                if (name.Length == 0) { errors.Add(line.Start, "'begin' needs a block name, e.g. 'begin parameters'"); continue; }
                var block = BnglBlocks.Find(name);
                if (open is { } unclosed)
                {
                    errors.Add(unclosed.Begin.Start, NotClosed(unclosed.Name));
                    open = null;
                }
                if (block == BnglBlock.Model)
                {
                    if (model is not null) errors.Add(line.Start, $"'begin model' inside the model opened at line {model.Line}");
                    else model = line;
                    continue;
                }
                if (block == BnglBlock.Unknown)
                {
                    string? suggestion = BnglBlocks.Suggest(name);
                    errors.Add(line.At(nameOffset), suggestion is null
                        ? $"unknown block '{name}' (expected parameters, seed species, observables, functions or reaction rules)"
                        : $"unknown block '{name}'; did you mean '{suggestion}'?");
                }
                if (block == BnglBlock.MoleculeTypes)
                    builder.Warnings.Add(new ModelError(line.Start, "block 'molecule types' ignored: species are declared in 'seed species'"));
                open = (block, name, line);
                continue;
            }
            if (keyword == "end")
            {
                if (name.Length == 0) { errors.Add(line.Start, "'end' needs a block name, e.g. 'end parameters'"); continue; }
                var block = BnglBlocks.Find(name);
                if (open is not { } current)
                {
                    if (block == BnglBlock.Model && model is not null) model = null;
                    else errors.Add(line.Start, $"'end {name}' without a matching 'begin {name}'");
                    continue;
                }
                if (current.Block == block && (block != BnglBlock.Unknown || current.Name == name))
                {
                    open = null;
                }
                else if (block == BnglBlock.Model && model is not null)
                {
                    errors.Add(current.Begin.Start, NotClosed(current.Name));
                    open = null;
                    model = null;
                }
                else
                {
                    errors.Add(line.Start, $"'end {name}' does not match 'begin {current.Name}' at line {current.Begin.Line}");
                    open = null;
                }
                continue;
            }

            switch (open?.Block)
            {
                case BnglBlock.Parameters: builder.AddParameter(line); break;
                case BnglBlock.SeedSpecies: builder.AddSpecies(line); break;
                case BnglBlock.Observables: builder.AddObservable(line); break;
                case BnglBlock.Functions: builder.AddFunction(line); break;
                case BnglBlock.ReactionRules: builder.AddReaction(line); break;
                case BnglBlock.MoleculeTypes or BnglBlock.Unknown: break;
                default:
                    // An action, inside 'begin actions' or outside every block. Its argument list may
                    // span lines without '\': join lines until the parentheses balance.
                    var action = line;
                    while (ParenthesisDepth(action.Text) > 0 && i + 1 < lines.Count && BlockScanner.Keyword(lines[i + 1]) is null)
                        action = action.Append(lines[++i]);
                    builder.AddAction(action, insideModel: model is not null);
                    break;
            }
        }
        if (open is { } last) errors.Add(last.Begin.Start, NotClosed(last.Name));
        if (model is not null) errors.Add(model.Start, "'begin model' is not closed (missing 'end model')");

        return builder.Build(ModelName(fileName));
    }

    private static string NotClosed(string name) => $"block '{name}' is not closed (missing 'end {name}')";

    private static string ModelName(string fileName)
    {
        string name = Path.GetFileNameWithoutExtension(fileName);
        return string.IsNullOrEmpty(name) ? fileName : name;
    }

    private static int ParenthesisDepth(string text)
    {
        int depth = 0;
        char quote = '\0';
        foreach (char c in text)
        {
            if (quote != '\0') { if (c == quote) quote = '\0'; }
            else if (c is '"' or '\'') quote = c;
            else if (c is '(' or '{' or '[') depth++;
            else if (c is ')' or '}' or ']') depth--;
        }
        return depth;
    }
}
