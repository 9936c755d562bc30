using System.Collections.Immutable;
using System.Text.Json;
using VhostLog.KernelTree;

namespace VhostLog.Boot;

/// <summary>What to boot and check.</summary>
/// <param name="TreeDir">the pristine tree (read only): its drivers/vhost is the pristine variant</param>
/// <param name="HeadersDir">kbuild headers of the kernel to boot; their kernel.release names the image and the stock modules</param>
/// <param name="GuestDir">the guest program's sources (harness/Boot/guest)</param>
/// <param name="CacheRoot">where built modules and the guest program are kept between runs</param>
/// <param name="WorkRoot">where each run's temporary folder goes</param>
/// <param name="SeriesState">the model state the series leaves the tree in (what the series variant must behave as)</param>
public sealed record BootRequest(
    string TreeDir, string HeadersDir, string GuestDir, string CacheRoot, string WorkRoot,
    IReadOnlyList<string> Variants, IReadOnlyList<string> Workloads, Accel Accel, TimeSpan Timeout, string SeriesState)
{
    /// <summary>format-patch output applied to a copy of the tree's drivers/vhost for the series variant.</summary>
    public string? SeriesDir { get; init; }

    /// <summary>An already patched drivers/vhost (verify's copy) instead of <see cref="SeriesDir"/>.</summary>
    public string? SeriesVhostDir { get; init; }

    /// <summary>Patches applied after the series (tests: deliberately broken series).</summary>
    public IReadOnlyList<string> ExtraPatches { get; init; } = [];

    /// <summary>The model state of the tree before the series (stock and pristine).</summary>
    public string BeforeState { get; init; } = "Baseline";

    /// <summary>
    /// QEMU runs of identical inputs kept by the caller across boots (the
    /// test run); null: every variant boots.
    /// </summary>
    public BootRuns? Runs { get; init; }

    /// <summary>Where a model divergence is saved (its request sequence, the real and predicted bitmaps).</summary>
    public string? DivergenceDir { get; init; }
}

/// <summary>One variant's run: its modules, the boot, the guest's report and the checks.</summary>
public sealed record VariantResult(
    Variant Variant, ImmutableArray<ModuleFile> Modules, BuiltModules? Build, QemuRun? Run, GuestReport? Report,
    ImmutableArray<BootCheck> Checks, ImmutableArray<ReplayStep> Replay)
{
    public bool Passed => Checks.All(c => c.Passed || c.Skipped is not null) && Checks.Length > 0;
}

public sealed record BootResult(KernelImage Kernel, Accel Accel, ImmutableArray<string> Workloads, ImmutableArray<VariantResult> Variants,
    ImmutableArray<string> SavedDivergences)
{
    public bool Passed => Variants.Length > 0 && Variants.All(v => v.Passed);
}

/// <summary>
/// `vhostlog boot`: builds each variant's modules, packs an initramfs with
/// the guest program, boots the distribution kernel under QEMU once per
/// variant and judges what the guest reports (Judge), the pristine build
/// against stock, and the model's prediction against the real bitmap
/// (ModelReplay). The tree is only read; everything else happens in a
/// temporary folder that is removed afterwards (VHOSTLOG_KEEP=1 keeps it).
/// </summary>
public static class BootRunner
{
    public const string KeepVariable = "VHOSTLOG_KEEP";

