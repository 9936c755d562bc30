namespace VhostLog.Models.Kernel;

// linux/slab.h
public abstract partial class KernelModel
{
    [Extern] protected const gfp_t GFP_KERNEL = 0xcc0;

    /// <summary>An array of n elements; null when fault injection says so or n is out of range.</summary>
    [Extern]
    protected T[]? kmalloc_array<T>(long n, size_t size, gfp_t flags)
    {
        Step();
        if (Runtime.AllocationsBeforeFailure is { } left)
        {
            if (left == 0)
                return null;
            Runtime.AllocationsBeforeFailure = left - 1;
        }
        if (n < 0 || (ulong)n > int.MaxValue / Math.Max(size, 1))
            return null;
        Runtime.LiveAllocations++;
        Runtime.Allocations++;
        Runtime.AllocatedBytes += (ulong)n * size;
        return new T[n];
    }

    [Extern]
    protected void kfree<T>(T[]? p)
    {
        if (p is not null)
            Runtime.LiveAllocations--;
    }
}
