using VhostLog.KernelTree;
using System.Text;
using System.Text.RegularExpressions;

namespace VhostLog.Series.Verify;

/// <summary>
/// scripts/checkpatch.pl --strict of the tree itself, run from the temporary
/// tree's root on every patch file (not the cover letter).
/// </summary>
internal static partial class CheckpatchCheck
{
    /// <summary>What checkpatch.pl's top_of_kernel_tree() looks for.</summary>
    static IEnumerable<string> TreeMarkers =>
    [
        "COPYING", "CREDITS", "Kbuild", "MAINTAINERS", "Makefile", "README", "Documentation",
        "arch", "include", "drivers", "fs", "init", "ipc", "kernel", "lib", "scripts",
    ];

    [GeneratedRegex(@"^total: (?<e>\d+) errors, (?<w>\d+) warnings, (?:(?<c>\d+) checks, )?(?<l>\d+) lines checked", RegexOptions.Multiline)]
    private static partial Regex Total();

    [GeneratedRegex(@"(?:^fixes:|\bcommit)\s+(?<id>[0-9a-f]{6,40})\b", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex CommitRef();

    public static bool IsFullTree(string root) => TreeMarkers.All(m => Path.Exists(Path.Combine(root, m)));

    /// <param name="historyGitDir">
    /// A git directory with the tree's history (the input tree's own .git), or
    /// null: then commit ids cannot be looked up and UNKNOWN_COMMIT_ID is ignored.
    /// </param>
    public static CheckResult Run(
        Toolchain tools, string treeRoot, IReadOnlyList<string> patches, string? historyGitDir,
        List<StepTiming> timings, IProgress<string>? progress)
    {
        var script = Path.Combine(treeRoot, "scripts", "checkpatch.pl");
        if (!File.Exists(script))
            return new CheckResult(CheckNames.Checkpatch, false, "the tree has no scripts/checkpatch.pl", "");
        var fullTree = IsFullTree(treeRoot);
        var args = new List<string> { "scripts/checkpatch.pl", "--strict", "--show-types", "--color=never" };
        if (!fullTree)
            args.Add("--no-tree");
        if (historyGitDir is null)
            args.AddRange(["--ignore", "UNKNOWN_COMMIT_ID"]);
        var env = new Dictionary<string, string>();
        if (historyGitDir is not null)
            env["GIT_DIR"] = historyGitDir;

        var details = new StringBuilder();
        details.AppendLine("command (from the tree root): " + ProcessRunner.Describe(tools.Perl, [.. args, "<patch>"]));
        if (!fullTree)
            details.AppendLine("--no-tree: the tree is partial (checkpatch's top-of-tree markers are missing), so the " +
                               "tree-only tests (MAINTAINERS obsolete status, absolute paths, SPDX, <asm/> includes) are off.");
        var unverifiedIds = new List<string>();
        var upstreamLines = new List<string>();
        var failed = new List<string>();
        var totals = (E: 0, W: 0, C: 0);
        foreach (var patch in patches)
        {
            var name = Path.GetFileName(patch);
            progress?.Report($"checkpatch {name}");
            var r = ProcessRunner.Run(tools.Perl, [.. args, patch], treeRoot, env, TimeSpan.FromMinutes(5));
            timings.Add(new StepTiming($"checkpatch {name}", r.Elapsed));
            var m = Total().Match(r.Stdout);
            if (!m.Success)
            {
                failed.Add(name);
                details.AppendLine($"{name}: no summary line (exit {r.ExitCode})").AppendLine(Indent(r.Output));
                continue;
            }
            int e = int.Parse(m.Groups["e"].Value), w = int.Parse(m.Groups["w"].Value);
            // checkpatch's GIT_COMMIT_ID wants references in prose as
            // 'commit <12> ("subject")'; a stable backport's first body line
            // is `commit <40-hex> upstream.` (stable-kernel-rules.rst), which
            // it flags too. That one error, on that line, is not counted:
            // the line is checked here instead.
            var stableLine = StableUpstreamLine(File.ReadAllText(patch));
            var excused = stableLine is null ? 0 : Messages(r.Stdout).Count(b =>
                b.StartsWith("ERROR:GIT_COMMIT_ID:", StringComparison.Ordinal) && b.Contains($"\ncommit {stableLine} upstream.", StringComparison.Ordinal));
            e -= excused;
            if (stableLine is not null)
                upstreamLines.Add($"{name}: commit {stableLine} upstream." +
                    (excused > 0 ? " (checkpatch's GIT_COMMIT_ID error on it not counted)" : ""));
            var c = m.Groups["c"].Success ? int.Parse(m.Groups["c"].Value) : 0;
            totals = (totals.E + e, totals.W + w, totals.C + c);
            var clean = e == 0 && w == 0 && c == 0;
            details.AppendLine($"{name}: {e} errors, {w} warnings, {c} checks, {m.Groups["l"].Value} lines checked ({r.Elapsed.TotalSeconds:0.0} s)");
            if (!clean)
            {
                failed.Add(name);
                details.AppendLine(Indent(r.Output));
            }
            if (historyGitDir is null)
            {
                var log = File.ReadAllText(patch);
                var end = log.IndexOf("\n---\n", StringComparison.Ordinal);
                unverifiedIds.AddRange(CommitRef().Matches(end < 0 ? log : log[..end])
                    .Select(x => $"{x.Groups["id"].Value} ({name})"));
            }
        }
        var note = "";
        if (historyGitDir is null)
        {
            note = "; commit ids not looked up (the tree has no git history)";
            details.AppendLine("UNKNOWN_COMMIT_ID is ignored: the tree has no git history, so checkpatch could not tell a " +
                               "wrong commit id from a missing one. Ids in the commit logs not verified: " +
                               (unverifiedIds.Count == 0 ? "none" : string.Join(", ", unverifiedIds)));
        }
        if (upstreamLines.Count > 0)
            details.AppendLine("The stable `commit <40-hex> upstream.` line, alone on the first line of each body " +
                               "(Documentation/process/stable-kernel-rules.rst), is the form checkpatch's GIT_COMMIT_ID " +
                               "rule does not know; verify checks its form itself:")
                .AppendLine(Indent(string.Join("\n", upstreamLines)));
        var summary = failed.Count == 0
            ? $"{patches.Count} patch(es) clean (0 errors, 0 warnings, 0 checks){note}"
            : $"{failed.Count} of {patches.Count} patch(es) not clean: {string.Join(", ", failed)} " +
              $"({totals.E} errors, {totals.W} warnings, {totals.C} checks in all){note}";
        return new CheckResult(CheckNames.Checkpatch, failed.Count == 0, summary, details.ToString().TrimEnd());
    }

    /// <summary>The 40-hex id of a `commit ID upstream.` line that opens the patch's message body, alone in its paragraph, or null.</summary>
    public static string? StableUpstreamLine(string patch)
    {
        var text = patch.Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
            return null;
        var body = text[(split + 2)..];
        // git format-patch --from puts the author's From: line first.
        if (body.StartsWith("From: ", StringComparison.Ordinal) && body.IndexOf("\n\n", StringComparison.Ordinal) is var end and > 0)
            body = body[(end + 2)..];
        var m = StableLine().Match(body);
        return m.Success ? m.Groups["id"].Value : null;
    }

    [GeneratedRegex(@"\Acommit (?<id>[0-9a-f]{40}) upstream\.\n\n")]
    private static partial Regex StableLine();

    /// <summary>checkpatch's messages: blank-line separated blocks, each opening with its level and type.</summary>
    static IEnumerable<string> Messages(string output) =>
        output.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n")
            .Select(b => b.Trim('\n'))
            .Where(b => b.StartsWith("ERROR:", StringComparison.Ordinal) || b.StartsWith("WARNING:", StringComparison.Ordinal) || b.StartsWith("CHECK:", StringComparison.Ordinal));

    internal static string Indent(string text) =>
        string.Join("\n", text.TrimEnd().Split('\n').Select(l => "    " + l));
}
