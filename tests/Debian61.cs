using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Sessions;

namespace VhostLog.Tests;

/// <summary>Debian's 6.1 tree and the series VhostLog generates for it, made once per test run.</summary>
public static class Debian61
{
    static readonly Lazy<(TargetTree Target, string SeriesDir)> made = new(() =>
    {
        var dir = TreeCache.EnsureDefault(Repo.Root, DefaultTree.Debian61);
        var target = new TargetTree(dir, DefaultTree.Debian61.Name, "Debian 6.1", DefaultTree.Debian61.HeadersDir);
        var outDir = Path.Combine(Repo.TempDir("series-6.1"), "series");
        new SeriesComposer(SeriesDefinition.Load(Path.Combine(Repo.Root, "templates")), Repo.Translation())
            .Generate(new GenerateRequest(target, outDir, "A Tester <tester@example.org>", null, VhostLog.Sessions.Targets.WorkRoot(Repo.Root)));
        return (target, outDir);
    });

    public static TargetTree Target => made.Value.Target;

    public static string SeriesDir => made.Value.SeriesDir;
}
