using System.Diagnostics;
using VhostLog.Equivalence.Cases;
using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Simulator;

namespace VhostLog.Sessions;

/// <summary>One semantics' migration, with its wall time.</summary>
/// <param name="MaxLogNum">managed engine: the largest log_num the model's descriptor collection returned with a log (it kept log_num &lt;= in_num &lt;= iov_limit on every chain)</param>
public sealed record SimulationRun(SimulationResult Result, double Seconds, uint? MaxLogNum = null);

/// <summary>The C of the native engine crashed, hung or refused a request: a failed check of that C, not a bug of ours.</summary>
public sealed class NativeSimulationFailedException(string message) : Exception(message);

/// <summary>The live-migration simulation as a library call.</summary>
public static class SimulateSession
{
    /// <param name="target">the tree whose C the native engine runs; null for the managed engine</param>
    /// <param name="progress">rounds and requests; a cancellation thrown from it ends the run, and the native worker is stopped</param>
    /// <exception cref="NativeSimulationFailedException">the native engine's C failed</exception>
    public static SimulationRun Run(Semantics semantics, SimulationOptions options, string engine, string repo, TargetTree? target, bool sanitize,
        IProgress<SimulationProgress> progress)
    {
        var clock = Stopwatch.StartNew();
        var path = RequestPathFor(semantics, engine, repo, target, sanitize);
        try
        {
            var result = MigrationSimulator.Run(path, semantics, options, progress);
            return new SimulationRun(result, clock.Elapsed.TotalSeconds, (path as ManagedRequestPath)?.MaxLogNum);
        }
        catch (Exception e) when (engine == "native" && e is NativeEngineException or InvalidOperationException)
        {
            throw new NativeSimulationFailedException($"simulate --engine native ({semantics}, {path.State}): {e.Message}");
        }
        finally
        {
            (path as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// The request path of one semantics. Native: the target tree's C for
    /// before; for after, the C of a cached copy with the committed series
    /// (out/linux-VERSION) applied.
    /// </summary>
    static IRequestPath RequestPathFor(Semantics semantics, string engine, string repo, TargetTree? target, bool sanitize)
    {
        if (engine != "native" || target is null)
            return RequestPaths.Managed(semantics);
        var tree = target.Dir;
        var label = target.Name;
        if (semantics == Semantics.After)
        {
            var series = Path.Combine(repo, "out", target.Name);
            tree = PatchedTree.Cached(target.Dir, PatchedTree.Patches(series), Targets.WorkRoot(repo));
            label = $"{target.Name}+series";
        }
        return NativeRequestPath.Start(Path.Combine(repo, "harness"), tree, target.HeadersDir,
            Path.Combine(TreeCache.CacheRoot(repo), "native"), label, SeriesProbes.Load(Path.Combine(repo, "templates")), sanitize: sanitize);
    }

    /// <summary>The check simulate makes: "after" (the series applied) loses no page; "before" losing pages is only reported.</summary>
    public static bool AsPredicted(IEnumerable<SimulationResult> results) =>
        results.All(r => r.Semantics != Semantics.After || r.Lost.IsEmpty);
}
