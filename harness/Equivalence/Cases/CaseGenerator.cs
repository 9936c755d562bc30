using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using VhostLog.Equivalence.Protocol;

namespace VhostLog.Equivalence.Cases;

/// <summary>
/// FsCheck generators for the inputs the harness must reach: page
/// boundaries, zero lengths, U64_MAX and wrapping sums, bitmaps that are
/// unmapped, partly mapped or near the top of the address space, IOTLB maps
/// with aliases and gaps, log arrays with partial lengths.
/// </summary>
public static class CaseGenerator
{
    const ulong Page = 4096;

    /// <summary>Where the VMM keeps the bitmap in the common case.</summary>
    public const ulong BitmapBase = 0x7f00_0000_0000;

    /// <summary>Where guest memory sits in the VMM's address space (host-virtual).</summary>
    public const ulong GuestHva = 0x5555_0000_0000;

    // The generators are built once: a property would build its tree anew on
    // every use, and they are used inside per-case lambdas. Same trees, same
    // draws; field order matters (each is built from those above it).
    static readonly Gen<(int, int)> TwoInts = Gen.Choose(0, int.MaxValue).Two();

    static Gen<ulong> U64(ulong low, ulong high) =>
        TwoInts.Select(t => low + (((ulong)(uint)t.Item1 << 31) ^ (uint)t.Item2) % (high - low + 1));

    static readonly Gen<int> GuestPageDelta = Gen.Elements(0, 1, 2, -1, -2, 2048);
    static readonly Gen<int> HostPageDelta = Gen.Elements(0, 1, -1, 100, 4095);
    static readonly Gen<int> Wrap = Gen.Choose(1, 5000);

    static readonly Gen<ulong> Any64 =
        Gen.Choose(0, int.MaxValue).Three().Select(t => ((ulong)(uint)t.Item1 << 33) ^ ((ulong)(uint)t.Item2 << 11) ^ (uint)t.Item3);

    /// <summary>Guest-physical addresses: mostly low memory near page boundaries, sometimes anywhere.</summary>
    public static readonly Gen<ulong> GuestAddress =
        Gen.Frequency(
            (5, from page in Gen.Choose(0, 300) from delta in GuestPageDelta select (ulong)((long)page * (long)Page + delta) & 0xffff_ffff_ffff),
            (3, U64(0, 1 << 20)),
            (1, from d in Gen.Choose(0, 8192) select ulong.MaxValue - (ulong)d),
            (1, Any64));

    /// <summary>Lengths: 0, around a page, small, 32-bit descriptor sizes, U64_MAX and sums that wrap.</summary>
    public static Gen<ulong> Length(ulong address) =>
        Gen.Frequency(
            (2, Gen.Elements(0UL, 1UL, 2UL, Page - 1, Page, Page + 1, 2 * Page)),
            (5, U64(1, 5 * Page)),
            (1, U64(1, uint.MaxValue)),
            (1, from d in Gen.Choose(0, 2) select ulong.MaxValue - (ulong)d),
            (1, from d in Gen.Choose(0, 8192) select 0UL - address + (ulong)d));

    /// <summary>The bitmap's placement and which of its bytes exist.</summary>
    public static readonly Gen<(ulong LogBase, ImmutableArray<UserRange> Mapped)> Bitmap =
        Gen.Frequency(
            (6, from pages in Gen.Choose(1, 2) select (BitmapBase, ImmutableArray.Create(new UserRange(BitmapBase, (ulong)pages * Page)))),
            (2, from bytes in Gen.Choose(1, 24) select (BitmapBase, ImmutableArray.Create(new UserRange(BitmapBase, (ulong)bytes)))),
            (1, from skip in Gen.Choose(1, 16) select (BitmapBase, ImmutableArray.Create(new UserRange(BitmapBase + (ulong)skip, Page)))),
            (1, Gen.Constant((0UL, ImmutableArray<UserRange>.Empty))),
            (1, Gen.Constant((BitmapBase, ImmutableArray<UserRange>.Empty))),
            (1, from back in Gen.Choose(1, 64) select (ulong.MaxValue - (ulong)back + 1,
                ImmutableArray.Create(new UserRange(ulong.MaxValue - (ulong)back + 1, (ulong)back), new UserRange(0, Page)))));

    /// <summary>The memory table: guest ranges at host-virtual addresses, with aliases and gaps.</summary>
    static readonly Gen<ulong> MapSize = Gen.Elements(1UL, Page - 1, Page, 2 * Page, 3 * Page + 7, 16 * Page);
    static readonly Gen<int> HvaPage = Gen.Choose(0, 8);
    static readonly Gen<bool> Alias = Gen.Elements(false, false, true);

