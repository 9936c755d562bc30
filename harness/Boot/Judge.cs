using System.Collections.Immutable;
using VhostLog.Simulator;

namespace VhostLog.Boot;

/// <summary>
/// Turns what a boot left (QEMU's status, the console, the guest's report)
/// into checks: the guest ran to the end, every module loaded, every
/// workload finished, every answer is the one virtio-scsi prescribes, every
/// request logged exactly the pages the variant must log, READ data came
/// back, the migration lost no page (with the series) or lost some
/// (without), and the kernel log is clean.
/// </summary>
public static class Judge
{
    public static ImmutableArray<BootCheck> Boot(Variant v, IReadOnlyList<WorkloadSpec> workloads, QemuRun run, GuestReport report,
        KernelImage kernel, bool oursLoaded, TimeSpan timeout)
    {
        var checks = ImmutableArray.CreateBuilder<BootCheck>();
        void Add(string workload, string step, string check, string expected, string observed, bool passed) =>
            checks.Add(new BootCheck(v.Name, workload, step, check, expected, observed, passed));

        var console = Qemu.Clean(run.Console);
        var panicked = console.Contains("Kernel panic", StringComparison.Ordinal);
        var how = report.Done ? $"ran to the end in {run.Elapsed.TotalSeconds:0.0} s"
            : run.TimedOut ? $"no end after {timeout.TotalSeconds:0} s (the guest hung; QEMU was stopped)"
            : panicked ? "the guest kernel panicked"
            : run.ExitCode != 0 ? $"QEMU exited {run.ExitCode}: {FirstLine(run.Stderr)}"
            : "the guest stopped before its last report";
        Add("boot", "", "guest", "runs to the end", how, report.Done);
        if (report.Unparsed.Length > 0)
            Add("boot", "", "report", "JSON lines the host reads", $"{report.Unparsed.Length} unreadable: {report.Unparsed[0]}", false);

        var failed = report.Modules.Where(m => !m.Ok).ToList();
        Add("boot", "", "modules", "all load",
            report.Modules.Length == 0 ? "none reported"
            : failed.Count == 0 ? $"{report.Modules.Length} loaded" + (oursLoaded ? " (drivers/vhost ours)" : "")
            : string.Join(", ", failed.Select(m => $"{m.Name}: errno {m.Errno}")),
            report.Modules.Length > 0 && failed.Count == 0);

        foreach (var w in workloads.Where(w => w.InGuest))
        {
            var end = report.Workloads.FirstOrDefault(e => e.Workload == w.Name);
            var errors = report.Errors.Where(e => e.StartsWith(w.Name + ":", StringComparison.Ordinal)).ToList();
            var expectHang = w.Name == "selftest-hang";
            if (report.Skipped.TryGetValue(w.Name, out var why))
            {
                checks.Add(new BootCheck(v.Name, w.Name, "", "workload", "completed", "skipped", true) { Skipped = why });
                continue;
            }
            Add(w.Name, "", "workload", "completed",
                end is null ? "never ended" : errors.Count > 0 ? $"{end}: {string.Join("; ", errors)}" : end.ToString(),
                end is { Ok: true } && errors.Count == 0 && !expectHang);
            foreach (var s in w.Steps)
                StepChecks(v, w, s, report, (wl, st, c, e, o, p, skip) =>
                    checks.Add(new BootCheck(v.Name, wl, st, c, e, o, p) { Skipped = skip }));
            if (w.Name == "migrate")
                MigrationCheck(v, report, Add);
        }

        var logLines = report.KernelLog.Concat(console.Split('\n')).ToList();
        var bad = KernelLog.Reports(logLines).Distinct().ToList();
        Add("kernel log", "", "reports", "no WARN, BUG, Oops, KFENCE, lockdep or panic",
            bad.Count == 0 ? $"clean ({report.KernelLog.Length} records" + (kernel.Kfence ? ", KFENCE on)" : ", no KFENCE in this kernel)")
                : string.Join(" | ", bad.Take(5)),
            bad.Count == 0 && report.KernelLog.Length > 0);
        var allowed = oursLoaded ? KernelLog.OutOfTree | KernelLog.Unsigned : 0;
        Add("kernel log", "", "taint", oursLoaded ? "only O and E (our unsigned out-of-tree modules)" : "none",
            report.Taint is { } t ? (t == 0 ? "none" : $"{KernelLog.TaintLetters(t)} ({t})") : "not reported",
            report.Taint is { } taint && (taint & ~allowed) == 0);
        return checks.ToImmutable();
    }

