namespace VhostLog.Models.Kernel;

// linux/uaccess.h
public abstract partial class KernelModel
{
    /// <summary>Copies n bytes of *from to user memory at to; returns the bytes not copied.</summary>
    [Extern]
    protected unsigned_long __copy_to_user<T>(UserPtr<T> to, ref T from, unsigned_long n)
        where T : unmanaged
    {
        Step();
        var source = BytesOf(ref from, n, "__copy_to_user");
        for (ulong k = 0; k < n; k++)
        {
            if (!Runtime.Memory.TryLocate(to.Value + k, out var page, out var at))
                return n - k;
            page[at] = source[(int)k];
        }
        return 0;
    }

    /// <summary>
    /// The first n bytes of a value held by the model, as C would copy them
    /// to user memory (here and in copy_to_iter()); more than it holds is a
    /// model bug.
    /// </summary>
    static ReadOnlySpan<byte> BytesOf<T>(ref T value, ulong n, string api)
        where T : unmanaged
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(
            System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref value, 1));
        if (n > (ulong)bytes.Length)
            throw new ArgumentException($"{api} of {n} bytes from a {typeof(T).Name} of {bytes.Length}");
        return bytes[..(int)n];
    }
}
