using NUnit.Framework;
using VhostLog.Boot;
using VhostLog.Cli;
using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Sessions;
using VhostLog.Simulator;

namespace VhostLog.Tests.Boot;

/// <summary>
/// The real-kernel proof on Debian 6.12.117: the distribution kernel boots
/// under QEMU (TCG) with its own modules, with the tree's drivers/vhost as
/// we build it, and with the committed series; the guest's dirty bitmap
/// shows what each logs.
/// </summary>
public sealed class BootTests
{
    static string Committed => Path.Combine(Repo.Root, "out", "linux-6.12.117");

    static TargetTree Target => Targets.Resolve(Repo.Root, null);

    static string SeriesState => SeriesFolder.LastState(
        SeriesDefinition.Load(Path.Combine(Repo.Root, "templates")), Committed);

    static BootRequest Request(IReadOnlyList<string> variants, IReadOnlyList<string>? workloads = null, int timeoutSeconds = 300) =>
        BootSession.Request(Repo.Root, Target, variants, workloads ?? BootWorkloads.Default, Accel.Tcg, TimeSpan.FromSeconds(timeoutSeconds)) with
        {
            SeriesDir = Committed,
            SeriesState = SeriesState,
            DivergenceDir = Repo.TempDir("boot-divergences"),
            Runs = TestRun.Caches.Boot,
        };

    /// <summary>One boot of each variant with every default workload, shared by the tests that read it.</summary>
    static readonly Lazy<BootResult> Full = new(() => BootRunner.Run(Request(Variant.Names), null, CancellationToken.None));

    static VariantResult Of(string name) => Full.Value.Variants.Single(v => v.Variant.Name == name);

    [Test]
    public void EveryCheckOfEveryVariantPasses()
    {
        var failed = Full.Value.Variants.SelectMany(v => v.Checks.Where(c => !c.Passed)
            .Select(c => $"{v.Variant.Name} {c.Workload} {c.Step} {c.Check}: expected {c.Expected}; observed {c.Observed}"));
        Assert.That(failed, Is.Empty);
        Assert.That(Full.Value.Passed, Is.True);
    }

    /// <summary>The seed's bug and its fix: the pages a READ wrote are not logged without the series, and all are with it.</summary>
    [TestCase("stock", false)]
    [TestCase("pristine", false)]
    [TestCase("series", true)]
    public void TheReadsDataPagesAreLoggedOnlyWithTheSeries(string variant, bool logged)
    {
        var report = Of(variant).Report!;
        foreach (var step in new[] { "read-direct", "read-indirect" })
        {
            var read = report.Requests.Single(r => r.Workload == "swapin" && r.Step == step);
            var dataPages = read.Chain.Where(b => b.Write).Skip(1).Select(b => b.Gpa / GuestLayout.PageSize).ToList();
            Assert.That(dataPages, Has.Count.EqualTo(8), "the READ goes to 8 data pages");
            Assert.That(dataPages.Count(p => read.Dirty.Contains(p)), Is.EqualTo(logged ? 8 : 0), $"{variant} {step}: data pages logged");
            Assert.That(read.Dirty, Does.Contain(BootWorkloads.UsedRingPage(VirtQueue.Io)), "every variant logs the used ring");
            Assert.That(report.Data.Single(d => d.Workload == "swapin" && d.Step == step).Correct, Is.EqualTo(8), "the data reads back");
        }
    }

    [TestCase("stock", false)]
    [TestCase("pristine", false)]
    [TestCase("series", true)]
    public void TheMigrationLosesPagesOnlyWithoutTheSeries(string variant, bool series)
    {
        var m = Of(variant).Report!.Migration!;
        Assert.That(m.Reads, Is.GreaterThan(100), "the stream kept going during the rounds");
        if (series)
            Assert.That(m.Lost, Is.Zero);
        else
            Assert.That(m.Lost, Is.GreaterThan(0), "READ pages that were never logged differ on the destination");
    }

    /// <summary>Workload 7: the model predicts the real bitmap bit for bit, for every variant's model state.</summary>
    [Test]
    public void TheModelPredictsTheRealBitmapBitForBit()
    {
        foreach (var v in Full.Value.Variants)
        {
            Assert.That(v.Replay.Length, Is.GreaterThanOrEqualTo(13), $"{v.Variant.Name}: requests of swapin, onoff, control and event replayed");
            Assert.That(v.Replay.Where(s => !s.Agrees).Select(s => $"{v.Variant.Name} {s.Workload}/{s.Step}: real {string.Join(",", s.Real)} model {string.Join(",", s.Model)}"),
                Is.Empty);
        }
        Assert.That(Of("series").Variant.ModelState, Is.EqualTo("EvtQueueLog"), "the series variant is judged by the state its last patch leaves");
        Assert.That(Of("stock").Variant.ModelState, Is.EqualTo("Baseline"));
    }