    static void StepChecks(Variant v, WorkloadSpec w, StepSpec s, GuestReport report,
        Action<string, string, string, string, string, bool, string?> add)
    {
        // The last attempt: a command that met a UNIT ATTENTION is sent again under the same step.
        var r = report.Requests.LastOrDefault(q => q.Workload == w.Name && q.Step == s.Step);
        if (r is null)
        {
            add(w.Name, s.Step, "answer", s.Answer, "not reported", false, null);
            return;
        }
        var answer = (s.Since is { } since && !ModelStates.AtLeast(v.ModelState, since)) || (s.Needs is { } fn && !v.ScsiFunctions.Contains(fn))
            ? s.BeforeAnswer : s.Answer;
        if (answer is null)
            add(w.Name, s.Step, "answer", s.Answer, r.Answer, true, s.Before);
        else
            add(w.Name, s.Step, "answer", answer, r.Answer, r.Done && r.Answer == answer, null);
        add(w.Name, s.Step, "one answer", "exactly one used entry",
            r.Answers == 1 ? (r.Rekicked ? "one, after a second kick (the device put it back)" : "one") : r.Answers == 0 ? "none: the request was dropped" : $"{r.Answers}",
            r.Answers == 1, null);
        var expected = ExpectedDirty(r, v.HasSeries);
        add(w.Name, s.Step, "log", Describe(r, expected), Describe(r, r.Dirty.ToHashSet()), expected.SetEquals(r.Dirty), null);
        if (s.DataPages > 0)
        {
            var d = report.Data.FirstOrDefault(x => x.Workload == w.Name && x.Step == s.Step);
            add(w.Name, s.Step, "data", $"{s.DataPages}/{s.DataPages} pages read back", d is null ? "not reported" : $"{d.Correct}/{d.Pages} pages read back",
                d is not null && d.Pages == s.DataPages && d.Correct == d.Pages, null);
        }
    }

    /// <summary>
    /// The pages a request must leave marked: none while logging is off;
    /// otherwise the used ring (every variant: log_used()) and, with the
    /// series, every page of every write descriptor of the chain.
    /// </summary>
    public static ImmutableSortedSet<ulong> ExpectedDirty(GuestRequest r, bool series)
    {
        if (!r.Logging)
            return [];
        var used = BootWorkloads.UsedRingPage(BootWorkloads.QueueOf(r.Queue));
        return series ? BootWorkloads.WrittenPages(r).Add(used) : [used];
    }

    /// <summary>"used ring, response, data 8/8" for a set of pages, in the request's terms.</summary>
    public static string Describe(GuestRequest r, IReadOnlySet<ulong> dirty)
    {
        var parts = new List<string>();
        var used = BootWorkloads.UsedRingPage(BootWorkloads.QueueOf(r.Queue));
        if (dirty.Contains(used))
            parts.Add("used ring");
        var writes = r.Chain.Where(b => b.Write).ToList();
        var first = writes.Count > 0 ? writes[0].Gpa / GuestLayout.PageSize : ulong.MaxValue;
        var firstName = r.Queue == "event" ? "event buffer" : "response";
        if (writes.Count > 0 && dirty.Contains(first))
            parts.Add(firstName);
        var data = writes.Skip(1).Select(b => b.Gpa / GuestLayout.PageSize).Distinct().ToList();
        if (data.Count > 0)
            parts.Add($"data {data.Count(dirty.Contains)}/{data.Count}");
        var known = data.Append(used).Append(first).ToHashSet();
        var other = dirty.Where(p => !known.Contains(p)).Order().ToList();
        if (other.Count > 0)
            parts.Add("other pages " + string.Join(",", other));
        return parts.Count == 0 ? "nothing" : string.Join(", ", parts);
    }

    static void MigrationCheck(Variant v, GuestReport report, Action<string, string, string, string, string, bool> add)
    {
        var m = report.Migration;
        var observed = m is null ? "not reported"
            : $"{m.Lost} page(s) lost" + (m.Lost > 0 ? $" (pages {string.Join(",", m.LostPages.Take(8))}{(m.Lost > 8 ? ",..." : "")})" : "") +
              $" after {m.Reads} READs, {m.Writes} WRITEs, {report.Rounds.Length} rounds";
        if (v.HasSeries)
            add("migrate", "", "lost pages", "0", observed, m is { Lost: 0 } && m.Reads > 0);
        else
            add("migrate", "", "lost pages", "> 0 (the READs' pages are not logged)", observed, m is { Lost: > 0 });
    }

    /// <summary>Pristine is our build of the tree: it must do exactly what the distribution's modules do.</summary>
    public static ImmutableArray<BootCheck> SameAsStock(string variant, GuestReport stock, GuestReport pristine)
    {
        var checks = ImmutableArray.CreateBuilder<BootCheck>();
        foreach (var s in stock.Requests.GroupBy(r => (r.Workload, r.Step)).Select(g => g.Last()))
        {
            var p = pristine.Requests.LastOrDefault(r => r.Workload == s.Workload && r.Step == s.Step);
            var observed = p is null ? "not reported" : $"{p.Answer}; logged {string.Join(",", p.Dirty)}";
            var expected = $"{s.Answer}; logged {string.Join(",", s.Dirty)}";
            checks.Add(new BootCheck(variant, s.Workload, s.Step, "same as stock", expected, observed,
                p is not null && p.Answer == s.Answer && p.Dirty.SequenceEqual(s.Dirty)));
        }
        return checks.ToImmutable();
    }

    /// <summary>Workload 7's checks: per replayed request, the model's bitmap against the real one.</summary>
    public static ImmutableArray<BootCheck> Model(string variant, string state, ImmutableArray<ReplayStep> steps) =>
        [.. steps.Select(s => new BootCheck(variant, s.Workload, s.Step, $"model {state}",
            "pages " + string.Join(",", s.Model), "pages " + string.Join(",", s.Real), s.Agrees))];

    static string FirstLine(string s) => s.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
}
