using VhostLog.Models;
using VhostLog.Models.Kernel;
using u32 = System.UInt32;
using unsigned_int = System.UInt32;
using unsigned_long = System.UInt64;

namespace VhostLog.Tests.Chains;

/// <summary>
/// A deliberately broken model for the chains differential: get_indirect()
/// as Baseline has it but without the log entry of a writable descriptor,
/// so a migration would miss what the device writes through indirect
/// tables. Only the test uses it.
/// </summary>
public sealed class SkipsIndirectLogEntry : Baseline
{
    protected internal override int get_indirect(vhost_virtqueue vq,
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

        if (unlikely(len % sizeof_struct<vring_desc>() != 0))
            return -EINVAL;
        ret = translate_desc(vq, vhost64_to_cpu(vq, indirect.addr), len, vq.indirect, UIO_MAXIOV, VHOST_ACCESS_RO);
        if (unlikely(ret < 0))
            return ret;
        iov_iter_init(out from, ITER_SOURCE, vq.indirect, (unsigned_long)ret, len);
        count = (unsigned_int)(len / sizeof_struct<vring_desc>());
        if (unlikely(count > USHRT_MAX + 1))
            return -E2BIG;
        do {
            unsigned_int iov_count = in_num + out_num;
            if (unlikely(++found > count))
                return -EINVAL;
            if (unlikely(!copy_from_iter_full(out desc, sizeof_struct<vring_desc>(), ref from)))
                return -EINVAL;
            if (unlikely((desc.flags & cpu_to_vhost16(vq, VRING_DESC_F_INDIRECT)) != 0))
                return -EINVAL;
            access = (desc.flags & cpu_to_vhost16(vq, VRING_DESC_F_WRITE)) != 0 ? VHOST_ACCESS_WO : VHOST_ACCESS_RO;
            ret = translate_desc(vq, vhost64_to_cpu(vq, desc.addr), vhost32_to_cpu(vq, desc.len), iov, iov_count,
                                 iov_size - iov_count, access);
            if (unlikely(ret < 0))
                return ret;
            if (access == VHOST_ACCESS_WO) {
                // The broken part: no log entry, no ++*log_num.
                in_num += (unsigned_int)ret;
            } else {
                if (unlikely(in_num != 0))
                    return -EINVAL;
                out_num += (unsigned_int)ret;
            }
        } while ((i = next_desc(vq, ref desc)) != ~0U);
        return 0;
    }
}
