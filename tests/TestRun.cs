using NUnit.Framework;

// Fixtures run two at a time (the machine has two cores and many tests spend
// much of their time waiting on gcc, make, QEMU or a native worker). A fixture
// that needs the machine to itself (timing-sensitive signal tests) or changes
// process-wide state (environment, Console.Error) is [NonParallelizable], as
// is each test that does.
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(2)]

namespace VhostLog.Tests;

/// <summary>
/// What the whole test run shares: kbuild results and QEMU runs of identical
/// inputs, made once per run (<see cref="Caches"/>, passed to every verify and
/// boot a test makes), and the trees, extracted before fixtures that read
/// them start side by side.
/// </summary>
[SetUpFixture]
public sealed class TestRun
{
    static readonly VhostLog.Sessions.ResultCaches caches = VhostLog.Sessions.ResultCaches.Empty();

    /// <summary>The run's kbuild results and QEMU runs.</summary>
    public static VhostLog.Sessions.ResultCaches Caches => caches;

    [OneTimeSetUp]
    public void Start()
    {
        _ = Repo.DefaultTreeDir;
        _ = VhostLog.KernelTree.TreeCache.EnsureDefault(Repo.Root, VhostLog.KernelTree.DefaultTree.Debian61);
    }
}
