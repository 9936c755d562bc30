namespace VhostLog.Models.Kernel;

/// <summary>
/// The state of one run of the managed kernel: the VMM's user memory, what
/// the kernel APIs counted, the faults and races injected into them, and the
/// step budget that tells a hung run. Reset() starts the next run.
/// </summary>
public sealed class KernelRuntime
{
    /// <summary>The VMM's user memory (where the dirty log lives).</summary>
    public UserMemory Memory { get; } = new();

    /// <summary>How many WARN_ON_ONCE conditions were true.</summary>
    public int Warnings { get; internal set; }

    /// <summary>Messages vq_err() printed.</summary>
    public List<string> VqErrors { get; } = [];

    /// <summary>Fault injection: this many kmalloc_array() calls succeed, then they fail (null: never fail).</summary>
    public int? AllocationsBeforeFailure { get; set; }

    /// <summary>
    /// A race injected into vhost_enable_notify(): the avail->idx the guest
    /// publishes just before the second look at the ring (a buffer slipped
    /// in while notification was off); null: the guest does nothing.
    /// </summary>
    public u16? AvailIdxAtNotify { get; set; }

    /// <summary>Buffers kmalloc_array() handed out and kfree() has not taken back.</summary>
    public int LiveAllocations { get; internal set; }

    /// <summary>kmalloc_array() calls that returned a buffer since the last Reset().</summary>
    public int Allocations { get; internal set; }

    /// <summary>
    /// Bytes those buffers were asked for (n * size): a wrong element size is
    /// visible here even when the copy that follows happens to fit.
    /// </summary>
    public ulong AllocatedBytes { get; internal set; }

    /// <summary>
    /// Kernel API calls allowed per run before the run counts as hung. The
    /// native worker stops a call at the same number of set_bit_to_user()
    /// calls (one of the calls counted here), and any other endless loop
    /// by a timeout.
    /// </summary>
    public long StepLimit { get; set; } = DefaultStepLimit;

    /// <summary>The step limit a run starts with.</summary>
    public const long DefaultStepLimit = 50_000_000;

    /// <summary>
    /// set_bit_to_user() calls since the last Reset(), faulting ones included:
    /// each one is a page pin in the kernel, the cost the benchmarks count.
    /// </summary>
    public long SetBitToUserCalls { get; internal set; }

    long steps;

    /// <summary>Forgets all state of the previous run.</summary>
    public void Reset()
    {
        Memory.Clear();
        Warnings = 0;
        steps = 0;
        VqErrors.Clear();
        LiveAllocations = 0;
        Allocations = 0;
        AllocatedBytes = 0;
        SetBitToUserCalls = 0;
        AvailIdxAtNotify = null;
    }

    /// <summary>Counts one kernel API call against StepLimit.</summary>
    internal void Step()
    {
        if (++steps > StepLimit)
            throw new KernelHangException(StepLimit);
    }
}
