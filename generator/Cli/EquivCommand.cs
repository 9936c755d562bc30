using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Native;
using VhostLog.Equivalence.Runner;
using VhostLog.KernelTree;
using VhostLog.Sessions;
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
        var seed = new Option<ulong>("--seed") { Description = "seed of the case generator", DefaultValueFactory = _ => EquivSession.DefaultSeed };
        var shard = new Option<string?>("--shard") { Description = "I/N: run the I-th of N slices of the cases (0-based)" };
        var sanitize = new Option<bool>("--sanitize") { Description = "build the native variant with ASan and UBSan" };
        var junit = new Option<string?>("--junit") { Description = "write a JUnit XML report" };
        var save = new Option<string?>("--save-dir") { Description = "folder for minimised reproducers (default: build/divergences)" };
        var json = new Option<string?>("--json") { Description = "also write the results as JSON to this file" };
        var wire = new Option<string>("--wire")
        {
            Description = "how the runner talks to the native worker: binary (framed, the default) or text (the hex line protocol, kept to compare against)",
            DefaultValueFactory = _ => "binary",
        };
        wire.AcceptOnlyFromAmong("binary", "text");
        var cmd = new Command("equiv", "run C and a model state side by side on the same generated inputs")
        {
            tree, generated, semantics, state, function, cases, seed, shard, sanitize, junit, save, json, wire,
        };
        cmd.SetAction(r =>
        {
            if (r.GetValue(cases) < 1)
                throw new UsageException("--cases must be at least 1");
            var (shardIndex, shardCount) = EquivSession.ParseShard(r.GetValue(shard));
            var repo = RepoRoot.Find();
            var setup = EquivSession.Resolve(repo, new EquivRequest(r.GetValue(tree), r.GetValue(generated),
                r.GetValue(semantics) is { } beforeOrAfter ? Semantics.Parse(beforeOrAfter) : null, r.GetValue(state)));
            var functions = r.GetValue(function) is { } only ? [Enum.Parse<Function>(only)] : Enum.GetValues<Function>();
            var options = new EquivOptions(functions, r.GetValue(cases), r.GetValue(seed), shardIndex, shardCount) { Cancel = interrupts.Token };
            var wireFormat = r.GetValue(wire) == "text" ? WireFormat.Text : WireFormat.Binary;
            var result = EquivSession.Run(repo, setup.Source, setup.Engine, setup.Semantics, options, r.GetValue(sanitize), Progress(interrupts), wireFormat);
            Print(result, setup.Engine.State);
            var saved = EquivReports.SaveDivergences(result, setup.Source, Path.Combine(repo, "harness", "shim"),
                r.GetValue(save) ?? Path.Combine(repo, "build", "divergences"));
            foreach (var s in saved)
                PrintDivergence(result, s);
            PrintFindings(result);
            Console.WriteLine(result.Equivalent
                ? $"equivalent: {result.Functions.Sum(f => f.Cases)} cases, no divergence"
                : $"NOT equivalent: {result.Divergences.Length + result.Functions.Count(f => f.Mismatch)} function(s) diverge or are missing on one side");
            if (r.GetValue(json) is { } j)
                EquivReports.WriteJson(j, result, setup.Engine.State);
            if (r.GetValue(junit) is { } ju)
                EquivReports.WriteJUnit(ju, result);
            return result.Equivalent ? 0 : 1;
        });
        return cmd;
    }

    /// <summary>Progress on stderr when it is a terminal, and to <paramref name="interrupts"/> for the line an interrupted run ends with.</summary>
    public static IProgress<(Function Function, int Done, int Total)> Progress(Interrupts? interrupts)
    {
        var interactive = !Console.IsErrorRedirected;
        return new Reporter<(Function Function, int Done, int Total)>(p =>
        {
            if (p.Done == p.Total)
                interrupts?.Finished($"{p.Function}: {p.Total:N0} cases compared");
            else
                interrupts?.Reached($"{p.Function}: {p.Done:N0} of {p.Total:N0} cases compared");
            if (interactive)
                Console.Error.Write($"\r  {p.Function}: {p.Done}/{p.Total} cases   ");
            if (interactive && p.Done == p.Total)
                Console.Error.WriteLine();
        });
    }

    static void Print(EquivResult result, string modelState)
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
    }

    static void PrintDivergence(EquivResult result, SavedDivergence s)
    {
        var d = s.Divergence;
        var dir = Path.GetDirectoryName(s.ReproducerPath);
        Console.WriteLine($"DIVERGENCE in {d.Function} (case {d.CaseIndex}), minimised:");
        Console.WriteLine($"  input:  {CaseJson.Describe(d.Minimised)}");
        Console.WriteLine($"  model ({result.Semantics}): {CaseJson.Describe(d.Model, d.Minimised)}");
        Console.WriteLine($"  native {result.Variant}: {CaseJson.Describe(d.Native, d.Minimised)}");
        Console.WriteLine($"  saved:  {s.JsonPath}");
        Console.WriteLine($"  C:      {s.ReproducerPath} (make -C {dir} && {dir}/repro)");
        Console.WriteLine($"  replay: ./vhostlog run --scenario {s.JsonPath}");
    }

    static void PrintFindings(EquivResult result)
    {
        foreach (var f in result.SpecFindings)
        {
            Console.WriteLine($"SPECIFICATION FINDING in {f.Function} ({result.Variant} behaves like the model here), minimised:");
            Console.WriteLine($"  input:    {CaseJson.Describe(f.Input)}");
            Console.WriteLine($"  observed: {CaseJson.Describe(f.Observed, f.Input)}");
            Console.WriteLine($"  why:      {f.Explanation}");
        }
    }
}
