using VhostLog.KernelTree;
using System.Text;
using System.Text.RegularExpressions;

namespace VhostLog.Series.Verify;

/// <summary>
/// clang-format with the tree's own .clang-format on the lines the series
/// wrote inside the generated functions (lines it kept from the tree keep the
/// tree's layout); the output must equal the input.
/// </summary>
internal static class ClangFormatCheck
{
    public static CheckResult Run(
        Toolchain tools, string treeRoot, IReadOnlyList<GeneratedFunction> functions,
        IReadOnlyDictionary<string, List<(int Start, int End)>> addedLines,
        List<StepTiming> timings, IProgress<string>? progress)
    {
        var style = Path.Combine(treeRoot, ".clang-format");
        if (!File.Exists(style))
            return new CheckResult(CheckNames.ClangFormat, false,
                "the tree has no .clang-format", "clang-format would fall back to a style the kernel does not use.");
        if (functions.Count == 0)
            return new CheckResult(CheckNames.ClangFormat, true, "no generated functions given", "");

        var d = new StringBuilder();
        d.AppendLine("command (per function, from the tree root): " +
                     ProcessRunner.Describe(tools.ClangFormat, ["--style=file:<tree>/.clang-format", "--lines=<start>:<end>", "<file>"]));
        var bad = new List<string>();
        var total = TimeSpan.Zero;
        foreach (var f in functions)
        {
            var label = $"{f.File}:{f.StartLine}-{f.EndLine} {f.Name}()";
            var path = Path.Combine(treeRoot, f.File);
            if (!File.Exists(path))
            {
                bad.Add(label);
                d.AppendLine($"{label}: the file is not in the patched tree");
                continue;
            }
            var original = File.ReadAllText(path);
            var lines = original.Split('\n');
            var lineCount = original.EndsWith('\n') ? lines.Length - 1 : lines.Length;
            if (f.StartLine == 0)
            {
                bad.Add(label);
                d.AppendLine($"{label}: the patched tree has no definition of {f.Name}()");
                continue;
            }
            if (f.EndLine > lineCount)
            {
                bad.Add(label);
                d.AppendLine($"{label}: the file has only {lineCount} lines");
                continue;
            }
            var range = string.Join("\n", lines[(f.StartLine - 1)..f.EndLine]);
            if (!Regex.IsMatch(range, $@"\b{Regex.Escape(f.Name)}\s*\("))
            {
                bad.Add(label);
                d.AppendLine($"{label}: {f.Name}( does not occur in these lines; the range does not match the patched tree");
                continue;
            }
            var written = (addedLines.GetValueOrDefault(f.File) ?? [])
                .Select(r => (Start: Math.Max(r.Start, f.StartLine), End: Math.Min(r.End, f.EndLine)))
                .Where(r => r.Start <= r.End)
                .ToList();
            if (written.Count == 0)
            {
                d.AppendLine($"{label}: the series wrote no line of it");
                continue;
            }
            progress?.Report($"clang-format {label}");
            var r = ProcessRunner.Run(tools.ClangFormat,
                [$"--style=file:{style}", .. written.Select(w => $"--lines={w.Start}:{w.End}"), f.File], treeRoot,
                timeout: TimeSpan.FromMinutes(2));
            total += r.Elapsed;
            if (!r.Ok)
            {
                bad.Add(label);
                d.AppendLine($"{label}: clang-format failed ({r.ExitCode})").AppendLine(CheckpatchCheck.Indent(r.Output));
                continue;
            }
            if (r.Stdout == original)
            {
                d.AppendLine($"{label}: formatted");
                continue;
            }
            bad.Add(label);
            d.AppendLine($"{label}: clang-format would change it:").AppendLine(Hunk(f.File, original, r.Stdout));
        }
        timings.Add(new StepTiming("clang-format", total));
        return new CheckResult(CheckNames.ClangFormat, bad.Count == 0,
            bad.Count == 0
                ? $"{functions.Count} generated function(s) unchanged by clang-format"
                : $"{bad.Count} of {functions.Count} function(s) not clang-format clean: {string.Join(", ", bad)}",
            d.ToString().TrimEnd());
    }

    /// <summary>One unified-diff hunk spanning every changed line, with 2 lines of context.</summary>
    internal static string Hunk(string file, string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        var pre = 0;
        while (pre < a.Length && pre < b.Length && a[pre] == b[pre])
            pre++;
        var suf = 0;
        while (suf < a.Length - pre && suf < b.Length - pre && a[^(suf + 1)] == b[^(suf + 1)])
            suf++;
        const int context = 2;
        var start = Math.Max(0, pre - context);
        var aEnd = Math.Min(a.Length, a.Length - suf + context);
        var bEnd = Math.Min(b.Length, b.Length - suf + context);
        var sb = new StringBuilder();
        sb.AppendLine($"    --- a/{file}").AppendLine($"    +++ b/{file} (clang-format)");
        sb.AppendLine($"    @@ -{start + 1},{aEnd - start} +{start + 1},{bEnd - start} @@");
        for (var i = start; i < pre; i++)
            sb.AppendLine("     " + a[i]);
        for (var i = pre; i < a.Length - suf; i++)
            sb.AppendLine("    -" + a[i]);
        for (var i = pre; i < b.Length - suf; i++)
            sb.AppendLine("    +" + b[i]);
        for (var i = a.Length - suf; i < aEnd; i++)
            sb.AppendLine("     " + a[i]);
        return sb.ToString().TrimEnd();
    }
}
