using System.Collections.Immutable;
using VhostLog.Models.Kernel;

namespace VhostLog.Simulator;

/// <summary>The three virtqueues of a vhost-scsi device, in the kernel's order.</summary>
public enum VirtQueue
{
    Control = 0,
    Event = 1,
    Io = 2,
}

/// <summary>What the header of a control-queue request asks for (the device reads it from the out descriptor).</summary>
public enum ControlRequest
{
    /// <summary>TMF LOGICAL UNIT RESET: handed to the target, answered later from the TMF work.</summary>
    LunReset,

    /// <summary>Any other TMF (e.g. ABORT TASK): vhost-scsi rejects it at once.</summary>
    AbortTask,

    /// <summary>Asynchronous notification query or subscribe: answered at once.</summary>
    AnQuery,
}

/// <summary>Where one virtqueue's used ring is in guest-physical memory (what VHOST_SET_VRING_ADDR's log_addr says).</summary>
public sealed record QueueLayout(ulong UsedRingGpa, uint Num);

/// <summary>What the VMM tells the device when migration starts.</summary>
/// <param name="LogBase">user address of the dirty bitmap (VHOST_SET_LOG_BASE)</param>
/// <param name="GuestPages">guest pages the bitmap covers, one bit each</param>
/// <param name="CommandSlots">I/O commands the device keeps (its tag pool)</param>
public sealed record DeviceLayout(ulong LogBase, ulong GuestPages, QueueLayout Control, QueueLayout Event, QueueLayout Io, int CommandSlots)
{
    public ulong BitmapBytes => (GuestPages + 7) / 8;

    public QueueLayout Queue(VirtQueue q) => q switch
    {
        VirtQueue.Control => Control,
        VirtQueue.Event => Event,
        _ => Io,
    };
}

/// <summary>A guest-physical range the device wrote.</summary>
public readonly record struct GuestWrite(ulong Gpa, ulong Length);

/// <summary>The outcome of one control-queue request: answered now (Writes), or a TMF whose answer comes from CompleteTmf(PendingTmf).</summary>
public sealed record ControlOutcome(ImmutableArray<GuestWrite> Writes, int? PendingTmf);

/// <summary>
/// The kernel side of a vhost-scsi device during a live migration: the
/// request path of each queue, as far as it writes guest memory and logs what
/// it wrote. The simulator plays guest, backend and VMM around it. The managed
/// implementation runs the model functions in .NET; a native one would run the
/// same sequence through the C of a tree in the harness worker.
/// </summary>
public interface IRequestPath
{
    /// <summary>The model state (or C variant) this path runs.</summary>
    string State { get; }

    /// <summary>VHOST_SET_LOG_BASE, the vrings' log addresses and VHOST_F_LOG_ALL: logging is on from here.</summary>
    void Start(DeviceLayout layout);

    /// <summary>The guest makes a descriptor chain available on a queue and kicks.</summary>
    void Post(VirtQueue queue, DescriptorChain chain);

    /// <summary>vhost_scsi_handle_vq for the next available request: the command's tag, its write descriptors kept for completion.</summary>
    int SubmitIo();

    /// <summary>The backend finished the command: its data and response are written, the used ring updated (vhost_scsi_complete_cmd_work).</summary>
    ImmutableArray<GuestWrite> CompleteIo(int tag);

    /// <summary>vhost_scsi_ctl_handle_vq for the next available control request.</summary>
    ControlOutcome HandleControl(ControlRequest request);

    /// <summary>vhost_scsi_tmf_resp_work: the target finished the TMF, its response goes out.</summary>
    ImmutableArray<GuestWrite> CompleteTmf(int pending);

    /// <summary>vhost_scsi_do_evt_work: an event goes to the next buffer the guest posted; empty when it posted none (the event is missed).</summary>
    ImmutableArray<GuestWrite> SendEvent();

    /// <summary>The VMM's log sync: every page whose bit is set, ascending; the bits are cleared.</summary>
    ImmutableArray<ulong> CollectDirtyPages();
}
