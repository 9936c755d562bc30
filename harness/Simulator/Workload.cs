using System.Collections.Immutable;

namespace VhostLog.Simulator;

/// <summary>The guest's activity during the migration.</summary>
public enum WorkloadKind
{
    /// <summary>Swap-in: SCSI READs of page clusters into scattered guest pages (the scenario of the systemd crash reported with the upstream series).</summary>
    Swapin,

    /// <summary>READs and WRITEs, with the guest's own CPU writing data pages too.</summary>
    Mixed,

    /// <summary>Control-queue TMF and AN requests and event-queue events only.</summary>
    CtlEvt,

    /// <summary>The I/O stream of `vhostlog boot`'s migration workload (<see cref="MigrationStream"/>), for a side-by-side with the real kernel.</summary>
    Stream,
}

/// <summary>
/// The request mix the boot stage's guest program keeps going while it
/// migrates its own memory, described once: the guest reads these numbers
/// from its /plan, the simulator's "stream" workload draws from them. Three
/// requests in four READ a group of pages of the read area (swap-in); the
/// fourth WRITEs a group of the write area, whose pages the guest's CPU
/// fills first (swap-out). Areas are in pages from GuestLayout.FirstDataPage.
/// </summary>
public static class MigrationStream
{
    public const ulong ReadArea = 64, ReadPages = 256, WriteArea = ReadArea + ReadPages, WritePages = 64;
    public const int GroupPages = 4, ReadsInFour = 3;

    /// <summary>The smallest guest the stream fits in.</summary>
    public const ulong MinGuestPages = GuestLayout.FirstDataPage + WriteArea + WritePages;

    /// <summary>The lines of the guest's /plan that carry the stream.</summary>
    public static string Plan() =>
        $"stream_read_area {ReadArea}\nstream_read_pages {ReadPages}\nstream_write_area {WriteArea}\n" +
        $"stream_write_pages {WritePages}\nstream_group {GroupPages}\nstream_reads_in_4 {ReadsInFour}\n";
}

/// <summary>One thing the guest (or the target, for events) does.</summary>
public abstract record GuestOp;

/// <summary>A SCSI READ: the device writes Pages (one data-in descriptor each).</summary>
public sealed record IoRead(ImmutableArray<ulong> Pages) : GuestOp;

/// <summary>A SCSI WRITE: the device reads Pages (data-out descriptors) and writes only the response.</summary>
public sealed record IoWrite(ImmutableArray<ulong> Pages) : GuestOp;

public sealed record Control(ControlRequest Request) : GuestOp;

/// <summary>The target raises an event (a LUN hot-plug or rescan) that vhost-scsi sends on the event queue.</summary>
public sealed record Event : GuestOp;

/// <summary>The guest's CPU writes a page (tracked by KVM's dirty log, not vhost's).</summary>
public sealed record CpuWrite(ulong Page) : GuestOp;

/// <summary>The names --workload accepts.</summary>
public static class Workloads
{
    public static readonly ImmutableArray<(string Name, WorkloadKind Kind)> Names =
        [("swapin", WorkloadKind.Swapin), ("mixed", WorkloadKind.Mixed), ("ctl-evt", WorkloadKind.CtlEvt), ("stream", WorkloadKind.Stream)];

    public static string Name(WorkloadKind kind) => Names.First(n => n.Kind == kind).Name;

    public static WorkloadKind? Parse(string name) =>
        Names.Where(n => n.Name == name).Select(n => (WorkloadKind?)n.Kind).FirstOrDefault();
}

/// <summary>
/// The seeded sequence of guest operations of one workload: the same seed
/// gives the same requests whatever the request path does with them, so
/// before and after see the same guest.
/// </summary>
public sealed class Workload(WorkloadKind kind, GuestLayout layout, Random random)
{
    // Linux swaps in clusters of 2^page-cluster pages (default 3).
    const int SwapCluster = 8;

    /// <summary>The operations of one guest request (a request and, for mixed, the CPU writes around it).</summary>
    public ImmutableArray<GuestOp> Next() => kind switch
    {
        WorkloadKind.Swapin => [new IoRead(DataPages(ClusterSize()))],
        WorkloadKind.Mixed => [
            random.Next(2) == 0 ? new IoRead(DataPages(ClusterSize())) : new IoWrite(DataPages(ClusterSize())),
            new CpuWrite(DataPages(1)[0])],
        WorkloadKind.Stream => StreamRequest(),
        _ => [random.Next(2) == 0
            ? new Control((ControlRequest)random.Next(3))
            : new Event()],
    };

    ImmutableArray<GuestOp> StreamRequest()
    {
        var read = random.Next(4) < MigrationStream.ReadsInFour;
        var (area, size) = read ? (MigrationStream.ReadArea, MigrationStream.ReadPages) : (MigrationStream.WriteArea, MigrationStream.WritePages);
        var group = (ulong)random.NextInt64((long)(size / MigrationStream.GroupPages));
        var pages = Enumerable.Range(0, MigrationStream.GroupPages)
            .Select(k => GuestLayout.FirstDataPage + area + group * MigrationStream.GroupPages + (ulong)k).ToImmutableArray();
        return read
            ? [new IoRead(pages)]
            : [.. pages.Select(p => (GuestOp)new CpuWrite(p)), new IoWrite(pages)];
    }

    // Mostly full clusters; readahead is cut short near holes.
    int ClusterSize() => random.Next(4) == 0 ? random.Next(1, SwapCluster) : SwapCluster;

    /// <summary>Distinct data pages, scattered as freshly allocated pages are.</summary>
    ImmutableArray<ulong> DataPages(int count)
    {
        var pages = ImmutableArray.CreateBuilder<ulong>(count);
        while (pages.Count < count)
        {
            var page = GuestLayout.FirstDataPage + (ulong)random.NextInt64((long)layout.DataPages);
            if (!pages.Contains(page))
                pages.Add(page);
        }
        return pages.MoveToImmutable();
    }
}
