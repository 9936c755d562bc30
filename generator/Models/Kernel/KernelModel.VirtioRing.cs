namespace VhostLog.Models.Kernel;

// linux/virtio_ring.h (the uapi flags)
public abstract partial class KernelModel
{
    [Extern] protected const u16 VRING_DESC_F_NEXT = 1;
    [Extern] protected const u16 VRING_DESC_F_WRITE = 2;
    [Extern] protected const u16 VRING_DESC_F_INDIRECT = 4;
    [Extern] protected const u16 VRING_USED_F_NO_NOTIFY = 1;
}
