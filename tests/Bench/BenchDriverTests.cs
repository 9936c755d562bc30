using System.Numerics;
using NUnit.Framework;
using VhostLog.Equivalence.Bench;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;

namespace VhostLog.Tests.Bench;

/// <summary>
/// The workloads of `make bench` do the same work on both sides: the native
/// driver (generated C, -O2) and the managed model log the same pages with
/// the same number of set_bit_to_user() calls. Timing is not tested.
/// </summary>
public sealed class BenchDriverTests
{
    NativeBenchDriver driver = null!;

    [OneTimeSetUp]
    public void BuildDriver()
    {
        var state = VhostLog.Models.ModelStates.Last.Name;
        var source = FunctionSources.Generated($"generated-{state}", Repo.Translation(), state, Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir);
        driver = NativeBenchDriver.Build(Path.Combine(Repo.Root, "harness"), source.HeaderTree, source.FunctionsC,
            Repo.TempDir("bench-driver"));
    }

    static IEnumerable<string> Workloads() => BenchWorkload.All.Select(w => w.Name);

    [TestCaseSource(nameof(Workloads))]
    public void ManagedAndNativeLogTheSamePages(string name)
    {
        var workload = BenchWorkload.Named(name);
        var native = driver.Check(workload);
        var managed = new ManagedWorkload(workload).Check();

        Assert.Multiple(() =>
        {
            Assert.That(native.Return, Is.Zero, "native return");
            Assert.That(managed.Return, Is.Zero, "managed return");
            Assert.That(native.Bytes, Is.EqualTo(managed.Bytes), "bitmap bytes");
            Assert.That(native.SetBitCalls, Is.EqualTo(managed.SetBitCalls), "set_bit_to_user calls");
            Assert.That(native.Signals, Is.EqualTo(managed.Signals), "eventfd signals");
            Assert.That((ulong)managed.Bytes.Sum(b => BitOperations.PopCount(b.Value)), Is.EqualTo(workload.Pages),
                "pages logged");
        });
    }
}