    /// <summary>Our build of the pristine tree answers and logs exactly as the distribution's modules do: the build is sound.</summary>
    [Test]
    public void PristineBehavesAsStock()
    {
        var same = Of("pristine").Checks.Where(c => c.Check == "same as stock").ToList();
        Assert.That(same, Has.Count.EqualTo(Of("stock").Report!.Requests.Select(r => (r.Workload, r.Step)).Distinct().Count()));
        Assert.That(same.Where(c => !c.Passed).Select(c => $"{c.Workload}/{c.Step}: {c.Observed} vs {c.Expected}"), Is.Empty);
        Assert.That(Of("pristine").Report!.Taint, Is.EqualTo(KernelLog.OutOfTree | KernelLog.Unsigned), "our modules taint O and E");
        Assert.That(Of("stock").Report!.Taint, Is.Zero);
    }

    static IEnumerable<string> Mutants() =>
        Directory.GetFiles(Path.Combine(RepoRoot.Find(), "tests", "Boot", "mutants"), "*.patch").Select(Path.GetFileNameWithoutExtension).Order()!;

    /// <summary>
    /// A series broken in its glue passes the equivalence harness (every
    /// modelled function unchanged) and fails the boot stage.
    /// </summary>
    [TestCaseSource(nameof(Mutants))]
    public void MutantIsCaughtOnlyByTheBootStage(string mutant)
    {
        var patch = Path.Combine(Repo.Root, "tests", "Boot", "mutants", mutant + ".patch");
        var root = PatchedTree.Create(Repo.DefaultTreeDir, [.. PatchedTree.Patches(Committed), patch], Repo.TempDir("boot-mutant"));
        var equiv = VerifySession.PatchedTreeEquivalence(Repo.Root, Target, root);
        Assert.That(equiv.Passed, Is.True, $"{mutant} is glue: the harness sees the same functions ({equiv.Summary})");

        var result = BootRunner.Run(Request(["series"]) with { SeriesVhostDir = Path.Combine(root, "drivers", "vhost") },
            null, CancellationToken.None);
        var series = result.Variants.Single();
        Assert.That(series.Report!.Done, Is.True, "the mutant boots and runs to the end");
        Assert.That(result.Passed, Is.False, $"{mutant} survived the boot stage");
        var failed = series.Checks.Where(c => !c.Passed).ToList();
        Assert.That(failed.Select(c => c.Check), Does.Contain("log"), "the logged pages are wrong");
        Assert.That(failed.Any(c => c.Check.StartsWith("model ", StringComparison.Ordinal)), Is.True, "the model disagrees");
        Assert.That(result.SavedDivergences, Has.Length.EqualTo(1), "the model divergence is saved with its requests");
        Assert.That(File.ReadAllText(result.SavedDivergences[0]), Does.Contain("\"requests\""));
    }

