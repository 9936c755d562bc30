namespace VhostLog.Models.Kernel;

// linux/minmax.h
public abstract partial class KernelModel
{
    [Extern]
    protected T min<T>(T a, T b)
        where T : IComparable<T> => a.CompareTo(b) <= 0 ? a : b;

    [Extern]
    protected T max<T>(T a, T b)
        where T : IComparable<T> => a.CompareTo(b) >= 0 ? a : b;
}
