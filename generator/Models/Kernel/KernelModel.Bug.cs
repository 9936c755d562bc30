using System.Runtime.CompilerServices;

namespace VhostLog.Models.Kernel;

// linux/bug.h
public abstract partial class KernelModel
{
    [Extern]
    protected void BUG([CallerMemberName] string where = "") => throw new KernelBugException(where);

    [Extern]
    protected void BUG_ON(bool condition, [CallerMemberName] string where = "")
    {
        if (condition)
            throw new KernelBugException(where);
    }

    [Extern]
    protected bool WARN_ON_ONCE(bool condition)
    {
        if (condition)
            Runtime.Warnings++;
        return condition;
    }
}
