using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Series.Verify;

namespace VhostLog.Cli;

/// <summary>vhostlog verify: git am, checkpatch --strict, kbuild W=1, sparse, kernel-doc, clang-format.</summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var tree = new Option<string?>("--tree") { Description = "pristine tree the series applies to (default: the Debian 6.12.117 tree); read only" };
        var outDir = new Option<string?>("--out") { Description = "series folder (default: out/linux-VERSION)" };
        var json = new Option<string?>("--json") { Description = "also write the results as JSON to this file" };
        var cmd = new Command("verify", "apply the series to a pristine copy of the tree and check it with the kernel's own tools") { tree, outDir, json };
        cmd.SetAction(r =>
        {
            var repo = RepoRoot.Find();
            var target = Targets.Resolve(repo, r.GetValue(tree));
            var series = r.GetValue(outDir) ?? Path.Combine(repo, "out", target.Name);
            if (!Directory.Exists(series) || Directory.GetFiles(series, "0001-*.patch").Length == 0)
                throw new UsageException($"{series}: no patch series there; run `./vhostlog generate` first or pass --out DIR");
            var report = Run(repo, target, series);
            var table = new Table().AddColumns("check", "result", "summary");
            foreach (var c in report.Checks)
                table.AddRow(Markup.Escape(c.Name), c.Passed ? "[green]pass[/]" : "[red]FAIL[/]", Markup.Escape(c.Summary));
            AnsiConsole.Write(table);
            foreach (var c in report.Checks.Where(c => !c.Passed))
                Console.WriteLine($"--- {c.Name} ---\n{c.Details}");
            if (r.GetValue(json) is { } j)
                JsonReport.Write(j, new
                {
                    passed = report.Passed,
                    checks = report.Checks,
                    timings = report.Timings.Select(t => new { t.Step, seconds = t.Elapsed.TotalSeconds, t.Cached }),
                });
            Console.WriteLine(report.Passed ? "verify: all checks passed" : "verify: FAILED");
            return report.Passed ? 0 : 1;
        });
        return cmd;
    }

    /// <summary>
    /// Verifies a series; the generated functions are those the model states
    /// of its emitted patches change (a patch present or not applicable in
    /// the tree generated nothing there).
    /// </summary>
    public static VerifyReport Run(string repo, TargetTree target, string seriesDir)
    {
        var definition = SeriesDefinition.Load(Path.Combine(repo, "templates"));
        var translation = Translators.Create(repo);
        var emitted = EmittedSubjects(seriesDir);
        var generated = definition.Patches
            .Where(p => p.State is not null && emitted.Contains(definition.CommitMessage(p, "").Split('\n')[0]))
            .SelectMany(p => translation.Changes(p.State!))
            .Select(f => new GeneratedFunction(f.CFile, f.Name, 0, 0))
            .Distinct()
            .ToList();
        return SeriesVerifier.Verify(
            new VerifyRequest(target.Dir, seriesDir, target.HeadersDir, generated, Targets.WorkRoot(repo)),
            new Progress<string>(m => Console.Error.WriteLine($"  {m}")));
    }

    /// <summary>The subjects of the patches in a series folder, without their [PATCH n/m] prefix.</summary>
    static HashSet<string> EmittedSubjects(string seriesDir)
    {
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(seriesDir))
            return subjects;
        foreach (var f in Directory.GetFiles(seriesDir, "*.patch"))
        {
            var text = File.ReadAllText(f);
            var headers = text[..Math.Max(0, text.IndexOf("\n\n", StringComparison.Ordinal))].Replace("\n ", " ", StringComparison.Ordinal);
            var subject = headers.Split('\n').FirstOrDefault(l => l.StartsWith("Subject: ", StringComparison.Ordinal));
            if (subject is not null)
                subjects.Add(System.Text.RegularExpressions.Regex.Replace(subject, @"^Subject: (\[[^\]]*\] )?", ""));
        }
        return subjects;
    }
}
