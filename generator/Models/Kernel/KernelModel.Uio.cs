namespace VhostLog.Models.Kernel;

// linux/uio.h (with the uapi one, for UIO_MAXIOV)
public abstract partial class KernelModel
{
    [Extern] protected const unsigned_int ITER_SOURCE = 1;
    [Extern] protected const unsigned_int ITER_DEST = 0;
    [Extern] public const int UIO_MAXIOV = 1024;

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
            if (!Runtime.Memory.TryLocate((ulong)seg.iov_base + i.iov_offset, out var page, out var at))
                break;
            page[at] = source[(int)copied];
            copied++;
            i.iov_offset++;
            i.count--;
        }
        return copied;
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
            if (!Runtime.Memory.TryRead((ulong)i.iov[first].iov_base + offset, to.Slice(k, n)))
                return false;
            k += n;
            offset += (ulong)n;
            count -= (ulong)n;
        }
        (i.first, i.iov_offset, i.count) = (first, offset, count);
        return true;
    }
}
