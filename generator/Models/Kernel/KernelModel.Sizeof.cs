namespace VhostLog.Models.Kernel;

// C's sizeof operator, which no header declares: the managed size of the
// model's type stands for it.
public abstract partial class KernelModel
{
    /// <summary>sizeof(x) of a struct held by value: its C size (the layout in Structs.cs says it).</summary>
    [Extern]
    [CForm("sizeof({0})")]
    protected size_t sizeof_value<T>(T x)
        where T : unmanaged => (size_t)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>sizeof(struct T).</summary>
    [Extern]
    [CForm("sizeof(struct {T0})")]
    protected size_t sizeof_struct<T>()
        where T : unmanaged => (size_t)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>sizeof(*p): the size of the element p points at.</summary>
    [Extern]
    [CForm("sizeof(*{0})")]
    protected size_t sizeof_object<T>(T[]? p)
        where T : struct => (size_t)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
}
