using System.Collections.Immutable;
using System.Text.Json;
using NUnit.Framework;
using VhostLog.Cli;
using VhostLog.Equivalence.Cases;
using VhostLog.KernelTree;
using VhostLog.Models.Kernel;
using VhostLog.Simulator;

namespace VhostLog.Tests.Simulator;

/// <summary>
/// The native engine: the request path compiled unchanged from the pristine
/// tree loses pages, from the patched tree none, and either agrees with the
/// managed engine page for page; a patched tree that does not log is caught.
/// </summary>
public sealed class NativeSimulatorTests
{
    // A few hundred requests: several rounds, a few seconds per run.
    static SimulationOptions Small(WorkloadKind workload = WorkloadKind.Swapin, int seed = 5) =>
        new(workload, seed, GuestMiB: 16, Requests: 400, RequestsPerRound: 100);

    static readonly Lazy<string> Patched = new(() =>
        PatchedTree.Create(Repo.DefaultTreeDir, PatchedTree.Patches(Path.Combine(Repo.Root, "out", "linux-6.12.117")),
            Repo.TempDir("native-sim")));

    // The trees are fresh temporary copies, so their drivers are too: built
    // apart from the CLI's cache, which would only collect them.
    static readonly Lazy<string> Builds = new(() => Repo.TempDir("native-sim-builds"));

    static string BuildRoot => Builds.Value;

    static NativeRequestPath Native(string tree, string label = "test", bool indirect = true) =>
        NativeRequestPath.Start(Path.Combine(Repo.Root, "harness"), tree, DefaultTree.Debian612.HeadersDir, BuildRoot, label, Repo.Probes, indirect);

    static string TreeFor(string semantics) => semantics == "before" ? Repo.DefaultTreeDir : Patched.Value;

    /// <summary>Runs a migration and keeps what every log sync found, besides the result.</summary>
    static (SimulationResult Result, ImmutableArray<ImmutableArray<ulong>> Syncs) Run(IRequestPath path, Semantics semantics, SimulationOptions options)
    {
        var recording = new Recording(path);
        try
        {
            return (MigrationSimulator.Run(recording, semantics, options), [.. recording.Syncs]);
        }
        finally
        {
            (path as IDisposable)?.Dispose();
        }
    }

    /// <summary>Passes every call on, keeping the dirty pages of each sync.</summary>
    sealed class Recording(IRequestPath inner) : IRequestPath
    {
        public List<ImmutableArray<ulong>> Syncs { get; } = [];

        public string State => inner.State;

        public void Start(DeviceLayout layout) => inner.Start(layout);

        public void Post(VirtQueue queue, DescriptorChain chain) => inner.Post(queue, chain);

        public int SubmitIo() => inner.SubmitIo();

        public ImmutableArray<GuestWrite> CompleteIo(int tag) => inner.CompleteIo(tag);

        public ControlOutcome HandleControl(ControlRequest request) => inner.HandleControl(request);

        public ImmutableArray<GuestWrite> CompleteTmf(int pending) => inner.CompleteTmf(pending);

        public ImmutableArray<GuestWrite> SendEvent() => inner.SendEvent();

        public ImmutableArray<ulong> CollectDirtyPages()
        {
            var pages = inner.CollectDirtyPages();
            Syncs.Add(pages);
            return pages;
        }
    }

    [Test]
    public void TheSeriesLevelIsReadFromTheTree()
    {
        using var before = Native(Repo.DefaultTreeDir);
        using var after = Native(Patched.Value);
        Assert.That((before.Glue, before.State), Is.EqualTo((0, "Baseline: C of test")));
        Assert.That((after.Glue, after.State), Is.EqualTo((8, "EvtQueueLog: C of test")));
    }

    [Test]
    public void SwapinLosesPagesBeforeAndNoneAfter()
    {
        var (before, _) = Run(Native(TreeFor("before")), Semantics.Before, Small());
        var (after, _) = Run(Native(TreeFor("after")), Semantics.After, Small());
        Assert.That(before.PagesWrittenByDevice, Is.GreaterThan(0));
        Assert.That(before.Lost, Is.Not.Empty, "the pristine tree's C does not log the READs' pages");
        Assert.That(before.Lost.All(l => l.Request >= 0), "every lost page was last written by a request");
        Assert.That(after.Lost.Select(l => $"0x{l.Gpa:x} {l.WrittenBy}"), Is.Empty);
    }

