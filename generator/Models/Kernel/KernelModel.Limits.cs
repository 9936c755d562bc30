namespace VhostLog.Models.Kernel;

// linux/limits.h
public abstract partial class KernelModel
{
    [Extern] protected const u64 U64_MAX = ulong.MaxValue;
    [Extern] protected const unsigned_int USHRT_MAX = 0xffff;
}
