using NUnit.Framework;
using VhostLog.Chains;
using VhostLog.Cli;
using VhostLog.Equivalence.Protocol;
using VhostLog.KernelTree;
using VhostLog.Simulator;

namespace VhostLog.Tests.Chains;

/// <summary>
/// vhostlog chains: the pristine tree's descriptor collection keeps
/// log_num &lt;= in_num &lt;= iov_limit and agrees with the oracle; copies of
/// the tree broken the ways the bound could break are caught.
/// </summary>
public sealed class ChainsTests
{
    const int Cases = 4000;

    // Broken trees are fresh temporary copies: their drivers are built apart from the CLI's cache.
    static readonly Lazy<string> Builds = new(() => Repo.TempDir("chains-builds"));

    static string Harness => Path.Combine(Repo.Root, "harness");

    static CampaignReport Campaign(string tree, int seed = 1, int cases = Cases, TimeSpan? timeout = null,
                                   VhostLog.Models.Baseline? model = null, string? headersDir = null)
    {
        using var driver = ChainsDriver.Start(Harness, tree, headersDir ?? DefaultTree.Debian612.HeadersDir, Builds.Value);
        if (timeout is { } t)
            driver.BatchTimeout = t;
        return ChainCampaign.Run(driver, tree, seed, cases, null, new ModelChains(model ?? new VhostLog.Models.Baseline()));
    }

    static readonly Lazy<string> Series = new(() =>
        PatchedTree.Create(Repo.DefaultTreeDir, PatchedTree.Patches(Path.Combine(Repo.Root, "out", "linux-6.12.117")),
            Repo.TempDir("chains-series")));

    static void ShowFindings(CampaignReport report)
    {
        foreach (var f in report.Findings.Take(5))
            TestContext.Out.WriteLine($"{f.Kind} {f.Category} {f.Detail}\n  {f.Input}");
    }

    [Test]
    public void TheModelAnswersAsThePristineTreeDoes([Values(1, 2, 3)] int seed)
    {
        var report = Campaign(Repo.DefaultTreeDir, seed, 3000);
        ShowFindings(report);
        Assert.That(report.Model, Is.EqualTo("Baseline"));
        Assert.That(report.ModelDivergences, Is.Zero, "Baseline's vhost_get_vq_desc() answers every case bit for bit as 6.12.117's");
        Assert.That(report.Passed, Is.True);
    }

    [Test]
    public void TheModelAnswersAsTheSeriesDoes([Values(1, 2, 3)] int seed)
    {
        var report = Campaign(Series.Value, seed, 3000);
        ShowFindings(report);
        Assert.That(report.ModelDivergences, Is.Zero, "the series does not change descriptor collection");
    }

    [Test]
    public void TheModelAnswersAsDebian61Does([Values(1, 2, 3)] int seed)
    {
        var old = TreeCache.EnsureDefault(Repo.Root, DefaultTree.Debian61);
        var report = Campaign(old, seed, 3000, headersDir: DefaultTree.Debian61.HeadersDir);
        ShowFindings(report);
        Assert.That(report.ModelDivergences, Is.Zero, "6.1.192 collects descriptors as the 6.12.117 model does");
    }

    /// <summary>Collects what Baseline does, then makes the first writable iovec one byte longer.</summary>
    sealed class LongerFirstInIovec : VhostLog.Models.Baseline
    {
        public override int vhost_get_vq_desc(VhostLog.Models.Kernel.vhost_virtqueue vq, VhostLog.Models.Kernel.iovec[] iov, uint iov_size,
                                              ref uint out_num, ref uint in_num, VhostLog.Models.Kernel.vhost_log[]? log,
                                              VhostLog.Models.Kernel.Ptr<uint>? log_num)
        {
            var head = base.vhost_get_vq_desc(vq, iov, iov_size, ref out_num, ref in_num, log, log_num);
            if (head >= 0 && in_num > 0)
                iov[out_num].iov_len++;
            return head;
        }
    }

    [Test]
    public void AModelWhoseIovecsDifferDivergesThroughTheIovecHash()
    {
        var report = Campaign(Repo.DefaultTreeDir, cases: 1000, model: new LongerFirstInIovec());
        Assert.That(report.ModelDivergences, Is.GreaterThan(0));
        Assert.That(report.Findings.Where(f => f.Kind == "model").Select(f => f.Detail),
            Has.All.Contains("iovecs differ").And.All.Not.Contains("log_num"), "only the iovecs differ");
    }

