using NUnit.Framework;
using VhostLog.Cli;
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
                   Builds.Value, "test", sanitize: true))
        {
            Assert.That(path.State, Does.Contain("ASan+UBSan"));
            // A sanitizer report kills the driver: the run throws NativeEngineException with the report.
            native = MigrationSimulator.Run(path, "before", options);
        }
        var managed = MigrationSimulator.Run(RequestPaths.Managed("before"), "before", options);
        Assert.That(native.PagesWrittenByDevice, Is.GreaterThan(0), "the workload must make the device write");
        Assert.That(native.Rounds, Is.EqualTo(managed.Rounds));
        Assert.That(native.Lost, Is.EqualTo(managed.Lost));
    }

    [Test]
    public void TheCliTakesSanitizeWithTheNativeEngineOnly()
    {
        Assert.That(Commands.Run(["simulate", "--engine", "native", "--sanitize", "--semantics", "before",
            "--guest-mib", "16", "--requests", "200", "--per-round", "100"]), Is.EqualTo(0));
        Assert.That(Commands.Run(["simulate", "--sanitize", "--requests", "10"]), Is.EqualTo(2));
    }
}