    public static BootResult Run(BootRequest r, IProgress<string>? progress, CancellationToken cancel)
    {
        var tree = TreeCache.ValidateUserTree(r.TreeDir);
        var kernel = KernelImage.ForHeaders(r.HeadersDir);
        var workloads = r.Workloads.Select(BootWorkloads.Get).ToImmutableArray();
        if (workloads.Length == 0)
            throw new UsageException("no workload to run: pass --workload NAME (or none for the default set)");
        var variants = r.Variants.Select(name => name switch
        {
            "stock" => new Variant(VariantKind.Stock, name, r.BeforeState),
            "pristine" => new Variant(VariantKind.Pristine, name, r.BeforeState),
            "series" => new Variant(VariantKind.Series, name, r.SeriesState),
            _ => throw new UsageException($"--variants {name}: no such variant; pick from {string.Join(", ", Variant.Names)}"),
        }).ToImmutableArray();
        if (variants.Length == 0)
            throw new UsageException("no variant to boot: pass --variants stock,pristine,series (or a part of it)");
        if (variants.Any(v => v.HasSeries) && r.SeriesDir is null && r.SeriesVhostDir is null)
            throw new UsageException("the series variant needs a series: pass --out DIR (a git format-patch folder)");

        Directory.CreateDirectory(r.WorkRoot);
        var work = Path.Combine(r.WorkRoot, $"boot-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(work);
        try
        {
            progress?.Report("guest program: gcc -static");
            var guest = GuestProgram.Build(r.GuestDir, r.CacheRoot, cancel);
            var plan = BootWorkloads.LayoutPlan() +
                       $"fail_alloc /sys/module/{ModuleSet.Target}/parameters/{VerificationBuild.FailParameter}\n" +
                       string.Concat(workloads.Where(w => w.InGuest).Select(w => $"workload {w.Name}\n"));
            var results = ImmutableArray.CreateBuilder<VariantResult>();
            foreach (var v in variants)
            {
                cancel.ThrowIfCancellationRequested();
                results.Add(RunVariant(r, v, tree, kernel, guest, plan, workloads, work, progress, cancel));
            }
            var all = results.ToImmutable();
            all = CrossChecks(all);
            var saved = SaveDivergences(r, kernel, all);
            return new BootResult(kernel, r.Accel, [.. workloads.Select(w => w.Name)], all, saved);
        }
        finally
        {
            if (Environment.GetEnvironmentVariable(KeepVariable) == "1")
                progress?.Report($"kept {work} ({KeepVariable}=1)");
            else if (Directory.Exists(work))
                Directory.Delete(work, true);
        }
    }

    static VariantResult RunVariant(BootRequest r, Variant v, string tree, KernelImage kernel, string guest, string plan,
        ImmutableArray<WorkloadSpec> workloads, string work, IProgress<string>? progress, CancellationToken cancel)
    {
        var dir = Path.Combine(work, v.Name);
        Directory.CreateDirectory(dir);
        BuiltModules? built = null;
        string? scsiSource = null;
        if (v.Kind != VariantKind.Stock)
        {
            var source = v.Kind == VariantKind.Pristine
                ? Path.Combine(tree, "drivers", "vhost")
                : PatchedSources(r, tree, dir, cancel);
            if (v.Kind == VariantKind.Series)
                VerificationBuild.Instrument(source);
            scsiSource = source;
            progress?.Report($"{v.Name}: kbuild of drivers/vhost against {kernel.Release}");
            try
            {
                built = ModuleBuild.Build(source, r.HeadersDir, r.CacheRoot, dir, cancel);
            }
            catch (ModuleBuildFailedException e)
            {
                return new VariantResult(v, [], null, null, null,
                    [new BootCheck(v.Name, "build", "", "kbuild", "modules build", $"{e.Message}\n{e.Output}", false)], []);
            }
            progress?.Report($"{v.Name}: modules {(built.Cached ? "from the cache" : $"built in {built.Elapsed.TotalSeconds:0.0} s")}");
        }
        v = v with
        {
            ScsiFunctions = VerificationBuild.DefinedFunctions(Path.Combine(scsiSource ?? Path.Combine(tree, "drivers", "vhost"), "scsi.c")),
        };
        var modules = ModuleSet.Resolve(kernel, built?.Modules);
        var initramfs = Initramfs.Build(Path.Combine(dir, "initramfs"), guest, modules, plan, Path.Combine(dir, "initramfs.cpio"), cancel);
        progress?.Report($"{v.Name}: booting {kernel.Release} under QEMU ({r.Accel.ToString().ToUpperInvariant()})");
        var run = r.Runs is { } runs
            ? runs.GetOrRun(Qemu.RunKey(kernel, initramfs, r.Accel, r.Timeout), () => Qemu.Run(kernel, initramfs, dir, r.Accel, r.Timeout, cancel), cancel)
            : Qemu.Run(kernel, initramfs, dir, r.Accel, r.Timeout, cancel);
        var report = GuestReport.Parse(run.Results);
        progress?.Report($"{v.Name}: {(report.Done ? "done" : "no end")} in {run.Elapsed.TotalSeconds:0.0} s");
        var checks = Judge.Boot(v, workloads, run, report, kernel, built is not null, r.Timeout);
        var replay = ImmutableArray<ReplayStep>.Empty;
        if (workloads.Any(w => w.Name == "model"))
        {
            var replayed = report.Requests.Where(q => workloads.Any(w => w.Name == q.Workload && w.Replayed)).ToList();
            var state = ModelStates.Replayable(v.ModelState);
            try
            {
                replay = ModelReplay.Run(state, replayed, taskSetFull: v.ScsiFunctions.Contains("vhost_scsi_send_status"));
                checks = checks.AddRange(Judge.Model(v.Name, state, replay));
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                // The model could not take a request the kernel took (or broke the request protocol): a failed check, not a crash.
                checks = checks.Add(new BootCheck(v.Name, "model", "", $"model {state}", "replays every request", $"stopped: {e.Message}", false));
            }
            if (replayed.Count == 0)
                checks = checks.Add(new BootCheck(v.Name, "model", "", $"model {v.ModelState}", "requests to replay",
                    "none: run swapin, onoff, control or event with it", false));
        }
        return new VariantResult(v, modules, built, run, report, checks, replay);
    }

    /// <summary>A copy of the tree's drivers/vhost with the series (and any extra patches) applied by git apply.</summary>
    static string PatchedSources(BootRequest r, string tree, string dir, CancellationToken cancel)
    {
        var root = Path.Combine(dir, "src");
        var vhost = Path.Combine(root, "drivers", "vhost");
        Directory.CreateDirectory(vhost);
        var from = r.SeriesVhostDir ?? Path.Combine(tree, "drivers", "vhost");
        foreach (var f in Directory.GetFiles(from))
            File.Copy(f, Path.Combine(vhost, Path.GetFileName(f)));
        var patches = new List<string>();
        if (r.SeriesVhostDir is null && r.SeriesDir is { } seriesDir)
        {
            if (!Directory.Exists(seriesDir))
                throw new UsageException($"--out {seriesDir}: no such folder; run `./vhostlog generate` first or pass the series folder");
            patches.AddRange(Directory.GetFiles(seriesDir, "*.patch")
                .Where(p => !Path.GetFileName(p).StartsWith("0000-", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal));
        }
        if (patches.Count == 0 && r.SeriesVhostDir is null)
            throw new UsageException($"--out {r.SeriesDir}: no NNNN-*.patch files there, so there is no series to boot; run `./vhostlog generate` first");
        patches.AddRange(r.ExtraPatches);
        // Outside any repository: inside one (the cache may sit in a
        // checkout), git apply would skip the paths outside the current
        // folder without a word.
        var outside = new Dictionary<string, string> { ["GIT_CEILING_DIRECTORIES"] = Path.GetDirectoryName(root)! };
        foreach (var p in patches)
        {
            var a = ProcessRunner.Run("git", ["apply", "--whitespace=nowarn", "--verbose", p], root, outside,
                timeout: TimeSpan.FromMinutes(1), cancel: cancel);
            if (!a.Ok)
                throw new UsageException(
                    $"{p} does not apply to {tree}'s drivers/vhost (git apply: {a.Output.Trim()}). The series must be for this " +
                    "tree and change only drivers/vhost; `./vhostlog verify` says more.");
            if (!a.Output.Contains("Applied patch", StringComparison.Ordinal))
                throw new InvalidOperationException($"git apply {p} applied nothing: {a.Output.Trim()}");
        }
        return vhost;
    }

    /// <summary>Pristine against stock, step by step, when both ran.</summary>
    static ImmutableArray<VariantResult> CrossChecks(ImmutableArray<VariantResult> all)
    {
        var stock = all.FirstOrDefault(v => v.Variant.Kind == VariantKind.Stock)?.Report;
        if (stock is null)
            return all;
        return [.. all.Select(v => v.Variant.Kind == VariantKind.Pristine && v.Report is { } p
            ? v with { Checks = v.Checks.AddRange(Judge.SameAsStock(v.Variant.Name, stock, p)) }
            : v)];
    }

    /// <summary>Every model disagreement, with the requests in order and both bitmaps, as JSON (like equiv's divergences).</summary>
    static ImmutableArray<string> SaveDivergences(BootRequest r, KernelImage kernel, ImmutableArray<VariantResult> all)
    {
        if (r.DivergenceDir is null)
            return [];
        var saved = ImmutableArray.CreateBuilder<string>();
        foreach (var v in all.Where(v => v.Replay.Any(s => !s.Agrees)))
        {
            Directory.CreateDirectory(r.DivergenceDir);
            var path = Path.Combine(r.DivergenceDir, $"boot-{kernel.Release}-{v.Variant.Name}.json");
            var body = new
            {
                kernel = kernel.Release,
                variant = v.Variant.Name,
                model_state = v.Variant.ModelState,
                first_disagreement = v.Replay.First(s => !s.Agrees),
                requests = v.Report!.Requests.Select(q => new
                {
                    q.Workload, q.Step, q.Queue, q.Logging,
                    chain = q.Chain.Select(b => new[] { b.Gpa, b.Len, b.Write ? 1UL : 0UL }),
                    real = q.Dirty,
                    model = v.Replay.FirstOrDefault(s => s.Workload == q.Workload && s.Step == q.Step)?.Model,
                }),
            };
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(body, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
            saved.Add(path);
        }
        return saved.ToImmutable();
    }
}
