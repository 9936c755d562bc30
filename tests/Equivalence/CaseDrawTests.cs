using NUnit.Framework;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Protocol;
using VhostLog.Equivalence.Runner;

namespace VhostLog.Tests.Equivalence;

/// <summary>
/// The case drawer: equiv draws its cases one at a time (CaseGenerator.Draw)
/// so that the engines start before the last case is drawn; the cases must
/// be the very ones Sample gives for the seed, or a seed would name other
/// cases. The drawn cases must be valid inputs, and reach each input class
/// the distributions are written for, in about the share their weights give.
/// </summary>
public sealed class CaseDrawTests
{
    static string Json(LogCase c) => CaseJson.ToJson(c).ToJsonString();

    [TestCase(Function.log_write, 1UL)]
    [TestCase(Function.log_write_hva, 3UL)]
    [TestCase(Function.vhost_log_write, 0x9E3779B97F4A7C15UL)]
    [TestCase(Function.vhost_scsi_send_status, 7UL)]
    [TestCase(Function.vhost_scsi_get_desc, 9UL)]
    public void DrawHandsOverTheCasesOfSampleInOrder(Function function, ulong seed)
    {
        var drawn = new List<LogCase>();
        CaseGenerator.Draw(function, 500, seed, drawn.Add);
        var sampled = CaseGenerator.Sample(function, 500, seed);
        Assert.That(drawn, Has.Count.EqualTo(500));
        // Records compare ImmutableArray fields by reference: compare every field as JSON.
        Assert.That(drawn.Select(Json), Is.EqualTo(sampled.Select(Json)));
    }

    [Test]
    public void DrawingNoCasesHandsOverNothing()
    {
        var drawn = new List<LogCase>();
        CaseGenerator.Draw(Function.log_write, 0, 1, drawn.Add);
        Assert.That(drawn, Is.Empty);
    }

    /// <summary>Drawing on another thread, or again, gives the same cases: they depend on the seed only.</summary>
    [Test]
    public void TheCasesDependOnTheSeedOnly()
    {
        var here = CaseGenerator.Sample(Function.vhost_log_write, 300, 42).Select(Json).ToList();
        var elsewhere = Task.Run(() => CaseGenerator.Sample(Function.vhost_log_write, 300, 42).Select(Json).ToList()).Result;
        var otherSeed = CaseGenerator.Sample(Function.vhost_log_write, 300, 43).Select(Json).ToList();
        Assert.That(elsewhere, Is.EqualTo(here));
        Assert.That(otherSeed.Zip(here).Count(p => p.First == p.Second), Is.LessThan(30), "another seed, other cases");
    }

    /// <summary>The drawer hands over only cases the kernel can be handed (it draws a rejected one again).</summary>
    [TestCaseSource(nameof(Functions))]
    public void EveryDrawnCaseIsValid(Function function) =>
        Assert.That(CaseGenerator.Sample(function, 1000, 5).Where(c => !Shrinker.Valid(c)).Select(CaseJson.Describe), Is.Empty);

    static IEnumerable<Function> Functions => Enum.GetValues<Function>();

