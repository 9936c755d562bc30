namespace VhostLog.Models.Kernel;

// linux/string.h (the shim takes libc's memcpy)
public abstract partial class KernelModel
{
    /// <summary>Copies n bytes of whole elements.</summary>
    [Extern]
    protected void memcpy<T>(T[] dst, T[] src, size_t n)
        where T : struct
    {
        var size = (size_t)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (n % size != 0)
            throw new ArgumentException($"memcpy of {n} bytes is not a whole number of {typeof(T).Name}");
        Array.Copy(src, dst, (long)(n / size));
    }
}
