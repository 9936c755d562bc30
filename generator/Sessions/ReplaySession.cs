using System.Text.Json;
using System.Text.Json.Nodes;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Native;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;

namespace VhostLog.Sessions;

/// <summary>One saved case replayed on every engine: both model states, the default tree's C, the generated C and a tree of the user's.</summary>
public static class ReplaySession
{
    /// <summary>One engine's view of the case; Semantics is the model state it is held to.</summary>
    public sealed record EngineRun(string Engine, string Semantics, Observation? Observation, string? Absent);

    public static LogCase Load(string path)
    {
        if (!File.Exists(path))
            throw new UsageException($"{path}: no such scenario file");
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path)) ?? throw new FormatException("empty document");
            var c = CaseJson.FromJson(node["input"] ?? node);
            if (!Equivalence.Runner.Shrinker.Valid(c))
                throw new FormatException("the case is outside what the kernel can be handed (a range that wraps past 2^64, log_num over iov_limit or 0 for vhost_scsi_copy_tmf_log, a command log over iov_limit, over 1024 commands, a device of other than 2 to 10 virtqueues or commands not per I/O queue, " +
                    "or a ring whose num is not a power of 2 up to 32768, with an IOTLB, or whose writes are empty or land outside the mapped ranges)");
            return c;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            throw new UsageException($"{path}: not a scenario: {e.Message}; expected the JSON equiv saves under build/divergences (or its \"input\" object)");
        }
    }

    /// <summary>The case on the two model states, the default tree's C, the C generated from the last state, and --tree.</summary>
    public static IReadOnlyList<EngineRun> Replay(string repo, LogCase c, string? tree, Semantics treeSemantics)
    {
        var runs = new List<EngineRun>();
        foreach (var semantics in new[] { Semantics.Before, Semantics.After })
        {
            var sem = semantics.ToString();
            var engine = ManagedEngine.For(semantics);
            runs.Add(engine.Supports(c.Function)
                ? new EngineRun($"model {sem}", sem, engine.Run(c), null)
                : new EngineRun($"model {sem}", sem, null, $"{engine.State} has no {c.Function}"));
        }
        var defaultTree = Targets.Resolve(repo, null);
        var after = ManagedEngine.For(Semantics.After).State;
        var variants = new List<(VariantSource Source, Semantics Semantics)>
        {
            (FunctionSources.FromTree($"tree-{defaultTree.Name}", defaultTree.Dir, defaultTree.HeadersDir), Semantics.Before),
            (FunctionSources.Generated($"generated-{after}", Translators.Create(repo), after, defaultTree.Dir, defaultTree.HeadersDir), Semantics.After),
        };
        if (tree is not null)
        {
            var target = Targets.Resolve(repo, tree);
            variants.Add((FunctionSources.FromTree($"tree-{target.Name}", target.Dir, target.HeadersDir), treeSemantics));
        }
        // A tree with a response function in its form before patches 2 and 3
        // is held to BeforeFixes's model of that form (EquivRunner does the same).
        const string oldForm = "before-fixes";
        if (variants.Any(v => v.Source.OtherFormsOrEmpty.Contains(c.Function)))
        {
            var engine = ManagedEngine.For(Semantics.Before);
            engine.OldForms = new HashSet<Function> { c.Function };
            runs.Add(new EngineRun($"model {oldForm}", oldForm, engine.Run(c), null));
        }
        foreach (var (source, treeSem) in variants)
        {
            var sem = source.OtherFormsOrEmpty.Contains(c.Function) ? oldForm : treeSem.ToString();
            foreach (var sanitize in new[] { false, true })
            {
                var name = $"{source.Name} ({(sanitize ? "ASan+UBSan" : "-O2")})";
                if (!source.Functions.Contains(c.Function))
                {
                    runs.Add(new EngineRun(name, sem, null, $"{source.Name} has no {c.Function}"));
                    break;
                }
                using var native = new NativeWorker(EquivSession.BuildWorker(repo, source, sanitize));
                runs.Add(new EngineRun(name, sem, native.Run([c])[0], null));
            }
        }
        return runs;
    }
}
