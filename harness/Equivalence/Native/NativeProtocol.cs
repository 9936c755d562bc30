using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.InteropServices;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Protocol;

namespace VhostLog.Equivalence.Native;

/// <summary>
/// Writing requests and reading responses of the worker line protocol
/// (harness/native/PROTOCOL.md) on raw bytes, without per-line strings.
/// </summary>
internal static class NativeProtocol
{
    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>
    /// A call the worker stopped at the model's step limit ("R hang"): hung,
    /// as the model's run of it; what it did until then is not compared.
    /// </summary>
    public static readonly Observation StepLimitReached = new(Outcome.Timeout, 0, 0, [],
        $"step limit: more than {Wire.StepLimit:N0} set_bit_to_user() calls (the model's limit of kernel API calls)");

    /// <summary>Appends the <c>C</c> line of <paramref name="c"/>.</summary>
    public static void WriteCase(ByteBuffer buffer, LogCase c)
    {
        var (numbers, writtenBytes) = RequestFields.Size(c);
        // Upper bound: 17 bytes per number, 3 per written byte (a space, two digits).
        var span = buffer.GetSpan(2 + 17 * numbers + 3 * writtenBytes + 1);
        span[0] = (byte)'C';
        var writer = new TextFields(span, 1);
        RequestFields.Write(c, ref writer);
        var p = writer.Position;
        span[p++] = (byte)'\n';
        buffer.Advance(p);
    }

    /// <summary>Numbers as ' ' and lower-case hex; bytes as ' ' and two hex digits each, no spaces between.</summary>
    ref struct TextFields(Span<byte> span, int position) : IRequestFieldWriter
    {
        readonly Span<byte> span = span;

        public int Position { get; private set; } = position;

        public void Number(ulong v)
        {
            var p = Position;
            Hex(span, ref p, v);
            Position = p;
        }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            var p = Position;
            span[p++] = (byte)' ';
            foreach (var b in bytes)
            {
                span[p++] = HexDigits[b >> 4];
                span[p++] = HexDigits[b & 0xf];
            }
            Position = p;
        }
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
        else if (line.StartsWith("R hang "u8))
        {
            outcome = Outcome.Timeout;
            p = 7;
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
        return outcome == Outcome.Timeout ? StepLimitReached : new Observation(outcome, unchecked((int)(uint)ret), (int)signals, memory, "", (int)warnings, state);
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
        var (numbers, writtenBytes) = RequestFields.Size(c);
        int body = 8 * numbers + writtenBytes;
        var span = buffer.GetSpan(5 + body);
        span[0] = (byte)'C';
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], body);
        var writer = new BinaryFields(span, 5);
        RequestFields.Write(c, ref writer);
        buffer.Advance(writer.Position);
    }

    /// <summary>Numbers as 8 little-endian bytes; bytes as they are.</summary>
    ref struct BinaryFields(Span<byte> span, int position) : IRequestFieldWriter
    {
        readonly Span<byte> span = span;

        public int Position { get; private set; } = position;

        public void Number(ulong v)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[Position..], v);
            Position += 8;
        }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(span[Position..]);
            Position += bytes.Length;
        }
    }

    /// <summary>
    /// Parses the body of an <c>R</c> frame; null if it is not a
    /// well-formed response (the same checks as the text wire's).
    /// </summary>
    public static Observation? ParseResponse(ReadOnlySpan<byte> body)
    {
        if (body.Length < 1 + 5 * 8 || body[0] > 2)
            return null;
        var outcome = body[0] switch { 0 => Outcome.Returned, 1 => Outcome.Bug, _ => Outcome.Timeout };
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
        return outcome == Outcome.Timeout ? NativeProtocol.StepLimitReached : new Observation(outcome, unchecked((int)(uint)ret), (int)signals, memory, "", (int)warnings, state);
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

    private readonly StreamWindow _window = new(stream, 256 * 1024);

    /// <summary>
    /// The next frame's type ('R', 'D', or whatever byte came) and body,
    /// valid until the next call; false at end of stream (a frame cut short
    /// is dropped). An unknown type comes with an empty body.
    /// </summary>
    public bool TryReadFrame(out byte type, out ReadOnlySpan<byte> body)
    {
        body = default;
        type = 0;
        if (!_window.Fill(1))
            return false;
        type = _window.Unread[0];
        int length;
        int header;
        if (type == (byte)'R')
        {
            if (!_window.Fill(5))
                return false;
            length = BinaryPrimitives.ReadInt32LittleEndian(_window.Unread[1..]);
            if (length < 0 || length > MaxFrame)
            {
                _window.Consume(1);
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
            _window.Consume(1);
            return true;
        }
        if (!_window.Fill(header + length))
            return false;
        body = _window.Unread.Slice(header, length);
        _window.Consume(header + length);
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
    private readonly StreamWindow _window = new(stream, 64 * 1024);

    /// <summary>
    /// The next line (without '\n'), valid until the next call; false at end
    /// of stream (an unterminated last piece is dropped).
    /// </summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        int scanned = 0;
        while (true)
        {
            int nl = _window.Unread[scanned..].IndexOf((byte)'\n');
            if (nl >= 0)
            {
                line = _window.Unread[..(scanned + nl)];
                _window.Consume(scanned + nl + 1);
                return true;
            }
            scanned = _window.Unread.Length;
            if (!_window.Fill(scanned + 1))
            {
                line = default;
                return false;
            }
        }
    }
}

/// <summary>
/// The bytes read from a stream and not yet consumed, in one buffer that is
/// compacted and grown as needed: what the line and frame readers share.
/// </summary>
internal sealed class StreamWindow(Stream stream, int initialSize)
{
    private byte[] _buffer = new byte[initialSize];
    private int _start;
    private int _end;

    /// <summary>The unconsumed bytes, valid until the next Fill or Consume.</summary>
    public ReadOnlySpan<byte> Unread => _buffer.AsSpan(_start, _end - _start);

    public void Consume(int n) => _start += n;

    /// <summary>
    /// At least <paramref name="n"/> unconsumed bytes; false if the stream
    /// ends (or breaks: a worker that died mid-write is an end) first.
    /// </summary>
    public bool Fill(int n)
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
