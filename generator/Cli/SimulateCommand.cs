using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using VhostLog.Equivalence.Cases;
using VhostLog.KernelTree;
using VhostLog.Sessions;
using VhostLog.Simulator;

using Run = VhostLog.Sessions.SimulationRun;

namespace VhostLog.Cli;

/// <summary>vhostlog simulate: a pre-copy live migration with a vhost-scsi disk, counting the pages the destination misses.</summary>
public static class SimulateCommand
{
    const string GnuplotPackage = "gnuplot-nox";

    /// <summary>Everything --json writes.</summary>
    public sealed record Report(string Engine, SimulationOptions Options, ImmutableArray<Run> Runs, bool AsPredicted);

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static Command Create(Interrupts interrupts)
    {
        var defaults = new SimulationOptions();
        var workload = new Option<string>("--workload")
        {
            Description = "swapin (SCSI READs into guest pages, as in swap-in), mixed (READ/WRITE and guest CPU writes), ctl-evt (control and event queues), stream (the I/O mix of `vhostlog boot`'s migration workload)",
            DefaultValueFactory = _ => "swapin",
        };
        workload.AcceptOnlyFromAmong([.. Workloads.Names.Select(n => n.Name)]);
        var semantics = new Option<string>("--semantics") { Description = "before (the tree as shipped), after (the series applied) or both", DefaultValueFactory = _ => "both" };
        semantics.AcceptOnlyFromAmong("before", "after", "both");
        var engine = new Option<string>("--engine")
        {
            Description = "what runs the request path: managed (the models in .NET) or native (the tree's C compiled unchanged: " +
                          "the --tree for before, a copy with out/linux-VERSION's series applied for after)",
            DefaultValueFactory = _ => "managed",
        };
        engine.AcceptOnlyFromAmong([.. RequestPaths.Engines]);
        var seed = new Option<int>("--seed") { Description = "seed of the workload", DefaultValueFactory = _ => defaults.Seed };
        var guestMiB = new Option<int>("--guest-mib") { Description = "guest memory in MiB (4 KiB pages)", DefaultValueFactory = _ => defaults.GuestMiB };
        var requests = new Option<int>("--requests") { Description = "guest requests in all (the workload stops early if the migration ends first)", DefaultValueFactory = _ => defaults.Requests };
        var perRound = new Option<int>("--per-round") { Description = "requests issued while one round sends its pages", DefaultValueFactory = _ => defaults.RequestsPerRound };
        var depth = new Option<int>("--queue-depth") { Description = "I/O commands in flight at most", DefaultValueFactory = _ => defaults.QueueDepth };
        var converge = new Option<int>("--converge-pages") { Description = "stop-and-copy once a log sync finds fewer dirty pages than this", DefaultValueFactory = _ => defaults.ConvergePages };
        var maxRounds = new Option<int>("--max-rounds") { Description = "iterative rounds at most", DefaultValueFactory = _ => defaults.MaxRounds };
        var tree = new Option<string?>("--tree") { Description = "with --engine native: the kernel tree whose C runs (read only; default: the Debian 6.12.117 tree)" };
        var show = new Option<int>("--show-lost") { Description = "lost pages to list per semantics (all are in --json)", DefaultValueFactory = _ => 10 };
        var json = new Option<string?>("--json") { Description = "also write the results as JSON to this file" };
        var sanitize = new Option<bool>("--sanitize")
        {
            Description = "with --engine native: run the drivers built with ASan and UBSan (-O1); a sanitizer report stops the run with the command and the report",
        };
        var plot = new Option<string?>("--plot") { Description = $"draw dirty, re-sent and lost pages per round to this PNG (gnuplot, Debian package {GnuplotPackage})" };
        var cmd = new Command("simulate", "simulate a live migration with a vhost-scsi disk and count the guest pages the destination misses")
        {
            workload, semantics, engine, tree, seed, guestMiB, requests, perRound, depth, converge, maxRounds, show, json, plot, sanitize,
        };
        cmd.SetAction(r =>
        {
            var options = new SimulationOptions(Workloads.Parse(r.GetValue(workload)!)!.Value, r.GetValue(seed), r.GetValue(guestMiB),
                r.GetValue(requests), r.GetValue(perRound), r.GetValue(depth), r.GetValue(converge), r.GetValue(maxRounds));
            if (options.Problems() is [var problem, ..])
                throw new UsageException(problem);
            if (r.GetValue(show) < 0)
                throw new UsageException($"--show-lost {r.GetValue(show)}: must be 0 or more");
            var engineName = r.GetValue(engine)!;
            if (r.GetValue(tree) is not null && engineName != "native")
                throw new UsageException("--tree picks the C the native engine runs: add --engine native (the managed engine runs the models)");
            var san = r.GetValue(sanitize);
            if (san && engineName != "native")
                throw new UsageException("--sanitize builds the native engine's C with ASan and UBSan: add --engine native (the managed engine runs no C)");
            var jsonPath = r.GetValue(json);
            var plotPath = r.GetValue(plot);
            // Refuse before running rather than after: nothing half-done is left behind.
            foreach (var (name, file) in new[] { ("--json", jsonPath), ("--plot", plotPath) })
                if (file is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(file))))
                    throw new UsageException($"{name} {file}: folder {Path.GetDirectoryName(Path.GetFullPath(file))} does not exist");
            if (plotPath is not null && FindOnPath("gnuplot") is null)
                throw new UsageException($"--plot needs gnuplot, which is not installed: install the Debian package {GnuplotPackage} " +
                                         $"(sudo apt-get install -y --no-install-recommends {GnuplotPackage})");
            var sem = r.GetValue(semantics)!;
            Semantics[] which = sem == "both" ? [Semantics.Before, Semantics.After] : [Semantics.Parse(sem)];
            // Only the native engine needs the repository (harness/, out/, the tree cache): managed runs anywhere.
            var repo = engineName == "native" ? RepoRoot.Find() : "";
            var target = engineName == "native" ? Targets.Resolve(repo, r.GetValue(tree)) : null;
            ImmutableArray<Run> runs;
            try
            {
                runs = [.. which.Select(s => Simulate(s, options, engineName, repo, target, san, interrupts))];
            }
            catch (LogNumBoundException e)
            {
                Console.WriteLine($"CHECK FAILED: {e.Message}");
                return 1;
            }
            var asPredicted = Print(runs, engineName, r.GetValue(show));
            if (jsonPath is not null)
                JsonReport.Write(jsonPath, new Report(engineName, options, runs, asPredicted), JsonOptions);
            if (plotPath is not null)
                Plot(plotPath, options, runs);
            return asPredicted ? 0 : 1;
        });
        return cmd;
    }

    /// <summary>
    /// One semantics' run, its progress drawn as a bar on a terminal or as a
    /// line per round otherwise, and told to <paramref name="interrupts"/>:
    /// a Ctrl-C or SIGTERM ends the run from the simulator's request loop.
    /// </summary>
    static Run Simulate(Semantics semantics, SimulationOptions options, string engine, string repo, Series.TargetTree? target, bool sanitize,
        Interrupts interrupts)
    {
        void Reached(SimulationProgress p)
        {
            interrupts.Token.ThrowIfCancellationRequested();
            interrupts.Reached($"{semantics}: round {p.Round}, {p.RequestsIssued:N0} of {p.RequestsTotal:N0} requests issued");
        }
        Run run;
        try
        {
            if (!Console.IsOutputRedirected && !Console.IsErrorRedirected)
            {
                Run? done = null;
                AnsiConsole.Progress().AutoClear(true)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask($"{semantics}: round 0", maxValue: Math.Max(options.Requests, 1));
                        done = SimulateSession.Run(semantics, options, engine, repo, target, sanitize, new Reporter<SimulationProgress>(p =>
                        {
                            Reached(p);
                            task.Description = $"{semantics}: round {p.Round}";
                            task.Value = p.RequestsIssued;
                        }));
                        task.Value = task.MaxValue;
                    });
                run = done!;
            }
            else
            {
                var lastRound = -1;
                run = SimulateSession.Run(semantics, options, engine, repo, target, sanitize, new Reporter<SimulationProgress>(p =>
                {
                    Reached(p);
                    if (p.Round == lastRound)
                        return;
                    lastRound = p.Round;
                    Console.Error.WriteLine($"simulate: {semantics}: round {p.Round}, {p.RequestsIssued}/{p.RequestsTotal} requests issued");
                }));
            }
        }
        catch (NativeSimulationFailedException e)
        {
            // The tree's C crashed, hung or refused a request: a failed check
            // of that C (exit 1) with what happened, not a stack trace.
            throw new CheckFailedException(e.Message);
        }
        interrupts.Finished($"{semantics}: {options.Requests:N0} requests simulated");
        return run;
    }

    /// <summary>Prints a table per semantics and a summary; true when "after" lost nothing.</summary>
    static bool Print(ImmutableArray<Run> runs, string engine, int showLost)
    {
        static string N(long n) => n.ToString(CultureInfo.InvariantCulture);
        foreach (var (result, seconds, maxLogNum) in runs)
        {
            var o = result.Options;
            AnsiConsole.Write(new Rule($"{result.Semantics} ({Markup.Escape(result.State)}, {engine} engine): {Workloads.Name(o.Workload)}, seed {o.Seed}, {o.GuestMiB} MiB guest, {N(result.RequestsIssued)} requests").LeftJustified());
            var table = new Table().AddColumns("round", "phase", "dirty", "vhost", "kvm", "sent", "reqs", "dev wrote", "lost");
            foreach (var x in result.Rounds)
                table.AddRow(N(x.Round), x.Phase switch { Phase.Bulk => "bulk", Phase.Iterate => "iterate", _ => "stop+copy" },
                    x.Phase == Phase.Bulk ? "all" : N(x.Dirty), N(x.LoggedByVhost), N(x.LoggedByKvm), N(x.Sent), N(x.Requests), N(x.WrittenByDevice), N(x.Lost));
            AnsiConsole.Write(table);
            Console.WriteLine("dirty: pages the round sends (found dirty at its log sync); vhost / kvm: marked in vhost's / KVM's log; " +
                              "reqs: guest requests issued; dev wrote: pages the device wrote; lost: lost pages last written in the round");
            Console.WriteLine($"{(result.Converged ? "converged" : "did not converge")} after {result.Rounds.Length} rounds; " +
                              $"{N(result.PagesSent)} pages sent, {N(result.PagesWrittenByDevice)} pages written by the device, " +
                              $"{N(result.Lost.Length)} pages lost ({seconds.ToString("F2", CultureInfo.InvariantCulture)} s)");
            if (maxLogNum is { } m)
                Console.WriteLine(m == 0
                    ? "descriptor collection (model): no chain was taken with a log"
                    : $"descriptor collection (model): log_num <= in_num <= iov_limit held on every chain taken with a log; largest log_num {N(m)}");
            foreach (var l in result.Lost.Take(showLost))
                Console.WriteLine($"  lost 0x{l.Gpa:x9} ({l.Region}): last written in round {l.Round} by {l.WrittenBy}");
            if (result.Lost.Length > showLost)
                Console.WriteLine($"  ... and {N(result.Lost.Length - showLost)} more (--json lists them all)");
        }
        var summary = new Table().AddColumns("semantics", "engine", "state", "rounds", "reqs", "sent", "dev wrote", "lost", "check");
        foreach (var (result, _, _) in runs)
        {
            var ok = SimulateSession.AsPredicted([result]);
            summary.AddRow(result.Semantics.ToString(), engine, Markup.Escape(result.State), N(result.Rounds.Length), N(result.RequestsIssued), N(result.PagesSent),
                N(result.PagesWrittenByDevice), N(result.Lost.Length),
                result.Semantics == Semantics.After ? (ok ? "ok" : "FAILED") : "reported");
        }
        AnsiConsole.Write(new Rule("summary").LeftJustified());
        AnsiConsole.Write(summary);
        var asPredicted = SimulateSession.AsPredicted(runs.Select(r => r.Result));
        if (!asPredicted)
            Console.WriteLine("CHECK FAILED: the series applied (after) still loses pages");
        return asPredicted;
    }

    /// <summary>Dirty, device-written and lost pages per round, one panel per semantics, through gnuplot.</summary>
    static void Plot(string png, SimulationOptions options, ImmutableArray<Run> runs)
    {
        var dir = Directory.CreateTempSubdirectory("vhostlog-plot-").FullName;
        var full = Path.GetFullPath(png);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        var script = new StringBuilder();
        script.AppendLine("set terminal pngcairo size " + (runs.Length * 700) + ",560 font ',10'");
        script.AppendLine($"set output {Quote(tmp)}");
        script.AppendLine($"set multiplot layout 1,{runs.Length} title {Quote($"vhostlog simulate: {Workloads.Name(options.Workload)}, seed {options.Seed}, {options.GuestMiB} MiB guest")}");
        script.AppendLine("set logscale y");
        script.AppendLine("set yrange [1:*]");
        script.AppendLine("set xtics 1");
        script.AppendLine("set xlabel 'round'");
        script.AppendLine("set ylabel 'pages'");
        script.AppendLine("set grid ytics");
        script.AppendLine("set key top right");
        script.AppendLine("set style fill solid 0.5");
        script.AppendLine("set boxwidth 0.5");
        script.AppendLine("set datafile missing 'NaN'");
        foreach (var (result, _, _) in runs)
        {
            var data = Path.Combine(dir, $"{result.Semantics}.dat");
            // Zero has no place on a log scale: NaN leaves the point out.
            static string V(long n) => n == 0 ? "NaN" : n.ToString(CultureInfo.InvariantCulture);
            File.WriteAllLines(data, ["# round dirty(sent) device_wrote lost"],
                Encoding.ASCII);
            File.AppendAllLines(data, result.Rounds.Select(x => $"{x.Round} {V(x.Sent)} {V(x.WrittenByDevice)} {V(x.Lost)}"));
            script.AppendLine($"set title {Quote($"{result.Semantics} ({result.State}): {result.Lost.Length} pages lost")}");
            script.AppendLine($"set xrange [-0.5:{result.Rounds.Length - 0.5}]");
            script.AppendLine($"plot {Quote(data)} using 1:4 with boxes lc rgb '#d62728' title 'lost (last written in round)', " +
                              $"'' using 1:2 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'dirty, re-sent', " +
                              $"'' using 1:3 with linespoints lw 2 pt 5 lc rgb '#2ca02c' title 'written by the device'");
        }
        script.AppendLine("unset multiplot");
        var scriptPath = Path.Combine(dir, "plot.gp");
        File.WriteAllText(scriptPath, script.ToString());
        ProcResult run;
        try
        {
            run = ProcessRunner.Run("gnuplot", [scriptPath], dir, timeout: TimeSpan.FromMinutes(1));
        }
        catch (ToolMissingException)
        {
            throw new UsageException($"--plot needs gnuplot: install the Debian package {GnuplotPackage}");
        }
        if (!run.Ok || !File.Exists(tmp))
        {
            File.Delete(tmp);
            throw new UsageException($"gnuplot failed (script and data kept in {dir}):\n{run.Output}");
        }
        File.Move(tmp, full, overwrite: true);
        Directory.Delete(dir, recursive: true);
        Console.WriteLine($"plot written to {png}");
    }

    /// <summary>A gnuplot single-quoted string (a quote inside is doubled).</summary>
    static string Quote(string s) => "'" + s.Replace("'", "''") + "'";

    static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program))
            .FirstOrDefault(File.Exists);
}
