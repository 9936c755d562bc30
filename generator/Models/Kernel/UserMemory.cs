using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VhostLog.Models.Kernel;

/// <summary>
/// The VMM's user memory as the kernel sees it through copy_to_user and page
/// pinning: a few mapped ranges, everything else faults.
/// </summary>
public sealed class UserMemory
{
    readonly List<(ulong Start, byte[] Bytes)> ranges = [];

    // The ranges of the previous run, reused by Map when the lengths match:
    // a harness maps the same few sizes case after case, and allocating
    // them anew cost more than clearing them.
    readonly List<byte[]> spare = [];

    // The range of the last hit: log_write sets thousands of bits in one
    // range in a row. Used only while no two ranges overlap, so that the
    // answer is always the first range holding the address.
    ulong hitStart;
    byte[]? hitBytes;
    bool overlapping;

    /// <summary>Drops every mapping.</summary>
    public void Clear()
    {
        foreach (var (_, b) in ranges)
            spare.Add(b);
        ranges.Clear();
        hitBytes = null;
        overlapping = false;
    }

    /// <summary>Maps [start, start + length) zero-filled.</summary>
    public void Map(ulong start, ulong length)
    {
        if (length == 0)
            return;
        if (start + length - 1 < start)
            throw new ArgumentException($"range 0x{start:x}+0x{length:x} wraps past 2^64");
        foreach (var (s, b) in ranges)
            if (start <= s + ((ulong)b.Length - 1) && s <= start + (length - 1))
            {
                overlapping = true;
                hitBytes = null;
            }
        ranges.Add((start, Zeroed(checked((int)length))));
    }

    byte[] Zeroed(int length)
    {
        for (var i = spare.Count - 1; i >= 0; i--)
            if (spare[i].Length == length)
            {
                var b = spare[i];
                spare[i] = spare[^1];
                spare.RemoveAt(spare.Count - 1);
                Array.Clear(b);
                return b;
            }
        // Bounded, for a caller that maps ever new lengths.
        if (spare.Count > 16)
            spare.Clear();
        return new byte[length];
    }

    /// <summary>Sets every mapped byte to value (a harness starting memory that is not zero).</summary>
    public void Fill(byte value)
    {
        foreach (var (_, b) in ranges)
            Array.Fill(b, value);
    }

    /// <summary>The backing byte of a mapped address, or null for a fault.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLocate(ulong addr, out byte[] bytes, out int offset)
    {
        // addr below hitStart wraps to a huge offset and misses.
        if (hitBytes is { } hit && addr - hitStart < (ulong)hit.Length)
        {
            bytes = hit;
            offset = (int)(addr - hitStart);
            return true;
        }
        return TryLocateInRanges(addr, out bytes, out offset);
    }

