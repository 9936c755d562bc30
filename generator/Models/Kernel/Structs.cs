namespace VhostLog.Models.Kernel;

using System.Runtime.InteropServices;

// Only the fields the models read. The C definitions are the target tree's
// (drivers/vhost/vhost.h, include/linux/vhost_iotlb.h, include/uapi/linux/uio.h,
// include/uapi/linux/virtio_scsi.h).

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

    /// <summary>VHOST_MAP_RO / VHOST_MAP_WO bits: what the device may do with the range.</summary>
    public u32 perm = 3;
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
public sealed class vhost_dev
{
    public int iov_limit = KernelModel.UIO_MAXIOV;
    [NonNegative] public int nvqs;
}

/// <summary>A kernel mutex; the managed runtime checks that locks and unlocks pair up.</summary>
[KernelStruct]
public sealed class mutex
{
    public int depth;
}

/// <summary>An iov_iter over a kernel iovec array (ITER_IOVEC).</summary>
[KernelStruct]
public struct iov_iter
{
    public unsigned_int data_source;
    public iovec[] iov;
    public int first;
    public unsigned_long nr_segs;
    public size_t count;

    /// <summary>Managed runtime: bytes of iov[first] already consumed.</summary>
    public size_t iov_offset;
}

[KernelStruct]
public sealed class vhost_virtqueue
{
    public vhost_dev dev = new();
    [Embedded] public mutex mutex = new();
    [UpperBound(0xffff)] public unsigned_int num = 256;
    public u64 acked_features;
    public iovec[] iov = new iovec[KernelModel.UIO_MAXIOV];
    public vhost_log[] log = new vhost_log[KernelModel.UIO_MAXIOV];
    public vhost_iotlb? iotlb;
    public vhost_iotlb umem = new();
    public UserPtr log_base;
    public eventfd_ctx? log_ctx;

    /// <summary>User addresses of the descriptor table and the avail ring (struct vring_desc / vring_avail __user *).</summary>
    public UserPtr desc;
    public UserPtr avail;

    /// <summary>The avail index last read from the ring, and the next one the device takes.</summary>
    public u16 avail_idx;
    public u16 last_avail_idx;

    /// <summary>The flags the device shows the guest (VRING_USED_F_NO_NOTIFY while it polls).</summary>
    public u16 used_flags = 1;

    /// <summary>Iovecs over an indirect descriptor table while get_indirect() reads it.</summary>
    public iovec[] indirect = new iovec[KernelModel.UIO_MAXIOV];

    /// <summary>Managed runtime: heads returned to the guest (used ring entries), oldest first.</summary>
    public List<(int Head, int Len)> used = [];

    /// <summary>Managed runtime: how often the guest was signalled about used buffers.</summary>
    public int used_signals;

    /// <summary>Managed runtime: the struct this virtqueue is embedded in (for container_of).</summary>
    public object? container;
}

/// <summary>A descriptor as the guest wrote it in a descriptor table (16 bytes).</summary>
[KernelStruct]
[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct vring_desc
{
    [FieldOffset(0)] public __virtio64 addr;
    [FieldOffset(8)] public __virtio32 len;
    [FieldOffset(12)] public __virtio16 flags;
    [FieldOffset(14)] public __virtio16 next;
}

/// <summary>One vhost-scsi command (I/O queue request).</summary>
[KernelStruct]
public sealed class vhost_scsi_cmd
{
    public vhost_virtqueue? tvc_vq;
    public vhost_log[]? tvc_log;
    public unsigned_int tvc_log_num;
}

/// <summary>A task management request waiting for its response.</summary>
[KernelStruct]
public sealed class vhost_scsi_tmf
{
    public vhost_log[]? tmf_log;
    public unsigned_int tmf_log_num;
}

[KernelStruct]
public sealed class vhost_scsi_virtqueue
{
    [Embedded] public vhost_virtqueue vq;
    public vhost_scsi_cmd[]? scsi_cmds;
    [NonNegative] public int max_cmds;

    public vhost_scsi_virtqueue()
    {
        vq = new vhost_virtqueue();
        vq.container = this;
    }
}

[KernelStruct]
public sealed class vhost_scsi
{
    [Embedded] public vhost_dev dev = new();
    public vhost_scsi_virtqueue[] vqs = [];
}

/// <summary>Context of one request or control-queue operation.</summary>
[KernelStruct]
public sealed class vhost_scsi_ctx
{
    public int head;
    public unsigned_int @out;
    public unsigned_int @in;
    public size_t req_size;
    public size_t rsp_size;
    public size_t out_size;
    public size_t in_size;
    public iov_iter out_iter;
}

// The virtio-scsi responses are packed in C; the layouts below give each
// member the C offset and each struct the C size, so that copying "the
// bytes of a response" copies the same bytes in both. Only the members
// the models write are declared.

/// <summary>Response to a SCSI command (108 bytes, packed).</summary>
[KernelStruct]
[StructLayout(LayoutKind.Explicit, Size = 108)]
public struct virtio_scsi_cmd_resp
{
    [FieldOffset(10)] public u8 status;
    [FieldOffset(11)] public u8 response;
}

/// <summary>Response to a task management request (1 byte).</summary>
[KernelStruct]
[StructLayout(LayoutKind.Explicit, Size = 1)]
public struct virtio_scsi_ctrl_tmf_resp
{
    [FieldOffset(0)] public u8 response;
}

/// <summary>Response to an asynchronous notification request (5 bytes, packed).</summary>
[KernelStruct]
[StructLayout(LayoutKind.Explicit, Size = 5)]
public struct virtio_scsi_ctrl_an_resp
{
    [FieldOffset(4)] public u8 response;
}
