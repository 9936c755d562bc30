using System.Collections.Concurrent;

namespace VhostLog.Series.Verify;

/// <summary>
/// Successful kbuild runs (W=1, then C=2) kept by what they build from: every
/// file of the tree but .git, the headers, the tools and the job count
/// (<see cref="Kbuild"/> makes the key). Whoever creates one decides how long
/// it lives and hands it to each verify whose builds may repeat: the test run
/// keeps one for all its verify calls, so that series with the same code (a
/// changed commit message, the quilt form) are built once. Nothing is kept
/// on disk; a failed build is not kept, so it runs again next time.
/// </summary>
public sealed class KbuildResults
{
    readonly ConcurrentDictionary<string, BuildOutcome> kept = new(StringComparer.Ordinal);

    /// <summary>How many builds are kept.</summary>
    public int Count => kept.Count;

    internal BuildOutcome GetOrBuild(string key, Func<BuildOutcome> build)
    {
        if (kept.TryGetValue(key, out var outcome))
            return outcome;
        var built = build();
        if (built.W1.Ok && built.Sparse.Ok)
            kept.TryAdd(key, built);
        return built;
    }
}
