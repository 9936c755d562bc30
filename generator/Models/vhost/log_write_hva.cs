using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class Baseline
{
    /// <summary>mark dirty the guest pages behind a host-virtual range</summary>
    /// <param name="vq">the virtqueue whose memory table translates the range</param>
    /// <param name="hva">host-virtual start of the range</param>
    /// <param name="len">length of the range in bytes</param>
    /// <remarks>
    /// With an IOTLB the written buffers are known by their host-virtual
    /// addresses; the memory table maps them back to guest-physical ranges.
    /// </remarks>
    /// <returns>0, -EFAULT if no mapping covers the range, or the error of
    /// log_write().</returns>
    protected internal virtual int log_write_hva(vhost_virtqueue vq, u64 hva, u64 len)
    {
        vhost_iotlb umem = vq.umem;
        u64 start, end, l, min;
        int r;
        bool hit = false;

        while (len != 0) {
            min = len;
            // Several guest-physical ranges may share one host-virtual range,
            // so every mapping is visited.
            foreach (vhost_iotlb_map u in list_for_each_entry(umem.list)) {
                if (u.addr > hva - 1 + len ||
                    u.addr - 1 + u.size < hva)
                    continue;
                start = max(u.addr, hva);
                end = this.min(u.addr - 1 + u.size, hva - 1 + len);
                l = end - start + 1;
                r = log_write(vq.log_base,
                              u.start + start - u.addr,
                              l);
                if (r < 0)
                    return r;
                hit = true;
                min = this.min(l, min);
            }

            if (!hit)
                return -EFAULT;

            len -= min;
            hva += min;
        }

        return 0;
    }
}
