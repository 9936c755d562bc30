namespace VhostLog.Boot;

/// <summary>One verdict over a whole boot result: passed, a one-line summary, the evidence.</summary>
public sealed record BootVerdict(bool Passed, string Summary, string Details);

/// <summary>What a boot result says as a whole: the lines verify and the command print, and the real-kernel rows of docs/checks.md.</summary>
public static class BootVerdicts
{
    /// <summary>
    /// The verification build's assertions (VerificationBuild): a WARN of
    /// ours in the series variant's kernel log, with where it fired and the
    /// call trace that led there.
    /// </summary>
    public static BootVerdict LockAssertions(BootResult result)
    {
        var series = result.Variants.FirstOrDefault(v => v.Variant.Kind == VariantKind.Series);
        if (series?.Report is not { } report)
            return new BootVerdict(false, "the series variant did not report", "");
        var warnings = KernelLog.Warnings(report.KernelLog, VerificationBuild.WarnMarker);
        var details = string.Join("\n", warnings.Select(w => $"{w.Message}\n  at {w.Place}\n  path: {string.Join(" <- ", w.Trace)}"));
        return new BootVerdict(warnings.Length == 0 && report.Done,
            warnings.Length == 0
                ? report.Done ? "every dirty-log write the workloads made held its virtqueue mutex (vhost_scsi_log_write(), log_used())" : "the guest did not finish"
                : $"{warnings.Length} log write(s) without the virtqueue mutex: {warnings[0].Place}",
            details);
    }

    /// <summary>Every request of every variant got exactly one answer, the ones with a failed log allocation included.</summary>
    public static BootVerdict RequestProtocol(BootResult result)
    {
        var one = result.Variants.SelectMany(v => v.Checks.Where(c => c.Check == "one answer").Select(c => (v.Variant.Name, c))).ToList();
        var bad = one.Where(x => !x.c.Passed).ToList();
        var injected = one.Count(x => x.c.Workload == "alloc-fail" && x.c.Step.EndsWith("log-alloc", StringComparison.Ordinal));
        return new BootVerdict(one.Count > 0 && bad.Count == 0 && injected > 0,
            bad.Count == 0
                ? $"{one.Count} requests answered exactly once, {injected} of them after an injected log-allocation failure"
                : $"{bad.Count} request(s) not answered exactly once: {bad[0].Name} {bad[0].c.Workload}/{bad[0].c.Step} ({bad[0].c.Observed})",
            string.Join("\n", bad.Select(x => $"{x.Name} {x.c.Workload}/{x.c.Step}: {x.c.Observed}")) +
            (injected == 0 ? "\nno request met an injected allocation failure (the alloc-fail workload did not run on the series)" : ""));
    }

    /// <summary>One line: what the READs' pages did in each variant, the model, the migration.</summary>
    public static string Summary(BootResult result)
    {
        var parts = new List<string>();
        foreach (var v in result.Variants)
        {
            var read = v.Checks.FirstOrDefault(c => c.Workload == "swapin" && c.Step == "read-direct" && c.Check == "log");
            var lost = v.Report?.Migration?.Lost;
            var failed = v.Checks.Count(c => !c.Passed && c.Skipped is null);
            parts.Add($"{v.Variant.Name}: " + (read is null ? "" : $"READ logged {read.Observed}") +
                      (lost is null ? "" : $", migration lost {lost}") + (failed > 0 ? $", {failed} check(s) FAILED" : ""));
        }
        var replayed = result.Variants.Sum(v => v.Replay.Length);
        var agree = result.Variants.Sum(v => v.Replay.Count(s => s.Agrees));
        return $"{result.Kernel.Release}: " + string.Join("; ", parts) + (replayed > 0 ? $"; model {agree}/{replayed} requests bit for bit" : "");
    }

    /// <summary>
    /// What the boot showed, as a sentence a cover letter can quote: the
    /// series variant's numbers and stock's READ pages, none of which vary
    /// from run to run (stock's migration loss does, by a page or so, with
    /// the timing of its completions, so it is not quoted). Null when the
    /// run has no series variant.
    /// </summary>
    public static string? Claim(BootResult result)
    {
        var series = result.Variants.FirstOrDefault(v => v.Variant.Kind == VariantKind.Series);
        var stock = result.Variants.FirstOrDefault(v => v.Variant.Kind == VariantKind.Stock);
        if (series?.Report?.Migration is not { } migration)
            return null;
        static string? Data(VariantResult? v) =>
            v?.Checks.FirstOrDefault(c => c.Workload == "swapin" && c.Step == "read-direct" && c.Check == "log") is { } read
            && System.Text.RegularExpressions.Regex.Match(read.Observed, @"data (\d+/\d+)") is { Success: true } m
                ? m.Groups[1].Value
                : null;
        var withStock = Data(stock) is { } s ? $" ({s} with Debian's own modules)" : "";
        // The number of requests in the migration varies with the guest's
        // timing; its rounds do not.
        return $"Debian's {result.Kernel.Release} under QEMU with the series' modules logs {Data(series) ?? "?"} " +
               $"data pages of a READ{withStock} and loses {migration.Lost} pages in a migration of {series.Report.Rounds.Length} " +
               "rounds, every bitmap as the model predicts.";
    }

    public static string Details(BootResult result)
    {
        var d = new System.Text.StringBuilder();
        foreach (var v in result.Variants)
        {
            foreach (var c in v.Checks.Where(c => !c.Passed && c.Skipped is null))
                d.AppendLine($"{v.Variant.Name} {c.Workload} {c.Step} {c.Check}: expected {c.Expected}; observed {c.Observed}");
            if (!v.Passed && v.Run is { } run)
                d.AppendLine($"{v.Variant.Name} console tail:\n{run.ConsoleTail()}");
        }
        foreach (var s in result.SavedDivergences)
            d.AppendLine($"model divergence saved to {s}");
        return d.ToString();
    }
}
