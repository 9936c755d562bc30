using System.Text.RegularExpressions;
using VhostLog.KernelTree;

namespace VhostLog.Series;

/// <summary>
/// Carries a patch's change of one function into a tree: the difference
/// between the function generated from the state before the patch and from
/// the state after it is applied to the tree's own text (a three-way merge,
/// git merge-file), so lines the patch does not change keep the tree's
/// comments and layout. Where the tree's text and the change overlap, the
/// generated lines win.
/// </summary>
public static partial class FunctionMerge
{
    public static string Merge(string tree, string before, string after)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"vhostlog-merge-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string Write(string name, string text)
            {
                var path = Path.Combine(dir, name);
                File.WriteAllText(path, text.EndsWith('\n') ? text : text + "\n");
                return path;
            }
            var r = ProcessRunner.Run("git",
                ["merge-file", "-p", "--theirs", "-L", "tree", "-L", "before", "-L", "after",
                 Write("tree.c", tree), Write("before.c", before), Write("after.c", after)], dir);
            // Exit status counts conflicts (resolved by --theirs); negative is an error.
            if (r.TimedOut || r.ExitCode < 0 || r.ExitCode > 127)
                throw new InvalidOperationException($"git merge-file failed: {r.Stderr}");
            var merged = r.Stdout;
            return merged.TrimEnd('\n');
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>The same C tokens, ignoring comments and layout.</summary>
    public static bool SameCode(string a, string b) => Tokens(a) == Tokens(b);

    static string Tokens(string c) => Blank().Replace(Comments().Replace(c, " "), "");

    [GeneratedRegex(@"/\*.*?\*/|//[^\n]*", RegexOptions.Singleline)]
    private static partial Regex Comments();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Blank();
}
