using System.Collections.Immutable;
using VhostLog.KernelTree;
using VhostLog.Simulator;

namespace VhostLog.Boot;

/// <summary>
/// One step the guest program reports (a request and its answer) and what
/// the answer must be in every variant: virtio-scsi response codes, SCSI
/// status and sense, event fields. Logging is judged apart, from the chain.
/// </summary>
/// <param name="Since">the model state from which the tree gives <see cref="Answer"/> (null: every tree)</param>
/// <param name="Before">what a tree before <see cref="Since"/> does instead (the table's reason to skip the answer)</param>
/// <param name="BeforeAnswer">the answer a tree before <see cref="Since"/>, or without <see cref="Needs"/>, must give instead (no skip then)</param>
/// <param name="Needs">a function of drivers/vhost/scsi.c the variant must define for <see cref="Answer"/> to hold</param>
/// <param name="Control">what a control-queue step asks for (the model replays it as that)</param>
/// <param name="FailsLogAllocation">the verification build fails the step's log allocation (the model replays that too)</param>
public sealed record StepSpec(string Step, VirtQueue Queue, string Answer, int DataPages = 0, string? Since = null, string? Before = null,
    string? BeforeAnswer = null, string? Needs = null, ControlRequest? Control = null, bool FailsLogAllocation = false);

/// <summary>A workload: in the guest (its steps), or on the host over other workloads' requests (model).</summary>
public sealed record WorkloadSpec(string Name, string Description, bool InGuest, ImmutableArray<StepSpec> Steps)
{
    /// <summary>Its requests are replayed on the managed model (workload 7).</summary>
    public bool Replayed => Name is "swapin" or "onoff" or "control" or "event" or "alloc-fail";
}

/// <summary>The workloads of `vhostlog boot` (guest/vlguest.c runs the guest side; docs/boot.md describes them).</summary>
public static class BootWorkloads
{
    // virtio-scsi response codes and SAM status (include/uapi/linux/virtio_scsi.h, SAM-5).
    const int Ok = 0, BadTarget = 3, FunctionSucceeded = 10, FunctionRejected = 11;
    const int Good = 0, CheckCondition = 2, TaskSetFull = 0x28, IllegalRequest = 5, LogicalUnitNotSupported = 0x25;
    const uint TransportReset = 1, EventsMissed = 0x8000_0000, Rescan = 1, Removed = 2;

    static string Scsi(int response, int status, int senseKey = 0, int asc = 0) =>
        $"response {response} status {status} sense {senseKey}/0x{asc:x2}";

    static string Event(uint e, uint reason, int lun) => $"event 0x{e:x} reason {reason} lun {lun}";

    public static ImmutableArray<WorkloadSpec> All { get; } =
    [
        new("swapin", "WRITE 8 pages, READ them back into 8 pages spread over guest memory (direct chain, then indirect table)", true,
        [
            new("write", VirtQueue.Io, Scsi(Ok, Good)),
            new("read-direct", VirtQueue.Io, Scsi(Ok, Good), 8),
            new("read-indirect", VirtQueue.Io, Scsi(Ok, Good), 8),
        ]),
        new("onoff", "READs with logging on, switched off, and on again while the device runs (migration start, end, retry)", true,
        [
            new("write", VirtQueue.Io, Scsi(Ok, Good)),
            new("read-on", VirtQueue.Io, Scsi(Ok, Good), 4),
            new("read-off", VirtQueue.Io, Scsi(Ok, Good), 4),
            new("read-on-again", VirtQueue.Io, Scsi(Ok, Good), 4),
        ]),
        new("control", "control queue: a TMF LUN RESET (answered from the TMF work), an ABORT TASK (rejected at once), an AN query", true,
        [
            new("lun-reset", VirtQueue.Control, $"response {FunctionSucceeded}", Control: ControlRequest.LunReset),
            new("abort-task", VirtQueue.Control, $"response {FunctionRejected}", Control: ControlRequest.AbortTask),
            new("an-query", VirtQueue.Control, $"response {Ok}", Control: ControlRequest.AnQuery),
        ]),
        new("event", "event queue: VHOST_SCSI_SET_EVENTS_MISSED and a kick, then a LUN hot-added and hot-removed through configfs", true,
        [
            new("events-missed", VirtQueue.Event, Event(EventsMissed, 0, 0)),
            new("lun-added", VirtQueue.Event, Event(TransportReset, Rescan, 1)),
            new("lun-removed", VirtQueue.Event, Event(TransportReset, Removed, 1)),
        ]),
        new("errors", "error paths the guest reaches: a target that does not exist (BAD TARGET), a LUN that does not exist, a TMF to a missing target", true,
        [
            new("bad-target", VirtQueue.Io, Scsi(BadTarget, Good)),
            new("bad-lun", VirtQueue.Io, Scsi(Ok, CheckCondition, IllegalRequest, LogicalUnitNotSupported)),
            new("tmf-bad-target", VirtQueue.Control, $"response {BadTarget}", Control: ControlRequest.LunReset, Since: "BadTargetIter",
                Before: "the tree lacks patch 2: vhost_scsi_send_bad_target() copies a whole command response over the TMF's 1-byte response"),
        ]),
        new("alloc-fail", "the series' verification build fails the next log allocation: the READ gets the tree's answer (TASK SET FULL, or BAD TARGET without it), the next READ is served, a TMF whose log cannot be kept is rejected", true,
        [
            new("io-log-alloc", VirtQueue.Io, Scsi(Ok, TaskSetFull), Needs: "vhost_scsi_send_status", BeforeAnswer: Scsi(BadTarget, Good),
                FailsLogAllocation: true),
            new("io-after", VirtQueue.Io, Scsi(Ok, Good)),
            new("tmf-log-alloc", VirtQueue.Control, $"response {FunctionRejected}", Control: ControlRequest.LunReset, FailsLogAllocation: true),
        ]),
        new("migrate", "a pre-copy live migration of guest memory while a READ/WRITE stream runs; destination compared page by page", true, []),
        new("model", "the requests of swapin, onoff, control, event and alloc-fail replayed on the managed model: it must predict the real bitmap bit for bit", false, []),
        new("selftest-hang", "the guest never finishes (checks the host's time limit)", true, []),
        new("selftest-panic", "the guest kernel panics (checks that the host reports it with the console)", true, []),
    ];

