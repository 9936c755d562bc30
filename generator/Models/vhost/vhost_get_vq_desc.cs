using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class Baseline
{
    // The head of the next available chain (vq->num when none is
    // available), its buffers in iov: device-readable first (out_num), then
    // device-writable (in_num); with a log, one entry per writable
    // descriptor, which is what a migration must mark dirty.
    public virtual int vhost_get_vq_desc(vhost_virtqueue vq,
                                         iovec[] iov, unsigned_int iov_size,
                                         ref unsigned_int out_num, ref unsigned_int in_num,
                                         vhost_log[]? log, Ptr<unsigned_int>? log_num)
    {
        vring_desc desc;
        unsigned_int i, head, found = 0;
        u16 last_avail_idx = vq.last_avail_idx;
        __virtio16 ring_head;
        int ret, access;

        // Read the guest's index only when everything seen so far is taken.
        if (vq.avail_idx == vq.last_avail_idx) {
            ret = vhost_get_avail_idx(vq);
            if (unlikely(ret < 0))
                return ret;

            if (ret == 0)
                return (int)vq.num;
        }

        if (unlikely(vhost_get_avail_head(vq, out ring_head, last_avail_idx) != 0)) {
            vq_err(vq, "Failed to read head: idx %d\n", last_avail_idx);
            return -EFAULT;
        }

        head = vhost16_to_cpu(vq, ring_head);

        // A head outside the table is the guest's error.
        if (unlikely(head >= vq.num)) {
            vq_err(vq, "Guest says index %u > %u is available",
                   head, vq.num);
            return -EINVAL;
        }

        out_num = in_num = 0;
        if (unlikely(log != null))
            log_num!.Value = 0;

        i = head;
        do {
            unsigned_int iov_count = in_num + out_num;
            if (unlikely(i >= vq.num)) {
                vq_err(vq, "Desc index is %u > %u, head = %u",
                       i, vq.num, head);
                return -EINVAL;
            }
            // More steps than the table has entries means a cycle.
            if (unlikely(++found > vq.num)) {
                vq_err(vq, "Loop detected: last one at %u vq size %u head %u\n",
                       i, vq.num, head);
                return -EINVAL;
            }
            ret = vhost_get_desc(vq, out desc, i);
            if (unlikely(ret != 0)) {
                vq_err(vq, "Failed to get descriptor: idx %d\n", i);
                return -EFAULT;
            }
            if ((desc.flags & cpu_to_vhost16(vq, VRING_DESC_F_INDIRECT)) != 0) {
                ret = get_indirect(vq, iov, iov_size,
                                   ref out_num, ref in_num,
                                   log, log_num, ref desc);
                if (unlikely(ret < 0)) {
                    if (ret != -EAGAIN)
                        vq_err(vq, "Failure detected in indirect descriptor at idx %d\n", i);
                    return ret;
                }
                continue;
            }

            if ((desc.flags & cpu_to_vhost16(vq, VRING_DESC_F_WRITE)) != 0)
                access = VHOST_ACCESS_WO;
            else
                access = VHOST_ACCESS_RO;
            ret = translate_desc(vq, vhost64_to_cpu(vq, desc.addr),
                                 vhost32_to_cpu(vq, desc.len), iov, iov_count,
                                 iov_size - iov_count, access);
            if (unlikely(ret < 0)) {
                if (ret != -EAGAIN)
                    vq_err(vq, "Translation failure %d descriptor idx %d\n",
                           ret, i);
                return ret;
            }
            if (access == VHOST_ACCESS_WO) {
                in_num += (unsigned_int)ret;
                // A log entry per writable buffer that gave iovecs.
                if (unlikely(log != null && ret != 0)) {
                    log![log_num!.Value].addr = vhost64_to_cpu(vq, desc.addr);
                    log[log_num.Value].len = vhost32_to_cpu(vq, desc.len);
                    ++log_num.Value;
                }
            } else {
                // The device reads the request before it writes.
                if (unlikely(in_num != 0)) {
                    vq_err(vq, "Descriptor has out after in: idx %d\n", i);
                    return -EINVAL;
                }
                out_num += (unsigned_int)ret;
            }
        } while ((i = next_desc(vq, ref desc)) != ~0U);

        // The chain is taken only once all of it was read.
        vq.last_avail_idx++;

        // The device polls the ring while it works, so the guest was told
        // not to notify it; otherwise the avail event would need updating.
        BUG_ON((vq.used_flags & VRING_USED_F_NO_NOTIFY) == 0);
        return (int)head;
    }
}
