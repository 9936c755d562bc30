namespace VhostLog.Models.Kernel;

// linux/mutex.h
public abstract partial class KernelModel
{
    [Extern]
    protected void mutex_lock(mutex m)
    {
        if (m.depth != 0)
            throw new InvalidOperationException("mutex_lock on a mutex this context already holds");
        m.depth++;
    }

    [Extern]
    protected void mutex_unlock(mutex m)
    {
        if (m.depth != 1)
            throw new InvalidOperationException("mutex_unlock of a mutex that is not held");
        m.depth--;
    }
}
