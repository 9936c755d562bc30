using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Native;
using VhostLog.Equivalence.Runner;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;

namespace VhostLog.Sessions;

/// <summary>
/// What `vhostlog equiv` is asked: the C to test (a tree, or with Generated
/// the translator's C) and the model state to compare it with, by name
/// (State) or as before/after (Semantics); null picks the default.
/// </summary>
public sealed record EquivRequest(string? Tree, bool Generated, Semantics? Semantics, string? State);

/// <summary>The C under test and the model it is compared with, resolved from an <see cref="EquivRequest"/>.</summary>
public sealed record EquivSetup(VariantSource Source, ManagedEngine Engine, Semantics Semantics);

/// <summary>The equivalence harness as a library call: resolve the inputs, build the worker, run.</summary>
public static class EquivSession
{
    /// <summary>equiv's --seed when none is given.</summary>
    public const ulong DefaultSeed = 1;

    /// <summary>Resolves a request; contradictory or unknown options are bad input (UsageException).</summary>
    public static EquivSetup Resolve(string repo, EquivRequest request)
    {
        if (request.Tree is not null && request.Generated)
            throw new UsageException("--tree and --generated exclude each other: pick the C to test");
        ManagedEngine engine;
        Semantics semantics;
        if (request.State is { } stateName)
        {
            if (request.Semantics is not null)
                throw new UsageException("--state and --semantics exclude each other: --state names the model state, --semantics picks before or after");
            try
            {
                engine = ManagedEngine.ForState(stateName);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--state {stateName}: {e.Message} (generator/Models/States.cs)");
            }
            // The oracle's semantics (what vhost_log_write logs for len == U64_MAX) follows the state.
            semantics = engine.OracleSemantics;
        }
        else
        {
            semantics = request.Semantics ?? (request.Generated ? Semantics.After : Semantics.Before);
            engine = ManagedEngine.For(semantics);
        }
        var defaultTree = Targets.Resolve(repo, null);
        VariantSource source;
        if (request.Generated)
        {
            source = FunctionSources.Generated($"generated-{engine.State}", Translators.Create(repo), engine.State, defaultTree.Dir, defaultTree.HeadersDir);
        }
        else
        {
            var target = Targets.Resolve(repo, request.Tree);
            source = FunctionSources.FromTree($"tree-{target.Name}", target.Dir, target.HeadersDir);
        }
        return new EquivSetup(source, engine, semantics);
    }

    /// <summary>The variant's worker (cached by its inputs); C that does not compile is bad input.</summary>
    public static NativeBuildResult BuildWorker(string repo, VariantSource source, bool sanitize)
    {
        var build = new NativeBuild(Path.Combine(repo, "harness"), Path.Combine(TreeCache.CacheRoot(repo), "native"));
        try
        {
            return build.Build(source.Name, source.HeaderTree, source.FunctionsC, sanitize);
        }
        catch (NativeBuildException e)
        {
            throw new UsageException($"the C of {source.Name} does not compile against the shim:\n{e.CompilerOutput}");
        }
    }

    /// <param name="progress">cases compared so far, per function</param>
    /// <param name="wire">the native worker's wire: binary (the default) or text, the earlier protocol</param>
    public static EquivResult Run(string repo, VariantSource source, ManagedEngine engine, Semantics semantics, EquivOptions options, bool sanitize,
        IProgress<(Function Function, int Done, int Total)>? progress = null, WireFormat wire = WireFormat.Binary)
    {
        using var native = new NativeWorker(BuildWorker(repo, source, sanitize), new NativeWorkerOptions { Wire = wire });
        var runner = new EquivRunner(engine, native, source.Name, semantics, source.Functions, source.OtherFormsOrEmpty);
        return runner.Run(options, progress);
    }

    /// <summary>Parses --shard I/N (0-based I); null is the whole run.</summary>
    public static (int Index, int Count) ParseShard(string? shard)
    {
        if (shard is null)
            return (0, 1);
        var parts = shard.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out var i) && int.TryParse(parts[1], out var n) && n > 0 && i >= 0 && i < n)
            return (i, n);
        throw new UsageException($"--shard {shard}: expected I/N with 0 <= I < N, e.g. --shard 0/4");
    }
}
