using System.Collections.Immutable;
using VhostLog.Equivalence.Protocol;

namespace VhostLog.Equivalence.Cases;

/// <summary>
/// Draws the inputs the harness must reach: page boundaries, zero lengths,
/// U64_MAX and wrapping sums, bitmaps that are unmapped, partly mapped or
/// near the top of the address space, IOTLB maps with aliases and gaps, log
/// arrays with partial lengths. The distributions are written once, as
/// plain code over a seeded <see cref="CaseRandom"/>: each weight below is
/// the weight of its branch, each list of values is drawn uniformly, each
/// range includes both ends.
/// </summary>
public static class CaseGenerator
{
    const ulong Page = 4096;

    /// <summary>Where the VMM keeps the bitmap in the common case.</summary>
    public const ulong BitmapBase = 0x7f00_0000_0000;

    /// <summary>Where guest memory sits in the VMM's address space (host-virtual).</summary>
    public const ulong GuestHva = 0x5555_0000_0000;

    /// <summary>The feature bit that turns dirty logging on (uapi vhost_types.h).</summary>
    public const int VhostFLogAll = 26;

    /// <summary>Where the response buffers live (host-virtual, away from the guest memory of the log cases).</summary>
    public const ulong ResponseHva = GuestHva + 0x1000_0000;

    const int ResponsePages = 8;

    /// <summary>
    /// Draws rejected in a row before drawing gives up: every distribution
    /// below yields a valid case far more often than not, so reaching this
    /// means a distribution was broken, and looping forever would hide it.
    /// </summary>
    const int MaxRejectedInARow = 1000;

    /// <summary>count cases for a function, reproducible from seed.</summary>
    public static IReadOnlyList<LogCase> Sample(Function function, int count, ulong seed)
    {
        var cases = new List<LogCase>(count);
        Draw(function, count, seed, cases.Add);
        return cases;
    }

    /// <summary>
    /// The cases of <see cref="Sample"/> (same seed, same cases, same
    /// order), handed to <paramref name="take"/> one at a time as they are
    /// drawn, so that a consumer can run the first ones while the rest are
    /// still being drawn. One random stream per call, used in order: the
    /// cases depend on the seed only.
    /// </summary>
    public static void Draw(Function function, int count, ulong seed, Action<LogCase> take)
    {
        var r = new CaseRandom(seed);
        for (var i = 0; i < count; i++)
            take(Draw(function, r));
    }

    /// <summary>
    /// The next case the kernel can be handed (<see cref="Runner.Shrinker.Valid"/>):
    /// the few draws it rejects (ranges that wrap) are drawn again.
    /// </summary>
    public static LogCase Draw(Function function, CaseRandom r)
    {
        for (var tries = 0; tries < MaxRejectedInARow; tries++)
        {
            var c = Any(function, r);
            if (Runner.Shrinker.Valid(c))
                return c;
        }
        throw new InvalidOperationException($"{function}: {MaxRejectedInARow} draws in a row were not valid cases; its distribution is broken");
    }

    /// <summary>One case for a function, valid or not.</summary>
    static LogCase Any(Function function, CaseRandom r) => function switch
    {
        Function.log_write => LogWrite(r),
        Function.log_write_hva => LogWriteHva(r),
        Function.vhost_log_write => VhostLogWrite(r),
        Function.vhost_scsi_log_write => ScsiLogWrite(r),
        Function.vhost_scsi_copy_cmd_log => CopyCmdLog(r),
        Function.vhost_scsi_copy_tmf_log => CopyTmfLog(r),
        Function.vhost_scsi_destroy_vq_log => DestroyVqLog(r),
        Function.vhost_scsi_send_status =>
            Response(r) with { Function = function, Kind = r.Weighted(3, 1) == 0 ? r.Element(0, 2, 8, 0x28) : r.Int(0, 255) },
        // TYPE_IO_CMD, TYPE_CTRL_TMF, TYPE_CTRL_AN, and a value no caller
        // passes (answered as AN by the else branch).
        Function.vhost_scsi_send_bad_target =>
            Response(r) with { Function = function, Kind = r.Weighted(6, 1) == 0 ? r.Int(0, 2) : r.Element(3, 255) },
        Function.vhost_scsi_destroy_logs => DestroyLogs(r),
        // The rings are bytes laid out imperatively (RingCases).
        Function.vhost_scsi_get_desc => RingCases.Build(r),
        _ => throw new ArgumentOutOfRangeException(nameof(function)),
    };