    /// <summary>The command itself: exit 0, and the JSON and JUnit reports it was asked for.</summary>
    [Test]
    public void CliPassesAndWritesJsonAndJUnit()
    {
        var dir = Repo.TempDir("boot-cli");
        var json = Path.Combine(dir, "boot.json");
        var junit = Path.Combine(dir, "boot.xml");
        Assert.That(Commands.Run(["boot", "--variants", "stock", "--workload", "swapin", "model", "--json", json, "--junit", junit]), Is.EqualTo(0));
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        var stock = doc.RootElement.GetProperty("variants")[0];
        Assert.That(doc.RootElement.GetProperty("passed").GetBoolean(), Is.True);
        Assert.That(stock.GetProperty("name").GetString(), Is.EqualTo("stock"));
        Assert.That(stock.GetProperty("model").GetArrayLength(), Is.EqualTo(3), "the three swapin requests replayed");
        var suite = System.Xml.Linq.XDocument.Load(junit).Root!.Element("testsuite")!;
        Assert.That(suite.Attribute("failures")!.Value, Is.EqualTo("0"));
        Assert.That(int.Parse(suite.Attribute("tests")!.Value, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(10));
    }

    static BootRequest Debian61Request(string mutant) =>
        BootSession.Request(Repo.Root, Tests.Debian61.Target, ["series"], ["swapin", "alloc-fail"], Accel.Tcg, TimeSpan.FromMinutes(5)) with
        {
            SeriesDir = Tests.Debian61.SeriesDir,
            SeriesState = SeriesFolder.LastState(SeriesDefinition.Load(Path.Combine(Repo.Root, "templates")), Tests.Debian61.SeriesDir),
            BeforeState = SeriesFolder.StateBefore(SeriesDefinition.Load(Path.Combine(Repo.Root, "templates")), Tests.Debian61.SeriesDir),
            ExtraPatches = [mutant],
            DivergenceDir = Repo.TempDir("boot-divergences"),
            Runs = TestRun.Caches.Boot,
        };

    /// <summary>
    /// A bug an earlier 6.1 series had, found on the real kernel: it
    /// wrote the completion log after the per-command mutex_unlock(); the
    /// verification build's assertion WARNs and the run fails.
    /// </summary>
    [Test]
    public void The61SeriesThatLoggedOutsideTheLockWarnsOnTheRealKernel()
    {
        var result = BootRunner.Run(Debian61Request(Path.Combine(Repo.Root, "tests", "Series", "lock-mutants", "6.1-completion-log-outside-lock.patch")),
            null, CancellationToken.None);
        var v = result.Variants.Single();
        Assert.That(result.Passed, Is.False);
        var reports = v.Checks.Single(c => c.Check == "reports");
        Assert.That(reports.Passed, Is.False);
        Assert.That(reports.Observed, Does.Contain("vhost_scsi_log_write"));
        Assert.That(v.Report!.KernelLog, Has.Some.Contains("vhostlog: vhost_scsi_log_write writes the dirty log without vq->mutex"));
        var check = BootSession.LockAssertions(result);
        Assert.That(check.Passed, Is.False);
        Assert.That(check.Summary, Does.Contain("drivers/vhost/scsi.c:").And.Contain("vhost_scsi_log_write"));
        Assert.That(check.Details, Does.Contain("vhost_scsi_complete_cmd_work"), "the call trace names the completion work");
    }

    /// <summary>Another bug of an earlier 6.1 series: a failed log allocation left the request without an answer.</summary>
    [Test]
    public void The61SeriesThatDroppedAFailedAllocationIsCaught()
    {
        var result = BootRunner.Run(Debian61Request(Path.Combine(Repo.Root, "tests", "Boot", "mutants-6.1", "alloc-failure-unanswered.patch")),
            null, CancellationToken.None);
        var v = result.Variants.Single();
        Assert.That(result.Passed, Is.False);
        var one = v.Checks.Single(c => c.Workload == "alloc-fail" && c.Step == "io-log-alloc" && c.Check == "one answer");
        Assert.That(one.Passed, Is.False);
        Assert.That(one.Observed, Does.Contain("dropped"));
        var protocol = BootSession.RequestProtocol(result);
        Assert.That(protocol.Passed, Is.False);
        Assert.That(protocol.Summary, Does.Contain("alloc-fail/io-log-alloc"));
    }

    /// <summary>
    /// The generated 6.1 series itself: its failed allocation is answered BAD
    /// TARGET, once, and logged. Every default workload runs, as in verify's
    /// boot of the 6.1 series (VerifyTests), so the two judge one QEMU run.
    /// </summary>
    [Test]
    public void The61SeriesAnswersAFailedAllocationBadTarget()
    {
        var result = BootRunner.Run(Debian61Request(Path.Combine(Repo.Root, "tests", "Boot", "mutants-6.1", "alloc-failure-unanswered.patch")) with
        {
            ExtraPatches = [],
            Workloads = BootWorkloads.Default,
        }, null, CancellationToken.None);
        var v = result.Variants.Single();
        Assert.That(v.Checks.Where(c => !c.Passed).Select(c => $"{c.Workload} {c.Step} {c.Check}: {c.Observed}"), Is.Empty);
        var r = v.Report!.Requests.Last(q => q.Step == "io-log-alloc");
        Assert.That(r.Answer, Is.EqualTo("response 3 status 0 sense 0/0x00"));
        Assert.That(r.Dirty, Has.Length.EqualTo(3), "used ring, response and the data page");
        Assert.That(BootSession.RequestProtocol(result).Passed, Is.True, BootSession.RequestProtocol(result).Details);
        Assert.That(BootSession.LockAssertions(result).Passed, Is.True, BootSession.LockAssertions(result).Details);
    }

    [Test]
    public void MissingKernelImageIsUsageErrorNamingThePackage()
    {
        var headers = Repo.TempDir("fake-headers");
        Directory.CreateDirectory(Path.Combine(headers, "include", "config"));
        File.WriteAllText(Path.Combine(headers, "include", "config", "kernel.release"), "6.12.999-vhostlog-missing\n");
        var e = Assert.Throws<UsageException>(() => KernelImage.ForHeaders(headers))!;
        Assert.That(e.Message, Does.Contain("linux-image-6.12.999-vhostlog-missing"));
        Assert.That(Commands.Run(["boot", "--headers", headers, "--variants", "stock"]), Is.EqualTo(2));
        Assert.That(Commands.Run(["boot", "--headers", "/nonexistent/headers", "--variants", "stock"]), Is.EqualTo(2));
    }

    [TestCase("--variants", "stock,nightly")]
    [TestCase("--workload", "swapout")]
    [TestCase("--accel", "hvf")]
    [TestCase("--timeout", "0")]
    public void BadUsageIsTwo(string option, string value) =>
        Assert.That(Commands.Run(["boot", option, value]), Is.EqualTo(2));

    [Test]
    [NonParallelizable] // points every boot of the process at a fake QEMU while it runs
    public void QemuThatDoesNotStartFailsTheRunWithItsStatus()
    {
        var fake = Path.Combine(Repo.TempDir("fake-qemu"), "qemu");
        File.WriteAllText(fake, "#!/bin/sh\necho 'qemu: could not open the kernel' >&2\nexit 1\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable(Qemu.BinaryVariable, fake);
        try
        {
            var result = BootRunner.Run(Request(["stock"], ["swapin"]), null, CancellationToken.None);
            Assert.That(result.Passed, Is.False);
            var guest = result.Variants.Single().Checks.Single(c => c.Check == "guest");
            Assert.That(guest.Observed, Does.Contain("QEMU exited 1").And.Contain("could not open the kernel"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Qemu.BinaryVariable, null);
        }
    }

    /// <summary>A guest that never ends is stopped at the time limit and reported with the console, not waited for.</summary>
    [Test]
    public void HungGuestIsStoppedAtTheTimeLimit()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var result = BootRunner.Run(Request(["stock"], ["selftest-hang"], timeoutSeconds: 15), null, CancellationToken.None);
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(90)));
        var v = result.Variants.Single();
        Assert.That(result.Passed, Is.False);
        Assert.That(v.Run!.TimedOut, Is.True);
        Assert.That(v.Checks.Single(c => c.Check == "guest").Observed, Does.Contain("hung"));
        Assert.That(v.Run.ConsoleTail(), Does.Match(@"\[\s*\d+\.\d+\] "), "the console tail, kernel lines with their timestamps, comes with the report");
    }

