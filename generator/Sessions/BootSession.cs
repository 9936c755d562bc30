using System.Globalization;
using System.Xml.Linq;
using VhostLog.Boot;
using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Series.Verify;

namespace VhostLog.Sessions;

/// <summary>
/// The real-kernel proof as a library call: the tree's distribution kernel
/// under QEMU with each variant's modules (docs/boot.md), and verify's rows
/// made from it.
/// </summary>
public static class BootSession
{
    public static SeriesDefinition Definition(string repo) => SeriesDefinition.Load(Path.Combine(repo, "templates"));

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
    /// <param name="runs">QEMU runs the caller shares between boots (null: every variant boots)</param>
    public static IReadOnlyList<CheckResult> VerifyChecks(string repo, TargetTree target, string patchedRoot, string seriesDir, CancellationToken cancel,
        IProgress<string>? progress = null, BootRuns? runs = null)
    {
        BootResult result;
        try
        {
            result = BootRunner.Run(Request(repo, target, Variant.Names, BootWorkloads.Default, Accel.Tcg, TimeSpan.FromMinutes(5)) with
            {
                SeriesVhostDir = Path.Combine(patchedRoot, "drivers", "vhost"),
                SeriesState = SeriesFolder.LastState(Definition(repo), seriesDir),
                BeforeState = SeriesFolder.StateBefore(Definition(repo), seriesDir),
                Runs = runs,
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

    /// <summary>The --json document of a boot run.</summary>
    public static object Json(BootResult result) => new
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

    /// <summary>A JUnit XML report, a test case per check.</summary>
    public static void WriteJUnit(string path, BootResult result)
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