    [TestCase("before", WorkloadKind.Swapin, true)]
    [TestCase("after", WorkloadKind.Swapin, true)]
    [TestCase("before", WorkloadKind.Swapin, false)]
    [TestCase("after", WorkloadKind.Swapin, false)]
    [TestCase("before", WorkloadKind.Mixed, true)]
    [TestCase("after", WorkloadKind.Mixed, true)]
    [TestCase("before", WorkloadKind.CtlEvt, true)]
    [TestCase("after", WorkloadKind.CtlEvt, true)]
    public void NativeAndManagedAgreePageForPage(string semantics, WorkloadKind workload, bool indirect)
    {
        var (native, nativeSyncs) = Run(Native(TreeFor(semantics), indirect: indirect), Semantics.Parse(semantics), Small(workload));
        var (managed, managedSyncs) = Run(RequestPaths.Managed(Semantics.Parse(semantics)), Semantics.Parse(semantics), Small(workload));
        Assert.That(native.PagesWrittenByDevice, Is.GreaterThan(0), "the workload must make the device write");
        Assert.That(nativeSyncs.Length, Is.EqualTo(managedSyncs.Length), "log syncs");
        for (var i = 0; i < managedSyncs.Length; i++)
            Assert.That(nativeSyncs[i], Is.EqualTo(managedSyncs[i]), $"log sync {i}: the dirty pages differ");
        Assert.That(native.Rounds, Is.EqualTo(managed.Rounds), "per-round dirty, logged, re-sent and lost counts");
        Assert.That(native.Lost, Is.EqualTo(managed.Lost), "the lost pages");
    }

    /// <summary>A copy of the patched tree with one edit to scsi.c.</summary>
    static string EditedPatchedTree(string name, string find, string replace)
    {
        var tree = PatchedTree.Create(Repo.DefaultTreeDir, PatchedTree.Patches(Path.Combine(Repo.Root, "out", "linux-6.12.117")),
            Repo.TempDir(name));
        var scsi = Path.Combine(tree, "drivers", "vhost", "scsi.c");
        var text = File.ReadAllText(scsi);
        Assert.That(text, Does.Contain(find), "the edit's anchor is in the patched scsi.c");
        File.WriteAllText(scsi, text.Replace(find, replace));
        return tree;
    }

    [Test]
    public void APatchedTreeWhoseLogWriteDoesNothingLosesPages()
    {
        var tree = EditedPatchedTree("native-sim-nolog", "\tvhost_log_write(vq, log, log_num, U64_MAX, NULL, 0);\n", "\t;\n");
        var (broken, brokenSyncs) = Run(Native(tree), Semantics.After, Small());
        var (managed, managedSyncs) = Run(RequestPaths.Managed(Semantics.After), Semantics.After, Small());
        Assert.That(broken.Lost, Is.Not.Empty, "vhost_scsi_log_write() made a no-op must lose the READs' pages");
        Assert.That(broken.Lost, Is.Not.EqualTo(managed.Lost), "and so disagree with the managed engine");
        Assert.That(brokenSyncs.Zip(managedSyncs).Any(s => !s.First.SequenceEqual(s.Second)));
    }