    static LogCase LogWrite(CaseRandom r)
    {
        var (logBase, mapped) = Bitmap(r);
        var addr = GuestAddress(r);
        var len = Length(r, addr);
        return new LogCase(Function.log_write, logBase, mapped, false, [], false, addr, len, [], []);
    }

    static LogCase LogWriteHva(CaseRandom r)
    {
        var (logBase, mapped) = Bitmap(r);
        var umem = Umem(r);
        var hva = HostAddress(r);
        var len = r.Weighted(4, 1) == 0 ? r.U64(0, 4 * Page) : Length(r, hva);
        return new LogCase(Function.log_write_hva, logBase, mapped, true, umem, false, hva, len, [], []);
    }

    static LogCase VhostLogWrite(CaseRandom r)
    {
        var (logBase, mapped) = Bitmap(r);
        var iotlb = r.Weighted(3, 1) == 1;
        var logCtx = r.Weighted(4, 1) == 0;
        // The memory table only matters with the device IOTLB.
        var umem = iotlb ? Umem(r) : [];
        var log = LogArray(r);
        var iov = List(r, r.Int(0, 3), static r => new IoVec(HostAddress(r), r.U64(0, 3 * Page)));
        var len = TotalLength(r, log);
        return new LogCase(Function.vhost_log_write, logBase, mapped, iotlb, umem, logCtx, 0, len, log, iov);
    }

    static LogCase ScsiLogWrite(CaseRandom r)
    {
        var (logBase, mapped) = Bitmap(r);
        var logAll = r.Weighted(4, 1) == 0;
        var otherFeatures = r.Element(0UL, 1UL << 32, 1UL << 33 | 1UL << 28);
        var iotlb = r.Weighted(6, 1) == 1;
        var logCtx = r.Weighted(4, 1) == 0;
        var log = LogArray(r);
        var nullLog = r.Weighted(4, 1) == 1;
        return new LogCase(Function.vhost_scsi_log_write, logBase, mapped, iotlb, [], logCtx, 0, 0, log, [],
            Features: otherFeatures | (logAll ? 1UL << VhostFLogAll : 0), NullLog: nullLog);
    }

    /// <summary>vq->iov's size: a small one mostly, sometimes 64 or UIO_MAXIOV.</summary>
    static int IovLimit(CaseRandom r) => r.Weighted(6, 1) == 0 ? r.Int(1, 16) : r.Element(64, Wire.UioMaxIov);

    /// <summary>vhost_scsi_copy_cmd_log() failing its first or second allocation, mostly not at all.</summary>
    static int AllocationsBeforeFailure(CaseRandom r) => r.Weighted(5, 1, 1) switch { 0 => -1, 1 => 0, _ => 1 };

    static LogEntry ScsiLogEntry(CaseRandom r) => new(GuestAddress(r), r.U64(0, uint.MaxValue));

    static LogCase CopyCmdLog(CaseRandom r)
    {
        // log_num <= iov_limit: vhost_get_vq_desc() never collects more
        // write descriptors than the iovecs it may fill.
        var iovLimit = IovLimit(r);
        var log = List(r, r.Int(0, Math.Min(iovLimit, 16)), ScsiLogEntry);
        var prior = r.Weighted(1, 1) == 0 ? 0 : r.Int(1, Math.Min(iovLimit, 16));
        var failAfter = AllocationsBeforeFailure(r);
        return new LogCase(Function.vhost_scsi_copy_cmd_log, 0, [], false, [], false, 0, 0, log, [],
            IovLimit: iovLimit, PriorLog: prior, AllocationsBeforeFailure: failAfter);
    }

