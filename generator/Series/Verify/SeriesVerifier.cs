using System.Diagnostics;
using System.Text;
using VhostLog.KernelTree;

namespace VhostLog.Series.Verify;

/// <summary>
/// The verify stage: applies a format-patch series to a temporary copy of a kernel
/// tree and runs the real tools on it (git am, checkpatch.pl --strict, kbuild W=1,
/// sparse C=2, kernel-doc, clang-format). The input tree is never written and is
/// compared byte for byte afterwards.
/// </summary>
public static class SeriesVerifier
{
    /// <summary>Set to 1 to keep the temporary work folder.</summary>
    public const string KeepVariable = "VHOSTLOG_KEEP";

    /// <exception cref="UsageException">
    /// Bad input (tree, series, function ranges) or a missing tool or headers package.
    /// </exception>
    public static VerifyReport Verify(VerifyRequest r, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        var tree = TreeCache.ValidateUserTree(r.TreeDir);
        var series = SeriesFiles.Read(r.SeriesDir);
        ValidateGenerated(r.Generated);
        var tools = Toolchain.Locate(r.HeadersDir);
        if (string.IsNullOrWhiteSpace(r.WorkRoot))
            throw new UsageException("verify needs a work folder (WorkRoot) for its temporary tree copy.");
        var workRoot = Path.GetFullPath(r.WorkRoot);
        if (IsInside(workRoot, tree))
            throw new UsageException($"the work folder {r.WorkRoot} is inside the tree {r.TreeDir}; the tree must stay untouched.");
        Directory.CreateDirectory(workRoot);

        var timings = new List<StepTiming>();
        var sw = Stopwatch.StartNew();
        progress?.Report($"hashing {tree}");
        var before = TreeSnapshot.Take(tree);
        timings.Add(new StepTiming("hash input tree", sw.Elapsed));
        var historyGitDir = HistoryGitDir(tools, tree);

        var work = Path.Combine(workRoot, $"verify-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}");
        var keep = Environment.GetEnvironmentVariable(KeepVariable) == "1";
        try
        {
            var checks = Run(r, tools, tree, series, before, historyGitDir, work, workRoot, timings, progress);
            if (keep)
                progress?.Report($"kept {work} ({KeepVariable}=1)");
            return new VerifyReport(checks) { Timings = timings, KeptWorkDir = keep ? work : null };
        }
        finally
        {
            if (!keep && Directory.Exists(work))
                Directory.Delete(work, recursive: true);
        }
    }

