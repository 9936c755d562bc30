using System.Collections.Immutable;
using VhostLog.Harness.Cases;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Harness.Engines;

/// <summary>Runs cases on a model state in .NET (the managed kernel runtime).</summary>
public sealed class ManagedEngine
{
    readonly Baseline model;

    public ManagedEngine(Baseline model, string state)
    {
        this.model = model;
        State = state;
    }

    public string State { get; }

    /// <summary>The model state for --semantics: before is the tree as shipped, after the state of the last patch.</summary>
    public static ManagedEngine For(string semantics) => semantics switch
    {
        "before" => new ManagedEngine(new Baseline(), nameof(Baseline)),
        "after" => Create(LastState()),
        _ => throw new ArgumentException($"unknown semantics '{semantics}' (before or after)"),
    };

    static ManagedEngine Create(Type state) => new((Baseline)Activator.CreateInstance(state)!, state.Name);

    /// <summary>The most derived model state: every patch of the series applied.</summary>
    public static Type LastState() =>
        typeof(Baseline).Assembly.GetTypes()
            .Where(t => t.IsDefined(typeof(ModelStateAttribute), inherit: false) && typeof(Baseline).IsAssignableFrom(t))
            .MaxBy(Depth)!;

    static int Depth(Type t)
    {
        var d = 0;
        for (var b = t.BaseType; b is not null; b = b.BaseType)
            d++;
        return d;
    }

    public Observation Run(LogCase c)
    {
        model.Reset();
        foreach (var r in c.Mapped)
            model.Memory.Map(r.Start, r.Length);
        var umem = new vhost_iotlb();
        foreach (var m in c.Umem)
            umem.list.entries.Add(new vhost_iotlb_map { start = m.Start, size = m.Size, last = m.Start + m.Size - 1, addr = m.Addr });
        var ctx = c.LogCtx ? new eventfd_ctx() : null;
        var vq = new vhost_virtqueue
        {
            iotlb = c.Iotlb ? new vhost_iotlb() : null,
            umem = umem,
            log_base = new UserPtr(c.LogBase),
            log_ctx = ctx,
        };
        var outcome = Outcome.Returned;
        var ret = 0;
        try
        {
            ret = c.Function switch
            {
                Function.log_write => model.log_write(vq.log_base, c.Address, c.Length),
                Function.log_write_hva => model.log_write_hva(vq, c.Address, c.Length),
                Function.vhost_log_write => model.vhost_log_write(vq,
                    c.Log.Select(l => new vhost_log { addr = l.Addr, len = l.Len }).ToArray(),
                    (uint)c.Log.Length, c.Length,
                    c.Iov.Select(v => new iovec { iov_base = new UserPtr(v.Base), iov_len = v.Len }).ToArray(),
                    c.Iov.Length),
                _ => throw new ArgumentOutOfRangeException(nameof(c)),
            };
        }
        catch (KernelBugException)
        {
            outcome = Outcome.Bug;
        }
        catch (KernelHangException e)
        {
            return new Observation(Outcome.Timeout, 0, 0, [], e.Message);
        }
        return new Observation(outcome, ret, ctx?.signals ?? 0, model.Memory.NonZeroBytes().ToImmutableArray(), "");
    }
}
