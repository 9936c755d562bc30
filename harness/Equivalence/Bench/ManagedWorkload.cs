using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Equivalence.Bench;

/// <summary>
/// A workload set up once on a model state (bitmap mapped, virtqueue and
/// descriptor array built) so that <see cref="Run"/> is only the model call.
/// </summary>
public sealed class ManagedWorkload
{
    readonly Baseline model;
    readonly vhost_virtqueue vq;
    readonly vhost_log[] log;
    readonly eventfd_ctx logCtx = new();

    public ManagedWorkload(BenchWorkload workload, Type? state = null)
    {
        Workload = workload;
        model = (Baseline)Activator.CreateInstance(state ?? ModelStates.Last.Type)!;
        model.Runtime.Reset();
        // A timed loop makes far more calls than one differential case may.
        model.Runtime.StepLimit = long.MaxValue;
        model.Runtime.Memory.Map(workload.LogBase, workload.BitmapLength);
        vq = new vhost_virtqueue { log_base = new UserPtr(workload.LogBase), log_ctx = logCtx };
        log = workload.Descriptors().Select(d => new vhost_log { addr = d.Addr, len = d.Len }).ToArray();
    }

    public BenchWorkload Workload { get; }

    public string State => model.GetType().Name;

    public int Run() => Workload.Function switch
    {
        Function.log_write => model.log_write(vq.log_base, Workload.Address, Workload.Length),
        Function.vhost_log_write => model.vhost_log_write(vq, log, (uint)log.Length, Workload.Length, null, 0),
        _ => throw new NotSupportedException($"no benchmark for {Workload.Function}"),
    };

    /// <summary>One call on a fresh bitmap, and what it did.</summary>
    public BenchOutcome Check()
    {
        model.Runtime.Reset();
        model.Runtime.Memory.Map(Workload.LogBase, Workload.BitmapLength);
        logCtx.signals = 0;
        var ret = Run();
        return new BenchOutcome(ret, logCtx.signals, model.Runtime.SetBitToUserCalls, model.Runtime.Memory.NonZeroBytes().ToList());
    }
}
