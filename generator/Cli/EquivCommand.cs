using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Spectre.Console;
using VhostLog.Harness.Cases;
using VhostLog.Harness.Engines;
using VhostLog.Harness.Equivalence;
using VhostLog.Harness.Native;
using VhostLog.Harness.Variants;
using VhostLog.KernelTree;

namespace VhostLog.Cli;

/// <summary>vhostlog equiv: differential testing of a tree's (or the generated) C against a model state.</summary>
public static class EquivCommand
{
    public static Command Create(Interrupts interrupts)
    {
        var tree = new Option<string?>("--tree") { Description = "compare the functions of this kernel tree (default: the Debian 6.12.117 tree)" };
        var generated = new Option<bool>("--generated") { Description = "compare the C generated from the model state instead of a tree" };
        var semantics = new Option<string?>("--semantics") { Description = "model state: before (the tree as shipped; default for trees) or after (the series applied; default for --generated)" };
        semantics.AcceptOnlyFromAmong("before", "after");
        var state = new Option<string?>("--state")
        {
            Description = "model state by name, instead of --semantics (" + string.Join(", ", ManagedEngine.StateNames) +
                          "); with --generated, the C generated from that state",
        };
        var function = new Option<string?>("--function") { Description = "only this function (" + string.Join(", ", Enum.GetNames<Function>()) + ")" };
        function.AcceptOnlyFromAmong(Enum.GetNames<Function>());
        var cases = new Option<int>("--cases") { Description = "cases per function", DefaultValueFactory = _ => 2000 };
        var seed = new Option<ulong>("--seed") { Description = "seed of the case generator", DefaultValueFactory = _ => 1 };
        var shard = new Option<string?>("--shard") { Description = "I/N: run the I-th of N slices of the cases (0-based)" };
        var sanitize = new Option<bool>("--sanitize") { Description = "build the native variant with ASan and UBSan" };
        var junit = new Option<string?>("--junit") { Description = "write a JUnit XML report" };
        var save = new Option<string?>("--save-dir") { Description = "folder for minimised reproducers (default: build/divergences)" };
        var json = new Option<string?>("--json") { Description = "also write the results as JSON to this file" };
        var cmd = new Command("equiv", "run C and a model state side by side on the same generated inputs")
        {
            tree, generated, semantics, state, function, cases, seed, shard, sanitize, junit, save, json,
        };
        cmd.SetAction(r =>
        {
            if (r.GetValue(tree) is not null && r.GetValue(generated))
                throw new UsageException("--tree and --generated exclude each other: pick the C to test");
            if (r.GetValue(cases) < 1)
                throw new UsageException("--cases must be at least 1");
            var (shardIndex, shardCount) = ParseShard(r.GetValue(shard));
            var repo = RepoRoot.Find();
            var isGenerated = r.GetValue(generated);
            ManagedEngine engine;
            string sem;
            if (r.GetValue(state) is { } stateName)
            {
                if (r.GetValue(semantics) is not null)
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
                sem = engine.OracleSemantics;
            }
            else
            {
                sem = r.GetValue(semantics) ?? (isGenerated ? "after" : "before");
                engine = ManagedEngine.For(sem);
            }
            var defaultTree = Targets.Resolve(repo, null);
            VariantSource source;
            if (isGenerated)
            {
                source = FunctionSources.Generated($"generated-{engine.State}", Translators.Create(repo), engine.State, defaultTree.Dir, defaultTree.HeadersDir);
            }
            else
            {
                var target = Targets.Resolve(repo, r.GetValue(tree));
                source = FunctionSources.FromTree($"tree-{target.Name}", target.Dir, target.HeadersDir);
            }
            var functions = r.GetValue(function) is { } only ? [Enum.Parse<Function>(only)] : Enum.GetValues<Function>();
            var options = new EquivOptions(functions, r.GetValue(cases), r.GetValue(seed), shardIndex, shardCount) { Cancel = interrupts.Token };
            var result = Run(repo, source, engine, sem, options, r.GetValue(sanitize), interrupts);
            Report(result, source, engine.State, Path.Combine(repo, "harness", "shim"), r.GetValue(save) ?? Path.Combine(repo, "build", "divergences"), r.GetValue(json), r.GetValue(junit));
            return result.Equivalent ? 0 : 1;
        });
        return cmd;
    }