    static LogCase CopyTmfLog(CaseRandom r)
    {
        // The control queue copies only when log_num >= 1 (its caller
        // checks), and never more than the iov_limit entries of vq->log;
        // both bounds are drawn on purpose.
        var iovLimit = IovLimit(r);
        var n = r.Weighted(5, 1, 1) switch { 0 => r.Int(1, Math.Min(iovLimit, 16)), 1 => 1, _ => iovLimit };
        var log = List(r, n, ScsiLogEntry);
        var failAfter = AllocationsBeforeFailure(r);
        return new LogCase(Function.vhost_scsi_copy_tmf_log, 0, [], false, [], false, 0, 0, log, [],
            IovLimit: iovLimit, AllocationsBeforeFailure: failAfter);
    }

    /// <summary>A command's log_num: none (1 in 3), else 1 to iov_limit.</summary>
    static int CommandLogNum(CaseRandom r, int iovLimit) => r.Weighted(1, 2) == 0 ? 0 : r.Int(1, iovLimit);

    static LogCase DestroyVqLog(CaseRandom r)
    {
        // max_cmds 0 (an empty loop) to a few dozen; scsi_cmds NULL with
        // max_cmds kept, as after vhost_scsi_destroy_vq_cmds().
        var iovLimit = r.Int(1, 16);
        var max = r.Weighted(1, 6, 1) switch { 0 => 0, 1 => r.Int(1, 8), _ => r.Int(9, 64) };
        var commands = List(r, max, r => CommandLogNum(r, iovLimit));
        var nullCommands = r.Weighted(6, 1) == 1;
        return new LogCase(Function.vhost_scsi_destroy_vq_log, 0, [], false, [], false, 0, 0, [], [],
            IovLimit: iovLimit, Commands: commands, NullCommands: nullCommands);
    }

    static LogCase DestroyLogs(CaseRandom r)
    {
        // No I/O queue to eight of them, each with no command to a few
        // dozen; some queues without commands (scsi_cmds NULL).
        var iovLimit = r.Int(1, 16);
        var ioQueues = r.Weighted(1, 6, 1) switch { 0 => 0, 1 => r.Int(1, 4), _ => r.Int(5, 8) };
        var perQueue = r.Weighted(1, 6, 1) switch { 0 => 0, 1 => r.Int(1, 8), _ => r.Int(9, 32) };
        var commands = List(r, ioQueues * perQueue, r => CommandLogNum(r, iovLimit));
        var nullQueues = r.Weighted(4, 1) == 0 ? 0 : r.Int(0, (1 << ioQueues) - 1);
        return new LogCase(Function.vhost_scsi_destroy_logs, 0, [], false, [], false, 0, 0, [], [],
            IovLimit: iovLimit, Commands: commands, Out: 2 + ioQueues, In: perQueue, Kind: nullQueues);
    }

    /// <summary>Guest-physical addresses: mostly low memory near page boundaries, sometimes anywhere.</summary>
    static ulong GuestAddress(CaseRandom r) => r.Weighted(5, 3, 1, 1) switch
    {
        0 => (ulong)((long)r.Int(0, 300) * (long)Page + r.Element(0, 1, 2, -1, -2, 2048)) & 0xffff_ffff_ffff,
        1 => r.U64(0, 1 << 20),
        2 => ulong.MaxValue - (ulong)r.Int(0, 8192),
        _ => r.Next(),
    };

