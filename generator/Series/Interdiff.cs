using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using VhostLog.KernelTree;
using VhostLog.KernelTree.Clang;

namespace VhostLog.Series;

/// <summary>
/// One emitted patch against the upstream commit it backports: the diff of
/// the two diffs (the view `git range-diff` gives stable reviewers), and the
/// functions our hunks touch that upstream's do not.
/// </summary>
public sealed record PatchInterdiff(int Number, string Subject, string UpstreamId, string Text, ImmutableArray<string> ExtraFunctions)
{
    public bool Identical => Text.Length == 0;
}

/// <summary>Compares a backport's diff with its upstream commit's diff.</summary>
public static partial class Interdiff
{
    /// <summary>
    /// A diff as range-diff compares it: no index lines and no line numbers
    /// in hunk headers (a backport sits at other lines), only their context.
    /// </summary>
    public static string Normalize(string diff)
    {
        var s = new StringBuilder();
        foreach (var line in diff.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line.StartsWith("index ", StringComparison.Ordinal))
                continue;
            var hunk = HunkHeader().Match(line);
            s.Append(hunk.Success ? "@@" + hunk.Groups["context"].Value.TrimEnd() : line).Append('\n');
        }
        return s.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>The diff of the two normalised diffs, indented as range-diff does; empty when they are the same.</summary>
    public static string Compare(string upstreamDiff, string ourDiff, string scratch)
    {
        Directory.CreateDirectory(scratch);
        var a = Path.Combine(scratch, "upstream.diff");
        var b = Path.Combine(scratch, "backport.diff");
        File.WriteAllText(a, Normalize(upstreamDiff));
        File.WriteAllText(b, Normalize(ourDiff));
        var r = ProcessRunner.Run("git", ["diff", "--no-index", "--no-color", "-U3", "upstream.diff", "backport.diff"], scratch,
            new Dictionary<string, string> { ["GIT_CONFIG_NOSYSTEM"] = "1", ["GIT_CONFIG_GLOBAL"] = "/dev/null" });
        if (r.ExitCode > 1)
            throw new InvalidOperationException($"git diff --no-index failed: {r.Stderr.Trim()}");
        // Drop git's own header (diff --git, index, ---/+++): what is left is the interdiff.
        var body = r.Stdout.Split('\n').SkipWhile(l => !l.StartsWith("@@", StringComparison.Ordinal));
        return string.Join('\n', body.Select(l => l.Length == 0 ? l : "    " + l)).TrimEnd();
    }

    /// <summary>
    /// Per file of a diff, the functions whose lines it removes or adds (a
    /// function's kernel-doc counts as part of it); lines outside any
    /// function (declarations, structs) name no function.
    /// </summary>
    /// <param name="version">the file's text before (false) or after (true) the diff, or null when it does not exist</param>
    public static IReadOnlyDictionary<string, ImmutableSortedSet<string>> TouchedFunctions(
        string diff, Func<string, bool, string?> version, string scratch, string headersDir)
    {
        var touched = new Dictionary<string, ImmutableSortedSet<string>>(StringComparer.Ordinal);
        foreach (var (file, oldLines, newLines) in ChangedLines(diff))
        {
            var names = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (var (after, lines) in new[] { (false, oldLines), (true, newLines) })
            {
                if (lines.Count == 0 || version(file, after) is not { } text)
                    continue;
                var functions = Functions(text, file, after ? "new" : "old", scratch, headersDir);
                foreach (var line in lines)
                    if (functions.FirstOrDefault(f => (f.DocStartLine ?? f.StartLine) <= line && line <= f.EndLine) is { } f)
                        names.Add(f.Name);
            }
            touched[file] = names.ToImmutable();
        }
        return touched;
    }

    static IReadOnlyList<FunctionExtent> Functions(string text, string file, string side, string scratch, string headersDir)
    {
        var root = Path.Combine(scratch, side);
        var path = Path.Combine(root, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return CFile.FunctionDefinitions(path, CParseOptions.ForKernelTree(root, headersDir));
    }

    /// <summary>Per file: the old-side line numbers a diff removes and the new-side ones it adds.</summary>
    public static IEnumerable<(string File, List<int> Old, List<int> New)> ChangedLines(string diff)
    {
        string? file = null;
        List<int> removed = [], added = [];
        int oldLine = 0, newLine = 0;
        var header = true;
        foreach (var line in diff.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line.StartsWith("diff --git ", StringComparison.Ordinal))
            {
                if (file is not null)
                    yield return (file, removed, added);
                file = line[(line.LastIndexOf(" b/", StringComparison.Ordinal) + 3)..];
                (removed, added) = ([], []);
                header = true;
                continue;
            }
            var hunk = HunkHeader().Match(line);
            if (hunk.Success)
            {
                oldLine = int.Parse(hunk.Groups["old"].Value, System.Globalization.CultureInfo.InvariantCulture);
                newLine = int.Parse(hunk.Groups["new"].Value, System.Globalization.CultureInfo.InvariantCulture);
                header = false;
                continue;
            }
            if (file is null || header)
                continue;
            if (line.StartsWith('-'))
                removed.Add(oldLine++);
            else if (line.StartsWith('+'))
                added.Add(newLine++);
            else if (line.StartsWith(' '))
            {
                oldLine++;
                newLine++;
            }
        }
        if (file is not null)
            yield return (file, removed, added);
    }

    [GeneratedRegex(@"^@@ -(?<old>\d+)(?:,\d+)? \+(?<new>\d+)(?:,\d+)? @@(?<context>.*)$")]
    private static partial Regex HunkHeader();
}
