namespace VhostLog.Models.Kernel;

// drivers/vhost/scsi.c's own names (copied into the shim's scsi_env.h and
// scsi_request_env.h) and the uapi linux/virtio_scsi.h.
public abstract partial class KernelModel
{
    [Extern] protected const int VHOST_SCSI_VQ_IO = 2;
    [Extern] protected const u8 VIRTIO_SCSI_S_BAD_TARGET = 3;

    // The three response kinds (defined by the patch that lets one function
    // answer all three).
    [Extern] protected const int TYPE_IO_CMD = 0;
    [Extern] protected const int TYPE_CTRL_TMF = 1;
    [Extern] protected const int TYPE_CTRL_AN = 2;
}
