namespace VhostLog.Models.Kernel;

// linux/container_of.h
public abstract partial class KernelModel
{
    /// <summary>The struct T that embeds member (the kernel's container_of(ptr, type, member)).</summary>
    [Extern]
    [CForm("container_of({0}, struct {T0}, {1})")]
    protected T container_of<T>(vhost_virtqueue member, string name)
        where T : class => member.container as T
        ?? throw new InvalidOperationException($"this {nameof(vhost_virtqueue)} is not embedded in a {typeof(T).Name}");
}
