namespace VhostLog.Models.Kernel;

// The uapi <linux/errno.h> (asm-generic/errno-base.h, errno.h), which the
// shim takes from the installed kernel headers.
public abstract partial class KernelModel
{
    [Extern] protected const int EPERM = 1;
    [Extern] protected const int ENXIO = 6;
    [Extern] protected const int E2BIG = 7;
    [Extern] protected const int EAGAIN = 11;
    [Extern] protected const int ENOMEM = 12;
    [Extern] protected const int EFAULT = 14;
    [Extern] protected const int EINVAL = 22;
    [Extern] protected const int ENOBUFS = 105;
}
