using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Mutation;
using VhostLog.Equivalence.Runner;
using VhostLog.KernelTree;
using VhostLog.Sessions;
namespace VhostLog.Cli;

/// <summary>vhostlog mutants: the mutation score of the equivalence harness (make mutants).</summary>
public static class MutantsCommand
{
    public static Command Create(Interrupts interrupts)
    {
        var dir = new Option<string?>("--dir") { Description = "folder of mutant patches (default: tests/Equivalence/mutants)" };
        var cases = new Option<int>("--cases") { Description = "cases per function for each mutant", DefaultValueFactory = _ => MutantsSession.CiCases };
        var seed = new Option<ulong>("--seed") { Description = "seed of the case generator", DefaultValueFactory = _ => MutantsSession.CiSeed };
        var cmd = new Command("mutants", "run every mutant of the corpus through the harness and print the kill rate") { dir, cases, seed };
        cmd.SetAction(r =>
        {
            if (r.GetValue(cases) < 1)
                throw new UsageException("--cases must be at least 1");
            var repo = RepoRoot.Find();
            var corpus = Mutants.InFolder(r.GetValue(dir) ?? Path.Combine(repo, "tests", "Equivalence", "mutants"));
            if (corpus.Count == 0)
                throw new UsageException("the mutant folder holds no *.patch");
            var table = new Table().AddColumns("mutant", "verdict", "first divergence (minimised)");
            var killed = 0;
            foreach (var m in corpus)
            {
                Console.Error.WriteLine($"  {m.Name}...");
                interrupts.Reached($"mutant {m.Name}");
                var r1 = MutantsSession.Run(repo, m, r.GetValue(cases), r.GetValue(seed), interrupts.Token);
                interrupts.Finished($"mutant {m.Name} {(r1.Equivalent ? "survived" : "killed")}");
                var d = r1.Divergences.FirstOrDefault();
                if (!r1.Equivalent)
                    killed++;
                table.AddRow(Markup.Escape(m.Name), r1.Equivalent ? "SURVIVED" : "killed",
                    Markup.Escape(d is null ? "" : $"{d.Function}: {CaseJson.Describe(d.Minimised)}; model {CaseJson.Describe(d.Model, d.Minimised)}; mutant {CaseJson.Describe(d.Native, d.Minimised)}"));
            }
            AnsiConsole.Write(table);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"kill rate: {killed}/{corpus.Count} mutants ({100.0 * killed / corpus.Count:F0}%) at {r.GetValue(cases)} cases per function, seed {r.GetValue(seed)}"));
            return killed == corpus.Count ? 0 : 1;
        });
        return cmd;
    }
}