    /// <summary>get_indirect() runs: a tree whose copy forgets to count its log entries loses pages, but only through indirect tables.</summary>
    [Test]
    public void IndirectChainsGoThroughGetIndirect()
    {
        var tree = PatchedTree.Create(Patched.Value, [], Repo.TempDir("native-sim-indirect"));
        var vhost = Path.Combine(tree, "drivers", "vhost", "vhost.c");
        var text = File.ReadAllText(vhost);
        var inGetIndirect = text.IndexOf("\t\t\t\t++*log_num;\n", text.IndexOf("static int get_indirect(", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.That(inGetIndirect, Is.LessThan(text.IndexOf("int vhost_get_vq_desc(", StringComparison.Ordinal)), "the edit is inside get_indirect()");
        File.WriteAllText(vhost, text.Remove(inGetIndirect, "\t\t\t\t++*log_num;\n".Length));
        var (viaTables, _) = Run(Native(tree, indirect: true), Semantics.After, Small());
        var (direct, _) = Run(Native(tree, indirect: false), Semantics.After, Small());
        Assert.That(viaTables.Lost, Is.Not.Empty, "an indirect READ's pages are no longer logged");
        Assert.That(direct.Lost, Is.Empty, "vhost_get_vq_desc()'s own loop still logs direct chains");
    }

    [Test]
    public void ADriverThatCrashesIsReportedNotWaitedFor()
    {
        var tree = EditedPatchedTree("native-sim-crash", "\tvhost_log_write(vq, log, log_num, U64_MAX, NULL, 0);\n",
            "\t*(volatile int *)0 = 0;\n");
        var path = Native(tree);
        var e = Assert.Throws<NativeEngineException>(() => Run(path, Semantics.After, Small()))!;
        Assert.That(e.Message, Does.Contain("signal 11").And.Contain("during 'complete'"));
    }

    /// <summary>From the command line, C that crashes is a failed check (exit 1), not bad input.</summary>
    [NonParallelizable] // sets Console.Error (or PATH) for the whole process
    [Test]
    public void ACrashingTreeExitsOneFromTheCommandLine()
    {
        var tree = PatchedTree.Create(Repo.DefaultTreeDir, [], Repo.TempDir("native-sim-cli-crash"));
        var vhost = Path.Combine(tree, "drivers", "vhost", "vhost.c");
        const string anchor = "\tconst struct vhost_iotlb_map *map;\n\tstruct vhost_dev *dev = vq->dev;\n";
        var text = File.ReadAllText(vhost);
        Assert.That(text, Does.Contain(anchor), "translate_desc()'s first lines are the anchor");
        File.WriteAllText(vhost, text.Replace(anchor, anchor + "\n\t*(volatile int *)0 = 0;\n"));

        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = Commands.Run(["simulate", "--engine", "native", "--tree", tree, "--guest-mib", "1", "--requests", "10"]);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.That(code, Is.EqualTo(1), error.ToString());
        Assert.That(error.ToString(), Does.Contain("signal 11"));
    }

    [Test]
    public void ADriverThatHangsIsKilledAndReported()
    {
        var tree = EditedPatchedTree("native-sim-hang", "\tvhost_log_write(vq, log, log_num, U64_MAX, NULL, 0);\n",
            "\tfor (;;)\n\t\t;\n");
        var path = Native(tree);
        path.AnswerTimeout = TimeSpan.FromSeconds(2);
        var e = Assert.Throws<NativeEngineException>(() => Run(path, Semantics.After, Small()))!;
        Assert.That(e.Message, Does.Contain("did not answer 'complete' within 2 s"));
    }

    [Test]
    public void AMissingFunctionIsAUsageErrorNamingItAndItsFile()
    {
        var tree = PatchedTree.Create(Repo.DefaultTreeDir, [], Repo.TempDir("native-sim-missing"));
        var vhost = Path.Combine(tree, "drivers", "vhost", "vhost.c");
        File.WriteAllText(vhost, File.ReadAllText(vhost).Replace("static unsigned next_desc(", "static unsigned next_desc_renamed("));
        var e = Assert.Throws<UsageException>(() => Native(tree))!;
        Assert.That(e.Message, Does.Contain("next_desc()").And.Contain("vhost.c"));
    }

    /// <summary>The shim's copies of the scsi.c structs are checked against the tree before anything is compiled.</summary>
    [Test]
    public void AStructMemberThatDisagreesWithTheTreeIsRefused()
    {
        var tree = PatchedTree.Create(Repo.DefaultTreeDir, [], Repo.TempDir("native-sim-facts"));
        var scsi = Path.Combine(tree, "drivers", "vhost", "scsi.c");
        File.WriteAllText(scsi, File.ReadAllText(scsi).Replace("\tunsigned int out, in;\n", "\tu16 out, in;\n"));
        var e = Assert.Throws<UsageException>(() => Native(tree))!;
        Assert.That(e.Message, Does.Contain("vhost_scsi_ctx").And.Contain("u16").And.Contain("scsi_request_env.h"));
    }

    [Test]
    public void TheCliRunsBothSemanticsOnTheNativeEngineAndSaysSo()
    {
        var json = Path.Combine(Repo.TempDir("native-sim-cli"), "x.json");
        var code = Commands.Run(["simulate", "--engine", "native", "--guest-mib", "16", "--requests", "200", "--per-round", "100",
            "--json", json]);
        Assert.That(code, Is.EqualTo(0), "after loses nothing: the check passes");
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.That(doc.RootElement.GetProperty("engine").GetString(), Is.EqualTo("native"));
        var runs = doc.RootElement.GetProperty("runs");
        Assert.That(runs[0].GetProperty("result").GetProperty("state").GetString(), Does.StartWith("Baseline: C of linux-6.12.117"));
        Assert.That(runs[0].GetProperty("result").GetProperty("lost").GetArrayLength(), Is.GreaterThan(0));
        Assert.That(runs[1].GetProperty("result").GetProperty("state").GetString(), Does.StartWith("EvtQueueLog: C of linux-6.12.117+series"));
        Assert.That(runs[1].GetProperty("result").GetProperty("lost").GetArrayLength(), Is.Zero);
    }

    [NonParallelizable] // sets Console.Error (or PATH) for the whole process
    [TestCase("/nonexistent/tree", "no such directory")]
    [TestCase("/tmp", "drivers/vhost/vhost.c not found")]
    public void ABadTreeIsTwoWithAMessage(string tree, string message)
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = Commands.Run(["simulate", "--engine", "native", "--tree", tree, "--requests", "10"]);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain(message));
    }
}
