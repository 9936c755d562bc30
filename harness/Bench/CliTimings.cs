using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace VhostLog.Bench;

/// <summary>Wall-clock seconds of one command, and whether it succeeded.</summary>
public sealed record CommandTiming(string Command, double Seconds, int ExitCode);

/// <summary>Differential cases per second of one function, from equiv's JSON report.</summary>
public sealed record EquivThroughput(string Function, long Cases, double Seconds)
{
    public double CasesPerSecond => Cases / Math.Max(Seconds, 1e-9);
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

    public (CommandTiming Timing, IReadOnlyList<EquivThroughput> Functions) Equiv(int cases)
    {
        var json = Path.Combine(scratch, "equiv.json");
        var timing = Require(Time("equiv", ["equiv", "--generated", "--cases", cases.ToString(CultureInfo.InvariantCulture), "--json", json]));
        var functions = JsonNode.Parse(File.ReadAllText(json))!["functions"]!.AsArray()
            .Select(f => new EquivThroughput((string)f!["function"]!, (long)f["cases"]!, (double)f["seconds"]!))
            .ToList();
        return (timing, functions);
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
