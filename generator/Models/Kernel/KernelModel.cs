namespace VhostLog.Models.Kernel;

/// <summary>
/// The kernel API the models call, with the managed implementation of each
/// (the managed kernel runtime). Every [Extern] here must also be in
/// harness/shim/externs.list with a C implementation in the shim.
/// </summary>
/// <remarks>
/// The APIs are split into partial files named after the kernel header that
/// declares them (KernelModel.Uaccess.cs: linux/uaccess.h), as the shim
/// under harness/shim is; the state they share is the Runtime.
/// </remarks>
public abstract partial class KernelModel
{
    /// <summary>This model's run: user memory, counters, fault injection.</summary>
    public KernelRuntime Runtime { get; } = new();

    // The harness reads and sets the run's state through the model.

    /// <inheritdoc cref="KernelRuntime.Memory"/>
    public UserMemory Memory => Runtime.Memory;

    /// <inheritdoc cref="KernelRuntime.Warnings"/>
    public int Warnings => Runtime.Warnings;

    /// <inheritdoc cref="KernelRuntime.VqErrors"/>
    public List<string> VqErrors => Runtime.VqErrors;

    /// <inheritdoc cref="KernelRuntime.AllocationsBeforeFailure"/>
    public int? AllocationsBeforeFailure
    {
        get => Runtime.AllocationsBeforeFailure;
        set => Runtime.AllocationsBeforeFailure = value;
    }

    /// <inheritdoc cref="KernelRuntime.AvailIdxAtNotify"/>
    public u16? AvailIdxAtNotify
    {
        get => Runtime.AvailIdxAtNotify;
        set => Runtime.AvailIdxAtNotify = value;
    }

    /// <inheritdoc cref="KernelRuntime.LiveAllocations"/>
    public int LiveAllocations => Runtime.LiveAllocations;

    /// <inheritdoc cref="KernelRuntime.Allocations"/>
    public int Allocations => Runtime.Allocations;

    /// <inheritdoc cref="KernelRuntime.AllocatedBytes"/>
    public ulong AllocatedBytes => Runtime.AllocatedBytes;

    /// <inheritdoc cref="KernelRuntime.StepLimit"/>
    public long StepLimit
    {
        get => Runtime.StepLimit;
        set => Runtime.StepLimit = value;
    }

    /// <inheritdoc cref="KernelRuntime.SetBitToUserCalls"/>
    public long SetBitToUserCalls => Runtime.SetBitToUserCalls;

    /// <inheritdoc cref="KernelRuntime.Reset"/>
    public void Reset() => Runtime.Reset();

    void Step() => Runtime.Step();
}