    /// <summary>The variant's worker (cached by its inputs); C that does not compile is bad input (exit 2).</summary>
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

    /// <param name="interrupts">told how far the run got, for the line an interrupted run ends with</param>
    public static EquivResult Run(string repo, VariantSource source, ManagedEngine engine, string semantics, EquivOptions options, bool sanitize,
        Interrupts? interrupts = null)
    {
        using var native = new NativeWorker(BuildWorker(repo, source, sanitize));
        var runner = new EquivRunner(engine, native, source.Name, semantics, source.Functions, source.OtherFormsOrEmpty);
        var interactive = !Console.IsErrorRedirected;
        return runner.Run(options, new Reporter<(Function Function, int Done, int Total)>(p =>
        {
            if (p.Done == p.Total)
                interrupts?.Finished($"{p.Function}: {p.Total:N0} cases compared");
            else
                interrupts?.Reached($"{p.Function}: {p.Done:N0} of {p.Total:N0} cases compared");
            if (interactive)
                Console.Error.Write($"\r  {p.Function}: {p.Done}/{p.Total} cases   ");
            if (interactive && p.Done == p.Total)
                Console.Error.WriteLine();
        }));
    }

    static (int Index, int Count) ParseShard(string? shard)
    {
        if (shard is null)
            return (0, 1);
        var parts = shard.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out var i) && int.TryParse(parts[1], out var n) && n > 0 && i >= 0 && i < n)
            return (i, n);
        throw new UsageException($"--shard {shard}: expected I/N with 0 <= I < N, e.g. --shard 0/4");
    }

    static void Report(EquivResult result, VariantSource source, string modelState, string shimDir, string saveDir, string? json, string? junit)
    {
        var table = new Table().AddColumns("function", "cases", "divergences", "spec findings", "cases/s");
        foreach (var f in result.Functions.Where(f => !f.Compared))
            table.AddRow(f.Function.ToString(), Markup.Escape(f.Presence switch
            {
                Presence.ModelOnly => $"MISSING: the model ({result.Semantics}) has it, {result.Variant} does not",
                Presence.CodeOnly => $"MISSING: {result.Variant} has it, the model ({result.Semantics}) does not",
                _ => $"skipped: neither model state {modelState} nor {result.Variant} has it",
            }), "", "", "");
        // A response function in its form before patches 2 and 3 is compared
        // with BeforeFixes's model of that form, whatever --semantics says.
        foreach (var f in result.Functions.Where(f => f.Compared))
            table.AddRow(f.Function + (f.Presence == Presence.OtherForm ? $" ({Forms.OtherFormLabel(f.Function)})" : ""), f.Cases.ToString(CultureInfo.InvariantCulture), f.Divergences.ToString(CultureInfo.InvariantCulture),
                f.SpecFindings.ToString(CultureInfo.InvariantCulture),
                (f.Cases / Math.Max(f.Elapsed.TotalSeconds, 1e-9)).ToString("F0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(new Rule(Markup.Escape($"{result.Variant} vs model {modelState} ({result.Semantics}), seed {result.Seed}")).LeftJustified());
        AnsiConsole.Write(table);
        var saved = new List<string>();
        foreach (var d in result.Divergences)
        {
            Directory.CreateDirectory(saveDir);
            var path = Path.Combine(saveDir, $"{result.Variant}-{result.Semantics}-{d.Function}-seed{result.Seed}.json");
            AtomicWrite(path, CaseJson.Serialize(DivergenceJson(result, d)));
            saved.Add(path);
            var repro = Harness.Reproducers.CReproducer.Write(Path.ChangeExtension(path, null), source, d.Minimised, d.Model, result.Semantics, shimDir);
            Console.WriteLine($"DIVERGENCE in {d.Function} (case {d.CaseIndex}), minimised:");
            Console.WriteLine($"  input:  {CaseJson.Describe(d.Minimised)}");
            Console.WriteLine($"  model ({result.Semantics}): {CaseJson.Describe(d.Model, d.Minimised)}");
            Console.WriteLine($"  native {result.Variant}: {CaseJson.Describe(d.Native, d.Minimised)}");
            Console.WriteLine($"  saved:  {path}");
            Console.WriteLine($"  C:      {repro} (make -C {Path.GetDirectoryName(repro)} && {Path.GetDirectoryName(repro)}/repro)");
            Console.WriteLine($"  replay: ./vhostlog run --scenario {path}");
        }
        foreach (var f in result.SpecFindings)
        {
            Console.WriteLine($"SPECIFICATION FINDING in {f.Function} ({result.Variant} behaves like the model here), minimised:");
            Console.WriteLine($"  input:    {CaseJson.Describe(f.Input)}");
            Console.WriteLine($"  observed: {CaseJson.Describe(f.Observed, f.Input)}");
            Console.WriteLine($"  why:      {f.Explanation}");
        }
        Console.WriteLine(result.Equivalent
            ? $"equivalent: {result.Functions.Sum(f => f.Cases)} cases, no divergence"
            : $"NOT equivalent: {result.Divergences.Length + result.Functions.Count(f => f.Mismatch)} function(s) diverge or are missing on one side");
        if (json is not null)
        {
            var node = new JsonObject
            {
                ["variant"] = result.Variant,
                ["semantics"] = result.Semantics,
                ["model_state"] = modelState,
                ["seed"] = result.Seed,
                ["equivalent"] = result.Equivalent,
                ["functions"] = new JsonArray(result.Functions.Select(f => (JsonNode)new JsonObject
                {
                    ["function"] = f.Function.ToString(), ["presence"] = f.Presence.ToString(), ["cases"] = f.Cases, ["divergences"] = f.Divergences,
                    ["specification_findings"] = f.SpecFindings,
                    ["seconds"] = f.Elapsed.TotalSeconds,
                }).ToArray()),
                ["divergences"] = new JsonArray(result.Divergences.Select(d => (JsonNode)DivergenceJson(result, d)).ToArray()),
                ["specification_findings"] = new JsonArray(result.SpecFindings.Select(f => (JsonNode)new JsonObject
                {
                    ["function"] = f.Function.ToString(), ["explanation"] = f.Explanation,
                    ["input"] = CaseJson.ToJson(f.Input), ["observed"] = CaseJson.ToJson(f.Observed),
                }).ToArray()),
            };
            AtomicWrite(json, CaseJson.Serialize(node));
        }
        if (junit is not null)
        {
            var suite = new XElement("testsuite",
                new XAttribute("name", $"vhostlog equiv {result.Variant} vs {result.Semantics}"),
                new XAttribute("tests", result.Functions.Length),
                new XAttribute("failures", result.Divergences.Length + result.Functions.Count(f => f.Mismatch)),
                result.Functions.Select(f => new XElement("testcase",
                    new XAttribute("classname", result.Variant), new XAttribute("name", f.Function.ToString()),
                    new XAttribute("time", f.Elapsed.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture)),
                    f.Mismatch ? new XElement("failure", new XAttribute("message", $"{f.Function} exists only in {(f.Presence == Presence.ModelOnly ? "the model" : result.Variant)}")) : null,
                    f.Presence == Presence.Neither ? new XElement("skipped", new XAttribute("message", "in neither the model state nor the C")) : null,
                    result.Divergences.Where(d => d.Function == f.Function).Select(d => new XElement("failure",
                        new XAttribute("message", $"{f.Divergences} divergence(s); minimised: {CaseJson.Describe(d.Minimised)}"),
                        CaseJson.Serialize(DivergenceJson(result, d)))))));
            AtomicWrite(junit, new XDocument(new XElement("testsuites", suite)).ToString());
        }
    }

    static JsonObject DivergenceJson(EquivResult result, Divergence d) => new()
    {
        ["variant"] = result.Variant,
        ["semantics"] = result.Semantics,
        ["seed"] = result.Seed,
        ["case_index"] = d.CaseIndex,
        ["input"] = CaseJson.ToJson(d.Minimised),
        ["model"] = CaseJson.ToJson(d.Model),
        ["native"] = CaseJson.ToJson(d.Native),
        ["original_input"] = CaseJson.ToJson(d.Original),
    };

    static void AtomicWrite(string path, string text) => AtomicFile.WriteAllText(path, text);
}