    [Test]
    public void TheRandomSourceReachesBothEndsOfARangeAndNothingOutside()
    {
        var r = new CaseRandom(1);
        var ints = Enumerable.Range(0, 2000).Select(_ => r.Int(-2, 2)).ToList();
        var wide = Enumerable.Range(0, 2000).Select(_ => r.U64(ulong.MaxValue - 3, ulong.MaxValue)).ToList();
        var exclusive = Enumerable.Range(0, 2000).Select(_ => r.Next(3, 6)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ints.Distinct().Order(), Is.EqualTo(new[] { -2, -1, 0, 1, 2 }));
            Assert.That(wide.Distinct().Order(), Is.EqualTo(new[] { ulong.MaxValue - 3, ulong.MaxValue - 2, ulong.MaxValue - 1, ulong.MaxValue }));
            Assert.That(exclusive.Distinct().Order(), Is.EqualTo(new[] { 3, 4, 5 }));
            Assert.That(r.Next(7, 7), Is.EqualTo(7), "System.Random's empty range");
            // Weights: 1 in 4 against 3 in 4, within a wide margin.
            Assert.That(Enumerable.Range(0, 4000).Count(_ => r.Weighted(3, 1) == 1), Is.InRange(800, 1200));
        });
    }

    /// <summary>
    /// Each input class the harness must reach, as the share of drawn cases
    /// in it, against about half of the share its weights give (so that a
    /// branch dropped or starved fails, and the seed's luck does not).
    /// </summary>
    [TestCaseSource(nameof(Classes))]
    public void TheDrawReachesEachInputClass(Function function, string what, Func<LogCase, bool> inClass, double atLeast)
    {
        var cases = CaseGenerator.Sample(function, 4000, 20261122);
        var share = cases.Count(inClass) / (double)cases.Count;
        Assert.That(share, Is.GreaterThanOrEqualTo(atLeast), $"{function}: share of {what}");
    }

    const ulong Page = 4096;

    static bool NearPageBoundary(ulong a) => a < 1UL << 48 && (a % Page is <= 2 or >= Page - 2);
    static bool Wraps(ulong a, ulong len) => len != 0 && a + len - 1 < a;

    static bool UmemAliases(LogCase c) =>
        c.Umem.Any(m => c.Umem.Any(o => !o.Equals(m) && m.Addr < o.Addr + o.Size && o.Addr < m.Addr + m.Size));

    static bool UmemGap(LogCase c)
    {
        var sorted = c.Umem.OrderBy(m => m.Start).ToList();
        return sorted.Count > 1 && sorted.Zip(sorted.Skip(1)).Any(p => p.First.Start + p.First.Size < p.Second.Start);
    }

    static IEnumerable<TestCaseData> Classes()
    {
        TestCaseData C(Function f, string what, Func<LogCase, bool> inClass, double atLeast) =>
            new TestCaseData(f, what, inClass, atLeast).SetArgDisplayNames(f.ToString(), what);

        // log_write: weights 5:3:1:1 for the address, 2:5:1:1:1 for the length, 6:2:1:1:1:1 for the bitmap.
        yield return C(Function.log_write, "addresses at a page boundary (+-2)", c => NearPageBoundary(c.Address), 0.2);
        yield return C(Function.log_write, "addresses in the last 8 KiB below 2^64", c => c.Address >= ulong.MaxValue - 8192, 0.05);
        yield return C(Function.log_write, "lengths U64_MAX-2..U64_MAX", c => c.Length >= ulong.MaxValue - 2, 0.05);
        yield return C(Function.log_write, "zero lengths", c => c.Length == 0, 0.01);
        yield return C(Function.log_write, "address + length past 2^64", c => Wraps(c.Address, c.Length), 0.1);
        yield return C(Function.log_write, "unmapped bitmaps", c => c.Mapped.IsEmpty, 0.08);
        yield return C(Function.log_write, "bitmaps at NULL", c => c.LogBase == 0, 0.04);
        yield return C(Function.log_write, "partly mapped bitmaps", c => c.Mapped.Length == 1 && (c.Mapped[0].Length < Page || c.Mapped[0].Start != c.LogBase), 0.12);
        yield return C(Function.log_write, "bitmaps in the last bytes below 2^64", c => c.LogBase > ulong.MaxValue - 64, 0.04);

        // log_write_hva: 0 to 4 maps with aliases (1 in 3 at GuestHva) and gaps; lengths 4:1 small or Length.
        yield return C(Function.log_write_hva, "no memory table", c => c.Umem.IsEmpty, 0.1);
        yield return C(Function.log_write_hva, "maps aliasing host memory", UmemAliases, 0.2);
        yield return C(Function.log_write_hva, "gaps between guest ranges", UmemGap, 0.2);
        yield return C(Function.log_write_hva, "host addresses at a page boundary of guest memory",
            c => c.Address - CaseGenerator.GuestHva < 13 * Page + 1 && (c.Address % Page is 0 or 1 or Page - 1), 0.2);
        // 1 in 5 from Length, whose U64_MAX and wrapping sums are mostly rejected (the host range wraps).
        yield return C(Function.log_write_hva, "lengths above five pages", c => c.Length > 5 * Page, 0.01);

        // vhost_log_write: iotlb 1 in 4, log arrays 1:6:1 (none, 1-4, 5-8), len 4:3:1:1:2.
        yield return C(Function.vhost_log_write, "the device IOTLB", c => c.Iotlb, 0.12);
        yield return C(Function.vhost_log_write, "IOTLB with a memory table", c => c.Iotlb && !c.Umem.IsEmpty, 0.1);
        yield return C(Function.vhost_log_write, "empty log arrays", c => c.Log.IsEmpty, 0.06);
        yield return C(Function.vhost_log_write, "log arrays of 5 to 8 entries", c => c.Log.Length >= 5, 0.06);
        yield return C(Function.vhost_log_write, "len U64_MAX", c => c.Length == ulong.MaxValue, 0.09);
        yield return C(Function.vhost_log_write, "len past the log's total", c => c.Length > (ulong)c.Log.Sum(e => (decimal)e.Len) && c.Length != ulong.MaxValue, 0.04);
        yield return C(Function.vhost_log_write, "log entries of length 0", c => c.Log.Any(e => e.Len == 0), 0.1);

        // vhost_scsi_*: LOG_ALL off, NULL log, allocation failures, iov_limit 64 or UIO_MAXIOV.
        yield return C(Function.vhost_scsi_log_write, "LOG_ALL off", c => (c.Features >> CaseGenerator.VhostFLogAll & 1) == 0, 0.1);
        yield return C(Function.vhost_scsi_log_write, "a NULL log", c => c.NullLog, 0.1);
        yield return C(Function.vhost_scsi_copy_cmd_log, "a first allocation that fails", c => c.AllocationsBeforeFailure == 0, 0.07);
        yield return C(Function.vhost_scsi_copy_cmd_log, "a second allocation that fails", c => c.AllocationsBeforeFailure == 1, 0.07);
        yield return C(Function.vhost_scsi_copy_cmd_log, "an earlier log", c => c.PriorLog > 0, 0.25);
        yield return C(Function.vhost_scsi_copy_tmf_log, "as many entries as UIO_MAXIOV", c => c.Log.Length == Wire.UioMaxIov, 0.005);
        yield return C(Function.vhost_scsi_copy_tmf_log, "iov_limit 64", c => c.IovLimit == 64, 0.03);
        yield return C(Function.vhost_scsi_destroy_vq_log, "max_cmds 0", c => c.CommandsOrEmpty.IsEmpty, 0.06);
        yield return C(Function.vhost_scsi_destroy_vq_log, "scsi_cmds NULL", c => c.NullCommands, 0.07);
        yield return C(Function.vhost_scsi_destroy_vq_log, "more than 8 commands", c => c.CommandsOrEmpty.Length > 8, 0.06);
        yield return C(Function.vhost_scsi_destroy_logs, "no I/O queue", c => c.Out == 2, 0.06);
        yield return C(Function.vhost_scsi_destroy_logs, "queues without commands", c => c.Kind != 0, 0.08);

        // Responses: pages cut part-way, in past the iovecs given, stray iovecs, heads above 16 bits.
        yield return C(Function.vhost_scsi_send_status, "a page mapped only in part",
            c => c.Mapped.Any(m => m.Length < Page), 0.4);
        yield return C(Function.vhost_scsi_send_status, "fewer iovecs than out + in", c => c.Iov.Length < c.Out + c.In, 0.05);
        yield return C(Function.vhost_scsi_send_status, "an iovec outside the response area",
            c => c.Iov.Any(v => v.Base - CaseGenerator.ResponseHva >= 8 * Page), 0.1);
        yield return C(Function.vhost_scsi_send_status, "an iovec starting in the last 108 bytes of a response page",
            c => c.Iov.Any(v => v.Base - CaseGenerator.ResponseHva < 8 * Page && v.Base % Page >= Page - 108), 0.2);
        yield return C(Function.vhost_scsi_send_bad_target, "a type no caller passes", c => c.Kind is 3 or 255, 0.07);
        yield return C(Function.vhost_scsi_send_bad_target, "memory filled with zeros", c => c.Fill == 0, 0.1);

        // Rings: sizes up to 256, heads past the table, unmapped parts of a ring, an empty ring.
        yield return C(Function.vhost_scsi_get_desc, "rings of 256 entries", c => c.Ring!.Num == 256, 0.05);
        yield return C(Function.vhost_scsi_get_desc, "an avail ring cut short", c => c.Mapped.All(m => m.Start != RingCases.AvailHva) ||
            c.Ring!.Writes.Any(w => w.Addr == RingCases.AvailHva && w.Bytes.Length < 4 + 2 * c.Ring.Num + 2), 0.02);
        yield return C(Function.vhost_scsi_get_desc, "indirect tables", c => c.Ring!.Writes.Length > 2, 0.1);
        yield return C(Function.vhost_scsi_get_desc, "64 extra one-page maps", c => c.Umem.Length == 66, 0.1);
    }
}
