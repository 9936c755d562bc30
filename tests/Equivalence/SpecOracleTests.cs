using NUnit.Framework;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Runner;

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
        Assert.That(SpecOracle.Check(LogWrite(4095, 2), Returned((Base, 0b11)), Semantics.Before), Is.Null);

    [Test]
    public void MissingPageIsAFinding() =>
        Assert.That(SpecOracle.Check(LogWrite(4095, 2), Returned((Base, 0b01)), Semantics.Before)?.Explanation,
            Does.Contain("lack bits"));

    [Test]
    public void ExtraPageIsAFinding() =>
        // (4096, 4096) is page 1 only.
        Assert.That(SpecOracle.Check(LogWrite(4096, 4096), Returned((Base, 0b11)), Semantics.Before)?.Explanation,
            Does.Contain("not asked to log"));

    [Test]
    public void FailuresAreNotJudged() =>
        Assert.That(SpecOracle.Check(LogWrite(0, 1), new Observation(Outcome.Returned, -14, 0, [], ""), Semantics.Before), Is.Null);

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
        var observed = ManagedEngine.For(Semantics.Before).Run(c);
        Assert.That(observed.Outcome, Is.EqualTo(Outcome.Returned));
        Assert.That(observed.Return, Is.EqualTo(0));
        Assert.That(SpecOracle.Check(c, observed, Semantics.Before)?.Explanation, Does.Contain("no guest mapping"));
    }

    [Test]
    public void FullyMappedHvaRangeIsFine()
    {
        var hva = CaseGenerator.GuestHva;
        var c = new LogCase(Function.log_write_hva, Base, [new UserRange(Base, 4096)], true,
            [new UmemMap(0x10000, 8192, hva)], false, hva + 4000, 200, [], []);
        var observed = ManagedEngine.For(Semantics.Before).Run(c);
        Assert.That(observed.Return, Is.EqualTo(0));
        Assert.That(SpecOracle.Check(c, observed, Semantics.Before), Is.Null, "pages 0x10 and 0x11 are set and nothing else");
    }

    /// <summary>
    /// The oracle decides on runs of bytes and explains byte by byte; both
    /// must judge alike: on the model's own results and on results with one
    /// byte changed, dropped or added, for every function the oracle judges.
    /// </summary>
    [TestCase(Function.log_write)]
    [TestCase(Function.log_write_hva)]
    [TestCase(Function.vhost_log_write)]
    public void RunShortcutJudgesLikeTheByteByByteOracle(Function function)
    {
        var engine = ManagedEngine.For(Semantics.After);
        var rnd = new Random(5);
        var judged = 0;
        var findings = 0;
        foreach (var c in CaseGenerator.Sample(function, 3000, 11))
        {
            var o = engine.Run(c);
            if (o.Outcome != Outcome.Returned || o.Return != 0)
                continue;
            var bytes = o.Bytes.ToList();
            var variants = new List<List<(ulong Addr, byte Value)>> { bytes };
            if (bytes.Count > 0)
            {
                var k = rnd.Next(bytes.Count);
                variants.Add(bytes.Select((b, i) => i == k ? (b.Addr, (byte)(b.Value ^ (1 << rnd.Next(8)))) : b).ToList());
                variants.Add(bytes.Where((_, i) => i != k).ToList());
                var next = bytes[^1].Addr + 1;
                if (next != 0)
                    variants.Add([.. bytes, (next, (byte)1)]);
            }
            variants.Add([.. bytes.Where(b => b.Addr != c.LogBase), (c.LogBase, (byte)0x80)]);
            foreach (var v in variants)
            {
                var observed = o with { Memory = ByteRun.Of(v.Where(b => b.Value != 0).OrderBy(b => b.Addr)) };
                var fast = SpecOracle.Check(c, observed, Semantics.After);
                var reference = SpecOracle.CheckByteByByte(c, observed, Semantics.After);
                Assert.That(fast?.Explanation, Is.EqualTo(reference?.Explanation), CaseJson.Describe(c));
                judged++;
                findings += reference is null ? 0 : 1;
            }
        }
        Assert.That(judged, Is.GreaterThan(500));
        Assert.That(findings, Is.GreaterThan(100), "the changed results are findings");
    }
}