    /// <summary>Lengths: 0, around a page, small, 32-bit descriptor sizes, U64_MAX and sums that wrap.</summary>
    static ulong Length(CaseRandom r, ulong address) => r.Weighted(2, 5, 1, 1, 1) switch
    {
        0 => r.Element(0UL, 1UL, 2UL, Page - 1, Page, Page + 1, 2 * Page),
        1 => r.U64(1, 5 * Page),
        2 => r.U64(1, uint.MaxValue),
        3 => ulong.MaxValue - (ulong)r.Int(0, 2),
        _ => 0UL - address + (ulong)r.Int(0, 8192),
    };

    /// <summary>Host-virtual addresses: mostly near the pages of guest memory, sometimes below it or anywhere.</summary>
    static ulong HostAddress(CaseRandom r) => r.Weighted(6, 1, 1) switch
    {
        0 => GuestHva + (ulong)((long)r.Int(0, 12) * (long)Page + r.Element(0, 1, -1, 100, 4095)),
        1 => r.U64(0, GuestHva),
        _ => r.Next(),
    };

    /// <summary>The bitmap's placement and which of its bytes exist.</summary>
    static (ulong LogBase, ImmutableArray<UserRange> Mapped) Bitmap(CaseRandom r)
    {
        switch (r.Weighted(6, 2, 1, 1, 1, 1))
        {
            case 0:
                return (BitmapBase, [new UserRange(BitmapBase, (ulong)r.Int(1, 2) * Page)]);
            case 1:
                return (BitmapBase, [new UserRange(BitmapBase, (ulong)r.Int(1, 24))]);
            case 2:
                return (BitmapBase, [new UserRange(BitmapBase + (ulong)r.Int(1, 16), Page)]);
            case 3:
                return (0, []);
            case 4:
                return (BitmapBase, []);
            default:
                // The last bytes of the address space, and page 0 after the wrap.
                var back = (ulong)r.Int(1, 64);
                return (ulong.MaxValue - back + 1, [new UserRange(ulong.MaxValue - back + 1, back), new UserRange(0, Page)]);
        }
    }

    /// <summary>The memory table: guest ranges at host-virtual addresses, with aliases (1 in 3) and gaps.</summary>
    static ImmutableArray<UmemMap> Umem(CaseRandom r) => List(r, r.Int(0, 4), static r =>
    {
        var gpaPage = (ulong)r.Int(0, 64);
        var size = r.Element(1UL, Page - 1, Page, 2 * Page, 3 * Page + 7, 16 * Page);
        var hvaPage = (ulong)r.Int(0, 8);
        var alias = r.Element(false, false, true);
        return new UmemMap(gpaPage * Page, size, GuestHva + (alias ? 0 : hvaPage * Page));
    });

    /// <summary>vq->log: empty, a few entries or up to eight, of lengths 0, up to three pages or up to 4 GiB.</summary>
    static ImmutableArray<LogEntry> LogArray(CaseRandom r) =>
        List(r, r.Weighted(1, 6, 1) switch { 0 => 0, 1 => r.Int(1, 4), _ => r.Int(5, 8) }, static r =>
        {
            var addr = GuestAddress(r);
            var len = r.Weighted(1, 6, 1) switch { 0 => 0UL, 1 => r.U64(1, 3 * Page), _ => r.U64(1, uint.MaxValue) };
            return new LogEntry(addr, len);
        });

    /// <summary>The len argument: the exact total, part of it, more than the log holds, 0 or U64_MAX.</summary>
    static ulong TotalLength(CaseRandom r, ImmutableArray<LogEntry> log)
    {
        var total = 0UL;
        foreach (var e in log)
            total += e.Len;
        return r.Weighted(4, 3, 1, 1, 2) switch
        {
            0 => total,
            1 => total == 0 ? 0 : r.U64(0, total),
            2 => total + (ulong)r.Int(1, 5000),
            3 => 0,
            _ => ulong.MaxValue,
        };
    }

