namespace VhostLog.Models.Kernel;

// linux/eventfd.h
public abstract partial class KernelModel
{
    [Extern]
    protected void eventfd_signal(eventfd_ctx ctx) => ctx.signals++;
}