    static readonly Gen<UmemMap> UmemEntry =
        from gpaPage in Gen.Choose(0, 64)
        from size in MapSize
        from hvaPage in HvaPage
        from alias in Alias
        select new UmemMap((ulong)gpaPage * Page, size, GuestHva + (alias ? 0 : (ulong)hvaPage * Page));

    public static readonly Gen<ImmutableArray<UmemMap>> Umem =
        from n in Gen.Choose(0, 4)
        from maps in UmemEntry.ListOf(n)
        select maps.ToImmutableArray();

    public static readonly Gen<ulong> HostAddress =
        Gen.Frequency(
            (6, from page in Gen.Choose(0, 12) from delta in HostPageDelta select GuestHva + (ulong)((long)page * (long)Page + delta)),
            (1, U64(0, GuestHva)),
            (1, Any64));

    public static Gen<LogCase> For(Function function) => function switch
    {
        Function.log_write =>
            from bitmap in Bitmap
            from addr in GuestAddress
            from len in Length(addr)
            select new LogCase(function, bitmap.LogBase, bitmap.Mapped, false, [], false, addr, len, [], []),
        Function.log_write_hva =>
            from bitmap in Bitmap
            from umem in Umem
            from hva in HostAddress
            from len in Gen.Frequency((4, U64(0, 4 * Page)), (1, Length(hva)))
            select new LogCase(function, bitmap.LogBase, bitmap.Mapped, true, umem, false, hva, len, [], []),
        Function.vhost_log_write =>
            from bitmap in Bitmap
            from iotlb in OneInFour
            from logCtx in FourInFive
            from umem in Umem
            from log in LogArray
            from niov in Gen.Choose(0, 3)
            from iov in HostIovec.ListOf(niov)
            from len in TotalLength(log)
            select new LogCase(function, bitmap.LogBase, bitmap.Mapped, iotlb, iotlb ? umem : [], logCtx, 0, len, log, iov.ToImmutableArray()),
        Function.vhost_scsi_log_write =>
            from bitmap in Bitmap
            from logAll in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
            from otherFeatures in Gen.Elements(0UL, 1UL << 32, 1UL << 33 | 1UL << 28)
            from iotlb in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
            from logCtx in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
            from log in LogArray
            from nullLog in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
            select new LogCase(function, bitmap.LogBase, bitmap.Mapped, iotlb, [], logCtx, 0, 0, log, [],
                Features: otherFeatures | (logAll ? 1UL << VhostFLogAll : 0), NullLog: nullLog),
        Function.vhost_scsi_copy_cmd_log =>
            // log_num <= iov_limit: vhost_get_vq_desc() never collects more
            // write descriptors than the iovecs it may fill.
            from iovLimit in Gen.Frequency((6, Gen.Choose(1, 16)), (1, Gen.Elements(64, Wire.UioMaxIov)))
            from n in Gen.Choose(0, Math.Min(iovLimit, 16))
            from log in (from a in GuestAddress from l in U64(0, uint.MaxValue) select new LogEntry(a, l)).ListOf(n)
            from prior in Gen.Frequency((1, Gen.Constant(0)), (1, Gen.Choose(1, Math.Min(iovLimit, 16))))
            from failAfter in Gen.Frequency((5, Gen.Constant(-1)), (1, Gen.Constant(0)), (1, Gen.Constant(1)))
            select new LogCase(function, 0, [], false, [], false, 0, 0, log.ToImmutableArray(), [],
                IovLimit: iovLimit, PriorLog: prior, AllocationsBeforeFailure: failAfter),
        Function.vhost_scsi_copy_tmf_log =>
            // The control queue copies only when log_num >= 1 (its caller
            // checks), and never more than the iov_limit entries of vq->log;
            // both bounds are drawn on purpose.
            from iovLimit in Gen.Frequency((6, Gen.Choose(1, 16)), (1, Gen.Elements(64, Wire.UioMaxIov)))
            from n in Gen.Frequency((5, Gen.Choose(1, Math.Min(iovLimit, 16))), (1, Gen.Constant(1)), (1, Gen.Constant(iovLimit)))
            from log in (from a in GuestAddress from l in U64(0, uint.MaxValue) select new LogEntry(a, l)).ListOf(n)
            from failAfter in Gen.Frequency((5, Gen.Constant(-1)), (1, Gen.Constant(0)), (1, Gen.Constant(1)))
            select new LogCase(function, 0, [], false, [], false, 0, 0, log.ToImmutableArray(), [],
                IovLimit: iovLimit, AllocationsBeforeFailure: failAfter),
        Function.vhost_scsi_destroy_vq_log =>
            // max_cmds 0 (an empty loop) to a few dozen; scsi_cmds NULL with
            // max_cmds kept, as after vhost_scsi_destroy_vq_cmds().
            from iovLimit in Gen.Choose(1, 16)
            from max in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 8)), (1, Gen.Choose(9, 64)))
            from commands in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Choose(1, iovLimit))).ListOf(max)
            from nullCommands in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
            select new LogCase(function, 0, [], false, [], false, 0, 0, [], [],
                IovLimit: iovLimit, Commands: commands.ToImmutableArray(), NullCommands: nullCommands),
        Function.vhost_scsi_send_status =>
            from r in Response
            from status in Gen.Frequency((3, Gen.Elements(0, 2, 8, 0x28)), (1, Gen.Choose(0, 255)))
            select r with { Function = function, Kind = status },
        Function.vhost_scsi_send_bad_target =>
            // TYPE_IO_CMD, TYPE_CTRL_TMF, TYPE_CTRL_AN, and a value no caller
            // passes (answered as AN by the else branch).
            from r in Response
            from type in Gen.Frequency((6, Gen.Choose(0, 2)), (1, Gen.Elements(3, 255)))
            select r with { Function = function, Kind = type },
        Function.vhost_scsi_destroy_logs =>
            // No I/O queue to eight of them, each with no command to a few
            // dozen; some queues without commands (scsi_cmds NULL).
            from iovLimit in Gen.Choose(1, 16)
            from ioQueues in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 4)), (1, Gen.Choose(5, 8)))
            from perQueue in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 8)), (1, Gen.Choose(9, 32)))
            from commands in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Choose(1, iovLimit))).ListOf(ioQueues * perQueue)
            from nullQueues in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(0, (1 << ioQueues) - 1)))
            select new LogCase(function, 0, [], false, [], false, 0, 0, [], [],
                IovLimit: iovLimit, Commands: commands.ToImmutableArray(), Out: 2 + ioQueues, In: perQueue, Kind: nullQueues),
        // Built from one drawn seed: the rings are bytes laid out imperatively (RingCases).
        Function.vhost_scsi_get_desc =>
            from seed in Gen.Choose(0, int.MaxValue)
            select RingCases.Build(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(function)),
    };

    /// <summary>Where the response buffers live (host-virtual, away from the guest memory of the log cases).</summary>
    public const ulong ResponseHva = GuestHva + 0x1000_0000;

    const int ResponsePages = 8;

    /// <summary>
    /// One page of the response area: unmapped, mapped, or mapped only before
    /// or after a cut, so that a copy faults part-way through an iovec.
    /// </summary>
    static Gen<(int Kind, int Cut)> ResponsePage =>
        from kind in Gen.Frequency((1, Gen.Constant(0)), (5, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3)))
        from cut in Gen.Frequency((1, Gen.Elements(1, 11, 12, 107, 108, 2048, 4095)), (1, Gen.Choose(1, (int)Page - 1)))
        select (kind, cut);

    static UserRange? ResponseRange(int page, (int Kind, int Cut) p)
    {
        var start = ResponseHva + (ulong)page * Page;
        return p.Kind switch
        {
            1 => new UserRange(start, Page),
            2 => new UserRange(start, (ulong)p.Cut),
            3 => new UserRange(start + (ulong)p.Cut, Page - (ulong)p.Cut),
            _ => null,
        };
    }

    /// <summary>
    /// A response iovec: a length of 0, 1, a few bytes, about one response
    /// (108 bytes for a command, 1 for TMF, 5 for AN) or more, at a page
    /// start, a page end or anywhere in the response area.
    /// </summary>
    static Gen<IoVec> ResponseIovec =>
        from len in Gen.Frequency(
            (2, Gen.Elements(0UL, 1UL)),
            (3, U64(2, 16)),
            (2, Gen.Elements(4UL, 5UL, 6UL, 10UL, 11UL, 12UL, 107UL, 108UL, 109UL)),
            (2, U64(17, 200)),
            (1, U64(201, 3 * Page)))
        from page in Gen.Choose(0, ResponsePages - 1)
        from offset in Gen.Frequency(
            (2, Gen.Constant(0UL)),
            (2, from back in Gen.Elements(1UL, 5UL, 11UL, 50UL, 107UL, 108UL) select Page - back),
            (2, U64(0, Page - 1)))
        from stray in Gen.Frequency((12, Gen.Constant(false)), (1, Gen.Constant(true)))
        from anywhere in Any64
        select new IoVec(stray ? anywhere : ResponseHva + (ulong)page * Page + offset, len);

    /// <summary>
    /// A request's iovecs: out device-readable ones (never written), then in
    /// response iovecs (1..N, sometimes none, sometimes in larger than the
    /// iovecs given, whose remaining vq->iov entries are zero), memory filled
    /// with a non-zero byte (mostly) so the zeros of a response show.
    /// </summary>
    static Gen<LogCase> Response =>
        from pages in ResponsePage.ListOf(ResponsePages)
        from @out in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Choose(2, 4)))
        from @in in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 3)), (2, Gen.Choose(4, 8)))
        from iov in ResponseIovec.ListOf(@out + @in)
        from missing in Gen.Frequency((8, Gen.Constant(0)), (1, Gen.Choose(1, 2)))
        from head in Gen.Frequency((4, Gen.Choose(0, 255)), (1, Gen.Choose(256, 0xffff)), (1, Gen.Elements(0, 0x7fff_ffff)))
        from fill in Gen.Frequency((1, Gen.Constant((byte)0)), (3, Gen.Constant((byte)0xa5)), (1, Gen.Elements((byte)0xff, (byte)3)))
        select new LogCase(Function.vhost_scsi_send_status, 0,
            pages.Select((p, i) => ResponseRange(i, p)).Where(r => r is not null).Select(r => r!.Value).ToImmutableArray(), false, [], false, 0, 0, [],
            iov.Take(Math.Max(0, @out + @in - missing)).ToImmutableArray(),
            Head: head, Out: @out, In: @in, Fill: fill);

    /// <summary>The feature bit that turns dirty logging on (uapi vhost_types.h).</summary>
    public const int VhostFLogAll = 26;

    static readonly Gen<bool> OneInFour = Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)));
    static readonly Gen<bool> FourInFive = Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)));
    static readonly Gen<ulong> UpToThreePages = U64(0, 3 * Page);
    static readonly Gen<IoVec> HostIovec = from b in HostAddress from l in UpToThreePages select new IoVec(b, l);
    static readonly Gen<ulong> LogEntryLength = Gen.Frequency((1, Gen.Constant(0UL)), (6, U64(1, 3 * Page)), (1, U64(1, uint.MaxValue)));
    static readonly Gen<LogEntry> LogArrayEntry = from a in GuestAddress from l in LogEntryLength select new LogEntry(a, l);

    static readonly Gen<ImmutableArray<LogEntry>> LogArray =
        from n in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 4)), (1, Gen.Choose(5, 8)))
        from entries in LogArrayEntry.ListOf(n)
        select entries.ToImmutableArray();

    /// <summary>The len argument: the exact total, part of it, more than the log holds, 0 or U64_MAX.</summary>
    static Gen<ulong> TotalLength(ImmutableArray<LogEntry> log)
    {
        var total = log.Aggregate(0UL, (s, e) => s + e.Len);
        return Gen.Frequency(
            (4, Gen.Constant(total)),
            (3, total == 0 ? Gen.Constant(0UL) : U64(0, total)),
            (1, from extra in Wrap select total + (ulong)extra),
            (1, Gen.Constant(0UL)),
            (2, Gen.Constant(ulong.MaxValue)));
    }

    /// <summary>count cases for a function, reproducible from seed.</summary>
    public static IReadOnlyList<LogCase> Sample(Function function, int count, ulong seed, int size = 50) =>
        count == 0 ? [] : Gen.Sample(For(function).Where(Runner.Shrinker.Valid), count, new Rnd(seed), size);

    /// <summary>
    /// The cases of <see cref="Sample"/> (same seed, same cases, same
    /// order), handed to <paramref name="take"/> one at a time as they are
    /// drawn, so that a consumer can run the first ones while the rest are
    /// still being drawn. FsCheck threads one Rnd through the samples one
    /// after another, and a Select after the Where runs once per accepted
    /// sample, in order.
    /// </summary>
    public static void Draw(Function function, int count, ulong seed, Action<LogCase> take, int size = 50)
    {
        if (count == 0)
            return;
        _ = Gen.Sample(For(function).Where(Runner.Shrinker.Valid).Select(c =>
        {
            take(c);
            return c;
        }), count, new Rnd(seed), size);
    }
}