    static List<CheckResult> Run(
        VerifyRequest r, Toolchain tools, string tree, SeriesFiles series, TreeSnapshot before,
        string? historyGitDir, string work, string workRoot, List<StepTiming> timings, IProgress<string>? progress)
    {
        var checks = new List<CheckResult>();
        var root = Path.Combine(work, "tree");

        progress?.Report($"copying the tree to {root}");
        var sw = Stopwatch.StartNew();
        TreeSnapshot.Copy(tree, root);
        timings.Add(new StepTiming("copy tree", sw.Elapsed));

        sw.Restart();
        var git = new GitRepo(tools, root, r.Cancel);
        var pristine = git.CommitAll("pristine tree");
        timings.Add(new StepTiming("git init + commit", sw.Elapsed));

        var touched = series.TouchedFiles();
        var kdocScript = File.Exists(Path.Combine(root, "scripts", "kernel-doc"));
        var kdocBefore = KernelDocCheck.Run(tools, root, touched);

        r.Cancel.ThrowIfCancellationRequested();
        progress?.Report($"git am {series.Patches.Count} patch(es)");
        var (amCheck, final) = Apply(git, series, pristine, timings);
        checks.Add(amCheck);

        checks.Add(CheckpatchCheck.Run(tools, root, series.Patches, historyGitDir, timings, progress));

        if (final is null)
        {
            foreach (var name in new[] { CheckNames.Kbuild, CheckNames.Sparse, CheckNames.Bisect, CheckNames.KernelDoc, CheckNames.ClangFormat })
                checks.Add(new CheckResult(name, false, "not run: the series did not apply", ""));
            if (r.PatchedTreeCheck is not null)
                checks.Add(new CheckResult(CheckNames.Equivalence, false, "not run: the series did not apply", ""));
            if (r.BootCheck is not null)
                foreach (var name in CheckNames.BootRows)
                    checks.Add(new CheckResult(name, false, "not run: the series did not apply", ""));
            if (r.ChecksDir is not null)
                checks.Add(new CheckResult(CheckNames.LockDiscipline, false, "not run: the series did not apply", ""));
        }
        else
        {
            progress?.Report("kernel-doc");
            checks.Add(KernelDocCheck.Compare(kdocBefore, KernelDocCheck.Run(tools, root, touched), kdocScript));
            checks.Add(ClangFormatCheck.Run(tools, root, Locate(root, r.Generated, r.HeadersDir),
                AddedLines(git, pristine, final), timings, progress));
            if (r.ChecksDir is { } checksDir)
            {
                sw.Restart();
                checks.Add(LockDisciplineCheck.Run(checksDir, git, pristine, final, progress));
                timings.Add(new StepTiming("lock discipline", sw.Elapsed));
            }
            r.Cancel.ThrowIfCancellationRequested();
            if (r.PatchedTreeCheck is { } patchedTreeCheck)
            {
                progress?.Report("equiv: the patched tree's functions against the models");
                sw.Restart();
                checks.Add(patchedTreeCheck(root));
                timings.Add(new StepTiming("equiv patched tree", sw.Elapsed));
            }

            var kbuild = new Kbuild(tools, root, r.KbuildResults, r.Cancel);
            var cache = new Kbuild.PristineCache(Path.Combine(workRoot, "cache", "pristine-kbuild"), tools);
            var key = cache.KeyFor(before.Hash);
            var pristineBuild = cache.Load(key);
            if (pristineBuild is null)
            {
                progress?.Report("kbuild: pristine tree (W=1, then C=2)");
                git.CheckoutClean(pristine);
                pristineBuild = kbuild.Build();
                cache.Store(key, pristineBuild);
                git.CheckoutClean(final);
            }
            else
                progress?.Report("kbuild: pristine results from the cache");
            timings.Add(new StepTiming("kbuild pristine W=1", TimeSpan.FromSeconds(pristineBuild.W1.Seconds), pristineBuild.Cached));
            timings.Add(new StepTiming("kbuild pristine C=2", TimeSpan.FromSeconds(pristineBuild.Sparse.Seconds), pristineBuild.Cached));

            progress?.Report("kbuild: patched tree (W=1, then C=2)");
            var patchedBuild = kbuild.Build();
            timings.Add(new StepTiming("kbuild patched W=1", TimeSpan.FromSeconds(patchedBuild.W1.Seconds)));
            timings.Add(new StepTiming("kbuild patched C=2", TimeSpan.FromSeconds(patchedBuild.Sparse.Seconds)));
            checks.Add(BuildCheck(CheckNames.Kbuild, pristineBuild, patchedBuild, b => b.W1, requireModules: true));
            checks.Add(BuildCheck(CheckNames.Sparse, pristineBuild, patchedBuild, b => b.Sparse, requireModules: false));
            checks.Add(Bisect(git, kbuild, pristine, final, pristineBuild, timings, progress));
            if (r.BootCheck is { } bootCheck)
            {
                progress?.Report("boot: the distribution kernel under QEMU with stock, pristine and series modules");
                git.CheckoutClean(final);
                sw.Restart();
                checks.AddRange(bootCheck(root));
                timings.Add(new StepTiming("boot (3 variants)", sw.Elapsed));
            }
        }

        progress?.Report("checking the input tree is unchanged");
        sw.Restart();
        var after = TreeSnapshot.Take(tree);
        timings.Add(new StepTiming("hash input tree again", sw.Elapsed));
        var diff = before.DiffTo(after);
        checks.Add(new CheckResult(CheckNames.TreeUnchanged, diff.Count == 0,
            diff.Count == 0
                ? $"{before.Entries.Count} entries byte-identical (sha256 {before.Hash[..16]})"
                : $"the input tree changed during verify ({diff.Count} difference(s))",
            string.Join("\n", diff)));
        return checks;
    }

