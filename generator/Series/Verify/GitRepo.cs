using System.Collections.Frozen;
using System.Text.RegularExpressions;
using VhostLog.KernelTree;

namespace VhostLog.Series.Verify;

/// <summary>
/// The temporary repository the series is applied in. The caller's git
/// configuration is not read (no global or system config), so hooks, signing or
/// am.threeWay settings cannot change the outcome.
/// </summary>
internal sealed class GitRepo(Toolchain tools, string root, CancellationToken cancel = default)
{
    static readonly FrozenDictionary<string, string> Env = new Dictionary<string, string>
    {
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
        ["GIT_TERMINAL_PROMPT"] = "0",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public string Root => root;

    /// <summary>The run's cancellation, for the checks that start tools of their own in this repository.</summary>
    public CancellationToken Cancel => cancel;

    public ProcResult Run(IEnumerable<string> args, TimeSpan? timeout = null) =>
        ProcessRunner.Run(tools.Git, args, root, Env, timeout ?? TimeSpan.FromMinutes(10), cancel: cancel);

    public ProcResult RunChecked(params string[] args)
    {
        var r = Run(args);
        if (!r.Ok)
            throw new InvalidOperationException($"{r.Command} failed ({r.ExitCode}) in {root}: {r.Output}");
        return r;
    }

    /// <summary>git init, commit every file (ignored ones too), return the commit.</summary>
    public string CommitAll(string message)
    {
        RunChecked("-c", "init.defaultBranch=verify", "init", "-q");
        RunChecked("config", "user.name", "VhostLog verify");
        RunChecked("config", "user.email", "verify@vhostlog.invalid");
        RunChecked("config", "commit.gpgsign", "false");
        RunChecked("config", "core.autocrlf", "false");
        RunChecked("config", "gc.auto", "0");
        var add = Run(["add", "-A", "-f", "."], TimeSpan.FromMinutes(30));
        if (!add.Ok)
            throw new InvalidOperationException($"{add.Command} failed ({add.ExitCode}): {add.Output}");
        RunChecked("commit", "-q", "--no-verify", "--allow-empty", "-m", message);
        return Head();
    }

    public string Head() => RunChecked("rev-parse", "HEAD").Stdout.Trim();

    /// <summary>The commits after <paramref name="from"/> up to <paramref name="to"/>, oldest first (the series' patches).</summary>
    public List<string> Commits(string from, string to) =>
        RunChecked("rev-list", "--reverse", $"{from}..{to}").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>Checks out a commit (detached) and removes every build product.</summary>
    public void CheckoutClean(string commit)
    {
        RunChecked("reset", "-q", "--hard");
        RunChecked("clean", "-q", "-ffdx");
        RunChecked("checkout", "-q", "--detach", commit);
    }
}

/// <summary>
/// The patch files of a series folder: a <c>git format-patch --cover-letter</c>
/// folder, or a quilt series (debian/patches/series, Quilt set).
/// </summary>
public sealed partial record SeriesFiles(string Dir, string? CoverLetter, IReadOnlyList<string> Patches, IReadOnlyList<string> Ignored)
{
    public bool Quilt { get; init; }

    [GeneratedRegex(@"^\d{4}-.+\.patch$")]
    private static partial Regex Numbered();

    [GeneratedRegex(@"^diff --git a/(?<a>\S+) b/(?<b>\S+)$", RegexOptions.Multiline)]
    private static partial Regex DiffHeader();

    public static SeriesFiles Read(string seriesDir)
    {
        var dir = Path.GetFullPath(seriesDir);
        if (!Directory.Exists(dir))
            throw new UsageException($"series folder {seriesDir} does not exist. Pass the folder `git format-patch --cover-letter -o` wrote.");
        if (QuiltSeries.IsQuilt(dir))
        {
            var listed = QuiltSeries.Patches(dir);
            var absent = listed.Where(p => !File.Exists(p)).ToList();
            if (absent.Count > 0)
                throw new UsageException($"{QuiltSeries.SeriesFile(dir)} lists {string.Join(", ", absent.Select(Path.GetFileName))}, which is not there");
            if (listed.Count == 0)
                throw new UsageException($"{QuiltSeries.SeriesFile(dir)} lists no patches");
            return new SeriesFiles(dir, null, listed, []) { Quilt = true };
        }
        var names = Directory.GetFiles(dir).Select(Path.GetFileName).OfType<string>()
            .Order(StringComparer.Ordinal).ToList();
        var numbered = names.Where(n => Numbered().IsMatch(n)).ToList();
        var cover = numbered.FirstOrDefault(n => n.StartsWith("0000-", StringComparison.Ordinal));
        var patches = numbered.Where(n => !n.StartsWith("0000-", StringComparison.Ordinal))
            .Select(n => Path.Combine(dir, n)).ToList();
        if (patches.Count == 0)
            throw new UsageException(
                $"series folder {seriesDir} has no patches (expected 0001-*.patch ... from `git format-patch --cover-letter`).");
        return new SeriesFiles(dir, cover is null ? null : Path.Combine(dir, cover), patches,
            names.Where(n => !numbered.Contains(n)).ToList());
    }

    /// <summary>Tree-relative paths the patches touch (post-image names), in order of first appearance.</summary>
    public IReadOnlyList<string> TouchedFiles() =>
        Patches.SelectMany(p => DiffHeader().Matches(File.ReadAllText(p)).Select(m => m.Groups["b"].Value))
            .Distinct(StringComparer.Ordinal).ToList();
}
