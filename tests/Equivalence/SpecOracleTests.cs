using NUnit.Framework;
using VhostLog.Harness.Cases;
using VhostLog.Harness.Engines;
using VhostLog.Harness.Equivalence;

namespace VhostLog.Tests.Equivalence;

/// <summary>The specification oracle judges results on its own, and it finds what the 6.12 tree does.</summary>
public sealed class SpecOracleTests
{
    const ulong Base = CaseGenerator.BitmapBase;

    static LogCase LogWrite(ulong addr, ulong len) =>
        new(Function.log_write, Base, [new UserRange(Base, 4096)], false, [], false, addr, len, [], []);

    static Observation Returned(params (ulong, byte)[] bytes) => new(Outcome.Returned, 0, 0, ByteRun.Of(bytes), "");

    [Test]
    public void CorrectResultPasses() =>
        // (4095, 2) touches pages 0 and 1.
        Assert.That(SpecOracle.Check(LogWrite(4095, 2), Returned((Base, 0b11)), "before"), Is.Null);

    [Test]
    public void MissingPageIsAFinding() =>
        Assert.That(SpecOracle.Check(LogWrite(4095, 2), Returned((Base, 0b01)), "before")?.Explanation,
            Does.Contain("lack bits"));

    [Test]
    public void ExtraPageIsAFinding() =>
        // (4096, 4096) is page 1 only.
        Assert.That(SpecOracle.Check(LogWrite(4096, 4096), Returned((Base, 0b11)), "before")?.Explanation,
            Does.Contain("not asked to log"));

    [Test]
    public void FailuresAreNotJudged() =>
        Assert.That(SpecOracle.Check(LogWrite(0, 1), new Observation(Outcome.Returned, -14, 0, [], ""), "before"), Is.Null);

    /// <summary>
    /// 6.12's log_write_hva() keeps 'hit' from the first pass of its loop, so
    /// a range whose tail no mapping covers returns 0 and the tail goes
    /// unlogged; the specification asks for -EFAULT.
    /// </summary>
    [Test]
    public void LogWriteHvaSkipsAnUnmappedTailIn612()
    {
        var hva = CaseGenerator.GuestHva;
        var c = new LogCase(Function.log_write_hva, Base, [new UserRange(Base, 4096)], true,
            [new UmemMap(0, 4096, hva)], false, hva + 4000, 200, [], []);
        var observed = ManagedEngine.For("before").Run(c);
        Assert.That(observed.Outcome, Is.EqualTo(Outcome.Returned));
        Assert.That(observed.Return, Is.EqualTo(0));
        Assert.That(SpecOracle.Check(c, observed, "before")?.Explanation, Does.Contain("no guest mapping"));
    }

    [Test]
    public void FullyMappedHvaRangeIsFine()
    {
        var hva = CaseGenerator.GuestHva;
        var c = new LogCase(Function.log_write_hva, Base, [new UserRange(Base, 4096)], true,
            [new UmemMap(0x10000, 8192, hva)], false, hva + 4000, 200, [], []);
        var observed = ManagedEngine.For("before").Run(c);
        Assert.That(observed.Return, Is.EqualTo(0));
        Assert.That(SpecOracle.Check(c, observed, "before"), Is.Null, "pages 0x10 and 0x11 are set and nothing else");
    }
}