    /// <summary>
    /// Every shorter prefix of the series (the full series is built above)
    /// builds W=1 and C=2 with no warning the pristine tree lacks.
    /// </summary>
    static CheckResult Bisect(GitRepo git, Kbuild kbuild, string pristine, string final, BuildOutcome pristineBuild,
        List<StepTiming> timings, IProgress<string>? progress)
    {
        var commits = git.Commits(pristine, final);
        var prefixes = commits.Take(commits.Count - 1).ToList();
        if (prefixes.Count == 0)
            return new CheckResult(CheckNames.Bisect, true, "a single patch: nothing to bisect", "");
        var d = new StringBuilder();
        var bad = new List<string>();
        for (var i = 0; i < prefixes.Count; i++)
        {
            progress?.Report($"kbuild: prefix 1..{i + 1} of the series (W=1, then C=2)");
            git.CheckoutClean(prefixes[i]);
            var build = kbuild.Build();
            timings.Add(new StepTiming($"kbuild prefix 1..{i + 1}", TimeSpan.FromSeconds(build.W1.Seconds + build.Sparse.Seconds)));
            var w1 = BuildCheck(CheckNames.Kbuild, pristineBuild, build, b => b.W1, requireModules: true);
            var sparse = BuildCheck(CheckNames.Sparse, pristineBuild, build, b => b.Sparse, requireModules: false);
            d.AppendLine($"patches 1..{i + 1}: W=1 {(w1.Passed ? "ok" : "FAIL")}, sparse {(sparse.Passed ? "ok" : "FAIL")}");
            if (!w1.Passed || !sparse.Passed)
            {
                bad.Add($"1..{i + 1}");
                d.AppendLine(w1.Details).AppendLine(sparse.Details);
            }
        }
        git.CheckoutClean(final);
        return new CheckResult(CheckNames.Bisect, bad.Count == 0,
            bad.Count == 0
                ? $"every prefix builds without new warnings ({prefixes.Count} prefix(es) besides the full series)"
                : $"prefix(es) {string.Join(", ", bad)} add warnings or do not build",
            d.ToString().TrimEnd());
    }

