using System.Runtime.CompilerServices;

namespace VhostLog.Models.Kernel;

/// <summary>
/// The kernel API the models call, with the managed implementation of each
/// (the managed kernel runtime). Every [Extern] here must also be in
/// harness/shim/externs.list with a C implementation in the shim.
/// </summary>
public abstract class KernelModel
{
    /// <summary>The VMM's user memory (where the dirty log lives).</summary>
    public UserMemory Memory { get; } = new();

    /// <summary>How many WARN_ON_ONCE conditions were true.</summary>
    public int Warnings { get; private set; }

    /// <summary>
    /// Kernel API calls allowed per run before the run counts as hung; a
    /// native variant that loops forever is stopped by a timeout instead.
    /// </summary>
    public long StepLimit { get; set; } = 50_000_000;

    long steps;

    /// <summary>Forgets all state of the previous run.</summary>
    public void Reset()
    {
        Memory.Clear();
        Warnings = 0;
        steps = 0;
    }

    void Step()
    {
        if (++steps > StepLimit)
            throw new KernelHangException(StepLimit);
    }

    [Extern] protected const int EFAULT = 14;
    [Extern] protected const int VHOST_PAGE_SIZE = 0x1000;
    [Extern] protected const u64 U64_MAX = ulong.MaxValue;

    /// <summary>Sets bit nr of the byte at addr in user memory; -EFAULT if it is not mapped.</summary>
    [Extern]
    protected int set_bit_to_user(int nr, UserPtr addr)
    {
        Step();
        var target = (ulong)addr + (ulong)(nr >> 3);
        if (!Memory.TryLocate((ulong)addr, out _, out _) || !Memory.TryLocate(target, out var bytes, out var offset))
            return -EFAULT;
        bytes[offset] |= (byte)(1 << (nr & 7));
        return 0;
    }

    [Extern]
    protected void eventfd_signal(eventfd_ctx ctx) => ctx.signals++;

    /// <summary>Orders stores; the managed runtime is sequential, so a full fence is more than enough.</summary>
    [Extern]
    protected void smp_wmb() => Interlocked.MemoryBarrier();

    [Extern]
    protected void BUG([CallerMemberName] string where = "") => throw new KernelBugException(where);

    [Extern]
    protected bool WARN_ON_ONCE(bool condition)
    {
        if (condition)
            Warnings++;
        return condition;
    }

    [Extern]
    protected T min<T>(T a, T b)
        where T : IComparable<T> => a.CompareTo(b) <= 0 ? a : b;

    [Extern]
    protected T max<T>(T a, T b)
        where T : IComparable<T> => a.CompareTo(b) >= 0 ? a : b;

    /// <summary>The entries of a kernel list, in list order.</summary>
    [Extern]
    protected IEnumerable<T> list_for_each_entry<T>(list_head<T> head)
        where T : class
    {
        Step();
        return head.entries;
    }
}
