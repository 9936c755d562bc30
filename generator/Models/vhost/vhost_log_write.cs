using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class Baseline
{
    public virtual int vhost_log_write(vhost_virtqueue vq, vhost_log[] log,
                                       unsigned_int log_num, u64 len, iovec[]? iov, int count)
    {
        int i, r;

        // Order the buffer writes before the dirty log writes.
        smp_wmb();

        if (vq.iotlb != null) {
            for (i = 0; i < count; i++) {
                r = log_write_hva(vq, (uintptr_t)iov![i].iov_base,
                                  iov[i].iov_len);
                if (r < 0)
                    return r;
            }
            return 0;
        }

        for (i = 0; i < log_num; ++i) {
            u64 l = min(log[i].len, len);
            r = log_write(vq.log_base, log[i].addr, l);
            if (r < 0)
                return r;
            len -= l;
            if (len == 0) {
                if (vq.log_ctx != null)
                    eventfd_signal(vq.log_ctx);
                return 0;
            }
        }
        // The caller asked for more than its descriptors hold.
        BUG();
        return 0;
    }
}

public partial class BroaderLogWrite
{
    /// <summary>log written buffers in the dirty page bitmap</summary>
    /// <param name="vq">the virtqueue the buffers belong to</param>
    /// <param name="log">guest-physical ranges of the write descriptors</param>
    /// <param name="log_num">number of entries in log</param>
    /// <param name="len">bytes written, counted from the first entry of log;
    /// the last descriptor may be used only in part (vhost-net receive
    /// buffers). U64_MAX logs every page of every descriptor.</param>
    /// <param name="iov">host-virtual ranges of the write descriptors, used
    /// when an IOTLB is set up</param>
    /// <param name="count">number of entries in iov</param>
    /// <remarks>
    /// Signals the log eventfd, if there is one, once the pages are logged.
    /// </remarks>
    /// <returns>0 or the error of the first failing log write.</returns>
    public override int vhost_log_write(vhost_virtqueue vq, vhost_log[] log,
                                        unsigned_int log_num, u64 len, iovec[]? iov, int count)
    {
        int i, r;

        // Order the buffer writes before the dirty log writes.
        smp_wmb();

        if (vq.iotlb != null) {
            for (i = 0; i < count; i++) {
                r = log_write_hva(vq, (uintptr_t)iov![i].iov_base,
                                  iov[i].iov_len);
                if (r < 0)
                    return r;
            }
            return 0;
        }

        for (i = 0; i < log_num; ++i) {
            u64 l = min(log[i].len, len);
            r = log_write(vq.log_base, log[i].addr, l);
            if (r < 0)
                return r;

            if (len != U64_MAX)
                len -= l;
        }

        if (vq.log_ctx != null)
            eventfd_signal(vq.log_ctx);

        return 0;
    }
}
