using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using VhostLog.Harness.Cases;
using VhostLog.Harness.Engines;
using VhostLog.Harness.Native;
using VhostLog.Harness.Variants;
using VhostLog.KernelTree;

namespace VhostLog.Cli;

/// <summary>vhostlog run --scenario: one saved case replayed on every engine, side by side.</summary>
public static class RunCommand
{
    /// <summary>One engine's view of the case; Semantics is the model state it is held to.</summary>
    public sealed record EngineRun(string Engine, string Semantics, Observation? Observation, string? Absent);

    public static Command Create()
    {
        var scenario = new Option<string>("--scenario") { Description = "a case as JSON: a reproducer equiv saved (its \"input\") or a bare case", Required = true };
        var tree = new Option<string?>("--tree") { Description = "also run the functions of this kernel tree (held to --semantics)" };
        var semantics = new Option<string?>("--semantics") { Description = "the model state --tree is held to: before (default) or after" };
        semantics.AcceptOnlyFromAmong("before", "after");
        var cmd = new Command("run", "replay one case on every engine (models before/after, the tree's C, the generated C)") { scenario, tree, semantics };
        cmd.SetAction(r =>
        {
            var repo = RepoRoot.Find();
            var c = Load(r.GetValue(scenario)!);
            var runs = Replay(repo, c, r.GetValue(tree), r.GetValue(semantics) ?? "before");
            Console.WriteLine($"case: {CaseJson.Describe(c)}");
            var table = new Table().AddColumns("engine", "held to", "result", "agrees with its model");
            var disagreements = 0;
            foreach (var run in runs)
            {
                var model = runs.FirstOrDefault(x => x.Engine == $"model {run.Semantics}")?.Observation;
                var agrees = run.Engine.StartsWith("model ", StringComparison.Ordinal) ? "" :
                    run.Observation is null || model is null ? (run.Absent is not null && model is null ? "yes (neither has it)" : "NO (one side lacks the function)")
                    : run.Observation.SameAs(model) ? "yes" : "NO";
                if (agrees.StartsWith("NO", StringComparison.Ordinal))
                    disagreements++;
                table.AddRow(Markup.Escape(run.Engine), run.Semantics,
                    Markup.Escape(run.Observation is { } o ? CaseJson.Describe(o, c) + Bytes(o) : run.Absent ?? ""), agrees);
            }
            AnsiConsole.Write(table);
            Console.WriteLine(disagreements == 0 ? "every engine agrees with its model" : $"{disagreements} engine(s) disagree with their model");
            return disagreements == 0 ? 0 : 1;
        });
        return cmd;
    }

    static string Bytes(Observation o) =>
        o.ByteCount == 0 ? "" : " [" + string.Join(" ", o.Memory.Take(6).Select(r => r.Count == 1 ? $"{r.Addr:x}={r.Value:x2}" : $"{r.Addr:x}..+{r.Count:x}={r.Value:x2}")) + (o.Memory.Length > 6 ? " ..." : "") + "]";

    public static LogCase Load(string path)
    {
        if (!File.Exists(path))
            throw new UsageException($"{path}: no such scenario file");
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path)) ?? throw new FormatException("empty document");
            var c = CaseJson.FromJson(node["input"] ?? node);
            if (!Harness.Equivalence.Shrinker.Valid(c))
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
    public static IReadOnlyList<EngineRun> Replay(string repo, LogCase c, string? tree, string treeSemantics)
    {
        var runs = new List<EngineRun>();
        foreach (var sem in new[] { "before", "after" })
        {
            var engine = ManagedEngine.For(sem);
            runs.Add(engine.Supports(c.Function)
                ? new EngineRun($"model {sem}", sem, engine.Run(c), null)
                : new EngineRun($"model {sem}", sem, null, $"{engine.State} has no {c.Function}"));
        }
        var defaultTree = Targets.Resolve(repo, null);
        var after = ManagedEngine.For("after").State;
        var variants = new List<(VariantSource Source, string Semantics)>
        {
            (FunctionSources.FromTree($"tree-{defaultTree.Name}", defaultTree.Dir, defaultTree.HeadersDir), "before"),
            (FunctionSources.Generated($"generated-{after}", Translators.Create(repo), after, defaultTree.Dir, defaultTree.HeadersDir), "after"),
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
            var engine = ManagedEngine.For("before");
            engine.OldForms = new HashSet<Function> { c.Function };
            runs.Add(new EngineRun($"model {oldForm}", oldForm, engine.Run(c), null));
        }
        foreach (var (source, treeSem) in variants)
        {
            var sem = source.OtherFormsOrEmpty.Contains(c.Function) ? oldForm : treeSem;
            foreach (var sanitize in new[] { false, true })
            {
                var name = $"{source.Name} ({(sanitize ? "ASan+UBSan" : "-O2")})";
                if (!source.Functions.Contains(c.Function))
                {
                    runs.Add(new EngineRun(name, sem, null, $"{source.Name} has no {c.Function}"));
                    break;
                }
                using var native = new NativeWorker(EquivCommand.BuildWorker(repo, source, sanitize));
                runs.Add(new EngineRun(name, sem, native.Run([c])[0], null));
            }
        }
        return runs;
    }
}
