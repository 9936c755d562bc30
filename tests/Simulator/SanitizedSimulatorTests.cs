using NUnit.Framework;
using VhostLog.Cli;
using VhostLog.Equivalence.Cases;
using VhostLog.KernelTree;
using VhostLog.Simulator;

namespace VhostLog.Tests.Simulator;

/// <summary>
/// simulate --engine native --sanitize: sim.c built with ASan+UBSan runs the
/// pristine tree's request path clean and still agrees with the managed
/// engine; --sanitize without the native engine is refused.
/// </summary>
public sealed class SanitizedSimulatorTests
{
    static readonly Lazy<string> Builds = new(() => Repo.TempDir("native-sim-san-builds"));

    [TestCase(WorkloadKind.Swapin)]
    [TestCase(WorkloadKind.CtlEvt)]
    public void TheSanitizedDriverRunsThePristineTreeCleanAndAgreesWithTheModel(WorkloadKind workload)
    {
        var options = new SimulationOptions(workload, 5, GuestMiB: 16, Requests: 400, RequestsPerRound: 100);
        SimulationResult native;
        using (var path = NativeRequestPath.Start(Path.Combine(Repo.Root, "harness"), Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir,
                   Builds.Value, "test", Repo.Probes, sanitize: true))
        {
            Assert.That(path.State, Does.Contain("ASan+UBSan"));
            // A sanitizer report kills the driver: the run throws NativeEngineException with the report.
            native = MigrationSimulator.Run(path, Semantics.Before, options);
        }
        var managed = MigrationSimulator.Run(RequestPaths.Managed(Semantics.Before), Semantics.Before, options);
        Assert.That(native.PagesWrittenByDevice, Is.GreaterThan(0), "the workload must make the device write");
        Assert.That(native.Rounds, Is.EqualTo(managed.Rounds));
        Assert.That(native.Lost, Is.EqualTo(managed.Lost));
    }

    /// <summary>
    /// A copy of the pristine tree whose vhost_get_vq_desc() shifts by more
    /// than the width of int (undefined; x86 masks the count, so the plain
    /// build runs as before): UBSan's report stops the sanitized driver, and
    /// the run fails with the command in flight and the report.
    /// </summary>
    [Test]
    public void AReportOfTheSanitizedDriverStopsTheRunWithTheCommandAndTheReport()
    {
        var tree = PatchedTree.Create(Repo.DefaultTreeDir, [], Repo.TempDir("native-sim-san-ub"));
        var vhost = Path.Combine(tree, "drivers", "vhost", "vhost.c");
        var text = File.ReadAllText(vhost);
        var fn = text.IndexOf("int vhost_get_vq_desc(struct vhost_virtqueue *vq,", StringComparison.Ordinal);
        const string anchor = "\tif (vq->avail_idx == vq->last_avail_idx) {\n";
        var at = text.IndexOf(anchor, fn, StringComparison.Ordinal);
        Assert.That((fn, at), Is.Not.EqualTo((-1, -1)).And.Matches<(int, int)>(x => x.Item2 > x.Item1), "the anchor is in vhost_get_vq_desc()");
        File.WriteAllText(vhost, text[..at] + "\tif (unlikely((1 << (vq->num + 20)) == 3))\n\t\treturn -EINVAL;\n" + text[at..]);
        var options = new SimulationOptions(WorkloadKind.Swapin, 5, GuestMiB: 16, Requests: 100, RequestsPerRound: 100);

        using (var plain = NativeRequestPath.Start(Path.Combine(Repo.Root, "harness"), tree, DefaultTree.Debian612.HeadersDir, Builds.Value, "plain", Repo.Probes))
            Assert.That(MigrationSimulator.Run(plain, Semantics.Before, options).PagesWrittenByDevice, Is.GreaterThan(0), "the plain build runs it");

        using var sanitized = NativeRequestPath.Start(Path.Combine(Repo.Root, "harness"), tree, DefaultTree.Debian612.HeadersDir, Builds.Value,
            "sanitized", Repo.Probes, sanitize: true);
        var e = Assert.Throws<NativeEngineException>(() => MigrationSimulator.Run(sanitized, Semantics.Before, options))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Contain("exited with status"), "the driver died of the report");
        Assert.That(e.Message, Does.Contain("(input: submit)").Or.Contain("(input: event)").Or.Contain("(input: control"), "with the command in flight");
        Assert.That(e.Message, Does.Contain("runtime error: shift exponent"), "and the report's first lines");
        Assert.That(e.Message, Does.Contain("in vhost_get_vq_desc"), "whose stack names the kernel function");
    }

    [Test]
    public void TheCliTakesSanitizeWithTheNativeEngineOnly()
    {
        Assert.That(Commands.Run(["simulate", "--engine", "native", "--sanitize", "--semantics", "before",
            "--guest-mib", "16", "--requests", "200", "--per-round", "100"]), Is.EqualTo(0));
        Assert.That(Commands.Run(["simulate", "--sanitize", "--requests", "10"]), Is.EqualTo(2));
    }
}
