using System.Text.RegularExpressions;

namespace VhostLog.Series;

/// <summary>
/// Which rules of a semantic patch were expected to change the file and did
/// not, from the semantic patch's text and spatch --debug's account of each
/// rule ("dependencies for rule R satisfied:", then "transformation info
/// returned:" for each change it made).
/// </summary>
public static partial class GlueRules
{
    /// <summary>Rules with + or - lines, by the name spatch reports (anonymous ones: "rule starting on line N").</summary>
    public static List<string> Transforming(IReadOnlyList<string> cocci)
    {
        var rules = new List<string>();
        string? name = null;
        var inMetavariables = false;
        var changes = false;
        void Close()
        {
            if (name is not null && changes)
                rules.Add(name);
        }
        for (var i = 0; i < cocci.Count; i++)
        {
            var line = cocci[i];
            if (inMetavariables)
            {
                if (line.TrimEnd() == "@@")
                    inMetavariables = false;
                continue;
            }
            var header = Header().Match(line);
            if (header.Success)
            {
                Close();
                name = RuleName(header, i);
                changes = false;
                inMetavariables = true;
                continue;
            }
            if (name is not null && line.Length > 0 && line[0] is '+' or '-')
                changes = true;
        }
        Close();
        return rules;
    }

    /// <summary>
    /// The backporter's notes of the rules: "// backporter: ..." comment
    /// lines right above a rule's header say how that rule makes the
    /// backport differ from the upstream commit (a tree-specific form); the
    /// commit message carries the note of each such rule that changed the
    /// tree.
    /// </summary>
    public static Dictionary<string, string> Notes(IReadOnlyList<string> cocci)
    {
        var notes = new Dictionary<string, string>(StringComparer.Ordinal);
        var pending = new List<string>();
        for (var i = 0; i < cocci.Count; i++)
        {
            var line = cocci[i];
            if (line.StartsWith(NotePrefix, StringComparison.Ordinal))
            {
                pending.Add(line[NotePrefix.Length..].Trim());
                continue;
            }
            var header = Header().Match(line);
            if (header.Success && pending.Count > 0 && RuleName(header, i) is { } name)
                notes[name] = string.Join(" ", pending);
            if (!line.StartsWith("//", StringComparison.Ordinal))
                pending.Clear();
        }
        return notes;
    }

    const string NotePrefix = "// backporter:";

    /// <summary>The name spatch reports for the rule whose header is on line <paramref name="index"/> (0-based); null for a script rule.</summary>
    static string? RuleName(Match header, int index)
    {
        var words = header.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // Script rules hold Python or OCaml, not C to add or remove.
        return words.Length > 0 && words[0].StartsWith("script:", StringComparison.Ordinal) ? null
            : words.Length > 0 && words[0] != "depends" ? words[0]
            : $"rule starting on line {index + 1}";
    }

    /// <summary>The rules that changed the file, by spatch --debug's account.</summary>
    public static HashSet<string> Applied(string debugOutput) => Accounts(debugOutput).Transformed;

    static (HashSet<string> Satisfied, HashSet<string> Transformed) Accounts(string debugOutput)
    {
        var satisfied = new HashSet<string>(StringComparer.Ordinal);
        var transformed = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        foreach (var line in debugOutput.Split('\n'))
        {
            var d = Dependencies().Match(line);
            if (d.Success)
            {
                current = d.Groups[2].Value == "satisfied" ? d.Groups[1].Value : null;
                if (current is not null)
                    satisfied.Add(current);
                continue;
            }
            if (current is not null && line.Contains("transformation info returned", StringComparison.Ordinal))
                transformed.Add(current);
        }
        return (satisfied, transformed);
    }

    /// <summary>The transforming rules whose dependencies held but that changed nothing.</summary>
    public static List<string> Missed(IReadOnlyList<string> cocci, string debugOutput)
    {
        var (satisfied, transformed) = Accounts(debugOutput);
        return Transforming(cocci).Where(r => satisfied.Contains(r) && !transformed.Contains(r)).ToList();
    }

    [GeneratedRegex(@"^@(?!@)\s*(.*?)\s*@\s*$|^@@\s*$")]
    private static partial Regex Header();

    [GeneratedRegex(@"^dependencies for rule (.+) (satisfied|not satisfied):\s*$")]
    private static partial Regex Dependencies();
}
