using VhostLog.KernelTree;

namespace VhostLog.Series;

/// <summary>Runs git in a work tree with a fixed identity and date, so output is reproducible.</summary>
public sealed class Git(string workTree, string name, string email, DateTimeOffset date, CancellationToken cancel = default)
{
    public string WorkTree { get; } = workTree;

    public string Run(params string[] args) => Run(args, null);

    /// <param name="author">the commit's author when it is not the committer (an upstream commit's author and date)</param>
    string Run(string[] args, UpstreamCommit? author)
    {
        var when = Stamp(date);
        var (authorName, authorEmail) = author?.Identity ?? (name, email);
        var r = ProcessRunner.Run("git", args, WorkTree, new Dictionary<string, string>
        {
            ["GIT_AUTHOR_NAME"] = authorName,
            ["GIT_AUTHOR_EMAIL"] = authorEmail,
            ["GIT_COMMITTER_NAME"] = name,
            ["GIT_COMMITTER_EMAIL"] = email,
            ["GIT_AUTHOR_DATE"] = author is null ? when : Stamp(author.Date),
            ["GIT_COMMITTER_DATE"] = when,
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["TZ"] = "UTC",
        }, cancel: cancel);
        if (!r.Ok)
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed in {WorkTree}: {r.Stderr.Trim()}");
        return r.Stdout;
    }

    static string Stamp(DateTimeOffset d) => d.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Commits the index with the given message (kept outside the work tree), authored as the upstream commit was.</summary>
    public void Commit(string message, UpstreamCommit? author = null)
    {
        var file = Path.Combine(Path.GetDirectoryName(WorkTree) ?? WorkTree, $"commit-message-{Guid.NewGuid():N}");
        File.WriteAllText(file, message);
        try
        {
            Run(["commit", "-q", "-F", file], author);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The user's identity from git config, as "Name &lt;email&gt;", or null.</summary>
    public static string? ConfiguredIdentity()
    {
        string? Get(string key)
        {
            try
            {
                var r = ProcessRunner.Run("git", ["config", key], Environment.CurrentDirectory);
                return r.Ok && r.Stdout.Trim().Length > 0 ? r.Stdout.Trim() : null;
            }
            catch (ToolMissingException)
            {
                return null;
            }
        }
        return Get("user.name") is { } n && Get("user.email") is { } e ? $"{n} <{e}>" : null;
    }
}
