namespace VhostLog.Models.Kernel;

// Only the fields the models read. The C definitions are the target tree's
// (drivers/vhost/vhost.h, include/linux/vhost_iotlb.h, include/uapi/linux/uio.h).

/// <summary>An eventfd; the managed runtime counts the signals it receives.</summary>
[KernelStruct]
public sealed class eventfd_ctx
{
    public int signals;
}

/// <summary>A list head whose entries are of type T, linked through a list_head field of T.</summary>
[KernelStruct]
public sealed class list_head<T>
    where T : class
{
    public List<T> entries = [];
}

/// <summary>The list_head member by which an entry is linked.</summary>
[KernelStruct]
public readonly struct list_head;

[KernelStruct]
public sealed class vhost_iotlb_map
{
    public list_head link;
    public u64 start;
    public u64 last;
    public u64 size;
    public u64 addr;
}

[KernelStruct]
public sealed class vhost_iotlb
{
    public list_head<vhost_iotlb_map> list = new();
}

[KernelStruct]
public struct vhost_log
{
    public u64 addr;
    public u64 len;
}

[KernelStruct]
public struct iovec
{
    public UserPtr iov_base;
    public size_t iov_len;
}

[KernelStruct]
public sealed class vhost_virtqueue
{
    public vhost_iotlb? iotlb;
    public vhost_iotlb umem = new();
    public UserPtr log_base;
    public eventfd_ctx? log_ctx;
}
