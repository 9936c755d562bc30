using System.CommandLine;
using System.Globalization;
using System.Xml.Linq;
using Spectre.Console;
using VhostLog.Boot;
using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Series.Verify;

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
            var request = Request(repo, target, names, r.GetValue(workloads) is { Length: > 0 } w ? w : [.. BootWorkloads.Default],
                acc, TimeSpan.FromSeconds(r.GetValue(timeout))) with
            {
                HeadersDir = r.GetValue(headers) ?? target.HeadersDir,
                SeriesDir = series,
                SeriesState = Directory.Exists(series) ? SeriesFolder.LastState(Definition(repo), series) : "Baseline",
                BeforeState = Directory.Exists(series) ? SeriesFolder.StateBefore(Definition(repo), series) : "Baseline",
            };
            var result = BootRunner.Run(request, interrupts.Steps(), interrupts.Token);
            Print(result);
            if (r.GetValue(json) is { } j)
                JsonReport.Write(j, Json(result));
            if (r.GetValue(junit) is { } ju)
                WriteJUnit(ju, result);
            return result.Passed ? 0 : 1;
        });
        return cmd;
    }

    static SeriesDefinition Definition(string repo) => SeriesDefinition.Load(Path.Combine(repo, "templates"));

    public static BootRequest Request(string repo, TargetTree target, IReadOnlyList<string> variants, IReadOnlyList<string> workloads,
        Accel accel, TimeSpan timeout) =>
        new(target.Dir, target.HeadersDir, Path.Combine(repo, "harness", "Boot", "guest"), TreeCache.CacheRoot(repo), Targets.WorkRoot(repo),
            variants, workloads, accel, timeout, "Baseline")
        {
            DivergenceDir = Path.Combine(repo, "build", "divergences"),
        };

    /// <summary>
    /// verify's boot stage: the patched copy verify made (its drivers/vhost
    /// is the series variant) against stock and pristine, every workload.
    /// </summary>
    public static IReadOnlyList<CheckResult> VerifyChecks(string repo, TargetTree target, string patchedRoot, string seriesDir, CancellationToken cancel,
        IProgress<string>? progress = null)
    {
        BootResult result;
        try
        {
            result = BootRunner.Run(Request(repo, target, Variant.Names, BootWorkloads.Default, Accel.Tcg, TimeSpan.FromMinutes(5)) with
            {
                SeriesVhostDir = Path.Combine(patchedRoot, "drivers", "vhost"),
                SeriesState = SeriesFolder.LastState(Definition(repo), seriesDir),
                BeforeState = SeriesFolder.StateBefore(Definition(repo), seriesDir),
            }, progress is null ? new Progress<string>(m => Console.Error.WriteLine($"  boot: {m}")) : new Prefixed(progress, "boot: "), cancel);
        }
        catch (UsageException e)
        {
            return [.. CheckNames.BootRows.Select(n => new CheckResult(n, false, "cannot boot", e.Message))];
        }
        return
        [
            new CheckResult(CheckNames.Boot, result.Passed, BootVerdicts.Summary(result), BootVerdicts.Details(result))
            {
                Claim = BootVerdicts.Claim(result),
            },
            Row(CheckNames.LockAssertions, BootVerdicts.LockAssertions(result)),
            Row(CheckNames.RequestProtocol, BootVerdicts.RequestProtocol(result)),
        ];
    }

    static CheckResult Row(string name, BootVerdict v) => new(name, v.Passed, v.Summary, v.Details);

    /// <summary>verify's "lock assertions (real kernel)" row for a boot result.</summary>
    public static CheckResult LockAssertions(BootResult result) => Row(CheckNames.LockAssertions, BootVerdicts.LockAssertions(result));

    /// <summary>verify's "one answer per request (real kernel)" row for a boot result.</summary>
    public static CheckResult RequestProtocol(BootResult result) => Row(CheckNames.RequestProtocol, BootVerdicts.RequestProtocol(result));

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

    static object Json(BootResult result) => new
    {
        passed = result.Passed,
        kernel = new { result.Kernel.Release, result.Kernel.Vmlinuz, result.Kernel.Kfence },
        accel = result.Accel.ToString().ToLowerInvariant(),
        workloads = result.Workloads,
        variants = result.Variants.Select(v => new
        {
            name = v.Variant.Name,
            model_state = v.Variant.ModelState,
            passed = v.Passed,
            modules = v.Modules.Select(m => new { m.Name, m.File, m.Ours }),
            build = v.Build is { } b ? new { b.Cached, seconds = b.Elapsed.TotalSeconds } : null,
            boot = v.Run is { } r ? new { seconds = r.Elapsed.TotalSeconds, exit = r.ExitCode, timed_out = r.TimedOut } : null,
            checks = v.Checks,
            requests = v.Report?.Requests.Select(q => new { q.Workload, q.Step, q.Queue, answer = q.Answer, q.Logging, dirty = q.Dirty }),
            migration = v.Report?.Migration is { } m ? new { m.Reads, m.Writes, m.Lost, lost_pages = m.LostPages, rounds = v.Report.Rounds } : null,
            model = v.Replay.Select(s => new { s.Workload, s.Step, s.Real, s.Model, s.Agrees }),
            taint = v.Report?.Taint,
        }),
        saved_divergences = result.SavedDivergences,
    };

    static void WriteJUnit(string path, BootResult result)
    {
        var doc = new XDocument(new XElement("testsuites", result.Variants.Select(v => new XElement("testsuite",
            new XAttribute("name", $"vhostlog boot {result.Kernel.Release} {v.Variant.Name}"),
            new XAttribute("tests", v.Checks.Length),
            new XAttribute("failures", v.Checks.Count(c => !c.Passed && c.Skipped is null)),
            new XAttribute("time", (v.Run?.Elapsed.TotalSeconds ?? 0).ToString("F3", CultureInfo.InvariantCulture)),
            v.Checks.Select(c => new XElement("testcase",
                new XAttribute("classname", $"{v.Variant.Name}.{c.Workload}"),
                new XAttribute("name", c.Step.Length > 0 ? $"{c.Step} {c.Check}" : c.Check),
                c.Skipped is not null ? new XElement("skipped", new XAttribute("message", c.Skipped))
                : c.Passed ? null
                : new XElement("failure", new XAttribute("message", $"expected {c.Expected}; observed {c.Observed.Split('\n')[0]}"), c.Observed)))))));
        AtomicFile.WriteAllText(path, doc.ToString(), "--junit");
    }

    sealed class Prefixed(IProgress<string> inner, string prefix) : IProgress<string>
    {
        public void Report(string value) => inner.Report(prefix + value);
    }
}
