namespace VhostLog.Models.Kernel;

// linux/array_size.h
public abstract partial class KernelModel
{
    [Extern]
    protected unsigned_int ARRAY_SIZE<T>(T[] array) => (unsigned_int)array.Length;
}