    /// <summary>What `vhostlog boot` runs without --workload: all but the self-tests.</summary>
    public static ImmutableArray<string> Default { get; } =
        [.. All.Where(w => !w.Name.StartsWith("selftest-", StringComparison.Ordinal)).Select(w => w.Name)];

    public static WorkloadSpec Get(string name) =>
        All.FirstOrDefault(w => w.Name == name)
        ?? throw new UsageException($"--workload {name}: no such workload; pick from {string.Join(", ", All.Select(w => w.Name))}");

    /// <summary>The guest-physical page of a queue's used ring (what log_used() marks).</summary>
    public static ulong UsedRingPage(VirtQueue q) => GuestLayout.Page(GuestLayout.UsedRing(q));

    /// <summary>The step a guest record reports.</summary>
    /// <exception cref="FormatException">the guest reported a step this host does not know (guest and host disagree)</exception>
    public static StepSpec StepOf(GuestRequest r) =>
        All.FirstOrDefault(w => w.Name == r.Workload)?.Steps.FirstOrDefault(s => s.Step == r.Step)
        ?? throw new FormatException($"the guest reported step {r.Workload}/{r.Step}, which BootWorkloads does not describe");

    public static VirtQueue QueueOf(string name) => name switch
    {
        "control" => VirtQueue.Control,
        "event" => VirtQueue.Event,
        "io" => VirtQueue.Io,
        _ => throw new FormatException($"the guest reported a request on queue '{name}'"),
    };

    /// <summary>The pages a chain lets the device write (its write descriptors).</summary>
    public static ImmutableSortedSet<ulong> WrittenPages(GuestRequest r) =>
        r.Chain.Where(b => b.Write && b.Len > 0)
            .SelectMany(b => Enumerable.Range(0, (int)((b.Gpa + b.Len - 1) / GuestLayout.PageSize - b.Gpa / GuestLayout.PageSize + 1))
                .Select(k => b.Gpa / GuestLayout.PageSize + (ulong)k))
            .ToImmutableSortedSet();

    /// <summary>
    /// The guest's memory and where it keeps what it shares with the device:
    /// the simulator's layout (GuestLayout), so that the model replays the
    /// same guest-physical addresses. Written into /plan.
    /// </summary>
    public const ulong GuestPages = 4096;

    public static string LayoutPlan()
    {
        var lines = new List<string>
        {
            $"pages {GuestPages}",
            $"queue_size {GuestLayout.QueueSize}",
            $"first_data_page {GuestLayout.FirstDataPage}",
            $"io_buffer_page {GuestLayout.Page(GuestLayout.IoBuffer(0))}",
            $"control_buffer_page {GuestLayout.Page(GuestLayout.ControlBuffer(0))}",
            $"event_buffer_page {GuestLayout.Page(GuestLayout.EventBuffer(0))}",
            $"indirect_table_page {GuestLayout.IndirectTablePage}",
            $"buffer_size {GuestLayout.BufferSize}",
            $"resp_offset {GuestLayout.RespOffset}",
        };
        foreach (var q in Enum.GetValues<VirtQueue>())
            lines.Add($"ring {(int)q} {GuestLayout.Page(GuestLayout.DescTable(q))} {GuestLayout.Page(GuestLayout.AvailRing(q))} {UsedRingPage(q)}");
        return string.Join("\n", lines) + "\n" + MigrationStream.Plan();
    }
}
