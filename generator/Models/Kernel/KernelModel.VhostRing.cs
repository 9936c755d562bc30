namespace VhostLog.Models.Kernel;

// drivers/vhost/vhost.c's static helpers of descriptor collection: the
// guest's rings in user memory. vhost_get_vq_desc() and get_indirect() are
// models; what they call is these helpers (translate_desc, next_desc, the
// ring accessors), which the native harness compiles from the tree with them
// and the managed runtime implements here over user memory and vq->umem.
public abstract partial class KernelModel
{
    /// <summary>Reads n bytes of user memory at addr; false at the first unmapped byte.</summary>
    bool ReadUser(ulong addr, Span<byte> to) => Runtime.Memory.TryRead(addr, to);

    bool ReadUser16(ulong addr, out u16 value)
    {
        Span<byte> b = stackalloc byte[2];
        var ok = ReadUser(addr, b);
        value = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(b);
        return ok;
    }

    /// <summary>
    /// Reads avail->idx: 1 when it moved (vq->avail_idx takes it), 0 when
    /// nothing is new, or an error (unreadable, or more new entries than the
    /// ring holds).
    /// </summary>
    [Extern]
    protected int vhost_get_avail_idx(vhost_virtqueue vq)
    {
        Step();
        if (!ReadUser16((ulong)vq.avail + 2, out var idx))
        {
            vq_err(vq, "Failed to access available index at %p (%d)\n", vq.avail, -EFAULT);
            return -EFAULT;
        }
        if ((u16)(idx - vq.last_avail_idx) > vq.num)
        {
            vq_err(vq, "Invalid available index change from %u to %u", vq.last_avail_idx, idx);
            return -EINVAL;
        }
        if (idx == vq.avail_idx)
            return 0;
        vq.avail_idx = idx;
        return 1;
    }

    /// <summary>Reads avail->ring[idx &amp; (num - 1)]: 0 or -EFAULT.</summary>
    [Extern]
    protected int vhost_get_avail_head(vhost_virtqueue vq, out __virtio16 head, int idx)
    {
        Step();
        return ReadUser16((ulong)vq.avail + 4 + 2 * (ulong)(uint)(idx & (int)(vq.num - 1)), out head) ? 0 : -EFAULT;
    }

    /// <summary>Reads descriptor idx of the ring's table: 0 or -EFAULT.</summary>
    [Extern]
    protected int vhost_get_desc(vhost_virtqueue vq, out vring_desc desc, unsigned_int idx)
    {
        Step();
        desc = default;
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(
            System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref desc, 1));
        return ReadUser((ulong)vq.desc + 16 * (ulong)idx, bytes) ? 0 : -EFAULT;
    }

    /// <summary>The next descriptor of a chain, or ~0U at its end (no VRING_DESC_F_NEXT).</summary>
    [Extern]
    protected unsigned_int next_desc(vhost_virtqueue vq, ref vring_desc desc) =>
        (desc.flags & VRING_DESC_F_NEXT) == 0 ? ~0U : desc.next;

    /// <summary>
    /// Splits the guest-physical range [addr, addr + len) over the mappings
    /// of vq->umem (dev->umem: vhost-scsi has no IOTLB) into at most
    /// iov_size iovecs: the count, -ENOBUFS when they do not suffice, -EFAULT
    /// where nothing maps addr, -EPERM where the mapping lacks access.
    /// </summary>
    [Extern]
    protected int translate_desc(vhost_virtqueue vq, u64 addr, u32 len, iovec[] iov, int iov_size, int access) =>
        translate_desc(vq, addr, len, iov, 0, (unsigned_int)iov_size, access);

    /// <summary>translate_desc() into iov + iov_count.</summary>
    [Extern]
    [CForm("translate_desc({0}, {1}, {2}, {3} + {4}, {5}, {6})")]
    protected int translate_desc(vhost_virtqueue vq, u64 addr, u32 len, iovec[] iov, unsigned_int iov_count,
                                 unsigned_int iov_size, int access)
    {
        Step();
        u64 s = 0, last = addr + len - 1;
        var ret = 0;
        while (len > s)
        {
            if (ret >= (int)iov_size)
                return -ENOBUFS;
            vhost_iotlb_map? map = null;
            // vhost_iotlb_itree_first(): the lowest-starting map that overlaps [addr, last].
            foreach (var m in vq.umem.list.entries)
                if (m.start <= last && m.last >= addr && (map is null || m.start < map.start))
                    map = m;
            if (map is null || map.start > addr)
                return -EFAULT;
            if ((map.perm & (u32)access) == 0)
                return -EPERM;
            var size = map.size - addr + map.start;
            ref var v = ref iov[(int)iov_count + ret];
            v.iov_len = Math.Min(len - s, size);
            v.iov_base = new UserPtr(map.addr + addr - map.start);
            s += size;
            addr += size;
            ++ret;
        }
        return ret;
    }
}
