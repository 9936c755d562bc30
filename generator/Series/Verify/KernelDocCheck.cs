using VhostLog.KernelTree;
using System.Text;

namespace VhostLog.Series.Verify;

/// <summary>
/// scripts/kernel-doc -none (the flags kbuild's W=1 uses) on the C files the series
/// touches, before and after; new warnings fail the check.
/// </summary>
internal static class KernelDocCheck
{
    public static bool IsSource(string path) =>
        path.EndsWith(".c", StringComparison.Ordinal) || path.EndsWith(".h", StringComparison.Ordinal);

    /// <summary>Runs kernel-doc from <paramref name="treeRoot"/> on the files that exist there.</summary>
    public static (ProcResult? Result, List<string> Diagnostics, List<string> Files) Run(
        Toolchain tools, string treeRoot, IEnumerable<string> relFiles)
    {
        var files = relFiles.Where(IsSource).Where(f => File.Exists(Path.Combine(treeRoot, f))).ToList();
        var script = Path.Combine(treeRoot, "scripts", "kernel-doc");
        if (files.Count == 0 || !File.Exists(script))
            return (null, [], files);
        // 6.12 ships a Perl kernel-doc; later trees a Python one behind the same name.
        var first = File.ReadLines(script).FirstOrDefault() ?? "";
        var interpreter = first.Contains("python", StringComparison.Ordinal)
            ? Toolchain.Which("python3") ?? "python3"
            : tools.Perl;
        var r = ProcessRunner.Run(interpreter, ["scripts/kernel-doc", "-none", .. files], treeRoot,
            timeout: TimeSpan.FromMinutes(5));
        return (r, Diagnostics.Extract(r.Stdout + "\n" + r.Stderr, treeRoot), files);
    }

    public static CheckResult Compare(
        (ProcResult? Result, List<string> Diagnostics, List<string> Files) before,
        (ProcResult? Result, List<string> Diagnostics, List<string> Files) after,
        bool hasScript)
    {
        if (!hasScript)
            return new CheckResult(CheckNames.KernelDoc, false, "the tree has no scripts/kernel-doc", "");
        if (after.Files.Count == 0)
            return new CheckResult(CheckNames.KernelDoc, true, "no C source or header changed", "");
        var d = new StringBuilder();
        d.AppendLine("command (from the tree root): " + (after.Result?.Command ?? "-"));
        d.AppendLine($"files: {string.Join(", ", after.Files)}");
        foreach (var (label, run) in new[] { ("before", before), ("after", after) })
            if (run.Result is { ExitCode: not 0 } bad && run.Diagnostics.Count == 0)
                return new CheckResult(CheckNames.KernelDoc, false,
                    $"kernel-doc failed on the {label} tree (exit {bad.ExitCode})", d + bad.Output);
        var (added, removed) = Diagnostics.Compare(before.Diagnostics, after.Diagnostics);
        d.AppendLine($"warnings: {before.Diagnostics.Count} before, {after.Diagnostics.Count} after");
        if (added.Count > 0)
            d.AppendLine("new:").AppendLine(CheckpatchCheck.Indent(string.Join("\n", added)));
        if (removed.Count > 0)
            d.AppendLine("gone:").AppendLine(CheckpatchCheck.Indent(string.Join("\n", removed)));
        return new CheckResult(CheckNames.KernelDoc, added.Count == 0,
            added.Count == 0
                ? $"no new warning in {after.Files.Count} file(s) ({before.Diagnostics.Count} before, {after.Diagnostics.Count} after)"
                : $"{added.Count} new warning(s): {added[0]}",
            d.ToString().TrimEnd());
    }
}
