namespace VhostLog.Models.Kernel;

// linux/list.h
public abstract partial class KernelModel
{
    /// <summary>The entries of a kernel list, in list order.</summary>
    [Extern]
    protected IEnumerable<T> list_for_each_entry<T>(list_head<T> head)
        where T : class
    {
        Step();
        return head.entries;
    }
}
