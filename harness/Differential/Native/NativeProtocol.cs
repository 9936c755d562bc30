using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.InteropServices;
using VhostLog.Harness.Cases;

namespace VhostLog.Harness.Native;

/// <summary>
/// Writing requests and reading responses of the worker line protocol
/// (harness/native/PROTOCOL.md) on raw bytes, without per-line strings.
/// </summary>
internal static class NativeProtocol
{
    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>Appends the <c>C</c> line of <paramref name="c"/>.</summary>
    public static void WriteCase(ByteBuffer buffer, LogCase c)
    {
        var mapped = c.Mapped.IsDefault ? ImmutableArray<UserRange>.Empty : c.Mapped;
        var umem = c.Umem.IsDefault ? ImmutableArray<UmemMap>.Empty : c.Umem;
        var log = c.Log.IsDefault ? ImmutableArray<LogEntry>.Empty : c.Log;
        var iov = c.Iov.IsDefault ? ImmutableArray<IoVec>.Empty : c.Iov;
        var commands = c.CommandsOrEmpty;

        var ring = c.Ring;
        var writes = ring?.Writes ?? [];
        // Upper bound: 17 bytes per number, 2 per written byte.
        int numbers = 29 + 2 * mapped.Length + 3 * umem.Length + 2 * log.Length + 2 * iov.Length + commands.Length + 3 * writes.Length;
        int writtenBytes = writes.Sum(w => w.Bytes.Length);
        var span = buffer.GetSpan(2 + 17 * numbers + 2 * writtenBytes + 1);
        int p = 0;
        span[p++] = (byte)'C';
        Hex(span, ref p, (ulong)c.Function);
        Hex(span, ref p, c.LogBase);
        Hex(span, ref p, c.LogCtx ? 1UL : 0UL);
        Hex(span, ref p, c.Iotlb ? 1UL : 0UL);
        Hex(span, ref p, c.Address);
        Hex(span, ref p, c.Length);
        Hex(span, ref p, (ulong)mapped.Length);
        foreach (var r in mapped)
        {
            Hex(span, ref p, r.Start);
            Hex(span, ref p, r.Length);
        }
        Hex(span, ref p, (ulong)umem.Length);
        foreach (var m in umem)
        {
            Hex(span, ref p, m.Start);
            Hex(span, ref p, m.Size);
            Hex(span, ref p, m.Addr);
        }
        Hex(span, ref p, (ulong)log.Length);
        foreach (var e in log)
        {
            Hex(span, ref p, e.Addr);
            Hex(span, ref p, e.Len);
        }
        Hex(span, ref p, (ulong)iov.Length);
        foreach (var v in iov)
        {
            Hex(span, ref p, v.Base);
            Hex(span, ref p, v.Len);
        }
        Hex(span, ref p, c.Features);
        Hex(span, ref p, (ulong)c.IovLimit);
        Hex(span, ref p, (ulong)c.PriorLog);
        Hex(span, ref p, unchecked((ulong)(long)c.AllocationsBeforeFailure));
        Hex(span, ref p, c.NullLog ? 1UL : 0UL);
        Hex(span, ref p, c.NullCommands ? 1UL : 0UL);
        Hex(span, ref p, (ulong)commands.Length);
        foreach (var n in commands)
            Hex(span, ref p, (ulong)n);
        Hex(span, ref p, (uint)c.Head);
        Hex(span, ref p, (uint)c.Out);
        Hex(span, ref p, (uint)c.In);
        Hex(span, ref p, (uint)c.Kind);
        Hex(span, ref p, c.Fill);
        Hex(span, ref p, ring?.Num ?? 0);
        Hex(span, ref p, ring?.Desc ?? 0);
        Hex(span, ref p, ring?.Avail ?? 0);
        Hex(span, ref p, ring?.LastAvailIdx ?? 0);
        Hex(span, ref p, ring?.AvailIdx ?? 0);
        Hex(span, ref p, ring?.UsedFlags ?? 0);
        Hex(span, ref p, ring is { NotifyAvailIdx: >= 0 } slip ? (ulong)slip.NotifyAvailIdx : ulong.MaxValue);
        Hex(span, ref p, (ulong)writes.Length);
        foreach (var w in writes)
        {
            Hex(span, ref p, w.Addr);
            Hex(span, ref p, (ulong)w.Bytes.Length);
            span[p++] = (byte)' ';
            foreach (var b in w.Bytes)
            {
                span[p++] = HexDigits[b >> 4];
                span[p++] = HexDigits[b & 0xf];
            }
        }
        span[p++] = (byte)'\n';
        buffer.Advance(p);
    }