    /// <summary>
    /// One page of the response area: unmapped, mapped, or mapped only before
    /// or after a cut, so that a copy faults part-way through an iovec.
    /// </summary>
    static UserRange? ResponsePage(CaseRandom r, int page)
    {
        var kind = r.Weighted(1, 5, 1, 1);
        var cut = r.Weighted(1, 1) == 0 ? (ulong)r.Element(1, 11, 12, 107, 108, 2048, 4095) : (ulong)r.Int(1, (int)Page - 1);
        var start = ResponseHva + (ulong)page * Page;
        return kind switch
        {
            1 => new UserRange(start, Page),
            2 => new UserRange(start, cut),
            3 => new UserRange(start + cut, Page - cut),
            _ => null,
        };
    }

    /// <summary>
    /// A response iovec: a length of 0, 1, a few bytes, about one response
    /// (108 bytes for a command, 1 for TMF, 5 for AN) or more, at a page
    /// start, a page end or anywhere in the response area; 1 in 13 anywhere
    /// at all.
    /// </summary>
    static IoVec ResponseIovec(CaseRandom r)
    {
        var len = r.Weighted(2, 3, 2, 2, 1) switch
        {
            0 => r.Element(0UL, 1UL),
            1 => r.U64(2, 16),
            2 => r.Element(4UL, 5UL, 6UL, 10UL, 11UL, 12UL, 107UL, 108UL, 109UL),
            3 => r.U64(17, 200),
            _ => r.U64(201, 3 * Page),
        };
        var page = (ulong)r.Int(0, ResponsePages - 1);
        var offset = r.Weighted(2, 2, 2) switch
        {
            0 => 0UL,
            1 => Page - r.Element(1UL, 5UL, 11UL, 50UL, 107UL, 108UL),
            _ => r.U64(0, Page - 1),
        };
        var stray = r.Weighted(12, 1) == 1;
        return new IoVec(stray ? r.Next() : ResponseHva + page * Page + offset, len);
    }

    /// <summary>
    /// A request's iovecs: out device-readable ones (never written), then in
    /// response iovecs (1..N, sometimes none, sometimes in larger than the
    /// iovecs given, whose remaining vq->iov entries are zero), memory filled
    /// with a non-zero byte (mostly) so the zeros of a response show.
    /// </summary>
    static LogCase Response(CaseRandom r)
    {
        var mapped = ImmutableArray.CreateBuilder<UserRange>(ResponsePages);
        for (var page = 0; page < ResponsePages; page++)
            if (ResponsePage(r, page) is { } range)
                mapped.Add(range);
        var @out = r.Weighted(3, 3, 1) switch { 0 => 0, 1 => 1, _ => r.Int(2, 4) };
        var @in = r.Weighted(1, 6, 2) switch { 0 => 0, 1 => r.Int(1, 3), _ => r.Int(4, 8) };
        var iov = List(r, @out + @in, ResponseIovec);
        var missing = r.Weighted(8, 1) == 0 ? 0 : r.Int(1, 2);
        var head = r.Weighted(4, 1, 1) switch { 0 => r.Int(0, 255), 1 => r.Int(256, 0xffff), _ => r.Element(0, 0x7fff_ffff) };
        var fill = r.Weighted(1, 3, 1) switch { 0 => (byte)0, 1 => (byte)0xa5, _ => r.Element((byte)0xff, (byte)3) };
        return new LogCase(Function.vhost_scsi_send_status, 0, mapped.DrainToImmutable(), false, [], false, 0, 0, [],
            iov[..Math.Max(0, @out + @in - missing)],
            Head: head, Out: @out, In: @in, Fill: fill);
    }

    static ImmutableArray<T> List<T>(CaseRandom r, int count, Func<CaseRandom, T> element)
    {
        var items = ImmutableArray.CreateBuilder<T>(count);
        for (var i = 0; i < count; i++)
            items.Add(element(r));
        return items.MoveToImmutable();
    }
}
