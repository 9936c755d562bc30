namespace VhostLog.Series.Verify;

/// <summary>
/// A function the generator wrote into the patched tree. <see cref="File"/> is
/// relative to the tree root (for example <c>drivers/vhost/vhost.c</c>); the
/// lines are 1-based and inclusive, counted in the tree after the whole series
/// is applied.
/// </summary>
public sealed record GeneratedFunction(string File, string Name, int StartLine, int EndLine);

/// <summary>
/// What to verify. <see cref="TreeDir"/> is read only (it is copied and checked
/// to be byte-identical afterwards); <see cref="SeriesDir"/> holds
/// <c>git format-patch --cover-letter</c> output; <see cref="HeadersDir"/> is a
/// kbuild headers folder (Debian <c>linux-headers-*-amd64</c>);
/// <see cref="WorkRoot"/> is where the temporary copy and the pristine-build
/// cache go (created when missing).
/// </summary>
public sealed record VerifyRequest(
    string TreeDir,
    string SeriesDir,
    string HeadersDir,
    IReadOnlyList<GeneratedFunction> Generated,
    string WorkRoot)
{
    /// <summary>
    /// A check of the patched tree (its root, read only) that this stage cannot
    /// make itself: the equivalence harness comparing its C with the models.
    /// </summary>
    public Func<string, CheckResult>? PatchedTreeCheck { get; init; }

    /// <summary>
    /// The real-kernel check of the patched tree (its root, read only): its
    /// modules booted in the distribution kernel (vhostlog boot).
    /// </summary>
    public Func<string, IReadOnlyList<CheckResult>>? BootCheck { get; init; }

    /// <summary>templates/checks: the lock-discipline rules run on every prefix of the series (no check when null).</summary>
    public string? ChecksDir { get; init; }

    /// <summary>
    /// Builds of identical trees kept across verify calls by the caller (the
    /// test run); null: every kbuild runs.
    /// </summary>
    public KbuildResults? KbuildResults { get; init; }

    /// <summary>Stops the run (Ctrl-C, SIGTERM): the tools it started are killed and its work folder removed.</summary>
    public CancellationToken Cancel { get; init; }
}

/// <summary>One named check: a one-line summary and the full evidence.</summary>
public sealed record CheckResult(string Name, bool Passed, string Summary, string Details)
{
    /// <summary>
    /// What the check showed, as a sentence a cover letter can quote, for
    /// checks whose name alone does not say it; only what does not vary from
    /// run to run (generate --verify output is committed and diffed).
    /// </summary>
    public string? Claim { get; init; }
}

/// <summary>How long one external step took; <see cref="Cached"/> when it was not run.</summary>
public sealed record StepTiming(string Step, TimeSpan Elapsed, bool Cached = false);

public sealed record VerifyReport(IReadOnlyList<CheckResult> Checks)
{
    /// <summary>True when there is at least one check and every check passed.</summary>
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Passed);

    /// <summary>Wall-clock time of the external steps, in the order they ran.</summary>
    public IReadOnlyList<StepTiming> Timings { get; init; } = [];

    /// <summary>The temporary work folder when it was kept (VHOSTLOG_KEEP=1), else null.</summary>
    public string? KeptWorkDir { get; init; }
}

/// <summary>The names <see cref="SeriesVerifier"/> gives its checks, in report order.</summary>
public static class CheckNames
{
    public const string GitAm = "git am";
    public const string Checkpatch = "checkpatch --strict";
    public const string Kbuild = "kbuild W=1";
    public const string Sparse = "sparse C=2";
    public const string KernelDoc = "kernel-doc";
    public const string ClangFormat = "clang-format";
    public const string TreeUnchanged = "input tree unchanged";
    public const string Bisect = "bisect (every prefix builds)";
    public const string Equivalence = "equiv (patched tree vs models)";
    public const string Boot = "boot (real kernel, QEMU)";
    public const string LockDiscipline = "lock discipline (every prefix)";
    public const string LockAssertions = "lock assertions (real kernel)";
    public const string RequestProtocol = "one answer per request (real kernel)";

    /// <summary>The rows the real-kernel stage gives, in report order.</summary>
    public static IReadOnlyList<string> BootRows { get; } = [Boot, LockAssertions, RequestProtocol];
}
