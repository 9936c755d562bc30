using System.Text.Json;
using NUnit.Framework;
using VhostLog.Cli;
using VhostLog.Equivalence.Cases;
using VhostLog.Models;
using VhostLog.Models.Kernel;
using VhostLog.Sessions;
using VhostLog.Simulator;

namespace VhostLog.Tests.Simulator;

/// <summary>
/// The live-migration simulator: the tree as shipped loses the pages the
/// device writes, the series applied loses none, and a request path that
/// fails to log is caught.
/// </summary>
public sealed class SimulatorTests
{
    // Small enough for a fraction of a second, long enough for several rounds.
    static SimulationOptions Small(WorkloadKind workload = WorkloadKind.Swapin, int seed = 7) =>
        new(workload, seed, GuestMiB: 16, Requests: 1200, RequestsPerRound: 200);

    static SimulationResult Simulate(string semantics, SimulationOptions options) =>
        MigrationSimulator.Run(RequestPaths.Managed(Semantics.Parse(semantics)), Semantics.Parse(semantics), options);

    static SimulationResult Simulate(Baseline model, SimulationOptions options) =>
        MigrationSimulator.Run(new ManagedRequestPath(model, model.GetType().Name), Semantics.After, options);

    [Test]
    public void SwapinBeforeLosesPagesAndNamesTheReadsThatWroteThem()
    {
        var result = Simulate("before", Small());
        Assert.That(result.State, Is.EqualTo(nameof(Baseline)));
        Assert.That(result.Lost, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var lost in result.Lost)
            {
                Assert.That(lost.Gpa % GuestLayout.PageSize, Is.Zero);
                Assert.That(lost.Request, Is.GreaterThanOrEqualTo(0), $"0x{lost.Gpa:x} is lost but no request wrote it");
                Assert.That(lost.WrittenBy, Does.Contain("READ into").Or.Contain("response"), $"0x{lost.Gpa:x}");
            }
        });
        Assert.That(result.Rounds.Sum(r => r.Lost), Is.EqualTo(result.Lost.Length));
    }

    [TestCase(WorkloadKind.Swapin)]
    [TestCase(WorkloadKind.Mixed)]
    [TestCase(WorkloadKind.CtlEvt)]
    [TestCase(WorkloadKind.Stream)]
    public void AfterLosesNothing(WorkloadKind workload)
    {
        var result = Simulate("after", Small(workload));
        Assert.That(result.PagesWrittenByDevice, Is.GreaterThan(0), "the workload must make the device write");
        Assert.That(result.Lost.Select(l => $"0x{l.Gpa:x} {l.WrittenBy}"), Is.Empty);
    }

    [Test]
    public void AfterSeesTheDeviceWritesThatBeforeMisses()
    {
        var before = Simulate("before", Small());
        var after = Simulate("after", Small());
        // The round 0 data pages the device wrote are in the first sync after the series, not before it.
        Assert.That(after.Rounds[1].LoggedByVhost, Is.GreaterThanOrEqualTo(after.Rounds[0].WrittenByDevice - 2));
        Assert.That(before.Rounds[1].LoggedByVhost, Is.LessThan(before.Rounds[0].WrittenByDevice / 10));
        Assert.That(after.Rounds.Length, Is.GreaterThan(before.Rounds.Length), "the unfixed device hides its writes, so migration ends early");
    }

    /// <summary>
    /// The boot stage's stream: what the device READs into is lost without
    /// the series, and only the read area (the write area's pages are
    /// re-sent through KVM's log of the CPU's writes).
    /// </summary>
    [Test]
    public void StreamBeforeLosesReadAreaPagesOnly()
    {
        var lost = Simulate("before", Small(WorkloadKind.Stream)).Lost;
        Assert.That(lost, Is.Not.Empty);
        var readArea = Enumerable.Range(0, (int)MigrationStream.ReadPages)
            .Select(k => GuestLayout.FirstDataPage + MigrationStream.ReadArea + (ulong)k).ToHashSet();
        var data = lost.Where(l => GuestLayout.Page(l.Gpa) >= GuestLayout.FirstDataPage).ToList();
        Assert.That(data, Is.Not.Empty);
        Assert.That(data.Where(l => !readArea.Contains(GuestLayout.Page(l.Gpa))).Select(l => $"0x{l.Gpa:x} {l.WrittenBy}"), Is.Empty);
    }

    [Test]
    public void MixedBeforeLosesPagesToo() =>
        Assert.That(Simulate("before", Small(WorkloadKind.Mixed)).Lost, Is.Not.Empty);

    [Test]
    public void TheSameSeedGivesTheSameMigration()
    {
        var a = Simulate("before", Small(seed: 11));
        var b = Simulate("before", Small(seed: 11));
        var c = Simulate("before", Small(seed: 12));
        Assert.That(b.Rounds, Is.EqualTo(a.Rounds));
        Assert.That(b.Lost, Is.EqualTo(a.Lost));
        Assert.That(c.Lost, Is.Not.EqualTo(a.Lost), "a different seed must give a different workload");
    }

    /// <summary>The series applied, except that the I/O queue's helper forgets to log.</summary>
    sealed class LogWriteForgotten : EvtQueueLog
    {
        protected internal override void vhost_scsi_log_write(vhost_virtqueue vq, vhost_log[]? log, uint log_num)
        {
        }
    }

    [Test]
    public void AnAfterThatDoesNotLogLosesPages()
    {
        Assert.That(RequestPaths.Managed(Semantics.After).State, Is.EqualTo(nameof(EvtQueueLog)),
            "LogWriteForgotten must derive from the state 'after' runs: update it");
        var result = Simulate(new LogWriteForgotten(), Small());
        Assert.That(result.Lost, Is.Not.Empty);
        Assert.That(SimulateSession.AsPredicted([result]), Is.False, "simulate must fail its check (exit 1)");
    }

    [Test]
    public void GetDescLogAloneDoesNotFixSwapinButIoQueueLogDoes()
    {
        Assert.That(Simulate(new GetDescLog(), Small()).Lost, Is.Not.Empty, "patches 4-5 collect the log but nothing writes it");
        Assert.That(Simulate(new IoQueueLog(), Small()).Lost, Is.Empty, "patch 6 logs the I/O queue's write descriptors");
    }

    [Test]
    public void PlotAndJsonAreWritten()
    {
        var dir = Repo.TempDir("simulate");
        var png = Path.Combine(dir, "x.png");
        var json = Path.Combine(dir, "x.json");
        var code = Commands.Run(["simulate", "--guest-mib", "16", "--requests", "600", "--per-round", "200", "--seed", "3",
            "--plot", png, "--json", json]);
        Assert.That(code, Is.EqualTo(0));
        Assert.That(File.ReadAllBytes(png).Take(8), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a }));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var runs = doc.RootElement.GetProperty("runs");
        Assert.That(runs.GetArrayLength(), Is.EqualTo(2));
        var before = runs[0].GetProperty("result");
        var after = runs[1].GetProperty("result");
        Assert.That(before.GetProperty("semantics").GetString(), Is.EqualTo("before"));
        Assert.That(before.GetProperty("lost").GetArrayLength(), Is.GreaterThan(0));
        Assert.That(before.GetProperty("lost")[0].GetProperty("written_by").GetString(), Is.Not.Empty);
        Assert.That(after.GetProperty("lost").GetArrayLength(), Is.Zero);
        Assert.That(after.GetProperty("rounds")[0].GetProperty("phase").GetString(), Is.EqualTo("bulk"));
        Assert.That(doc.RootElement.GetProperty("as_predicted").GetBoolean(), Is.True);
        Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(2), "no temporary files left beside the outputs");
    }

    [NonParallelizable] // sets Console.Error (or PATH) for the whole process
    [TestCase("--guest-mib", "0", "--guest-mib")]
    [TestCase("--workload", "nope", "nope")]
    [TestCase("--semantics", "sideways", "sideways")]
    [TestCase("--tree", "/tmp", "--engine native")]
    [TestCase("--requests", "-1", "--requests")]
    [TestCase("--queue-depth", "0", "--queue-depth")]
    [TestCase("--json", "/nonexistent/dir/x.json", "does not exist")]
    public void BadInputIsTwoWithAMessage(string option, string value, string message)
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = Commands.Run(["simulate", option, value]);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain(message));
    }

    [NonParallelizable] // sets Console.Error (or PATH) for the whole process
    [Test]
    public void PlotWithoutGnuplotIsTwoNamingThePackageAndWritesNothing()
    {
        var dir = Repo.TempDir("simulate-nognuplot");
        var png = Path.Combine(dir, "x.png");
        var error = new StringWriter();
        var (savedPath, savedError) = (Environment.GetEnvironmentVariable("PATH"), Console.Error);
        Environment.SetEnvironmentVariable("PATH", dir); // a folder without gnuplot
        Console.SetError(error);
        int code;
        try
        {
            code = Commands.Run(["simulate", "--guest-mib", "1", "--requests", "10", "--plot", png]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", savedPath);
            Console.SetError(savedError);
        }
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain("gnuplot-nox"));
        Assert.That(Directory.GetFiles(dir), Is.Empty);
    }

    [Test]
    public void HelpIsZero() =>
        Assert.That(Commands.Run(["simulate", "--help"]), Is.EqualTo(0));
}

