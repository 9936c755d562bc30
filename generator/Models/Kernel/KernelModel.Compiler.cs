namespace VhostLog.Models.Kernel;

// linux/compiler.h
public abstract partial class KernelModel
{
    [Extern]
    protected bool likely(bool condition) => condition;

    [Extern]
    protected bool unlikely(bool condition) => condition;
}