    [Test]
    public void AModelThatSkipsTheIndirectLogEntryDivergesFromTheTree()
    {
        var report = Campaign(Repo.DefaultTreeDir, cases: 2000, model: new SkipsIndirectLogEntry());
        Assert.That(report.Model, Is.EqualTo(nameof(SkipsIndirectLogEntry)));
        Assert.That(report.Categories.Single(c => c.Category == "indirect").ModelDivergences, Is.GreaterThan(0));
        Assert.That(report.Categories.Single(c => c.Category == "direct").ModelDivergences, Is.Zero, "chains without a table are untouched");
        Assert.That(report.Disagreements, Is.Zero, "the tree itself still agrees with the oracle");
        Assert.That(report.Passed, Is.False, "a model divergence fails the campaign");
        Assert.That(report.Findings.Any(f => f.Kind == "model" && f.Detail.Contains("log_num", StringComparison.Ordinal)), Is.True);
    }

    /// <summary>A copy of the pristine tree's vhost files with one edit to vhost.c, made inside the function named.</summary>
    static string BrokenTree(string name, string function, string find, string replace)
    {
        var tree = PatchedTree.Create(Repo.DefaultTreeDir, [], Repo.TempDir(name));
        var vhost = Path.Combine(tree, "drivers", "vhost", "vhost.c");
        var text = File.ReadAllText(vhost);
        var fn = text.IndexOf(function, StringComparison.Ordinal);
        Assert.That(fn, Is.GreaterThanOrEqualTo(0), $"{function} is in vhost.c");
        var at = text.IndexOf(find, fn, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThan(fn), $"the edit's anchor is in {function}");
        File.WriteAllText(vhost, text[..at] + replace + text[(at + find.Length)..]);
        return tree;
    }

    [Test]
    public void ThePristineTreeKeepsTheBoundAndAgreesWithTheOracle()
    {
        var report = Campaign(Repo.DefaultTreeDir);
        foreach (var f in report.Findings.Take(5))
            TestContext.Out.WriteLine($"{f.Kind} {f.Category} {f.Detail}\n  {f.Input}");
        Assert.That(report.Passed, Is.True, "no violation, disagreement or crash");
        Assert.That(report.Categories.All(c => c.Cases == Cases / ChainGenerator.Categories.Length), Is.True, "every category is tried");
        Assert.That(report.MaxLogNum, Is.GreaterThan(0).And.LessThanOrEqualTo(ChainGenerator.NetIovLimit), "the largest log_num seen");
        // Over-long chains reach the bound itself: a full iov of writable buffers.
        Assert.That(report.Categories.Single(c => c.Category == "over-long").MaxLogNum, Is.EqualTo((uint)Wire.UioMaxIov));
        foreach (var bad in new[] { "indirect-bad-size", "nested-indirect", "loop", "unmapped" })
            Assert.That(report.Categories.Single(c => c.Category == bad).Valid, Is.Zero, $"{bad}: the kernel refuses every chain");
    }

    [Test]
    public void GetIndirectThatForgetsToCountLogEntriesDisagreesWithTheOracle()
    {
        var tree = BrokenTree("chains-nocount", "static int get_indirect(", "\t\t\t\t++*log_num;\n", "");
        var report = Campaign(tree);
        Assert.That(report.Passed, Is.False);
        Assert.That(report.Categories.Single(c => c.Category == "indirect").Disagreements, Is.GreaterThan(0));
        Assert.That(report.Findings.Any(f => f.Kind == "oracle" && f.Detail.Contains("log_num", StringComparison.Ordinal)), Is.True);
        var indirect = report.Categories.Single(c => c.Category == "indirect");
        Assert.That(indirect.ModelDivergences, Is.GreaterThan(0), "the model counts the entries the broken copy does not");
        Assert.That(report.Categories.Single(c => c.Category == "direct").ModelDivergences, Is.Zero, "direct chains are untouched by the edit");
    }

    [Test]
    public void LoggingZeroLengthWriteDescriptorsBreaksTheBound()
    {
        // CVE-2019-14835's shape: a log entry for every writable descriptor, iovecs or not.
        var tree = BrokenTree("chains-zerolog", "static int get_indirect(", "if (unlikely(log && ret))", "if (unlikely(log))");
        var report = Campaign(tree);
        var zero = report.Categories.Single(c => c.Category == "zero-length");
        Assert.That(zero.InvariantHolds, Is.False, "log_num passes in_num, then iov_limit");
        Assert.That(report.Findings.Any(f => f.Kind == "invariant" && f.Detail.Contains("past iov_limit", StringComparison.Ordinal)), Is.True,
            "the log array overflows into the guard");
    }

    [Test]
    public void TranslateDescWithoutTheIovSizeBoundIsCaughtByTheGuard()
    {
        var tree = BrokenTree("chains-nobound", "static int translate_desc(", "if (unlikely(ret >= iov_size))", "if (0)");
        var report = Campaign(tree);
        Assert.That(report.Categories.Single(c => c.Category == "over-long").InvariantHolds, Is.False);
        Assert.That(report.Findings.Any(f => f.Kind == "invariant" && f.Detail.Contains("past iov_size", StringComparison.Ordinal)), Is.True,
            "iovecs written past the caller's array");
    }

