using System.Runtime.CompilerServices;

namespace VhostLog.Models.Kernel;

/// <summary>
/// The kernel API the models call, with the managed implementation of each
/// (the managed kernel runtime). Every [Extern] here must also be in
/// harness/shim/externs.list with a C implementation in the shim.
/// </summary>
public abstract class KernelModel
{
    /// <summary>The VMM's user memory (where the dirty log lives).</summary>
    public UserMemory Memory { get; } = new();

    /// <summary>How many WARN_ON_ONCE conditions were true.</summary>
    public int Warnings { get; private set; }

    /// <summary>Messages vq_err() printed.</summary>
    public List<string> VqErrors { get; } = [];

    /// <summary>Fault injection: this many kmalloc_array() calls succeed, then they fail (null: never fail).</summary>
    public int? AllocationsBeforeFailure { get; set; }

    /// <summary>
    /// A race injected into vhost_enable_notify(): the avail->idx the guest
    /// publishes just before the second look at the ring (a buffer slipped
    /// in while notification was off); null: the guest does nothing.
    /// </summary>
    public u16? AvailIdxAtNotify { get; set; }

    /// <summary>Buffers kmalloc_array() handed out and kfree() has not taken back.</summary>
    public int LiveAllocations { get; private set; }

    /// <summary>kmalloc_array() calls that returned a buffer since the last Reset().</summary>
    public int Allocations { get; private set; }

    /// <summary>
    /// Bytes those buffers were asked for (n * size): a wrong element size is
    /// visible here even when the copy that follows happens to fit.
    /// </summary>
    public ulong AllocatedBytes { get; private set; }

    /// <summary>
    /// Kernel API calls allowed per run before the run counts as hung; a
    /// native variant that loops forever is stopped by a timeout instead.
    /// </summary>
    public long StepLimit { get; set; } = 50_000_000;

    /// <summary>
    /// set_bit_to_user() calls since the last Reset(), faulting ones included:
    /// each one is a page pin in the kernel, the cost the benchmarks count.
    /// </summary>
    public long SetBitToUserCalls { get; private set; }

    long steps;

    /// <summary>Forgets all state of the previous run.</summary>
    public void Reset()
    {
        Memory.Clear();
        Warnings = 0;
        steps = 0;
        VqErrors.Clear();
        LiveAllocations = 0;
        Allocations = 0;
        AllocatedBytes = 0;
        SetBitToUserCalls = 0;
        AvailIdxAtNotify = null;
    }

    void Step()
    {
        if (++steps > StepLimit)
            throw new KernelHangException(StepLimit);
    }

    [Extern] protected const int EFAULT = 14;
    [Extern] protected const int ENXIO = 6;
    [Extern] protected const int EAGAIN = 11;
    [Extern] protected const int ENOBUFS = 105;
    [Extern] protected const int EINVAL = 22;
    [Extern] protected const int ENOMEM = 12;
    [Extern] protected const int VHOST_F_LOG_ALL = 26;
    [Extern] protected const int VHOST_SCSI_VQ_IO = 2;
    [Extern] protected const gfp_t GFP_KERNEL = 0xcc0;
    [Extern] protected const unsigned_int ITER_SOURCE = 1;
    [Extern] protected const unsigned_int ITER_DEST = 0;
    [Extern] protected const int VHOST_PAGE_SIZE = 0x1000;
    [Extern] protected const u64 U64_MAX = ulong.MaxValue;
    [Extern] protected const u8 VIRTIO_SCSI_S_BAD_TARGET = 3;

    // drivers/vhost/scsi.c's own names for the three response kinds
    // (defined by the patch that lets one function answer all three).
    [Extern] protected const int TYPE_IO_CMD = 0;
    [Extern] protected const int TYPE_CTRL_TMF = 1;
    [Extern] protected const int TYPE_CTRL_AN = 2;

    /// <summary>Sets bit nr of the byte at addr in user memory; -EFAULT if it is not mapped.</summary>
    // Inlined: log_write calls it once per page, up to 64K times a call.
    [Extern]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected int set_bit_to_user(int nr, UserPtr addr)
    {
        Step();
        SetBitToUserCalls++;
        var target = (ulong)addr + (ulong)(nr >> 3);
        // Both the pinned byte and the target must be mapped; from log_write
        // (nr 0..7) they are the same byte, and one lookup answers for both.
        if ((target != (ulong)addr && !Memory.TryLocate((ulong)addr, out _, out _))
            || !Memory.TrySetBit(target, nr))
            return -EFAULT;
        return 0;
    }