    /// <summary>Writes ' ' and <paramref name="v"/> in lower-case hex.</summary>
    private static void Hex(Span<byte> span, ref int p, ulong v)
    {
        span[p++] = (byte)' ';
        int digits = v == 0 ? 1 : (67 - BitOperations.LeadingZeroCount(v)) / 4;
        for (int i = digits - 1; i >= 0; i--)
        {
            span[p + i] = HexDigits[(int)(v & 0xf)];
            v >>= 4;
        }
        p += digits;
    }

    /// <summary>
    /// Parses an <c>R</c> line; null if it is not a well-formed response.
    /// </summary>
    public static Observation? ParseResponse(ReadOnlySpan<byte> line)
    {
        Outcome outcome;
        int p;
        if (line.StartsWith("R ok "u8))
        {
            outcome = Outcome.Returned;
            p = 5;
        }
        else if (line.StartsWith("R bug "u8))
        {
            outcome = Outcome.Bug;
            p = 6;
        }
        else
        {
            return null;
        }
        if (!ReadHex(line, ref p, out ulong ret) || ret > uint.MaxValue
            || !Space(line, ref p) || !ReadHex(line, ref p, out ulong signals) || signals > int.MaxValue
            || !Space(line, ref p) || !ReadHex(line, ref p, out ulong warnings) || warnings > int.MaxValue
            || !Space(line, ref p) || !ReadHex(line, ref p, out ulong nstate) || nstate > (ulong)(line.Length - p) / 2)
        {
            return null;
        }
        var state = ImmutableArray<ulong>.Empty;
        if (nstate > 0)
        {
            var values = new ulong[nstate];
            for (int i = 0; i < values.Length; i++)
            {
                if (!Space(line, ref p) || !ReadHex(line, ref p, out values[i]))
                {
                    return null;
                }
            }
            state = ImmutableCollectionsMarshal.AsImmutableArray(values);
        }
        if (!Space(line, ref p) || !ReadHex(line, ref p, out ulong nruns)
            || nruns > (ulong)(line.Length - p) / 6)
        {
            return null;
        }
        var memory = ImmutableArray<ByteRun>.Empty;
        if (nruns > 0)
        {
            var runs = ImmutableArray.CreateBuilder<ByteRun>((int)nruns);
            for (ulong i = 0; i < nruns; i++)
            {
                if (!Space(line, ref p) || !ReadHex(line, ref p, out ulong addr)
                    || !Space(line, ref p) || !ReadHex(line, ref p, out ulong count) || count == 0
                    || !Space(line, ref p) || !ReadHex(line, ref p, out ulong value) || value is 0 or > 0xff)
                {
                    return null;
                }
                // The worker's runs are maximal within a range; merging here
                // makes them canonical whatever the ranges were.
                ByteRun.Append(runs, new ByteRun(addr, count, (byte)value));
            }
            memory = runs.ToImmutable();
        }
        if (p != line.Length)
        {
            return null;
        }
        return new Observation(outcome, unchecked((int)(uint)ret), (int)signals, memory, "", (int)warnings, state);
    }

    /// <summary>Parses a <c>D case signal</c> line.</summary>
    public static bool TryParseDeath(ReadOnlySpan<byte> line, out ulong caseIndex, out int signal)
    {
        caseIndex = 0;
        signal = 0;
        int p = 1;
        if (line.Length < 2 || line[0] != (byte)'D'
            || !Space(line, ref p) || !ReadHex(line, ref p, out caseIndex)
            || !Space(line, ref p) || !ReadHex(line, ref p, out ulong sig) || sig > 255
            || p != line.Length)
        {
            return false;
        }
        signal = (int)sig;
        return true;
    }

    private static bool Space(ReadOnlySpan<byte> line, ref int p)
    {
        if (p >= line.Length || line[p] != (byte)' ')
        {
            return false;
        }
        p++;
        return true;
    }

    private static bool ReadHex(ReadOnlySpan<byte> line, ref int p, out ulong value)
    {
        value = 0;
        int start = p;
        while (p < line.Length && p - start < 17)
        {
            int b = line[p];
            int d = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : -1;
            if (d < 0)
            {
                break;
            }
            value = (value << 4) | (uint)d;
            p++;
        }
        return p > start && p - start <= 16;
    }
}

