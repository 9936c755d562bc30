using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using VhostLog.Chains;
using VhostLog.KernelTree;
using VhostLog.Sessions;
using VhostLog.Simulator;

namespace VhostLog.Cli;

/// <summary>
/// vhostlog chains: the descriptor-collection campaign. The tree's
/// vhost_get_vq_desc() on adversarial chains; the evidence for the bound
/// patch 9 would have WARNed about.
/// </summary>
public static class ChainsCommand
{
    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create(Interrupts interrupts)
    {
        var tree = new Option<string?>("--tree") { Description = "the kernel tree whose vhost.c runs (read only; default: the Debian 6.12.117 tree)" };
        var series = new Option<bool>("--series") { Description = "run a copy of the tree with the committed series (out/linux-VERSION) applied" };
        var cases = new Option<long>("--cases") { Description = "chains to try (spread evenly over the categories)", DefaultValueFactory = _ => 10000 };
        var seed = new Option<int>("--seed") { Description = "seed of the chain generator", DefaultValueFactory = _ => 1 };
        var json = new Option<string?>("--json") { Description = "also write the report as JSON to this file" };
        var sanitize = new Option<bool>("--sanitize")
        {
            Description = "run the driver built with ASan and UBSan (-O1): a sanitizer report is a crash of its case, with the report",
        };
        var generated = new Option<bool>("--generated")
        {
            Description = $"run the C translated from model state {ChainsSession.GeneratedState} for vhost_get_vq_desc() and get_indirect(), " +
                          "with the default tree's helpers, in place of the tree's two functions",
        };
        var cmd = new Command("chains",
            "run the tree's vhost_get_vq_desc() on adversarial descriptor chains; check log_num <= in_num <= iov_limit and an independent oracle")
        {
            tree, series, cases, seed, json, sanitize, generated,
        };
        cmd.SetAction(r =>
        {
            var n = r.GetValue(cases);
            if (n < 1 || n > 100_000_000)
                throw new UsageException($"--cases {n}: give a number from 1 to 100000000");
            var jsonPath = r.GetValue(json);
            if (jsonPath is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(jsonPath))))
                throw new UsageException($"--json {jsonPath}: folder {Path.GetDirectoryName(Path.GetFullPath(jsonPath))} does not exist");
            var repo = RepoRoot.Find();
            var (source, label) = ChainsSession.Resolve(repo, new ChainsRequest(r.GetValue(tree), r.GetValue(series), r.GetValue(generated)));
            CampaignReport report;
            try
            {
                report = Run(repo, source, label, r.GetValue(seed), n, r.GetValue(sanitize), interrupts);
            }
            catch (InvalidOperationException e)
            {
                // The driver refused the layout the generator made: a harness bug, said plainly.
                throw new UsageException($"chains ({label}): {e.Message}");
            }
            Print(report);
            if (jsonPath is not null)
                JsonReport.Write(jsonPath, report, JsonOptions);
            return report.Passed ? 0 : 1;
        });
        return cmd;
    }

    /// <summary>The campaign with its progress on stderr, and in the line an interrupted run ends with.</summary>
    static CampaignReport Run(string repo, DescriptorPathSource source, string label, int seed, long n, bool sanitize, Interrupts interrupts)
    {
        var last = DateTime.UtcNow;
        var report = ChainsSession.Run(repo, source, label, seed, n, sanitize, new Reporter<long>(done =>
        {
            interrupts.Token.ThrowIfCancellationRequested();
            interrupts.Reached($"{label}: {done:N0} of {n:N0} chains compared");
            if (Console.IsErrorRedirected || (DateTime.UtcNow - last).TotalSeconds < 2)
                return;
            last = DateTime.UtcNow;
            Console.Error.Write($"\rchains: {done}/{n}");
        }));
        if (!Console.IsErrorRedirected)
            Console.Error.Write("\r" + new string(' ', 40) + "\r");
        return report;
    }

    static void Print(CampaignReport report)
    {
        static string N(long n) => n.ToString(CultureInfo.InvariantCulture);
        Console.WriteLine($"vhost_get_vq_desc() of {report.Tree}: {N(report.Cases)} chains, seed {report.Seed}");
        // Plain columns: the table must stay readable in a log or a pipe, where a console table wraps at 80 columns.
        Console.WriteLine($"{"category",-18} {"cases",8} {"errors",8} {"valid",8} {"invariant",-9} {"max log_num",11} {"max in_num",10} {"disagree",8} {"crashes",7} {"lenient",7} {"model",6}");
        foreach (var c in report.Categories)
            Console.WriteLine($"{c.Category,-18} {N(c.Cases),8} {N(c.Errors),8} {N(c.Valid),8} {(c.InvariantHolds ? "holds" : "VIOLATED"),-9} " +
                              $"{N(c.MaxLogNum),11} {N(c.MaxInNum),10} {N(c.Disagreements),8} {N(c.Crashes),7} {N(c.Lenient),7} {N(c.ModelDivergences),6}");
        Console.WriteLine("lenient: valid chains the virtio spec forbids the driver to make (a readable descriptor after a zero-length " +
                          "writable one, an indirect descriptor with NEXT) that vhost accepts, as the oracle expects");
        if (report.Model is not null)
            Console.WriteLine($"model: the {report.Model} model's vhost_get_vq_desc() ran every case; {N(report.ModelDivergences)} case(s) " +
                              $"where its return value, out/in, iovecs, log_num, log entries or guard entries differ from those of {report.Tree}");
        Console.WriteLine("errors by errno:");
        foreach (var c in report.Categories.Where(c => c.Errors > 0))
            Console.WriteLine($"  {c.Category,-18} {string.Join(" ", c.ErrnoCounts.Select(e => $"{e.Key} {N(e.Value)}"))}");
        var limitAtMax = report.Categories.Where(c => c.MaxLogNum == report.MaxLogNum).Select(c => c.MaxIovLimitAtMaxLog).FirstOrDefault();
        Console.WriteLine($"log_num <= in_num <= iov_limit (and nothing written past iov_size or the log's iov_limit entries): " +
                          $"{(report.InvariantHolds ? "holds" : "VIOLATED")} on every call; largest log_num {N(report.MaxLogNum)} " +
                          $"(iov_limit {N(limitAtMax)} in that case), largest in_num {N(report.MaxInNum)}");
        Console.WriteLine($"{N(report.Cases)} chains in {report.Seconds.ToString("F2", CultureInfo.InvariantCulture)} s " +
                          $"({report.CasesPerSecond.ToString("F0", CultureInfo.InvariantCulture)} cases/s)");
        foreach (var f in report.Findings.Take(10))
        {
            Console.WriteLine($"{f.Kind} ({f.Category}, case {f.Id:x}): {f.Detail}");
            Console.WriteLine($"  input: {(f.Input.Length > 400 ? f.Input[..400] + " ..." : f.Input)}");
        }
        if (report.Findings.Length > 10)
            Console.WriteLine($"... {report.Findings.Length - 10} more findings kept in --json");
        if (!report.Passed)
            Console.WriteLine("CHECK FAILED: " + (report.InvariantHolds ? "" : "the invariant does not hold; ") +
                              (report.Disagreements > 0 ? $"{N(report.Disagreements)} oracle disagreement(s); " : "") +
                              (report.Crashes > 0 ? $"{N(report.Crashes)} crash(es); " : "") +
                              (report.ModelDivergences > 0 ? $"{N(report.ModelDivergences)} model divergence(s)" : ""));
    }
}