    [Test]
    public void ACrashingTreeIsReportedWithItsInputAndTheCampaignGoesOn()
    {
        var tree = BrokenTree("chains-trap", "static int get_indirect(", "return -E2BIG;", "__builtin_trap();");
        var report = Campaign(tree, cases: 1000);
        var bad = report.Categories.Single(c => c.Category == "indirect-bad-size");
        Assert.That(bad.Crashes, Is.GreaterThan(0));
        Assert.That(report.Categories.Sum(c => c.Cases), Is.EqualTo(1000), "every case is accounted for");
        var crash = report.Findings.First(f => f.Kind == "crash");
        Assert.That(crash.Detail, Does.Contain("signal"));
        Assert.That(crash.Input, Does.StartWith("case "));
    }

    [Test]
    public void AHangingTreeIsKilledAndReported()
    {
        var tree = BrokenTree("chains-hang", "static int get_indirect(", "return -E2BIG;", "for (;;) barrier();");
        // About one bad-size case in seven asks for more than 65536 entries; each hang costs the timeout.
        var report = Campaign(tree, cases: 150, timeout: TimeSpan.FromSeconds(1));
        Assert.That(report.Crashes, Is.GreaterThan(0));
        Assert.That(report.Findings.First(f => f.Kind == "crash").Detail, Does.Contain("hung"));
    }

    [Test]
    public void TheOracleAndTheChecksCatchAWrongAnswer()
    {
        // Two writable buffers in the first large map, straight in the ring.
        var c = new ChainCase(0, "direct", 4, 16, 16, true, 1,
        [
            DescRun.One(RunKind.Ring, 1, 0x100_0000, 0x100, Desc.FWrite | Desc.FNext, 3),
            DescRun.One(RunKind.Ring, 3, 0x200_0000, 0x0, Desc.FWrite | Desc.FNext, 2),
            DescRun.One(RunKind.Ring, 2, GuestMemory.Seam - 0x10, 0x20, Desc.FWrite),
        ]);
        var e = ChainOracle.Expect(c);
        Assert.That(e.Error, Is.Null);
        Assert.That((e.Out, e.In), Is.EqualTo((0u, 3u)), "the seam splits the last buffer in two; the empty one gives none");
        Assert.That(e.Log, Is.EqualTo(new[] { new LogEntry(0x100_0000, 0x100), new LogEntry(GuestMemory.Seam - 0x10, 0x20) }));
        var right = new ChainResult(1, 0, 3, 2, 0, 0, e.Log);
        Assert.That(ChainCampaign.Judge(c, right), Is.EqualTo((new List<string>(), new List<string>())).Using(new JudgeComparer()));
        var tooMany = right with { LogNum = 4, Entries = [.. e.Log, new LogEntry(0x200_0000, 0), new LogEntry(0, 0)] };
        Assert.That(ChainCampaign.Judge(c, tooMany).Violations, Has.Some.Contains("does not hold"));
        var guard = right with { LogGuardTouched = 1 };
        Assert.That(ChainCampaign.Judge(c, guard).Violations, Has.Some.Contains("past iov_limit"));
        var refused = right with { Ret = -22 };
        Assert.That(ChainCampaign.Judge(c, refused).Disagreements, Is.Not.Empty);
        // A readable buffer after a writable one is refused.
        var order = c with { Runs = [DescRun.One(RunKind.Ring, 1, 0x100_0000, 0x100, Desc.FWrite | Desc.FNext, 3), DescRun.One(RunKind.Ring, 3, 0x200_0000, 0x10, 0)] };
        Assert.That(ChainOracle.Expect(order).Error, Does.Contain("readable"));
    }

    sealed class JudgeComparer : IEqualityComparer<(List<string>, List<string>)>
    {
        public bool Equals((List<string>, List<string>) x, (List<string>, List<string>) y) => x.Item1.SequenceEqual(y.Item1) && x.Item2.SequenceEqual(y.Item2);
        public int GetHashCode((List<string>, List<string>) obj) => 0;
    }

    /// <summary>The translator's vhost_get_vq_desc() and get_indirect() for Baseline, optionally edited, in the default tree's driver.</summary>
    static (DescriptorPathSource Source, CampaignReport Report) GeneratedCampaign(int seed, int cases,
                                                                                  Func<VhostLog.Translator.CFunction, string>? edit = null)
    {
        var generated = Repo.Translation().Translate("Baseline").Select(f => edit is null ? f : f with { Text = edit(f) });
        var source = DescriptorPaths.Generated(Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir, "Baseline", generated);
        using var driver = ChainsDriver.Start(Harness, source, Builds.Value);
        return (source, ChainCampaign.Run(driver, "generated-Baseline", seed, cases, null, new ModelChains(new VhostLog.Models.Baseline())));
    }

