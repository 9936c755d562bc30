using VhostLog.Models.Kernel;

namespace VhostLog.Models;

public partial class Baseline
{
    protected internal virtual int get_indirect(vhost_virtqueue vq,
                                                iovec[] iov, unsigned_int iov_size,
                                                ref unsigned_int out_num, ref unsigned_int in_num,
                                                vhost_log[]? log, Ptr<unsigned_int>? log_num,
                                                ref vring_desc indirect)
    {
        vring_desc desc;
        unsigned_int i = 0, count, found = 0;
        u32 len = vhost32_to_cpu(vq, indirect.len);
        iov_iter from;
        int ret, access;

        // The table must hold whole descriptors.
        if (unlikely(len % sizeof_struct<vring_desc>() != 0)) {
            vq_err(vq, "Invalid length in indirect descriptor: len 0x%x not multiple of 0x%zx\n",
                   len, sizeof_struct<vring_desc>());
            return -EINVAL;
        }

        ret = translate_desc(vq, vhost64_to_cpu(vq, indirect.addr), len, vq.indirect,
                             UIO_MAXIOV, VHOST_ACCESS_RO);
        if (unlikely(ret < 0)) {
            if (ret != -EAGAIN)
                vq_err(vq, "Translation failure %d in indirect.\n", ret);
            return ret;
        }
        iov_iter_init(out from, ITER_SOURCE, vq.indirect, (unsigned_long)ret, len);
        count = (unsigned_int)(len / sizeof_struct<vring_desc>());
        // next is 16 bits wide: a longer table could not be walked.
        if (unlikely(count > USHRT_MAX + 1)) {
            vq_err(vq, "Indirect buffer length too big: %d\n", indirect.len);
            return -E2BIG;
        }

        do {
            unsigned_int iov_count = in_num + out_num;
            // More steps than entries means next links form a cycle.
            if (unlikely(++found > count)) {
                vq_err(vq, "Loop detected: last one at %u indirect size %u\n",
                       i, count);
                return -EINVAL;
            }
            if (unlikely(!copy_from_iter_full(out desc, sizeof_struct<vring_desc>(), ref from))) {
                vq_err(vq, "Failed indirect descriptor: idx %d\n", i);
                return -EINVAL;
            }
            // A table may not point at another table.
            if (unlikely((desc.flags & cpu_to_vhost16(vq, VRING_DESC_F_INDIRECT)) != 0)) {
                vq_err(vq, "Nested indirect descriptor: idx %d\n", i);
                return -EINVAL;
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
                    vq_err(vq, "Translation failure %d indirect idx %d\n",
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
                    vq_err(vq, "Indirect descriptor has out after in: idx %d\n", i);
                    return -EINVAL;
                }
                out_num += (unsigned_int)ret;
            }
        } while ((i = next_desc(vq, ref desc)) != ~0U);
        return 0;
    }
}
