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
    static readonly Lazy<VhostLog.Simulator.SeriesProbes> probes = new(() => VhostLog.Simulator.SeriesProbes.Load(Path.Combine(Root, "templates")));

    public static string Root => root.Value;

    public static string Models => RepoRoot.Models(Root);

    public static string DefaultTreeDir => tree.Value;

    /// <summary>The series' probes, shared by the whole test run so that a file is probed once (spatch takes a second or so).</summary>
    public static VhostLog.Simulator.SeriesProbes Probes => probes.Value;

    public static Translation Translation(IEnumerable<(string Path, string Text)>? extra = null) =>
        new(ModelSources.Load(Models, extra), new ClangFormat(Path.Combine(DefaultTreeDir, ".clang-format")));

    public static string TempDir(string name)
    {
        var d = Path.Combine(Path.GetTempPath(), "vhostlog-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }
}
