namespace VhostLog.Simulator;

/// <summary>
/// Where the guest keeps what it shares with the device, in guest-physical
/// pages: per queue a descriptor table, an avail ring and a used ring page,
/// then small buffers for request headers and responses, then data pages
/// (the page cache and swapped-in anonymous memory of a busy guest).
/// </summary>
public sealed record GuestLayout(ulong Pages)
{
    public const ulong PageSize = 4096;
    public const uint QueueSize = 256;

    /// <summary>virtio_scsi_cmd_req / _resp, virtio_scsi_ctrl_tmf_req / _resp, virtio_scsi_ctrl_an_req / _resp, virtio_scsi_event.</summary>
    public const uint CmdReqSize = 51, CmdRespSize = 108, TmfReqSize = 51, TmfRespSize = 1, AnReqSize = 40, AnRespSize = 8, EventSize = 16;

    /// <summary>A request buffer: header at 0, response at RespOffset (the guest allocates both together).</summary>
    public const ulong BufferSize = 256, RespOffset = 64;

    public const int IoBuffers = 128, ControlBuffers = 16, EventBuffers = 16;

    const ulong IoBufferPage = 9, ControlBufferPage = IoBufferPage + IoBuffers * BufferSize / PageSize, EventBufferPage = ControlBufferPage + 1;

    /// <summary>
    /// Where the guest's virtio driver keeps indirect descriptor tables (the
    /// native engine posts multi-descriptor chains through them, as Linux does
    /// with VIRTIO_RING_F_INDIRECT_DESC). The device only reads them, so the
    /// simulator does not track the page's contents.
    /// </summary>
    public const ulong IndirectTablePage = EventBufferPage + 1;

    /// <summary>The first page the workload reads data into or writes data from.</summary>
    public const ulong FirstDataPage = 20;

    /// <summary>The smallest guest that leaves room for data.</summary>
    public const ulong MinPages = FirstDataPage + 64;

    public ulong DataPages => Pages - FirstDataPage;

    public static ulong DescTable(VirtQueue q) => (ulong)q * 3 * PageSize;

    public static ulong AvailRing(VirtQueue q) => ((ulong)q * 3 + 1) * PageSize;

    public static ulong UsedRing(VirtQueue q) => ((ulong)q * 3 + 2) * PageSize;

    public static ulong IoBuffer(int i) => IoBufferPage * PageSize + (ulong)i * BufferSize;

    public static ulong ControlBuffer(int i) => ControlBufferPage * PageSize + (ulong)i * BufferSize;

    public static ulong EventBuffer(int i) => EventBufferPage * PageSize + (ulong)i * EventSize;

    public static ulong Page(ulong gpa) => gpa / PageSize;

    /// <summary>What a guest page holds, for reports.</summary>
    public static string Region(ulong page) => page switch
    {
        < IoBufferPage => $"{(VirtQueue)(page / 3)} queue {(page % 3) switch { 0 => "descriptor table", 1 => "avail ring", _ => "used ring" }}",
        < ControlBufferPage => "I/O request buffers",
        < EventBufferPage => "control request buffers",
        EventBufferPage => "event buffers",
        IndirectTablePage => "indirect descriptor tables",
        _ => "data",
    };
}