    static (CheckResult Check, string? Final) Apply(GitRepo git, SeriesFiles series, string pristine, List<StepTiming> timings)
    {
        if (series.Quilt)
            return QuiltPush(git, series, pristine, timings);
        var d = new StringBuilder();
        d.AppendLine($"command: git am {string.Join(' ', series.Patches.Select(Path.GetFileName))}");
        if (series.CoverLetter is null)
            d.AppendLine("note: the series has no 0000-cover-letter.patch");
        if (series.Ignored.Count > 0)
            d.AppendLine("ignored (not NNNN-*.patch): " + string.Join(", ", series.Ignored));
        var am = git.Run(["am", .. series.Patches]);
        timings.Add(new StepTiming("git am", am.Elapsed));
        d.AppendLine(am.Output.Replace(series.Dir + "/", ""));
        if (!am.Ok)
        {
            var failedAt = am.Output.Split('\n').FirstOrDefault(l => l.StartsWith("Patch failed at", StringComparison.Ordinal))
                           ?? am.Output.Split('\n').FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal))
                           ?? $"exit {am.ExitCode}";
            git.Run(["am", "--abort"]);
            return (new CheckResult(CheckNames.GitAm, false, $"the series does not apply: {failedAt.Trim()}", d.ToString().TrimEnd()), null);
        }
        var final = git.Head();
        var count = int.Parse(git.RunChecked("rev-list", "--count", $"{pristine}..{final}").Stdout.Trim());
        d.AppendLine(git.RunChecked("diff", "--stat", pristine, final).Stdout.TrimEnd());
        var ok = count == series.Patches.Count;
        return (new CheckResult(CheckNames.GitAm, ok,
            ok
                ? $"{count} patch(es) applied to the pristine tree"
                : $"{series.Patches.Count} patch(es) but {count} commit(s) after git am",
            d.ToString().TrimEnd()), ok ? final : null);
    }

    /// <summary>
    /// A quilt series is applied as Debian's kernel package applies it,
    /// `quilt push`, one patch at a time; each is committed (message: its
    /// header) so that every later check sees the same commits as for git am.
    /// </summary>
    static (CheckResult Check, string? Final) QuiltPush(GitRepo git, SeriesFiles series, string pristine, List<StepTiming> timings)
    {
        var d = new StringBuilder();
        d.AppendLine($"command: QUILT_PATCHES={QuiltSeries.PatchesDir(series.Dir)} quilt push (x{series.Patches.Count})");
        File.AppendAllText(Path.Combine(git.Root, ".git", "info", "exclude"), "/.pc/\n");
        var env = new Dictionary<string, string>
        {
            ["QUILT_PATCHES"] = QuiltSeries.PatchesDir(series.Dir),
            ["QUILT_PC"] = ".pc",
            ["QUILTRC"] = "/dev/null",
        };
        var sw = Stopwatch.StartNew();
        foreach (var patch in series.Patches)
        {
            ProcResult push;
            try
            {
                push = ProcessRunner.Run("quilt", ["push", "-q"], git.Root, env, TimeSpan.FromMinutes(2), cancel: git.Cancel);
            }
            catch (ToolMissingException)
            {
                throw new UsageException("quilt (Debian package quilt) is not installed; run `make deps`");
            }
            d.AppendLine(push.Output);
            if (!push.Ok)
            {
                timings.Add(new StepTiming("quilt push", sw.Elapsed));
                return (new CheckResult(CheckNames.GitAm, false, $"quilt push failed at {Path.GetFileName(patch)}", d.ToString().TrimEnd()), null);
            }
            var header = File.ReadAllText(patch).Split("\n---\n")[0];
            git.RunChecked("add", "-A");
            git.RunChecked("commit", "-q", "--allow-empty", "-m", header);
        }
        timings.Add(new StepTiming("quilt push", sw.Elapsed));
        var final = git.Head();
        d.AppendLine(git.RunChecked("diff", "--stat", pristine, final).Stdout.TrimEnd());
        return (new CheckResult(CheckNames.GitAm, true, $"{series.Patches.Count} patch(es) applied to the pristine tree with quilt push",
            d.ToString().TrimEnd()), final);
    }

    static CheckResult BuildCheck(
        string name, BuildOutcome pristine, BuildOutcome patched, Func<BuildOutcome, StepOutcome> pick, bool requireModules)
    {
        var p = pick(pristine);
        var q = pick(patched);
        var d = new StringBuilder();
        d.AppendLine($"command: make {string.Join(' ', q.Command.Split(' ').Skip(1))}");
        d.AppendLine($"pristine: exit {p.ExitCode}, {p.Seconds:0.0} s{(pristine.Cached ? " (cached result)" : "")}, {p.Diagnostics.Count} warning/error line(s)");
        d.AppendLine($"patched:  exit {q.ExitCode}, {q.Seconds:0.0} s, {q.Diagnostics.Count} warning/error line(s)");
        d.AppendLine($"modules (patched): {string.Join(", ", patched.Modules)}");
        var (added, removed) = Diagnostics.Compare(p.Diagnostics, q.Diagnostics);
        if (added.Count > 0)
            d.AppendLine("new in the patched build:").AppendLine(CheckpatchCheck.Indent(string.Join("\n", added)));
        if (removed.Count > 0)
            d.AppendLine("gone in the patched build:").AppendLine(CheckpatchCheck.Indent(string.Join("\n", removed)));
        var problems = new List<string>();
        if (!p.Ok)
        {
            problems.Add($"the pristine tree does not build (exit {p.ExitCode})");
            d.AppendLine("pristine output (end):").AppendLine(CheckpatchCheck.Indent(p.Tail));
        }
        if (q.Tail.StartsWith(Kbuild.NotRun, StringComparison.Ordinal))
            problems.Add(q.Tail);
        else if (!q.Ok)
        {
            problems.Add($"the patched build failed (exit {q.ExitCode})");
            d.AppendLine("patched output (end):").AppendLine(CheckpatchCheck.Indent(q.Tail));
        }
        if (requireModules)
        {
            var missing = Kbuild.RequiredModules.Except(patched.Modules).ToList();
            if (missing.Count > 0)
                problems.Add("missing " + string.Join(", ", missing));
        }
        if (added.Count > 0)
            problems.Add($"{added.Count} new warning(s), first: {added[0]}");
        var summary = problems.Count == 0
            ? $"no new warnings ({p.Diagnostics.Count} pristine, {q.Diagnostics.Count} patched)" +
              (requireModules ? $"; {string.Join(", ", Kbuild.RequiredModules)} built" : "") +
              $"; {q.Seconds:0.0} s patched, {p.Seconds:0.0} s pristine{(pristine.Cached ? " (cached)" : "")}"
            : string.Join("; ", problems);
        return new CheckResult(name, problems.Count == 0, summary, d.ToString().TrimEnd());
    }

    /// <summary>
    /// Functions given without lines (0-0) are found by their libclang extent
    /// in the patched tree; a function the series should have written but the
    /// tree lacks keeps 0-0, which the clang-format check reports.
    /// </summary>
    static IReadOnlyList<GeneratedFunction> Locate(string root, IReadOnlyList<GeneratedFunction> generated, string headersDir)
    {
        var byFile = new Dictionary<string, IReadOnlyList<KernelTree.Clang.FunctionExtent>>(StringComparer.Ordinal);
        return generated.Select(f =>
        {
            if (f.StartLine != 0)
                return f;
            var path = Path.Combine(root, f.File);
            if (!byFile.TryGetValue(f.File, out var extents))
                byFile[f.File] = extents = File.Exists(path)
                    ? KernelTree.Clang.CFile.FunctionDefinitions(path, KernelTree.Clang.CParseOptions.ForKernelTree(root, headersDir))
                    : [];
            var e = extents.FirstOrDefault(x => x.Name == f.Name);
            return e is null ? f : f with { StartLine = e.DocStartLine ?? e.StartLine, EndLine = e.EndLine };
        }).ToList();
    }

    /// <summary>Per file, the line ranges of the final tree that the series added or changed.</summary>
    static Dictionary<string, List<(int Start, int End)>> AddedLines(GitRepo git, string pristine, string final)
    {
        var result = new Dictionary<string, List<(int, int)>>(StringComparer.Ordinal);
        List<(int, int)>? current = null;
        foreach (var line in git.RunChecked("diff", "-U0", "--no-color", pristine, final).Stdout.Split('\n'))
        {
            if (line.StartsWith("+++ b/", StringComparison.Ordinal))
                result[line[6..]] = current = [];
            else if (line.StartsWith("@@ ", StringComparison.Ordinal) && current is not null)
            {
                var plus = line.Split(' ')[2][1..].Split(',');
                var start = int.Parse(plus[0], System.Globalization.CultureInfo.InvariantCulture);
                var count = plus.Length > 1 ? int.Parse(plus[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
                if (count > 0)
                    current.Add((start, start + count - 1));
            }
        }
        return result;
    }

    static void ValidateGenerated(IReadOnlyList<GeneratedFunction> generated)
    {
        ArgumentNullException.ThrowIfNull(generated);
        foreach (var f in generated)
        {
            if (string.IsNullOrEmpty(f.File) || Path.IsPathRooted(f.File) ||
                f.File.Split('/', '\\').Any(s => s is ".." or ""))
                throw new UsageException($"generated function {f.Name}: file '{f.File}' must be a path relative to the tree root, without '..'.");
            if (string.IsNullOrWhiteSpace(f.Name))
                throw new UsageException($"generated function in {f.File}: empty name.");
            if (!(f.StartLine == 0 && f.EndLine == 0) && (f.StartLine < 1 || f.EndLine < f.StartLine))
                throw new UsageException($"generated function {f.Name} ({f.File}): bad line range {f.StartLine}-{f.EndLine}.");
        }
    }

    /// <summary>The input tree's own git directory when it has history; checkpatch then looks commit ids up there.</summary>
    static string? HistoryGitDir(Toolchain tools, string tree)
    {
        if (!Path.Exists(Path.Combine(tree, ".git")))
            return null;
        var dir = ProcessRunner.Run(tools.Git, ["rev-parse", "--absolute-git-dir"], tree, timeout: TimeSpan.FromMinutes(1));
        if (!dir.Ok)
            return null;
        var head = ProcessRunner.Run(tools.Git, ["rev-parse", "--verify", "-q", "HEAD"], tree, timeout: TimeSpan.FromMinutes(1));
        return head.Ok ? dir.Stdout.Trim() : null;
    }

    static bool IsInside(string path, string dir)
    {
        var rel = Path.GetRelativePath(dir, path);
        return rel == "." || (!rel.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(rel));
    }
}