    [Test]
    public void TheGeneratedCAnswersAsTheModelAndTheOracle([Values(1, 2)] int seed)
    {
        var (source, report) = GeneratedCampaign(seed, 3000);
        ShowFindings(report);
        Assert.That(source.FunctionsC, Does.Contain("/* get_indirect: generated from model state Baseline (in place of drivers/vhost/vhost.c lines"));
        Assert.That(source.FunctionsC, Does.Contain("/* vhost_get_vq_desc: generated from model state Baseline (in place of drivers/vhost/vhost.c lines"));
        Assert.That(source.FunctionsC, Does.Contain("/* translate_desc: drivers/vhost/vhost.c lines"), "the helpers are still the tree's");
        // The generated text carries the models' comments, which vhost.c does not have: the text in the file is the translator's.
        var tree = DescriptorPaths.FromTree(Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir).FunctionsC;
        const string modelComment = "A log entry per writable buffer that gave iovecs.";
        Assert.That(source.FunctionsC, Does.Contain(modelComment));
        Assert.That(tree, Does.Not.Contain(modelComment));
        Assert.That(report.ModelDivergences, Is.Zero, "the generated C answers every case bit for bit as the model does");
        Assert.That(report.Disagreements, Is.Zero);
        Assert.That(report.InvariantHolds, Is.True);
        Assert.That(report.Crashes, Is.Zero);
        Assert.That(report.Categories.Single(c => c.Category == "over-long").MaxLogNum, Is.EqualTo((uint)Wire.UioMaxIov),
            "the cases reach the bound");
    }

    [Test]
    public void AGeneratedGetIndirectThatForgetsToCountLogEntriesIsCaught()
    {
        var (source, report) = GeneratedCampaign(1, 2000, f =>
        {
            if (f.Name != "get_indirect")
                return f.Text;
            Assert.That(f.Text, Does.Contain("++*log_num;"), "the edit's anchor is in the generated get_indirect()");
            return f.Text.Replace("++*log_num;", "", StringComparison.Ordinal);
        });
        Assert.That(source.FunctionsC.Split("/* vhost_get_vq_desc: generated")[0], Does.Not.Contain("++*log_num"),
            "the broken text is what was built");
        var indirect = report.Categories.Single(c => c.Category == "indirect");
        Assert.That(indirect.ModelDivergences, Is.GreaterThan(0), "the model counts the entries the broken C does not");
        Assert.That(indirect.Disagreements, Is.GreaterThan(0));
        Assert.That(report.Categories.Single(c => c.Category == "direct").ModelDivergences, Is.Zero, "direct chains are untouched by the edit");
        Assert.That(report.Passed, Is.False);
    }

    [Test]
    public void ATranslationWithoutTheTwoFunctionsIsRefused()
    {
        var generated = Repo.Translation().Translate("Baseline").Where(f => f.Name != "get_indirect");
        Assert.That(() => DescriptorPaths.Generated(Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir, "Baseline", generated),
            Throws.TypeOf<UsageException>().With.Message.Contains("get_indirect"));
    }

    [Test]
    public void GeneratedWithTreeOrSeriesExitsWith2()
    {
        Assert.That(Commands.Run(["chains", "--generated", "--series", "--cases", "10"]), Is.EqualTo(2));
        Assert.That(Commands.Run(["chains", "--generated", "--tree", Repo.DefaultTreeDir, "--cases", "10"]), Is.EqualTo(2));
    }

    [Test]
    public void TheCliRunsTheGeneratedCAndLabelsIt()
    {
        var json = Path.Combine(Repo.TempDir("chains-cli-generated"), "r.json");
        Assert.That(Commands.Run(["chains", "--generated", "--cases", "500", "--seed", "2", "--json", json]), Is.EqualTo(0));
        Assert.That(File.ReadAllText(json), Does.Contain("\"tree\": \"generated-Baseline\""));
    }

    [Test]
    public void BadInputExitsWith2()
    {
        Assert.That(Commands.Run(["chains", "--cases", "0"]), Is.EqualTo(2));
        Assert.That(Commands.Run(["chains", "--tree", "/nonexistent/tree", "--cases", "10"]), Is.EqualTo(2));
        Assert.That(Commands.Run(["chains", "--cases", "10", "--json", "/nonexistent/dir/r.json"]), Is.EqualTo(2));
    }

    [Test]
    public void TheCliRunsThePristineTreeAndWritesJson()
    {
        var json = Path.Combine(Repo.TempDir("chains-cli"), "r.json");
        Assert.That(Commands.Run(["chains", "--cases", "500", "--seed", "3", "--json", json]), Is.EqualTo(0));
        Assert.That(File.ReadAllText(json), Does.Contain("\"max_log_num\""));
    }
}