    [Test]
    public void PanickingGuestIsReportedWithTheConsole()
    {
        var result = BootRunner.Run(Request(["stock"], ["selftest-panic"]), null, CancellationToken.None);
        var v = result.Variants.Single();
        Assert.That(result.Passed, Is.False);
        Assert.That(v.Run!.TimedOut, Is.False, "panic=-1 and -no-reboot end QEMU at once");
        Assert.That(v.Checks.Single(c => c.Check == "guest").Observed, Does.Contain("panicked"));
        Assert.That(v.Run.ConsoleTail(), Does.Contain("Kernel panic"));
    }
}

/// <summary>The host's reading of a guest report, on reports written here: each rule can fail.</summary>
public sealed class JudgeTests
{
    const string Layout = """
        {"t":"hello","program":"vlguest","version":1}
        {"t":"module","name":"vhost_scsi.ko","ok":true,"errno":0}
        {"t":"workload","w":"swapin","result":"start"}
        {"t":"request","w":"swapin","step":"read-direct","queue":"io","indirect":false,"chain":[[36864,51,0],[36928,108,1],[147456,4096,1],[155648,4096,1]],"done":true,"response":0,"status":0,"sense_key":0,"asc":0,"logging":true,"dirty":[8,9,36,38]}
        {"t":"workload","w":"swapin","result":"exit","code":0}
        {"t":"taint","value":TAINT}
        {"t":"kmsg","r":"6,1,100,-;Linux version 6.12.117\n SUBSYSTEM=x"}
        KMSG
        {"t":"done"}
        """;

    static GuestReport Report(long taint = 12288, string kmsg = "") =>
        GuestReport.Parse(Layout.Replace("TAINT", taint.ToString(System.Globalization.CultureInfo.InvariantCulture)).Replace("KMSG", kmsg));

    static QemuRun Run => new("qemu", 0, false, TimeSpan.FromSeconds(4), "[    3.1] reboot: Power down\r\n", "", "");

    static KernelImage Kernel => new("6.12.117+deb12-amd64", "/boot/vmlinuz", "/lib/modules/x", true);

    static IReadOnlyList<WorkloadSpec> Swapin => [BootWorkloads.Get("swapin") with { Steps = [BootWorkloads.Get("swapin").Steps[1] with { DataPages = 0 }] }];