/// <summary>
/// The binary wire of the worker protocol (harness/native/PROTOCOL.md):
/// the text wire's fields in the same order, each a little-endian 64-bit
/// number, in frames that carry their length. Nothing is spelt out or
/// scanned for, so neither side spends its time on hex.
/// </summary>
internal static class BinaryProtocol
{
    /// <summary>'C', the body's length, the body.</summary>
    public static void WriteCase(ByteBuffer buffer, LogCase c)
    {
        var mapped = c.Mapped.IsDefault ? ImmutableArray<UserRange>.Empty : c.Mapped;
        var umem = c.Umem.IsDefault ? ImmutableArray<UmemMap>.Empty : c.Umem;
        var log = c.Log.IsDefault ? ImmutableArray<LogEntry>.Empty : c.Log;
        var iov = c.Iov.IsDefault ? ImmutableArray<IoVec>.Empty : c.Iov;
        var commands = c.CommandsOrEmpty;
        var ring = c.Ring;
        var writes = ring is null ? ImmutableArray<MemoryWrite>.Empty : ring.Writes;

        int writtenBytes = 0;
        foreach (var w in writes)
            writtenBytes += w.Bytes.Length;
        int numbers = 30 + 2 * mapped.Length + 3 * umem.Length + 2 * log.Length + 2 * iov.Length + commands.Length + 2 * writes.Length;
        int body = 8 * numbers + writtenBytes;
        var span = buffer.GetSpan(5 + body);
        span[0] = (byte)'C';
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], body);
        int p = 5;
        void Put(Span<byte> s, ulong v)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s[p..], v);
            p += 8;
        }
        Put(span, (ulong)c.Function);
        Put(span, c.LogBase);
        Put(span, c.LogCtx ? 1UL : 0UL);
        Put(span, c.Iotlb ? 1UL : 0UL);
        Put(span, c.Address);
        Put(span, c.Length);
        Put(span, (ulong)mapped.Length);
        foreach (var r in mapped)
        {
            Put(span, r.Start);
            Put(span, r.Length);
        }
        Put(span, (ulong)umem.Length);
        foreach (var m in umem)
        {
            Put(span, m.Start);
            Put(span, m.Size);
            Put(span, m.Addr);
        }
        Put(span, (ulong)log.Length);
        foreach (var e in log)
        {
            Put(span, e.Addr);
            Put(span, e.Len);
        }
        Put(span, (ulong)iov.Length);
        foreach (var v in iov)
        {
            Put(span, v.Base);
            Put(span, v.Len);
        }
        Put(span, c.Features);
        Put(span, (ulong)c.IovLimit);
        Put(span, (ulong)c.PriorLog);
        Put(span, unchecked((ulong)(long)c.AllocationsBeforeFailure));
        Put(span, c.NullLog ? 1UL : 0UL);
        Put(span, c.NullCommands ? 1UL : 0UL);
        Put(span, (ulong)commands.Length);
        foreach (var n in commands)
            Put(span, (ulong)n);
        Put(span, (uint)c.Head);
        Put(span, (uint)c.Out);
        Put(span, (uint)c.In);
        Put(span, (uint)c.Kind);
        Put(span, c.Fill);
        Put(span, ring?.Num ?? 0);
        Put(span, ring?.Desc ?? 0);
        Put(span, ring?.Avail ?? 0);
        Put(span, ring?.LastAvailIdx ?? 0);
        Put(span, ring?.AvailIdx ?? 0);
        Put(span, ring?.UsedFlags ?? 0);
        Put(span, ring is { NotifyAvailIdx: >= 0 } slip ? (ulong)slip.NotifyAvailIdx : ulong.MaxValue);
        Put(span, (ulong)writes.Length);
        foreach (var w in writes)
        {
            Put(span, w.Addr);
            Put(span, (ulong)w.Bytes.Length);
            w.Bytes.AsSpan().CopyTo(span[p..]);
            p += w.Bytes.Length;
        }
        buffer.Advance(p);
    }

    /// <summary>
    /// Parses the body of an <c>R</c> frame; null if it is not a
    /// well-formed response (the same checks as the text wire's).
    /// </summary>
    public static Observation? ParseResponse(ReadOnlySpan<byte> body)
    {
        if (body.Length < 1 + 5 * 8 || body[0] > 1)
            return null;
        var outcome = body[0] == 0 ? Outcome.Returned : Outcome.Bug;
        int p = 1;
        ulong Get(ReadOnlySpan<byte> s)
        {
            var v = BinaryPrimitives.ReadUInt64LittleEndian(s[p..]);
            p += 8;
            return v;
        }
        ulong ret = Get(body), signals = Get(body), warnings = Get(body), nstate = Get(body);
        if (ret > uint.MaxValue || signals > int.MaxValue || warnings > int.MaxValue
            || nstate > (ulong)(body.Length - p - 8) / 8)
        {
            return null;
        }
        var state = ImmutableArray<ulong>.Empty;
        if (nstate > 0)
        {
            var values = new ulong[nstate];
            for (int i = 0; i < values.Length; i++)
                values[i] = Get(body);
            state = ImmutableCollectionsMarshal.AsImmutableArray(values);
        }
        ulong nruns = Get(body);
        if (nruns != (ulong)(body.Length - p) / 24 || (body.Length - p) % 24 != 0)
            return null;
        var memory = ImmutableArray<ByteRun>.Empty;
        if (nruns > 0)
        {
            var runs = ImmutableArray.CreateBuilder<ByteRun>((int)nruns);
            for (ulong i = 0; i < nruns; i++)
            {
                ulong addr = Get(body), count = Get(body), value = Get(body);
                if (count == 0 || value is 0 or > 0xff)
                    return null;
                // The worker's runs are maximal within a range; merging here
                // makes them canonical whatever the ranges were.
                ByteRun.Append(runs, new ByteRun(addr, count, (byte)value));
            }
            memory = runs.Count == runs.Capacity ? runs.MoveToImmutable() : runs.ToImmutable();
        }
        return new Observation(outcome, unchecked((int)(uint)ret), (int)signals, memory, "", (int)warnings, state);
    }

    /// <summary>Parses the body of a <c>D</c> frame: the case and the signal, 8 bytes each.</summary>
    public static bool TryParseDeath(ReadOnlySpan<byte> body, out ulong caseIndex, out int signal)
    {
        caseIndex = 0;
        signal = 0;
        if (body.Length != 16)
            return false;
        caseIndex = BinaryPrimitives.ReadUInt64LittleEndian(body);
        ulong sig = BinaryPrimitives.ReadUInt64LittleEndian(body[8..]);
        if (sig > 255)
            return false;
        signal = (int)sig;
        return true;
    }
}