    [Extern]
    protected void eventfd_signal(eventfd_ctx ctx) => ctx.signals++;

    /// <summary>Orders stores; the managed runtime is sequential, so a full fence is more than enough.</summary>
    [Extern]
    protected void smp_wmb() => Interlocked.MemoryBarrier();

    [Extern]
    protected void BUG([CallerMemberName] string where = "") => throw new KernelBugException(where);

    [Extern]
    protected bool WARN_ON_ONCE(bool condition)
    {
        if (condition)
            Warnings++;
        return condition;
    }

    [Extern]
    protected T min<T>(T a, T b)
        where T : IComparable<T> => a.CompareTo(b) <= 0 ? a : b;

    [Extern]
    protected T max<T>(T a, T b)
        where T : IComparable<T> => a.CompareTo(b) >= 0 ? a : b;

    /// <summary>The entries of a kernel list, in list order.</summary>
    [Extern]
    protected IEnumerable<T> list_for_each_entry<T>(list_head<T> head)
        where T : class
    {
        Step();
        return head.entries;
    }

    [Extern]
    protected bool likely(bool condition) => condition;

    [Extern]
    protected bool unlikely(bool condition) => condition;

    /// <summary>Debug output; off, as in a kernel without dynamic debug enabled for vhost.</summary>
    [Extern]
    protected void pr_debug(string format, params object[] args)
    {
    }

    [Extern]
    protected unsigned_int ARRAY_SIZE<T>(T[] array) => (unsigned_int)array.Length;

    /// <summary>Total length of nr_segs iovecs.</summary>
    [Extern]
    protected size_t iov_length(iovec[] iov, unsigned_long nr_segs) => iov_length(ref iov[0], nr_segs);

    [Extern]
    protected size_t iov_length(ref iovec iov, unsigned_long nr_segs)
    {
        size_t total = 0;
        for (var i = 0; i < (int)nr_segs; i++)
            total += System.Runtime.CompilerServices.Unsafe.Add(ref iov, i).iov_len;
        return total;
    }

    /// <summary>
    /// iov_length(&amp;iov[first], nr_segs). C may point one past the last
    /// iovec when nr_segs is 0 (a request whose UIO_MAXIOV iovecs are all
    /// readable has no writable ones after them); a ref to that element
    /// cannot be taken, so the model passes the index.
    /// </summary>
    [Extern]
    [CForm("iov_length(&{0}[{1}], {2})")]
    protected size_t iov_length(iovec[] iov, unsigned_int first, unsigned_long nr_segs)
    {
        size_t total = 0;
        for (var i = 0; i < (int)nr_segs; i++)
            total += iov[(int)first + i].iov_len;
        return total;
    }

    [Extern]
    protected void iov_iter_init(out iov_iter i, unsigned_int direction, iovec[] iov, unsigned_long nr_segs, size_t count) =>
        i = new iov_iter { data_source = direction, iov = iov, first = 0, nr_segs = nr_segs, count = count };

    /// <summary>
    /// An iterator over nr_segs iovecs starting at iov (&amp;vq->iov[n]). The
    /// iterator keeps a copy of them: nothing changes the iovecs while it
    /// lives, and a ref cannot be kept in a struct.
    /// </summary>
    [Extern]
    protected void iov_iter_init(out iov_iter i, unsigned_int direction, ref iovec iov, unsigned_long nr_segs, size_t count)
    {
        var segs = new iovec[(int)nr_segs];
        for (var n = 0; n < segs.Length; n++)
            segs[n] = System.Runtime.CompilerServices.Unsafe.Add(ref iov, n);
        i = new iov_iter { data_source = direction, iov = segs, first = 0, nr_segs = nr_segs, count = count };
    }

    /// <summary>
    /// Copies the first bytes of *addr to user memory through a destination
    /// iterator and advances it; stops at the end of the iterator or at the
    /// first unmapped byte. Returns the bytes copied.
    /// </summary>
    [Extern]
    protected size_t copy_to_iter<T>(ref T addr, size_t bytes, ref iov_iter i)
        where T : unmanaged
    {
        Step();
        var source = BytesOf(ref addr, bytes, "copy_to_iter");
        // The kernel refuses to write through a source iterator.
        if (i.data_source != ITER_DEST)
            return 0;
        size_t copied = 0;
        while (copied < bytes && i.count > 0 && (ulong)i.first < i.nr_segs)
        {
            var seg = i.iov[i.first];
            if (i.iov_offset >= seg.iov_len)
            {
                i.first++;
                i.iov_offset = 0;
                continue;
            }
            if (!Memory.TryLocate((ulong)seg.iov_base + i.iov_offset, out var page, out var at))
                break;
            page[at] = source[(int)copied];
            copied++;
            i.iov_offset++;
            i.count--;
        }
        return copied;
    }

