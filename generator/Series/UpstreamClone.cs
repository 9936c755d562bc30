using System.Text.RegularExpressions;
using VhostLog.KernelTree;

namespace VhostLog.Series;

/// <summary>
/// A mainline git clone the user points to (--upstream). Upstream's commit
/// messages and diffs are read from it at run time and never stored; the
/// facts templates/series.json keeps about each commit (author, date,
/// subject, trailers) are checked against it.
/// </summary>
public sealed partial class UpstreamClone
{
    public string Dir { get; }

    UpstreamClone(string dir) => Dir = dir;

    /// <summary>Opens a clone (a work tree or a bare git directory); exit 2 when it is not one.</summary>
    public static UpstreamClone Open(string dir)
    {
        var full = Path.GetFullPath(dir);
        if (!Directory.Exists(full))
            throw new UsageException($"--upstream {dir}: no such directory; pass a clone of mainline (git clone https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git)");
        var clone = new UpstreamClone(full);
        var r = clone.Git("rev-parse", "--git-dir");
        if (!r.Ok)
            throw new UsageException($"--upstream {dir}: not a git repository ({r.Stderr.Trim()}); pass a clone of mainline");
        return clone;
    }

    ProcResult Git(params string[] args) =>
        ProcessRunner.Run("git", ["-C", Dir, .. args], Dir, new Dictionary<string, string>
        {
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["LC_ALL"] = "C",
        });

    /// <summary>
    /// The message body of the patch's upstream commit (no subject, no
    /// trailers), after checking that the clone's commit has the author,
    /// date, subject and trailers templates/series.json says it has.
    /// </summary>
    public string Body(PatchDefinition patch)
    {
        var u = patch.Upstream;
        if (u.Id is null)
            throw new InvalidOperationException($"patch {patch.Number} was never merged upstream");
        var r = Git("log", "-1", "--no-color", "--format=%an <%ae>%x00%aI%x00%s%x00%B", u.Id, "--");
        if (!r.Ok)
            throw new UsageException(
                $"--upstream {Dir}: commit {u.Id} (patch {patch.Number}, \"{u.Subject}\") is not in the clone ({r.Stderr.Trim()}); " +
                "fetch mainline there (git fetch origin) or leave --upstream out");
        var parts = r.Stdout.Split('\0');
        var (author, date, subject, message) = (parts[0], DateTimeOffset.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2], parts[3]);
        var (body, trailers) = Split(message);
        var wrong = new List<string>();
        if (author != u.Author)
            wrong.Add($"author: the clone has \"{author}\", series.json \"{u.Author}\"");
        if (date != u.Date || date.Offset != u.Date.Offset)
            wrong.Add($"date: the clone has {date:yyyy-MM-dd'T'HH:mm:sszzz}, series.json {u.Date:yyyy-MM-dd'T'HH:mm:sszzz}");
        if (subject != u.Subject)
            wrong.Add($"subject: the clone has \"{subject}\", series.json \"{u.Subject}\"");
        if (!trailers.SequenceEqual(u.Trailers))
            wrong.Add($"trailers: the clone has\n    {string.Join("\n    ", trailers)}\n  series.json has\n    {string.Join("\n    ", u.Trailers)}");
        if (wrong.Count > 0)
            throw new UsageException(
                $"templates/series.json, patch {patch.Number}: the facts of upstream commit {u.Id[..12]} differ from {Dir}:\n  " +
                string.Join("\n  ", wrong) + "\ncorrect templates/series.json (the clone is the authority) or point --upstream at mainline");
        return body;
    }

    /// <summary>A commit message's body and its trailer block (the last paragraph when every line of it is "Key: value").</summary>
    public static (string Body, IReadOnlyList<string> Trailers) Split(string message)
    {
        var lines = message.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd().Split('\n').ToList();
        var end = lines.Count;
        var start = end;
        while (start > 0 && lines[start - 1].Length > 0)
            start--;
        var last = lines[start..end];
        var isTrailers = last.Count > 0 && last.All(l => Trailer().IsMatch(l));
        var trailers = isTrailers ? last : [];
        var bodyLines = lines[..(isTrailers ? start : end)].Skip(1).ToList();
        return (string.Join('\n', bodyLines).Trim(), trailers);
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9-]*: \S")]
    private static partial Regex Trailer();

    /// <summary>The upstream commit's diff of the given files (what range-diff compares).</summary>
    public string Diff(string id, IEnumerable<string> files)
    {
        var r = Git(["show", "--no-color", "--format=", "--no-ext-diff", id, "--", .. files]);
        if (!r.Ok)
            throw new UsageException($"--upstream {Dir}: git show {id} failed: {r.Stderr.Trim()}");
        return r.Stdout;
    }

    /// <summary>A file as it is at a revision of the clone, or null when it is not there.</summary>
    public string? FileAt(string revision, string path)
    {
        var r = Git("show", $"{revision}:{path}");
        return r.Ok ? r.Stdout : null;
    }
}