/// <summary>The request protocol on the managed model: a request whose log cannot be allocated still gets exactly one answer.</summary>
public sealed class RequestProtocolTests
{
    static ManagedRequestPath Started(string state)
    {
        var path = RequestPaths.ManagedState(state);
        path.Start(new DeviceLayout(0x7e00_0000_0000, 4096,
            new QueueLayout(GuestLayout.UsedRing(VirtQueue.Control), GuestLayout.QueueSize),
            new QueueLayout(GuestLayout.UsedRing(VirtQueue.Event), GuestLayout.QueueSize),
            new QueueLayout(GuestLayout.UsedRing(VirtQueue.Io), GuestLayout.QueueSize), 16));
        return path;
    }

    static DescriptorChain Read(ulong dataPage) => new(
    [
        (GuestLayout.IoBuffer(0), GuestLayout.CmdReqSize, false),
        (GuestLayout.IoBuffer(0) + GuestLayout.RespOffset, GuestLayout.CmdRespSize, true),
        (dataPage * GuestLayout.PageSize, (uint)GuestLayout.PageSize, true),
    ]);

    [TestCase(true)]
    [TestCase(false)]
    public void AFailedLogAllocationIsAnsweredOnceAndLogged(bool taskSetFull)
    {
        var path = Started(nameof(EvtQueueLog));
        path.Post(VirtQueue.Io, Read(40));
        var writes = path.SubmitIoWithFailedLogAllocation(taskSetFull);
        Assert.That(writes.Select(w => GuestLayout.Page(w.Gpa)), Does.Contain(40UL), "the request's pages are its answer's");
        Assert.That(path.CollectDirtyPages(), Is.EqualTo(new ulong[] { 8, 9, 40 }), "used ring, response and data page logged");
        path.Post(VirtQueue.Io, Read(41));
        path.CompleteIo(path.SubmitIo());
        Assert.That(path.CollectDirtyPages(), Is.EqualTo(new ulong[] { 8, 9, 41 }), "the next request allocates and logs as usual");
    }

    sealed class StatusNeverSent : EvtQueueLog
    {
        protected internal override void vhost_scsi_send_status(vhost_scsi vs, vhost_virtqueue vq, vhost_scsi_ctx vc, byte status)
        {
        }
    }

    [Test]
    public void AnUnansweredRequestBreaksTheProtocol()
    {
        var path = new ManagedRequestPath(new StatusNeverSent(), nameof(StatusNeverSent));
        path.Start(new DeviceLayout(0x7e00_0000_0000, 4096,
            new QueueLayout(GuestLayout.UsedRing(VirtQueue.Control), GuestLayout.QueueSize),
            new QueueLayout(GuestLayout.UsedRing(VirtQueue.Event), GuestLayout.QueueSize),
            new QueueLayout(GuestLayout.UsedRing(VirtQueue.Io), GuestLayout.QueueSize), 16));
        path.Post(VirtQueue.Io, Read(40));
        Assert.That(() => path.SubmitIoWithFailedLogAllocation(taskSetFull: true),
            Throws.TypeOf<RequestProtocolException>().With.Message.Contains("0 answers"));
    }
}
