using VhostLog.Chains;
using VhostLog.KernelTree;
using VhostLog.Simulator;

namespace VhostLog.Sessions;

/// <summary>What `vhostlog chains` is asked: the tree, whether to apply the series to a copy, or the translator's C instead.</summary>
public sealed record ChainsRequest(string? Tree, bool Series, bool Generated);

/// <summary>The descriptor-chain campaign as a library call.</summary>
public static class ChainsSession
{
    /// <summary>The model state whose C --generated runs (the one the chains model is, too).</summary>
    public const string GeneratedState = "Baseline";

    /// <summary>The vhost_get_vq_desc() to run, and the label reports give it.</summary>
    public static (DescriptorPathSource Source, string Label) Resolve(string repo, ChainsRequest request)
    {
        // The generated C is the model's, compiled against the default tree's
        // helpers: another tree or the series would change what is compared.
        if (request.Generated && (request.Tree is not null || request.Series))
            throw new UsageException("--generated runs the translator's C with the default tree's helpers; it cannot be combined with --tree or --series");
        var target = Targets.Resolve(repo, request.Tree);
        var dir = target.Dir;
        var label = target.Name;
        if (request.Series)
        {
            dir = PatchedTree.Cached(target.Dir, PatchedTree.Patches(Path.Combine(repo, "out", target.Name)), Targets.WorkRoot(repo));
            label += "+series";
        }
        if (!request.Generated)
            return (DescriptorPaths.FromTree(dir, target.HeadersDir), label);
        return (DescriptorPaths.Generated(dir, target.HeadersDir, GeneratedState, Translators.Create(repo).Translate(GeneratedState)),
            $"generated-{GeneratedState}");
    }

    /// <param name="progress">chains compared so far; a cancellation thrown from it ends the campaign, and the driver is stopped</param>
    public static CampaignReport Run(string repo, DescriptorPathSource source, string label, int seed, long n, bool sanitize, IProgress<long> progress)
    {
        if (sanitize)
            label += " (ASan+UBSan)";
        using var driver = ChainsDriver.Start(Path.Combine(repo, "harness"), source, Path.Combine(TreeCache.CacheRoot(repo), "native"), sanitize);
        // The model (Baseline: the series does not change descriptor collection) answers every case too.
        return ChainCampaign.Run(driver, label, seed, n, progress, new ModelChains(new Models.Baseline()));
    }
}
