using System.Text.RegularExpressions;

namespace VhostLog.Series.Verify;

/// <summary>
/// Warning and error lines from gcc, sparse, modpost, ld and kernel-doc, and the
/// before/after comparison. A diagnostic's key is its file plus its message text
/// without line and column, so that code moving down a file does not make an old
/// warning look new. Keys are compared as multisets: a second copy of a known
/// warning counts as new.
/// </summary>
internal static partial class Diagnostics
{
    [GeneratedRegex(@"\x1b\[[0-9;]*[A-Za-z]")]
    private static partial Regex Ansi();

    [GeneratedRegex(@"^(?<file>[^\s:][^:]*):(?<line>\d+)(?::(?<col>\d+))?:\s*(?<sev>warning|error|fatal error):\s*(?<msg>.*)$")]
    private static partial Regex Located();

    [GeneratedRegex(@"\b(?:warning|error)\s*:", RegexOptions.IgnoreCase)]
    private static partial Regex Loose();

    /// <summary>
    /// The diagnostic lines of a tool's output, with <paramref name="treeRoot"/>
    /// removed from paths. Indented lines (gcc's source excerpts, sparse's
    /// "expected/got" continuation lines) are not diagnostics.
    /// </summary>
    public static List<string> Extract(string output, string treeRoot)
    {
        var prefix = treeRoot.TrimEnd('/') + "/";
        var result = new List<string>();
        foreach (var raw in output.Split('\n'))
        {
            var line = Ansi().Replace(raw, "").TrimEnd('\r', ' ', '\t').Replace(prefix, "");
            if (line.Length == 0 || char.IsWhiteSpace(line[0]))
                continue;
            if (Located().IsMatch(line) || Loose().IsMatch(line))
                result.Add(line);
        }
        return result;
    }

    public static string Key(string line)
    {
        var m = Located().Match(line);
        return m.Success ? $"{m.Groups["file"].Value}: {m.Groups["sev"].Value}: {m.Groups["msg"].Value}" : line;
    }

    /// <summary>Lines of <paramref name="after"/> beyond what <paramref name="before"/> had, and the reverse.</summary>
    public static (List<string> Added, List<string> Removed) Compare(
        IReadOnlyList<string> before, IReadOnlyList<string> after) =>
        (Excess(after, before), Excess(before, after));

    static List<string> Excess(IReadOnlyList<string> of, IReadOnlyList<string> over)
    {
        var budget = over.GroupBy(Key).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var line in of)
        {
            var k = Key(line);
            if (budget.TryGetValue(k, out var n) && n > 0)
                budget[k] = n - 1;
            else
                result.Add(line);
        }
        return result;
    }
}
