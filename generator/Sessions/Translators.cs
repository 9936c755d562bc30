using VhostLog.KernelTree;
using VhostLog.Translator;
using VhostLog.Translator.Lowering;

namespace VhostLog.Sessions;

/// <summary>The translator over the repository's models, formatting with the default tree's .clang-format.</summary>
public static class Translators
{
    public static Translation Create(string repo)
    {
        var tree = TreeCache.EnsureDefault(repo, DefaultTree.Debian612);
        var sources = ModelSources.Load(RepoRoot.Models(repo));
        return new Translation(sources, new ClangFormat(Path.Combine(tree, ".clang-format")));
    }
}
