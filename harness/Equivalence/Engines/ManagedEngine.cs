using System.Collections.Immutable;
using System.Runtime.InteropServices;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines.Drivers;
using VhostLog.Equivalence.Protocol;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Equivalence.Engines;

/// <summary>Runs cases on a model state in .NET (the managed kernel runtime).</summary>
public sealed class ManagedEngine
{
    // BeforeFixes, not Baseline: the states before Baseline (--state) have
    // only the response functions, in their earlier forms.
    readonly BeforeFixes model;

    public ManagedEngine(BeforeFixes model, string state)
    {
        this.model = model;
        State = state;
    }

    public string State { get; }

    /// <summary>The model state for --semantics: before is the tree as shipped, after the state of the last patch.</summary>
    public static ManagedEngine For(Semantics semantics) => Create(semantics == Semantics.After ? ModelStates.Last : ModelStates.Baseline);

    static ManagedEngine Create(ModelStateInfo state) => new(state.Create(), state.Name);

    /// <summary>Every model state (generator/Models/States.cs), oldest first.</summary>
    public static IReadOnlyList<string> StateNames => ModelStates.Names;

    /// <summary>The model state of that name (equiv --state).</summary>
    /// <exception cref="ArgumentException">no model state has that name; the message lists them</exception>
    public static ManagedEngine ForState(string name) => Create(ModelStates.Find(name));

    /// <summary>
    /// The specification oracle's semantics for the state: "after" from the
    /// patch on that makes vhost_log_write() log whole descriptors for
    /// len == U64_MAX (BroaderLogWrite), "before" until then.
    /// </summary>
    public Semantics OracleSemantics => model is BroaderLogWrite ? Semantics.After : Semantics.Before;

    /// <summary>
    /// The functions to run in their form before the patch that changes
    /// their signature, because the C compared has that form
    /// (VariantSource.OtherForms): the response functions before patches 2
    /// and 3, (vs, vq, head, out), and vhost_scsi_get_desc() before patch 5,
    /// (vs, vq, vc). The states --semantics picks (Baseline or later) have
    /// the fixed response forms; the earlier ones are BeforeFixes's methods,
    /// which every later state inherits unchanged (an overload, not an
    /// override), so calling one runs BeforeFixes's model of the function;
    /// Baseline's vhost_scsi_get_desc() is inherited the same way by the
    /// states after patch 5.
    /// </summary>
    public IReadOnlySet<Function> OldForms { get; set; } = new HashSet<Function>();

    /// <summary>
    /// Whether the model state has the function (the scsi.c log ones arrive
    /// with patches 6 and 7) in the form the C has (OldForms).
    /// </summary>
    public bool Supports(Function function) => FunctionDriver.All[function].Supports(model, OldForms.Contains(function));

    public Observation Run(LogCase c)
    {
        var driver = FunctionDriver.All[c.Function];
        model.Runtime.Reset();
        model.Runtime.AllocationsBeforeFailure = c.AllocationsBeforeFailure < 0 ? null : c.AllocationsBeforeFailure;
        foreach (var r in c.Mapped)
            model.Runtime.Memory.Map(r.Start, r.Length);
        if (c.Fill != 0)
            model.Runtime.Memory.Fill(c.Fill);
        var umem = new vhost_iotlb();
        foreach (var m in c.Umem)
            umem.list.entries.Add(new vhost_iotlb_map { start = m.Start, size = m.Size, last = m.Start + m.Size - 1, addr = m.Addr, perm = 3 });
        var ctx = c.LogCtx ? new eventfd_ctx() : null;
        var vq = FreshVirtqueue();
        vq.iotlb = c.Iotlb ? new vhost_iotlb() : null;
        vq.umem = umem;
        vq.log_base = new UserPtr(c.LogBase);
        vq.log_ctx = ctx;
        vq.acked_features = c.Features;
        vq.dev = new vhost_dev { iov_limit = c.IovLimit };
        FunctionState? state = null;
        var outcome = Outcome.Returned;
        var ret = 0;
        try
        {
            ret = driver.Run(new ModelCall(model, State, vq, c, OldForms.Contains(c.Function)), out state);
        }
        catch (KernelBugException)
        {
            outcome = Outcome.Bug;
        }
        catch (KernelHangException e)
        {
            return new Observation(Outcome.Timeout, 0, 0, [], e.Message);
        }
        var memory = ImmutableArray.CreateBuilder<ByteRun>();
        foreach (var (addr, count, value) in model.Runtime.Memory.NonZeroRuns())
            ByteRun.Append(memory, new ByteRun(addr, count, value));
        var signals = driver.Signals(vq, ctx);
        driver.Forget(vq, c);
        return new Observation(outcome, ret, signals, memory.ToImmutable(), "", model.Runtime.Warnings, state?.ToWire() ?? []);
    }

    vhost_virtqueue? spare;

    // The fields FreshVirtqueue() knows how to check; a field added to the
    // model's struct must be added there too, or reuse would carry it over.
    static readonly string[] CheckedFields =
        ["dev", "mutex", "num", "acked_features", "iov", "log", "iotlb", "umem", "log_base", "log_ctx", "desc", "avail", "avail_idx",
         "last_avail_idx", "used_flags", "indirect", "used", "used_signals", "container"];

    static readonly vhost_virtqueue AsNew = new();

    static readonly bool FieldsKnown = typeof(vhost_virtqueue).GetFields().Select(f => f.Name).Order(StringComparer.Ordinal)
        .SequenceEqual(CheckedFields.Order(StringComparer.Ordinal));

    /// <summary>
    /// A virtqueue whose fields are as `new vhost_virtqueue()` makes them,
    /// except the ones Run sets for every case (dev, acked_features, iotlb,
    /// umem, log_base, log_ctx). Allocating its two 1024-entry arrays
    /// (32 KiB) cost more than a typical case, so the last case's virtqueue
    /// is reused when every other field is still as new; else a new one is
    /// made.
    /// </summary>
    vhost_virtqueue FreshVirtqueue()
    {
        if (!FieldsKnown)
            throw new InvalidOperationException($"{nameof(vhost_virtqueue)} has fields {nameof(FreshVirtqueue)} does not check; add them");
        var vq = spare;
        if (vq is null || vq.mutex.depth != AsNew.mutex.depth || vq.num != AsNew.num || vq.used.Count != 0
            || vq.desc != AsNew.desc || vq.avail != AsNew.avail || vq.avail_idx != AsNew.avail_idx
            || vq.last_avail_idx != AsNew.last_avail_idx || vq.used_flags != AsNew.used_flags
            || vq.used_signals != AsNew.used_signals
            || vq.container is not null
            || MemoryMarshal.AsBytes(vq.iov.AsSpan()).ContainsAnyExcept((byte)0) || vq.iov.Length != AsNew.iov.Length
            || MemoryMarshal.AsBytes(vq.log.AsSpan()).ContainsAnyExcept((byte)0) || vq.log.Length != AsNew.log.Length
            || MemoryMarshal.AsBytes(vq.indirect.AsSpan()).ContainsAnyExcept((byte)0) || vq.indirect.Length != AsNew.indirect.Length)
            spare = vq = new vhost_virtqueue();
        return vq;
    }
}
