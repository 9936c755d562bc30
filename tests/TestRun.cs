using NUnit.Framework;

// Fixtures run two at a time (the machine has two cores and many tests spend
// much of their time waiting on gcc, make, QEMU or a native worker). A fixture
// that needs the machine to itself (timing-sensitive signal tests) or changes
// process-wide state (environment, Console.Error) is [NonParallelizable], as
// is each test that does.
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(2)]

namespace VhostLog.Tests;

/// <summary>What the whole test run shares: kbuild results of identical trees, built once per run.</summary>
[SetUpFixture]
public sealed class TestRun
{
    [OneTimeSetUp]
    public void Start()
    {
        VhostLog.Series.Verify.Kbuild.Memo = new();
        // Both trees extracted (or found) before fixtures that read them start side by side.
        _ = Repo.DefaultTreeDir;
        _ = VhostLog.KernelTree.TreeCache.EnsureDefault(Repo.Root, VhostLog.KernelTree.DefaultTree.Debian61);
    }

    [OneTimeTearDown]
    public void End() => VhostLog.Series.Verify.Kbuild.Memo = null;
}