    /// <summary>
    /// Sets bit (bit &amp; 7) of the mapped byte at addr; false (nothing
    /// changed) when addr is not mapped. set_bit_to_user()'s path: log_write
    /// sets up to 64K bits of one bitmap per call, so the hit is inlined.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TrySetBit(ulong addr, int bit)
    {
        // The condition proves the offset is inside hit, which the JIT cannot
        // see: indexing would check the bounds a second time per bit. No out
        // locals on this path either, or every call zeroes them.
        var hit = hitBytes;
        if (hit is not null && addr - hitStart < (ulong)hit.Length)
        {
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(hit), (nint)(addr - hitStart)) |= (byte)(1 << (bit & 7));
            return true;
        }
        return TrySetBitInRanges(addr, bit);
    }

    /// <summary>Whether addr is mapped (out of line: the callers' common case never asks).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool IsMapped(ulong addr) => TryLocate(addr, out _, out _);

    [MethodImpl(MethodImplOptions.NoInlining)]
    bool TrySetBitInRanges(ulong addr, int bit)
    {
        if (!TryLocateInRanges(addr, out var bytes, out var offset))
            return false;
        bytes[offset] |= (byte)(1 << (bit & 7));
        return true;
    }

    // Kept out of line so that the callers' inlined hit path stays small.
    [MethodImpl(MethodImplOptions.NoInlining)]
    bool TryLocateInRanges(ulong addr, out byte[] bytes, out int offset)
    {
        for (var i = 0; i < ranges.Count; i++)
        {
            var (start, b) = ranges[i];
            if (addr >= start && addr - start < (ulong)b.Length)
            {
                if (!overlapping)
                {
                    hitStart = start;
                    hitBytes = b;
                }
                bytes = b;
                offset = (int)(addr - start);
                return true;
            }
        }
        bytes = [];
        offset = 0;
        return false;
    }

    /// <summary>Copies user memory at addr into to, a mapped range at a time; false at the first unmapped byte (to is then filled up to it).</summary>
    public bool TryRead(ulong addr, Span<byte> to)
    {
        for (var done = 0; done < to.Length;)
        {
            if (!TryMapped(addr + (ulong)done, to.Length - done, out var mapped))
                return false;
            mapped.CopyTo(to[done..]);
            done += mapped.Length;
        }
        return true;
    }

    /// <summary>Copies from into user memory at addr, a mapped range at a time; false at the first unmapped byte (what came before it is written).</summary>
    public bool TryWrite(ulong addr, ReadOnlySpan<byte> from)
    {
        for (var done = 0; done < from.Length;)
        {
            if (!TryMapped(addr + (ulong)done, from.Length - done, out var mapped))
                return false;
            from.Slice(done, mapped.Length).CopyTo(mapped);
            done += mapped.Length;
        }
        return true;
    }

    /// <summary>The mapped bytes from addr on, at most wanted of them and no further than addr's range.</summary>
    bool TryMapped(ulong addr, int wanted, out Span<byte> mapped)
    {
        if (!TryLocate(addr, out var bytes, out var offset))
        {
            mapped = default;
            return false;
        }
        mapped = bytes.AsSpan(offset, Math.Min(wanted, bytes.Length - offset));
        return true;
    }

    /// <summary>
    /// Every run of equal non-zero bytes by ascending address, in one pass
    /// per range: a saturated bitmap is reported as a few runs instead of one
    /// tuple per byte. Runs of neighbouring ranges are not merged.
    /// </summary>
    public List<(ulong Addr, ulong Count, byte Value)> NonZeroRuns()
    {
        var found = new List<(ulong, ulong, byte)>();
        foreach (var (start, bytes) in ranges.Count > 1 ? ranges.OrderBy(r => r.Start) : (IEnumerable<(ulong Start, byte[] Bytes)>)ranges)
        {
            var span = bytes.AsSpan();
            var at = 0;
            int next;
            while (at < span.Length && (next = span[at..].IndexOfAnyExcept((byte)0)) >= 0)
            {
                at += next;
                var value = span[at];
                var length = span[at..].IndexOfAnyExcept(value);
                if (length < 0)
                    length = span.Length - at;
                found.Add((start + (ulong)at, (ulong)length, value));
                at += length;
            }
        }
        return found;
    }

    /// <summary>Every non-zero byte by ascending address.</summary>
    public IEnumerable<(ulong Addr, byte Value)> NonZeroBytes()
    {
        var found = new List<(ulong, byte)>();
        foreach (var (start, bytes) in ranges.OrderBy(r => r.Start))
        {
            var at = 0;
            int next;
            while (at < bytes.Length && (next = bytes.AsSpan(at).IndexOfAnyExcept((byte)0)) >= 0)
            {
                at += next;
                found.Add((start + (ulong)at, bytes[at]));
                at++;
            }
        }
        return found;
    }
}

/// <summary>The managed BUG(): the model reached a state the kernel treats as fatal.</summary>
public sealed class KernelBugException(string where) : Exception($"BUG() in {where}");

/// <summary>The managed run made more kernel API calls than any terminating input needs.</summary>
public sealed class KernelHangException(long steps) : Exception($"no result after {steps} kernel API calls");
