using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Series.Verify;
using VhostLog.Sessions;

namespace VhostLog.Cli;

/// <summary>vhostlog verify: git am, checkpatch --strict, kbuild W=1, sparse, kernel-doc, clang-format, equiv, boot.</summary>
public static class VerifyCommand
{
    public static Command Create(Interrupts interrupts)
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
            if (!Directory.Exists(series) || (Directory.GetFiles(series, "0001-*.patch").Length == 0 && !QuiltSeries.IsQuilt(series)))
                throw new UsageException($"{series}: no patch series there; run `./vhostlog generate` first or pass --out DIR");
            var report = VerifySession.Run(repo, target, series, boot: true, interrupts.Token, interrupts.Steps());
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
}