/// <summary>Reads the worker's binary frames from a stream into one reused buffer.</summary>
internal sealed class FrameReader(Stream stream)
{
    /// <summary>A response larger than this is a broken worker, not a case.</summary>
    private const int MaxFrame = 64 << 20;

    private byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;

    /// <summary>
    /// The next frame's type ('R', 'D', or whatever byte came) and body,
    /// valid until the next call; false at end of stream (a frame cut short
    /// is dropped). An unknown type comes with an empty body.
    /// </summary>
    public bool TryReadFrame(out byte type, out ReadOnlySpan<byte> body)
    {
        body = default;
        type = 0;
        if (!Fill(1))
            return false;
        type = _buffer[_start];
        int length;
        int header;
        if (type == (byte)'R')
        {
            if (!Fill(5))
                return false;
            length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start + 1));
            if (length < 0 || length > MaxFrame)
            {
                _start++;
                type = 0;
                return true;
            }
            header = 5;
        }
        else if (type == (byte)'D')
        {
            length = 16;
            header = 1;
        }
        else
        {
            _start++;
            return true;
        }
        if (!Fill(header + length))
            return false;
        body = _buffer.AsSpan(_start + header, length);
        _start += header + length;
        return true;
    }

    /// <summary>At least n bytes from _start in the buffer; false if the stream ends first.</summary>
    private bool Fill(int n)
    {
        while (_end - _start < n)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_buffer.Length < n)
                Array.Resize(ref _buffer, Math.Max(n, _buffer.Length * 2));
            int read;
            try
            {
                read = stream.Read(_buffer, _end, _buffer.Length - _end);
            }
            catch (IOException)
            {
                read = 0;
            }
            catch (ObjectDisposedException)
            {
                read = 0;
            }
            if (read <= 0)
                return false;
            _end += read;
        }
        return true;
    }
}

/// <summary>A growable byte buffer reused across batches.</summary>
internal sealed class ByteBuffer
{
    private byte[] _data = new byte[64 * 1024];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _data.AsSpan(0, Length);

    public void Clear() => Length = 0;

    /// <summary>Drops everything after the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length) => Length = Math.Min(Length, length);

    public Span<byte> GetSpan(int size)
    {
        if (_data.Length - Length < size)
        {
            Array.Resize(ref _data, Math.Max(_data.Length * 2, Length + size));
        }
        return _data.AsSpan(Length);
    }

    public void Advance(int count) => Length += count;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Length += bytes.Length;
    }
}

/// <summary>Reads '\n'-terminated lines from a stream into one reused buffer.</summary>
internal sealed class LineReader(Stream stream)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>
    /// The next line (without '\n'), valid until the next call; false at end
    /// of stream (an unterminated last piece is dropped).
    /// </summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        int scanned = 0;
        while (true)
        {
            int nl = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                line = _buffer.AsSpan(_start, scanned + nl);
                _start += scanned + nl + 1;
                return true;
            }
            scanned = _end - _start;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, scanned);
                _end = scanned;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            int n;
            try
            {
                n = stream.Read(_buffer, _end, _buffer.Length - _end);
            }
            catch (IOException)
            {
                n = 0;
            }
            catch (ObjectDisposedException)
            {
                n = 0;
            }
            if (n <= 0)
            {
                line = default;
                return false;
            }
            _end += n;
        }
    }
}
