using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Protocol;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Equivalence.Engines.Drivers;

/// <summary>
/// One case about to run on a model state: the virtqueue the engine set up
/// (user memory, umem, log base and eventfd already in place), and whether
/// the C compared has the function in its form before the patch that
/// changed its signature.
/// </summary>
public sealed record ModelCall(BeforeFixes Model, string State, vhost_virtqueue Vq, LogCase Case, bool OldForm)
{
    /// <summary>The model as the state that brings what the driver calls; a state without it is a bug in Supports.</summary>
    public T As<T>(string what) where T : BeforeFixes =>
        Model as T ?? throw new InvalidOperationException($"model state {State} has no {what}");
}

/// <summary>
/// How one harness function is called on the model: which states have it,
/// how a case becomes its arguments, and what of its effects besides user
/// memory is compared (its <see cref="FunctionState"/>). The native worker's
/// worker_dispatch.c is the same for the C.
/// </summary>
public abstract class FunctionDriver
{
    public abstract Function Function { get; }

    /// <summary>Whether the model state has the function in the form the C has.</summary>
    public abstract bool Supports(BeforeFixes model, bool oldForm);

    /// <returns>the function's return value (0 for a void function)</returns>
    public abstract int Run(ModelCall call, out FunctionState? state);

    /// <summary>The signals the observation counts: the VMM's log eventfd, unless the function signals the guest.</summary>
    public virtual int Signals(vhost_virtqueue vq, eventfd_ctx? logCtx) => logCtx?.signals ?? 0;

    /// <summary>Puts back what the call changed in the virtqueue, so the engine can reuse it for the next case.</summary>
    public virtual void Forget(vhost_virtqueue vq, LogCase c)
    {
    }

    /// <summary>Every function's driver, by function.</summary>
    public static IReadOnlyDictionary<Function, FunctionDriver> All { get; } = new FunctionDriver[]
    {
        new LogWriteDriver(), new LogWriteHvaDriver(), new VhostLogWriteDriver(),
        new ScsiLogWriteDriver(), new CopyCmdLogDriver(), new CopyTmfLogDriver(), new DestroyVqLogDriver(), new DestroyLogsDriver(),
        new ResponseDriver(Function.vhost_scsi_send_status), new ResponseDriver(Function.vhost_scsi_send_bad_target),
        new GetDescDriver(),
    }.ToDictionary(d => d.Function);
}
