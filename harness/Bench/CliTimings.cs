using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace VhostLog.Bench;

/// <summary>Wall-clock seconds of one command, and whether it succeeded.</summary>
public sealed record CommandTiming(string Command, double Seconds, int ExitCode);

/// <summary>Equivalence cases per second of one function, from equiv's JSON report.</summary>
public sealed record EquivThroughput(string Function, long Cases, double Seconds)
{
    public double CasesPerSecond => Cases / Math.Max(Seconds, 1e-9);
}

/// <summary>One function's equiv throughput on the text wire and on the binary one, measured in the same bench run.</summary>
public sealed record WireComparison(string Function, long Cases, double TextPerSecond, double BinaryPerSecond)
{
    public double Ratio => BinaryPerSecond / Math.Max(TextPerSecond, 1e-9);
}

/// <summary>
/// Times the CLI the way a user runs it (./vhostlog, a new process each
/// time), so the numbers include start-up, translation and tool runs.
/// </summary>
public sealed class CliTimings(string repo, string scratch)
{
    const string Signoff = "VhostLog Generator <generator@vhostlog.example>";

    /// <summary>Builds the CLI if its sources changed, so that no timed run pays for it.</summary>
    public void EnsureBuilt() => Require(Time("build", ["--help"]));

    public IReadOnlyList<CommandTiming> Generate(int runs)
    {
        // Untimed: the first run fills the OS page cache and the tree caches.
        Require(Time("generate (warm-up)", ["generate", "--out", Path.Combine(scratch, "series-warmup"), "--signoff", Signoff]));
        return Enumerable.Range(1, runs)
            .Select(i => Require(Time("generate", ["generate", "--out", Path.Combine(scratch, $"series-{i}"), "--signoff", Signoff])))
            .ToList();
    }

    public CommandTiming Verify() => Time("verify", ["verify"]);

    /// <param name="wire">the worker's wire (equiv --wire): binary or text</param>
    public (CommandTiming Timing, IReadOnlyList<EquivThroughput> Functions) Equiv(int cases, string wire = "binary")
    {
        var json = Path.Combine(scratch, $"equiv-{wire}.json");
        var timing = Require(Time("equiv", ["equiv", "--generated", "--cases", cases.ToString(CultureInfo.InvariantCulture), "--wire", wire, "--json", json]));
        var functions = JsonNode.Parse(File.ReadAllText(json))!["functions"]!.AsArray()
            .Select(f => new EquivThroughput((string)f!["function"]!, (long)f["cases"]!, (double)f["seconds"]!))
            .ToList();
        return (timing, functions);
    }

    /// <summary>
    /// equiv on both wires, alternating text and binary <paramref name="rounds"/>
    /// times so that both see the same load; per function, the fastest
    /// round of each wire (other processes only ever slow a round down).
    /// </summary>
    public (double Seconds, IReadOnlyList<WireComparison> Functions) EquivWires(int cases, int rounds)
    {
        var text = new Dictionary<string, EquivThroughput>();
        var binary = new Dictionary<string, EquivThroughput>();
        var seconds = 0.0;
        static void Keep(Dictionary<string, EquivThroughput> best, IReadOnlyList<EquivThroughput> run)
        {
            foreach (var t in run)
                if (!best.TryGetValue(t.Function, out var b) || t.CasesPerSecond > b.CasesPerSecond)
                    best[t.Function] = t;
        }
        for (var r = 0; r < rounds; r++)
        {
            var (textTiming, textRun) = Equiv(cases, "text");
            var (binaryTiming, binaryRun) = Equiv(cases, "binary");
            seconds += textTiming.Seconds + binaryTiming.Seconds;
            Keep(text, textRun);
            Keep(binary, binaryRun);
        }
        return (seconds, text.Keys
            .Select(f => new WireComparison(f, text[f].Cases, text[f].CasesPerSecond, binary[f].CasesPerSecond))
            .ToList());
    }

    CommandTiming Time(string label, string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(repo, "vhostlog"))
        {
            WorkingDirectory = repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        Console.Error.WriteLine($"bench: ./vhostlog {string.Join(' ', args)}");
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start ./vhostlog");
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var seconds = clock.Elapsed.TotalSeconds;
        var log = Path.Combine(scratch, $"{label.Split(' ')[0]}-{Guid.NewGuid():N}.log");
        File.WriteAllText(log, output + err.GetAwaiter().GetResult());
        if (p.ExitCode != 0)
            Console.Error.WriteLine($"bench: ./vhostlog {args[0]} exited {p.ExitCode} (log: {log})");
        return new CommandTiming(label, seconds, p.ExitCode);
    }

    static CommandTiming Require(CommandTiming t) =>
        t.ExitCode == 0 ? t : throw new InvalidOperationException($"./vhostlog {t.Command} failed (exit {t.ExitCode})");
}
