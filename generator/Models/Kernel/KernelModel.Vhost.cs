using System.Runtime.CompilerServices;

namespace VhostLog.Models.Kernel;

// drivers/vhost/vhost.h, which the shim compiles unchanged from the tree,
// with the uapi linux/vhost_types.h; and set_bit_to_user(), the one vhost.c
// helper the shim stands in for (vhost_env.h).
public abstract partial class KernelModel
{
    [Extern] protected const int VHOST_F_LOG_ALL = 26;
    [Extern] protected const int VHOST_PAGE_SIZE = 0x1000;
    [Extern] protected const int VHOST_ACCESS_RO = 1;
    [Extern] protected const int VHOST_ACCESS_WO = 2;

    /// <summary>Sets bit nr of the byte at addr in user memory; -EFAULT if it is not mapped.</summary>
    // Inlined: log_write calls it once per page, up to 64K times a call.
    [Extern]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected int set_bit_to_user(int nr, UserPtr addr)
    {
        Step();
        Runtime.SetBitToUserCalls++;
        var target = (ulong)addr + (ulong)(nr >> 3);
        // Both the pinned byte and the target must be mapped; from log_write
        // (nr 0..7) they are the same byte, and one lookup answers for both.
        if ((target != (ulong)addr && !Runtime.Memory.IsMapped((ulong)addr))
            || !Runtime.Memory.TrySetBit(target, nr))
            return -EFAULT;
        return 0;
    }

    [Extern]
    protected bool vhost_has_feature(vhost_virtqueue vq, int bit) => ((vq.acked_features >> bit) & 1) != 0;

    /// <summary>A virtqueue error message (rate-limited in the kernel); recorded.</summary>
    [Extern]
    protected void vq_err(vhost_virtqueue vq, string format, params object[] args) => Runtime.VqErrors.Add(format);

    // vhost-scsi is a VIRTIO_F_VERSION_1 device: the rings are little-endian,
    // as this machine is.
    [Extern] protected u16 vhost16_to_cpu(vhost_virtqueue vq, __virtio16 val) => val;
    [Extern] protected u32 vhost32_to_cpu(vhost_virtqueue vq, __virtio32 val) => val;
    [Extern] protected u64 vhost64_to_cpu(vhost_virtqueue vq, __virtio64 val) => val;
    [Extern] protected __virtio16 cpu_to_vhost16(vhost_virtqueue vq, u16 val) => val;

    /// <summary>Returns a buffer to the guest (a used ring entry) and signals it.</summary>
    [Extern]
    protected void vhost_add_used_and_signal(vhost_dev dev, vhost_virtqueue vq, int head, int len)
    {
        Step();
        vq.used.Add((head, len));
        vq.used_signals++;
    }

    /// <summary>
    /// Asks to be told of new buffers (clears VRING_USED_F_NO_NOTIFY), then
    /// looks again: true when some arrived meanwhile; an error reads as none.
    /// </summary>
    [Extern]
    protected bool vhost_enable_notify(vhost_dev dev, vhost_virtqueue vq)
    {
        if ((vq.used_flags & VRING_USED_F_NO_NOTIFY) == 0)
            return false;
        vq.used_flags &= unchecked((u16)~VRING_USED_F_NO_NOTIFY);
        if (Runtime.AvailIdxAtNotify is { } slipped)
        {
            // The guest's write lands when avail->idx is mapped; else it is lost.
            Span<byte> b = stackalloc byte[2];
            if (Runtime.Memory.TryRead((ulong)vq.avail + 2, b))
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(b, slipped);
                Runtime.Memory.TryWrite((ulong)vq.avail + 2, b);
            }
        }
        return vhost_get_avail_idx(vq) > 0;
    }

    [Extern]
    protected void vhost_disable_notify(vhost_dev dev, vhost_virtqueue vq) => vq.used_flags |= VRING_USED_F_NO_NOTIFY;
}
