using VhostLog.KernelTree;
using VhostLog.Sessions;
using VhostLog.Translator;
using VhostLog.Translator.Lowering;

namespace VhostLog.Tests;

/// <summary>The repository under test and the default tree, shared read-only by the tests.</summary>
public static class Repo
{
    static readonly Lazy<string> root = new(RepoRoot.Find);
    static readonly Lazy<string> tree = new(() => TreeCache.EnsureDefault(Root, DefaultTree.Debian612));

    public static string Root => root.Value;

    public static string Models => RepoRoot.Models(Root);

    public static string DefaultTreeDir => tree.Value;

    public static Translation Translation(IEnumerable<(string Path, string Text)>? extra = null) =>
        new(ModelSources.Load(Models, extra), new ClangFormat(Path.Combine(DefaultTreeDir, ".clang-format")));

    public static string TempDir(string name)
    {
        var d = Path.Combine(Path.GetTempPath(), "vhostlog-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }
}
