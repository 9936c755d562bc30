using System.Collections.Immutable;
using VhostLog.Simulator;

namespace VhostLog.Boot;

/// <summary>One replayed request: the dirty pages the real kernel set and the ones the model predicts.</summary>
public sealed record ReplayStep(string Workload, string Step, ImmutableArray<ulong> Real, ImmutableArray<ulong> Model)
{
    public bool Agrees => Real.SequenceEqual(Model);
}

/// <summary>
/// Workload 7: the requests the guest made, in its order, replayed on the
/// managed request path of a model state (the model functions plus the
/// series' glue, harness/Simulator/ManagedRequestPath.cs), on a device laid
/// out as the guest laid it out. After each request the model's bitmap is
/// collected and compared with the bitmap the real kernel left.
/// </summary>
public static class ModelReplay
{
    /// <summary>Where the model keeps its bitmap in its user memory (any address outside guest memory).</summary>
    const ulong LogBase = 0x7e00_0000_0000;

    /// <param name="taskSetFull">the tree answers a failed allocation TASK SET FULL (it has vhost_scsi_send_status()), else BAD TARGET</param>
    public static ImmutableArray<ReplayStep> Run(string state, IEnumerable<GuestRequest> requests, bool taskSetFull = true)
    {
        var steps = ImmutableArray.CreateBuilder<ReplayStep>();
        foreach (var workload in requests.GroupBy(r => r.Workload))
        {
            // Each workload runs on a fresh device, as in the guest.
            var path = RequestPaths.ManagedState(state);
            path.Start(new DeviceLayout(LogBase, BootWorkloads.GuestPages,
                Queue(VirtQueue.Control), Queue(VirtQueue.Event), Queue(VirtQueue.Io), (int)GuestLayout.QueueSize));
            var logging = true;
            foreach (var r in workload)
            {
                if (r.Logging != logging)
                    path.SetLogging(logging = r.Logging);
                var spec = BootWorkloads.StepOf(r);
                path.Post(spec.Queue, new DescriptorChain([.. r.Chain.Select(b => (b.Gpa, b.Len, b.Write))]));
                switch (spec.Queue)
                {
                    case VirtQueue.Io when spec.FailsLogAllocation:
                        path.SubmitIoWithFailedLogAllocation(taskSetFull);
                        break;
                    case VirtQueue.Io:
                        path.CompleteIo(path.SubmitIo());
                        break;
                    case VirtQueue.Control:
                        var kind = spec.Control ?? throw new FormatException($"{r.Workload}/{r.Step}: a control step without its request kind");
                        var outcome = spec.FailsLogAllocation ? path.HandleControlWithFailedLogAllocation(kind) : path.HandleControl(kind);
                        if (outcome.PendingTmf is { } pending)
                            path.CompleteTmf(pending);
                        break;
                    case VirtQueue.Event:
                        path.SendEvent();
                        break;
                }
                steps.Add(new ReplayStep(r.Workload, r.Step, [.. r.Dirty.Order()], path.CollectDirtyPages()));
            }
        }
        return steps.ToImmutable();
    }

    static QueueLayout Queue(VirtQueue q) => new(GuestLayout.UsedRing(q), GuestLayout.QueueSize);
}
