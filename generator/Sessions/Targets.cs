using VhostLog.KernelTree;
using VhostLog.Series;

namespace VhostLog.Sessions;

/// <summary>Resolves --tree (or the default Debian tree) to a target.</summary>
public static class Targets
{
    public static TargetTree Resolve(string repo, string? treeOption)
    {
        var debian = DefaultTree.Debian612;
        if (treeOption is null)
        {
            var dir = TreeCache.EnsureDefault(repo, debian);
            return new TargetTree(dir, debian.Name, $"Debian {debian.Package}, drivers/vhost as shipped", debian.HeadersDir);
        }
        var tree = TreeCache.ValidateUserTree(treeOption);
        var version = TreeCache.MakefileVersion(tree) ?? "unknown";
        // kbuild needs the headers of the tree's own version when Debian has
        // them installed; otherwise the default ones (newer trees build).
        var headers = DefaultTree.Known.FirstOrDefault(k => k.Version == version && Directory.Exists(k.HeadersDir))?.HeadersDir
                      ?? debian.HeadersDir;
        return new TargetTree(tree, $"linux-{version}", $"the tree at {tree} (Makefile version {version})", headers);
    }

    public static string WorkRoot(string repo) => Path.Combine(TreeCache.CacheRoot(repo), "work");
}
