using System.CommandLine;
using Spectre.Console;
using VhostLog.Equivalence.Cases;
using VhostLog.Sessions;
namespace VhostLog.Cli;

/// <summary>vhostlog run --scenario: one saved case replayed on every engine, side by side.</summary>
public static class RunCommand
{
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
            var c = ReplaySession.Load(r.GetValue(scenario)!);
            var runs = ReplaySession.Replay(repo, c, r.GetValue(tree), r.GetValue(semantics) is { } s ? Semantics.Parse(s) : Semantics.Before);
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
}
