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

    void Step() => Runtime.Step();
}
