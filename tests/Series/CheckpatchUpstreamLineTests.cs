using NUnit.Framework;
using VhostLog.KernelTree;
using VhostLog.Series.Verify;

namespace VhostLog.Tests.Series;

/// <summary>
/// A stable backport opens its body with `commit <40-hex> upstream.`.
/// checkpatch's GIT_COMMIT_ID rule flags that line whenever it can look the
/// id up. Verify does not count that one error. It counts every other one,
/// the same line with a 12-hex id included.
/// </summary>
public sealed class CheckpatchUpstreamLineTests
{
    static ProcResult Git(string dir, params string[] args)
    {
        var r = ProcessRunner.Run("git", ["-c", "user.name=T", "-c", "user.email=t@example.org", .. args], dir,
            new Dictionary<string, string> { ["GIT_CONFIG_NOSYSTEM"] = "1", ["GIT_CONFIG_GLOBAL"] = "/dev/null" });
        Assert.That(r.Ok, Is.True, r.Output);
        return r;
    }

    /// <summary>The default tree with a git history holding an upstream commit of patch 4's subject; its id.</summary>
    static (string Tree, string Id) TreeWithHistory()
    {
        var tree = Path.Combine(Repo.TempDir("checkpatch-history"), "tree");
        Folders.Copy(Repo.DefaultTreeDir, tree);
        Git(tree, "init", "-q", "-b", "main");
        Git(tree, "add", "-A", "-f");
        Git(tree, "commit", "-q", "-m", "base");
        Git(tree, "commit", "-q", "--allow-empty", "-m", "vhost: modify vhost_log_write() for broader users");
        return (tree, Git(tree, "rev-parse", "HEAD").Stdout.Trim());
    }


    static CheckResult Checkpatch(string tree, string upstreamLine)
    {
        var committed = Directory.GetFiles(Path.Combine(Repo.Root, "out", "linux-6.12.117"), "0001-*.patch").Single();
        var text = File.ReadAllText(committed);
        const string line = "\ncommit 41cff026cff53a661ab5483aa20e549943dee115 upstream.\n";
        Assert.That(text, Does.Contain(line));
        var patch = Path.Combine(Repo.TempDir("checkpatch-line"), Path.GetFileName(committed));
        File.WriteAllText(patch, text.Replace(line, $"\n{upstreamLine}\n", StringComparison.Ordinal));
        return CheckpatchCheck.Run(Toolchain.Locate(DefaultTree.Debian612.HeadersDir), tree, [patch],
            Path.Combine(tree, ".git"), [], null);
    }

    [Test]
    public void TheFortyHexLineIsNotCountedAndTheTwelveHexOneIs()
    {
        var (tree, id) = TreeWithHistory();
        var full = Checkpatch(tree, $"commit {id} upstream.");
        Assert.That(full.Passed, Is.True, full.Details);
        Assert.That(full.Details, Does.Contain($"commit {id} upstream. (checkpatch's GIT_COMMIT_ID error on it not counted)"),
            "checkpatch did flag the line, with the id in the history");

        var shortId = Checkpatch(tree, $"commit {id[..12]} upstream.");
        Assert.That(shortId.Passed, Is.False, "a 12-hex id is not the stable form");
        Assert.That(shortId.Details, Does.Contain("GIT_COMMIT_ID"));
    }
}
