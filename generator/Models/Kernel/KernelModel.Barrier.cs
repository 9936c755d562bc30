namespace VhostLog.Models.Kernel;

// asm/barrier.h
public abstract partial class KernelModel
{
    /// <summary>Orders stores; the managed runtime is sequential, so a full fence is more than enough.</summary>
    [Extern]
    protected void smp_wmb() => Interlocked.MemoryBarrier();
}
