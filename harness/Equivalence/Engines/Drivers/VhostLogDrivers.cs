using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Protocol;
using VhostLog.Models;
using VhostLog.Models.Kernel;

namespace VhostLog.Equivalence.Engines.Drivers;

// vhost.c's three log functions, in every state from Baseline on.

/// <summary>log_write(log_base, write_address, write_length).</summary>
public sealed class LogWriteDriver : FunctionDriver
{
    public override Function Function => Function.log_write;

    public override bool Supports(BeforeFixes model, bool oldForm) => model is Baseline;

    public override int Run(ModelCall call, out FunctionState? state)
    {
        state = null;
        return call.As<Baseline>(VhostC).log_write(call.Vq.log_base, call.Case.Address, call.Case.Length);
    }

    internal const string VhostC = "vhost.c log functions (they come with Baseline)";
}

/// <summary>log_write_hva(vq, hva, len).</summary>
public sealed class LogWriteHvaDriver : FunctionDriver
{
    public override Function Function => Function.log_write_hva;

    public override bool Supports(BeforeFixes model, bool oldForm) => model is Baseline;

    public override int Run(ModelCall call, out FunctionState? state)
    {
        state = null;
        return call.As<Baseline>(LogWriteDriver.VhostC).log_write_hva(call.Vq, call.Case.Address, call.Case.Length);
    }
}

/// <summary>vhost_log_write(vq, log, log_num, len, iov, count).</summary>
public sealed class VhostLogWriteDriver : FunctionDriver
{
    public override Function Function => Function.vhost_log_write;

    public override bool Supports(BeforeFixes model, bool oldForm) => model is Baseline;

    public override int Run(ModelCall call, out FunctionState? state)
    {
        var c = call.Case;
        state = null;
        return call.As<Baseline>(LogWriteDriver.VhostC).vhost_log_write(call.Vq, ModelValues.Entries(c.Log), (uint)c.Log.Length, c.Length,
            c.Iov.Select(v => new iovec { iov_base = new UserPtr(v.Base), iov_len = v.Len }).ToArray(), c.Iov.Length);
    }
}