    [Test]
    public void ACleanSeriesReportPasses()
    {
        var checks = Judge.Boot(new Variant(VariantKind.Series, "series", "EvtQueueLog"), Swapin, Run, Report(), Kernel, true, TimeSpan.FromMinutes(1));
        Assert.That(checks.Where(c => !c.Passed).Select(c => $"{c.Check}: {c.Observed}"), Is.Empty);
    }

    [Test]
    public void TheSameBitmapFailsAVariantWithoutTheSeries()
    {
        var checks = Judge.Boot(new Variant(VariantKind.Stock, "stock", "Baseline"), Swapin, Run, Report(0), Kernel, false, TimeSpan.FromMinutes(1));
        var log = checks.Single(c => c.Check == "log");
        Assert.That(log.Passed, Is.False);
        Assert.That(log.Expected, Is.EqualTo("used ring, data 0/2"));
        Assert.That(log.Observed, Is.EqualTo("used ring, response, data 2/2"));
    }

    [Test]
    public void AWarningInTheKernelLogFailsTheRun()
    {
        var warn = """{"t":"kmsg","r":"4,2,200,-;WARNING: CPU: 1 PID: 77 at drivers/vhost/scsi.c:380 vhost_scsi_log_write+0x5/0x80 [vhost_scsi]"}""";
        var checks = Judge.Boot(new Variant(VariantKind.Series, "series", "EvtQueueLog"), Swapin, Run, Report(kmsg: warn), Kernel, true, TimeSpan.FromMinutes(1));
        var reports = checks.Single(c => c.Check == "reports");
        Assert.That(reports.Passed, Is.False);
        Assert.That(reports.Observed, Does.Contain("vhost_scsi_log_write"));
    }

    [TestCase(12288L + 512, true, "WOE")]
    [TestCase(4096L, false, "O")]
    public void ATaintBeyondOurModulesFailsTheRun(long taint, bool ours, string letters)
    {
        var checks = Judge.Boot(new Variant(VariantKind.Pristine, "pristine", "Baseline"), Swapin, Run, Report(taint), Kernel, ours, TimeSpan.FromMinutes(1));
        var t = checks.Single(c => c.Check == "taint");
        Assert.That(t.Passed, Is.False);
        Assert.That(t.Observed, Does.StartWith(letters));
    }

    [Test]
    public void AReportThatStopsEarlyIsAFailedBootWithTheReason()
    {
        var cut = Layout[..Layout.IndexOf("{\"t\":\"workload\",\"w\":\"swapin\",\"result\":\"exit\"", StringComparison.Ordinal)];
        var checks = Judge.Boot(new Variant(VariantKind.Series, "series", "EvtQueueLog"), Swapin,
            Run with { Console = "Kernel panic - not syncing: Attempted to kill init!\n" }, GuestReport.Parse(cut), Kernel, true, TimeSpan.FromMinutes(1));
        Assert.That(checks.Single(c => c.Check == "guest").Observed, Is.EqualTo("the guest kernel panicked"));
        Assert.That(checks.Single(c => c.Check == "workload").Observed, Is.EqualTo("never ended"));
    }

    [Test]
    public void AMalformedRecordIsUnreadableNotACrash()
    {
        var report = GuestReport.Parse(Layout.Replace("TAINT", "0").Replace("KMSG", """{"t":"request","w":"swapin","step":"read-direct"}"""));
        Assert.That(report.Unparsed, Has.Length.EqualTo(1));
        var checks = Judge.Boot(new Variant(VariantKind.Stock, "stock", "Baseline"), Swapin, Run, report, Kernel, false, TimeSpan.FromMinutes(1));
        Assert.That(checks.Single(c => c.Check == "report").Passed, Is.False);
    }

    [Test]
    public void ModulesLoadInDependencyOrderAndOursReplaceTheDistributions()
    {
        var kernel = KernelImage.ForHeaders(DefaultTree.Debian612.HeadersDir);
        var stock = ModuleSet.Resolve(kernel);
        Assert.That(stock.Select(m => m.Name).ToList(), Is.EqualTo(new[] { "configfs", "scsi_common", "target_core_mod", "vhost_iotlb", "vhost", "vhost_scsi" }));
        var ours = ModuleSet.Resolve(kernel, new Dictionary<string, string> { ["vhost"] = "/x/vhost.ko", ["vhost_scsi"] = "/x/vhost_scsi.ko" });
        Assert.That(ours.Where(m => m.Ours).Select(m => m.Name), Is.EqualTo(new[] { "vhost", "vhost_scsi" }));
    }
}
