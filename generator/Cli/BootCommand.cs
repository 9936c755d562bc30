using System.CommandLine;
using Spectre.Console;
using VhostLog.Boot;
using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Sessions;
namespace VhostLog.Cli;

/// <summary>
/// vhostlog boot: the real-kernel proof. The tree's distribution kernel boots
/// under QEMU with each variant's modules and the guest program shows which
/// pages a request's writes left marked in the dirty log (docs/boot.md).
/// </summary>
public static class BootCommand
{
    public static Command Create(Interrupts interrupts)
    {
        var tree = new Option<string?>("--tree") { Description = "pristine kernel tree (read only); default: the Debian 6.12.117 tree" };
        var outDir = new Option<string?>("--out") { Description = "the series for the series variant (default: out/linux-VERSION)" };
        var variants = new Option<string>("--variants")
        {
            Description = "comma-separated: stock (the distribution's modules), pristine (the tree built by us), series",
            DefaultValueFactory = _ => string.Join(",", Variant.Names),
        };
        var workloads = new Option<string[]>("--workload")
        {
            Description = $"workload(s) to run (default: {string.Join(" ", BootWorkloads.Default)})",
            AllowMultipleArgumentsPerToken = true,
        };
        var accel = new Option<string>("--accel") { Description = "tcg (default: works nested) or kvm", DefaultValueFactory = _ => "tcg" };
        var headers = new Option<string?>("--headers") { Description = "kbuild headers of the kernel to boot (default: the tree's Debian headers); their release names /boot/vmlinuz-RELEASE" };
        var timeout = new Option<int>("--timeout") { Description = "seconds one boot may take before it counts as hung", DefaultValueFactory = _ => 300 };
        var json = new Option<string?>("--json") { Description = "also write the results as JSON to this file" };
        var junit = new Option<string?>("--junit") { Description = "write a JUnit XML report (a test case per check)" };
        var cmd = new Command("boot", "boot the tree's distribution kernel under QEMU with the stock, pristine and series modules and check the dirty log a guest sees")
        {
            tree, outDir, variants, workloads, accel, headers, timeout, json, junit,
        };
        cmd.SetAction(r =>
        {
            var repo = RepoRoot.Find();
            var target = Targets.Resolve(repo, r.GetValue(tree));
            var series = r.GetValue(outDir) ?? Path.Combine(repo, "out", target.Name);
            var names = r.GetValue(variants)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names.Contains("series") && !Directory.Exists(series))
                throw new UsageException($"{series}: no patch series there; run `./vhostlog generate` first or pass --out DIR");
            var acc = r.GetValue(accel) switch
            {
                "tcg" => Accel.Tcg,
                "kvm" => Accel.Kvm,
                var a => throw new UsageException($"--accel {a}: pick tcg or kvm"),
            };
            if (r.GetValue(timeout) is var t && t <= 0)
                throw new UsageException($"--timeout {t}: give a number of seconds above 0");
            var request = BootSession.Request(repo, target, names, r.GetValue(workloads) is { Length: > 0 } w ? w : [.. BootWorkloads.Default],
                acc, TimeSpan.FromSeconds(r.GetValue(timeout))) with
            {
                HeadersDir = r.GetValue(headers) ?? target.HeadersDir,
                SeriesDir = series,
                SeriesState = Directory.Exists(series) ? SeriesFolder.LastState(BootSession.Definition(repo), series) : "Baseline",
                BeforeState = Directory.Exists(series) ? SeriesFolder.StateBefore(BootSession.Definition(repo), series) : "Baseline",
            };
            var result = BootRunner.Run(request, interrupts.Steps(), interrupts.Token);
            Print(result);
            if (r.GetValue(json) is { } j)
                JsonReport.Write(j, BootSession.Json(result));
            if (r.GetValue(junit) is { } ju)
                BootSession.WriteJUnit(ju, result);
            return result.Passed ? 0 : 1;
        });
        return cmd;
    }

    /// <summary>A table per variant: one row per step (its answer, what it logged, the model, stock), then the run's own checks.</summary>
    static void Print(BootResult result)
    {
        Console.WriteLine($"kernel {result.Kernel.Release} ({result.Kernel.Vmlinuz}), {result.Accel.ToString().ToUpperInvariant()}, " +
                          $"KFENCE {(result.Kernel.Kfence ? "on" : "not in this kernel")}");
        foreach (var v in result.Variants)
        {
            var table = new Table().Title(Markup.Escape($"{v.Variant.Name} (model {v.Variant.ModelState}" +
                                                         (v.Run is { } run ? $", boot {run.Elapsed.TotalSeconds:0.0} s)" : ")")))
                .AddColumns("workload", "step", "observed", "result");
            foreach (var g in v.Checks.GroupBy(c => (c.Workload, c.Step)))
            {
                var failed = g.Where(c => !c.Passed && c.Skipped is null).ToList();
                var skipped = g.Where(c => c.Skipped is not null).ToList();
                var observed = string.Join("; ", g.Select(Observed).Where(o => o.Length > 0).Distinct());
                var verdict = failed.Count > 0
                    ? "[red]FAIL[/] " + Markup.Escape(string.Join("; ", failed.Select(c => $"{c.Check}: expected {c.Expected}")))
                    : skipped.Count > 0 ? "[yellow]skipped[/] " + Markup.Escape(string.Join("; ", skipped.Select(c => c.Skipped)))
                    : "[green]pass[/]";
                table.AddRow(Markup.Escape(g.Key.Workload), Markup.Escape(g.Key.Step), Markup.Escape(observed), verdict);
            }
            AnsiConsole.Write(table);
            if (!v.Passed && v.Run is { } r)
                Console.WriteLine($"--- {v.Variant.Name}: console tail ---\n{r.ConsoleTail()}" +
                                  (r.Stderr.Length > 0 ? $"\n--- QEMU stderr ---\n{r.Stderr}" : ""));
            foreach (var c in v.Checks.Where(c => !c.Passed && c.Observed.Contains('\n')))
                Console.WriteLine($"--- {v.Variant.Name}: {c.Check} ---\n{c.Observed}");
        }
        foreach (var s in result.SavedDivergences)
            Console.WriteLine($"model divergence: requests and both bitmaps saved to {s}");
        Console.WriteLine($"boot: {BootVerdicts.Summary(result)}");
        Console.WriteLine(result.Passed ? "boot: all checks passed" : "boot: FAILED");
    }

    static string Observed(BootCheck c) => c.Check switch
    {
        "log" => "logged " + c.Observed,
        "answer" or "data" or "workload" => c.Observed.Split('\n')[0],
        "same as stock" => c.Passed ? "= stock" : "stock: " + c.Expected,
        "one answer" => c.Passed && c.Observed == "one" ? "" : "answers: " + c.Observed,
        _ when c.Check.StartsWith("model ", StringComparison.Ordinal) => c.Passed ? "model agrees" : "model: " + c.Expected,
        _ => $"{c.Check}: {c.Observed.Split('\n')[0]}",
    };
}
