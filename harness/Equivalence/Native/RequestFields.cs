using System.Collections.Immutable;
using VhostLog.Equivalence.Cases;

namespace VhostLog.Equivalence.Native;

/// <summary>How one wire spells a request's numbers and its raw bytes.</summary>
internal interface IRequestFieldWriter
{
    void Number(ulong value);

    void Bytes(ReadOnlySpan<byte> bytes);
}

/// <summary>
/// The fields of a request (harness/native/PROTOCOL.md) in their order,
/// described once for both wires: the text wire writes each as hex, the
/// binary one as a little-endian 64-bit number.
/// </summary>
internal static class RequestFields
{
    /// <summary>How many numbers the request has, and how many raw bytes (the memory writes').</summary>
    public static (int Numbers, int WrittenBytes) Size(LogCase c)
    {
        var writes = c.Ring?.Writes ?? [];
        var written = 0;
        foreach (var w in writes)
            written += w.Bytes.Length;
        return (30 + 2 * Length(c.Mapped) + 3 * Length(c.Umem) + 2 * Length(c.Log) + 2 * Length(c.Iov) + c.CommandsOrEmpty.Length + 2 * writes.Length,
            written);
    }

    static int Length<T>(ImmutableArray<T> a) => a.IsDefault ? 0 : a.Length;

    public static void Write<TWriter>(LogCase c, ref TWriter w) where TWriter : IRequestFieldWriter, allows ref struct
    {
        var mapped = c.Mapped.IsDefault ? [] : c.Mapped;
        var umem = c.Umem.IsDefault ? [] : c.Umem;
        var log = c.Log.IsDefault ? [] : c.Log;
        var iov = c.Iov.IsDefault ? [] : c.Iov;
        var commands = c.CommandsOrEmpty;
        var ring = c.Ring;
        var writes = ring?.Writes ?? [];
        w.Number((ulong)c.Function);
        w.Number(c.LogBase);
        w.Number(c.LogCtx ? 1UL : 0UL);
        w.Number(c.Iotlb ? 1UL : 0UL);
        w.Number(c.Address);
        w.Number(c.Length);
        w.Number((ulong)mapped.Length);
        foreach (var r in mapped)
        {
            w.Number(r.Start);
            w.Number(r.Length);
        }
        w.Number((ulong)umem.Length);
        foreach (var m in umem)
        {
            w.Number(m.Start);
            w.Number(m.Size);
            w.Number(m.Addr);
        }
        w.Number((ulong)log.Length);
        foreach (var e in log)
        {
            w.Number(e.Addr);
            w.Number(e.Len);
        }
        w.Number((ulong)iov.Length);
        foreach (var v in iov)
        {
            w.Number(v.Base);
            w.Number(v.Len);
        }
        w.Number(c.Features);
        w.Number((ulong)c.IovLimit);
        w.Number((ulong)c.PriorLog);
        w.Number(unchecked((ulong)(long)c.AllocationsBeforeFailure));
        w.Number(c.NullLog ? 1UL : 0UL);
        w.Number(c.NullCommands ? 1UL : 0UL);
        w.Number((ulong)commands.Length);
        foreach (var n in commands)
            w.Number((ulong)n);
        w.Number((uint)c.Head);
        w.Number((uint)c.Out);
        w.Number((uint)c.In);
        w.Number((uint)c.Kind);
        w.Number(c.Fill);
        w.Number(ring?.Num ?? 0);
        w.Number(ring?.Desc ?? 0);
        w.Number(ring?.Avail ?? 0);
        w.Number(ring?.LastAvailIdx ?? 0);
        w.Number(ring?.AvailIdx ?? 0);
        w.Number(ring?.UsedFlags ?? 0);
        w.Number(ring is { NotifyAvailIdx: >= 0 } slip ? (ulong)slip.NotifyAvailIdx : ulong.MaxValue);
        w.Number((ulong)writes.Length);
        foreach (var m in writes)
        {
            w.Number(m.Addr);
            w.Number((ulong)m.Bytes.Length);
            w.Bytes(m.Bytes.AsSpan());
        }
    }
}
