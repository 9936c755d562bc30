using System.CommandLine;
using VhostLog.KernelTree;
using VhostLog.Sessions;
using VhostLog.Translator.Lowering;

namespace VhostLog.Cli;

/// <summary>The vhostlog command line. Exit: 0 ok, 1 check failed, 2 bad usage or input, 70 internal error, 130/143 interrupted.</summary>
public static class Commands
{
    public static int Run(string[] args)
    {
        if (Console.IsOutputRedirected)
            Spectre.Console.AnsiConsole.Console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
            {
                Ansi = Spectre.Console.AnsiSupport.No,
                ColorSystem = Spectre.Console.ColorSystemSupport.NoColors,
                Out = new Spectre.Console.AnsiConsoleOutput(Console.Out),
            });
        using var interrupts = new Interrupts();
        var root = new RootCommand("VhostLog: the vhost dirty-log series from one C# model (generate, verify, equivalence checks, migration simulation, real-kernel boot)");
        root.Subcommands.Add(GenerateCommand(interrupts));
        root.Subcommands.Add(VerifyCommand.Create(interrupts));
        root.Subcommands.Add(BootCommand.Create(interrupts));
        root.Subcommands.Add(EquivCommand.Create(interrupts));
        root.Subcommands.Add(MutantsCommand.Create(interrupts));
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create(interrupts));
        root.Subcommands.Add(ChainsCommand.Create(interrupts));
        root.Subcommands.Add(TranslateCommand(interrupts));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
                Console.Error.WriteLine($"vhostlog: {e.Message}");
            Console.Error.WriteLine("vhostlog: see 'vhostlog --help'");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (OperationCanceledException) when (interrupts.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine($"vhostlog: {interrupts.Account()}");
            return interrupts.ExitCode;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"vhostlog: {e.Message}");
            return 2;
        }
        catch (CheckFailedException e)
        {
            Console.Error.WriteLine($"vhostlog: {e.Message}");
            return 1;
        }
        catch (ModelLanguageException e)
        {
            Console.Error.WriteLine("vhostlog: the models use constructs outside the model language:");
            foreach (var d in e.Diagnostics)
                Console.Error.WriteLine($"  {d}");
            return 2;
        }
        catch (Exception e)
        {
            return InternalError(e, args);
        }
    }

    /// <summary>Exit status of an internal error (EX_SOFTWARE): a bug in VhostLog, not in the input.</summary>
    public const int InternalErrorExit = 70;

    /// <summary>
    /// The last resort: an exception nothing else handled is a bug of ours.
    /// It is said to be one, with the command that reproduces it; the stack
    /// trace goes to a file, not to the terminal.
    /// </summary>
    public static int InternalError(Exception e, string[] args)
    {
        var trace = Path.Combine(Path.GetTempPath(), $"vhostlog-internal-error-{Environment.ProcessId}.txt");
        try
        {
            File.WriteAllText(trace, e.ToString());
        }
        catch (IOException)
        {
            trace = "(could not be saved)";
        }
        Console.Error.WriteLine($"vhostlog: internal error, a bug in VhostLog rather than in your input: {e.GetType().Name}: {e.Message}");
        Console.Error.WriteLine($"  reproduce with: ./vhostlog {string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a))}");
        Console.Error.WriteLine($"  stack trace: {trace}");
        return InternalErrorExit;
    }

    static Option<string?> JsonOption() => new("--json") { Description = "also write the results as JSON to this file" };

    static Option<string?> TreeOption() => new("--tree")
    {
        Description = "kernel source tree to target (read only); default: Debian linux-source-6.12 from the cache",
    };

    static Command GenerateCommand(Interrupts interrupts)
    {
        var tree = TreeOption();
        var outDir = new Option<string?>("--out") { Description = "series folder (default: out/linux-VERSION, or out/linux-VERSION-quilt for --format quilt)" };
        var signoff = new Option<string?>("--signoff") { Description = "\"Name <email>\" of the backporter: the last Signed-off-by and the mail sender (default: git config user.name/user.email)" };
        var prefix = new Option<string?>("--subject-prefix") { Description = "subject prefix (default from templates/series.json)" };
        var version = new Option<int>("-v", "--reroll-count") { Description = "write version N beside version N-1 (range-diff and \"Changes in vN\" in the cover letter)", DefaultValueFactory = _ => 1 };
        var optIn = new Option<int[]>("--opt-in") { Description = "include an opt-in patch of the series (9: the WARN on log_num)", AllowMultipleArgumentsPerToken = true };
        var upstream = new Option<string?>("--upstream") { Description = "a mainline clone: take each message body from the upstream commit, check the stored facts against it, print an interdiff per patch" };
        var format = new Option<string>("--format") { Description = "mbox (git format-patch mails) or quilt (debian/patches with DEP-3 headers)", DefaultValueFactory = _ => "mbox" };
        format.AcceptOnlyFromAmong("mbox", "quilt");
        var verify = new Option<bool>("--verify") { Description = "verify the series (as `vhostlog verify`) before it is written; the cover letter then says what was tested" };
        var json = JsonOption();
        var cmd = new Command("generate", "generate the backport series for a tree (git format-patch mails or a quilt series)")
        {
            tree, outDir, signoff, prefix, version, optIn, upstream, format, verify, json,
        };
        cmd.SetAction(r =>
        {
            var repo = RepoRoot.Find();
            var target = Targets.Resolve(repo, r.GetValue(tree));
            var identity = r.GetValue(signoff) ?? Series.Git.ConfiguredIdentity()
                ?? throw new UsageException("no Signed-off-by identity: pass --signoff \"Name <email>\" or set git config user.name and user.email");
            var series = Series.SeriesDefinition.Load(Path.Combine(repo, "templates"));
            var composer = new Series.SeriesComposer(series, Translators.Create(repo));
            var quilt = r.GetValue(format) == "quilt";
            var output = r.GetValue(outDir) ?? Path.Combine(repo, "out", target.Name + (quilt ? "-quilt" : ""));
            var command = "./vhostlog verify" + (r.GetValue(tree) is null ? "" : " --tree TREE") + (r.GetValue(outDir) is null && !quilt ? "" : " --out DIR");
            Series.GenerateResult result;
            try
            {
                result = composer.Generate(
                    new Series.GenerateRequest(target, output, identity, r.GetValue(prefix), Targets.WorkRoot(repo),
                        TreeCache.EnsureDefault(repo, DefaultTree.Debian612), Version: r.GetValue(version) is var v && v >= 1
                            ? v : throw new UsageException($"-v {v}: the version must be 1 or more"),
                        OptIn: r.GetValue(optIn) ?? [])
                    {
                        UpstreamDir = r.GetValue(upstream),
                        Cancel = interrupts.Token,
                        Format = quilt ? Series.SeriesFormat.Quilt : Series.SeriesFormat.Mbox,
                        Verify = r.GetValue(verify)
                            ? staged => Series.Verify.TestedSummary.From(
                                VerifySession.Run(repo, target, staged, boot: true, interrupts.Token, interrupts.Steps("verify: ")), command)
                            : null,
                    },
                    interrupts.Steps());
            }
            catch (Series.BackportDeviationException e)
            {
                PrintInterdiffs(e.Interdiffs);
                throw new CheckFailedException(e.Message);
            }
            catch (Series.SeriesNotVerifiedException e)
            {
                throw new CheckFailedException(e.Message);
            }
            PrintInterdiffs(result.Interdiffs);
            foreach (var p in result.Patches)
                Console.WriteLine($"patch {p.Number}: {p.FileName}  ({string.Join(", ", p.Functions.Select(f => f.Name + "()"))})");
            foreach (var p in result.Present)
                Console.WriteLine($"patch {p.Number}: already present in {target.Name}" +
                                  (result.PresentForms.TryGetValue(p.Number, out var form) ? $" ({form})" : "") + ", not emitted");
            foreach (var (p, why) in result.NotApplicable.IsDefault ? [] : result.NotApplicable)
                Console.WriteLine($"patch {p.Number}: not applicable to {target.Name}, not emitted: {why}");
            if (result.Tested is { } t)
                Console.WriteLine($"verified before writing: {t.Summary.Replace('\n', ' ')}");
            Console.WriteLine($"series written to {Path.GetRelativePath(Environment.CurrentDirectory, result.SeriesDir)}");
            if (r.GetValue(json) is { } j)
                JsonReport.Write(j, result);
            return 0;
        });
        return cmd;
    }

    /// <summary>Per patch, our backport against its upstream commit, as range-diff shows it.</summary>
    static void PrintInterdiffs(System.Collections.Immutable.ImmutableArray<Series.PatchInterdiff> interdiffs)
    {
        foreach (var d in interdiffs)
        {
            Console.WriteLine($"{d.Number}: {d.UpstreamId[..12]} {(d.Identical ? "=" : "!")} {d.Subject}");
            foreach (var f in d.ExtraFunctions)
                Console.WriteLine($"    touches {f}, which the upstream commit does not");
            if (!d.Identical)
                Console.WriteLine(d.Text);
        }
    }

    static Command TranslateCommand(Interrupts interrupts)
    {
        var state = new Option<string>("--state") { Description = "model state to translate (default: the last)" };
        var changed = new Option<bool>("--changed") { Description = "only the functions the state itself changes" };
        var fuzz = new Option<int?>("--fuzz") { Description = "translation validation: N random model functions, translated, compiled with gcc (-O0, -O2, UBSan) and run beside their C#" };
        var seed = new Option<int>("--seed") { Description = "seed of --fuzz (default: CI's)", DefaultValueFactory = _ => TranslationValidation.FuzzDefaults.CiSeed };
        var cmd = new Command("translate", "print the kernel C of a model state, or validate the translator on random programs (--fuzz)") { state, changed, fuzz, seed };
        cmd.SetAction(r =>
        {
            var repo = RepoRoot.Find();
            if (r.GetValue(fuzz) is { } programs)
            {
                if (programs is < 1 or > 1_000_000)
                    throw new UsageException($"--fuzz {programs}: give a number from 1 to 1000000");
                var work = Path.Combine(Targets.WorkRoot(repo), $"fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}");
                try
                {
                    var result = TranslationValidation.TranslationValidator.Run(RepoRoot.Models(repo),
                        new TranslationValidation.FuzzOptions(programs, r.GetValue(seed)), work, null,
                        interrupts.Steps(), interrupts.Token);
                    foreach (var m in result.Mismatches)
                        Console.WriteLine($"MISMATCH in {m.Function}, call {m.Call}:\n  C#: {m.Model}\n  C:  {m.Native}\n--- C# ---\n{m.CSharp}--- C ---\n{m.C}");
                    if (result.Mismatches.FirstOrDefault() is { } first)
                    {
                        var shrunk = TranslationValidation.TranslationValidator.Shrink(RepoRoot.Models(repo), first.Program, [.. first.Arguments],
                            Path.Combine(work, "shrink"), null, interrupts.Token);
                        Console.WriteLine($"SHRUNK {first.Function} to (call {shrunk.Call}):\n  C#: {shrunk.Model}\n  C:  {shrunk.Native}\n--- C# ---\n{shrunk.CSharp}--- C ---\n{shrunk.C}");
                    }
                    foreach (var f in result.Findings)
                        Console.WriteLine($"FINDING in {f.Function}: {f.Report}\n--- C# ---\n{f.CSharp}--- C ---\n{f.C}");
                    foreach (var x in result.Rejected)
                        Console.WriteLine($"rejected by the model language: {x}");
                    Console.WriteLine($"translation validation (seed {r.GetValue(seed)}): {result.Programs} programs, {result.Calls} calls at -O0 and -O2 " +
                                      $"({result.Overflowing} outside the signed-overflow precondition, not compared), " +
                                      $"{result.Rejected.Length} rejected, {result.Mismatches.Length} mismatches, {result.Findings.Length} gcc/UBSan findings");
                    return result.Passed ? 0 : 1;
                }
                finally
                {
                    if (Directory.Exists(work))
                        Directory.Delete(work, true);
                }
            }
            var translation = Translators.Create(repo);
            var s = r.GetValue(state) ?? translation.States()[^1];
            var functions = r.GetValue(changed) ? translation.Changes(s) : translation.Translate(s);
            foreach (var f in functions)
                Console.Write($"/* {f.CFile}: {f.Name} ({f.State}) */\n{f.Text}\n");
            return 0;
        });
        return cmd;
    }
}