    /// <summary>Copies n bytes of *from to user memory at to; returns the bytes not copied.</summary>
    [Extern]
    protected unsigned_long __copy_to_user<T>(UserPtr<T> to, ref T from, unsigned_long n)
        where T : unmanaged
    {
        Step();
        var source = BytesOf(ref from, n, "__copy_to_user");
        for (ulong k = 0; k < n; k++)
        {
            if (!Memory.TryLocate(to.Value + k, out var page, out var at))
                return n - k;
            page[at] = source[(int)k];
        }
        return 0;
    }

    /// <summary>The first n bytes of a value held by the model, as C would copy them; more than it holds is a model bug.</summary>
    static ReadOnlySpan<byte> BytesOf<T>(ref T value, ulong n, string api)
        where T : unmanaged
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(
            System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref value, 1));
        if (n > (ulong)bytes.Length)
            throw new ArgumentException($"{api} of {n} bytes from a {typeof(T).Name} of {bytes.Length}");
        return bytes[..(int)n];
    }

    /// <summary>Returns a buffer to the guest (a used ring entry) and signals it.</summary>
    [Extern]
    protected void vhost_add_used_and_signal(vhost_dev dev, vhost_virtqueue vq, int head, int len)
    {
        Step();
        vq.used.Add((head, len));
        vq.used_signals++;
    }

    /// <summary>sizeof(x) of a struct held by value: its C size (the layout in Structs.cs says it).</summary>
    [Extern]
    [CForm("sizeof({0})")]
    protected size_t sizeof_value<T>(T x)
        where T : unmanaged => (size_t)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>sizeof(struct T).</summary>
    [Extern]
    [CForm("sizeof(struct {T0})")]
    protected size_t sizeof_struct<T>()
        where T : unmanaged => (size_t)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

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
        if (AvailIdxAtNotify is { } slipped)
        {
            // The guest's write lands when avail->idx is mapped; else it is lost.
            Span<byte> b = stackalloc byte[2];
            if (Memory.TryRead((ulong)vq.avail + 2, b))
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(b, slipped);
                Memory.TryWrite((ulong)vq.avail + 2, b);
            }
        }
        return vhost_get_avail_idx(vq) > 0;
    }

    [Extern]
    protected void vhost_disable_notify(vhost_dev dev, vhost_virtqueue vq) => vq.used_flags |= VRING_USED_F_NO_NOTIFY;

    // ---- descriptor collection: the guest's rings in user memory ----
    // vhost_get_vq_desc() and get_indirect() are models; what they call is
    // vhost.c's own static helpers (translate_desc, next_desc, the ring
    // accessors), which the native harness compiles from the tree with them
    // and the managed runtime implements here over Memory and vq->umem.

    [Extern] protected const int EPERM = 1;
    [Extern] protected const int E2BIG = 7;
    [Extern] protected const u16 VRING_DESC_F_NEXT = 1;
    [Extern] protected const u16 VRING_DESC_F_WRITE = 2;
    [Extern] protected const u16 VRING_DESC_F_INDIRECT = 4;
    [Extern] protected const u16 VRING_USED_F_NO_NOTIFY = 1;
    [Extern] protected const int VHOST_ACCESS_RO = 1;
    [Extern] protected const int VHOST_ACCESS_WO = 2;
    [Extern] protected const int UIO_MAXIOV = 1024;
    [Extern] protected const unsigned_int USHRT_MAX = 0xffff;

    // vhost-scsi is a VIRTIO_F_VERSION_1 device: the rings are little-endian,
    // as this machine is.
    [Extern] protected u16 vhost16_to_cpu(vhost_virtqueue vq, __virtio16 val) => val;
    [Extern] protected u32 vhost32_to_cpu(vhost_virtqueue vq, __virtio32 val) => val;
    [Extern] protected u64 vhost64_to_cpu(vhost_virtqueue vq, __virtio64 val) => val;
    [Extern] protected __virtio16 cpu_to_vhost16(vhost_virtqueue vq, u16 val) => val;

    /// <summary>Reads n bytes of user memory at addr; false at the first unmapped byte.</summary>
    bool ReadUser(ulong addr, Span<byte> to) => Memory.TryRead(addr, to);

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

    /// <summary>Copies sizeof(T) bytes out of a source iterator's user memory; false (the iterator left where it was) when they are not all there.</summary>
    [Extern]
    protected bool copy_from_iter_full<T>(out T addr, size_t bytes, ref iov_iter i)
        where T : unmanaged
    {
        Step();
        addr = default;
        var to = System.Runtime.InteropServices.MemoryMarshal.AsBytes(
            System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref addr, 1));
        if (bytes > (ulong)to.Length)
            throw new ArgumentException($"copy_from_iter_full of {bytes} bytes into a {typeof(T).Name} of {to.Length}");
        if (i.data_source != ITER_SOURCE || bytes > i.count)
            return false;
        var (first, offset, count) = (i.first, i.iov_offset, i.count);
        var k = 0;
        while (k < (int)bytes)
        {
            while ((ulong)first < i.nr_segs && offset >= i.iov[first].iov_len)
            {
                first++;
                offset = 0;
            }
            if ((ulong)first >= i.nr_segs)
                return false;
            // The rest of this iovec, as far as the copy needs it.
            var n = (int)Math.Min((ulong)((int)bytes - k), i.iov[first].iov_len - offset);
            if (!Memory.TryRead((ulong)i.iov[first].iov_base + offset, to.Slice(k, n)))
                return false;
            k += n;
            offset += (ulong)n;
            count -= (ulong)n;
        }
        (i.first, i.iov_offset, i.count) = (first, offset, count);
        return true;
    }

    [Extern]
    protected void BUG_ON(bool condition, [CallerMemberName] string where = "")
    {
        if (condition)
            throw new KernelBugException(where);
    }

    [Extern]
    protected bool vhost_has_feature(vhost_virtqueue vq, int bit) => ((vq.acked_features >> bit) & 1) != 0;

    /// <summary>An array of n elements; null when fault injection says so or n is out of range.</summary>
    [Extern]
    protected T[]? kmalloc_array<T>(long n, size_t size, gfp_t flags)
    {
        Step();
        if (AllocationsBeforeFailure is { } left)
        {
            if (left == 0)
                return null;
            AllocationsBeforeFailure = left - 1;
        }
        if (n < 0 || (ulong)n > int.MaxValue / Math.Max(size, 1))
            return null;
        LiveAllocations++;
        Allocations++;
        AllocatedBytes += (ulong)n * size;
        return new T[n];
    }

    [Extern]
    protected void kfree<T>(T[]? p)
    {
        if (p is not null)
            LiveAllocations--;
    }

    /// <summary>Copies n bytes of whole elements.</summary>
    [Extern]
    protected void memcpy<T>(T[] dst, T[] src, size_t n)
        where T : struct
    {
        var size = (size_t)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (n % size != 0)
            throw new ArgumentException($"memcpy of {n} bytes is not a whole number of {typeof(T).Name}");
        Array.Copy(src, dst, (long)(n / size));
    }

    /// <summary>sizeof(*p): the size of the element p points at.</summary>
    [Extern]
    [CForm("sizeof(*{0})")]
    protected size_t sizeof_object<T>(T[]? p)
        where T : struct => (size_t)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>The struct T that embeds member (the kernel's container_of(ptr, type, member)).</summary>
    [Extern]
    [CForm("container_of({0}, struct {T0}, {1})")]
    protected T container_of<T>(vhost_virtqueue member, string name)
        where T : class => member.container as T
        ?? throw new InvalidOperationException($"this {nameof(vhost_virtqueue)} is not embedded in a {typeof(T).Name}");

    /// <summary>A kernel error message; recorded with the vq_err() ones.</summary>
    [Extern]
    protected void pr_err(string format, params object[] args) => VqErrors.Add(format);

    /// <summary>A virtqueue error message (rate-limited in the kernel); recorded.</summary>
    [Extern]
    protected void vq_err(vhost_virtqueue vq, string format, params object[] args) => VqErrors.Add(format);

    [Extern]
    protected void mutex_lock(mutex m)
    {
        if (m.depth != 0)
            throw new InvalidOperationException("mutex_lock on a mutex this context already holds");
        m.depth++;
    }

    [Extern]
    protected void mutex_unlock(mutex m)
    {
        if (m.depth != 1)
            throw new InvalidOperationException("mutex_unlock of a mutex that is not held");
        m.depth--;
    }
}
