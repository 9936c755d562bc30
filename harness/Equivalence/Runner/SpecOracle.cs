using System.Collections.Immutable;
using System.Runtime.InteropServices;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Protocol;

namespace VhostLog.Equivalence.Runner;

/// <summary>A call whose result breaks the specification of dirty logging (not a model divergence).</summary>
public sealed record SpecFinding(Function Function, LogCase Input, Observation Observed, string Explanation);

/// <summary>
/// The specification of dirty logging, independent of any
/// implementation: after a call that returns 0, every page of every range it
/// was asked to log has its bit set, and no other bit changed. Ranges whose
/// end passes 2^64 have no agreed meaning (peers disagree) and are not judged.
/// </summary>
public static class SpecOracle
{
    const ulong Page = 4096;

    public static SpecFinding? Check(LogCase c, Observation o, Semantics semantics) => Check(c, o, semantics, byteByByte: false);

    /// <summary>
    /// The same judgement without the run-level shortcut: every asked page's
    /// bit looked up byte by byte. The reference the shortcut is tested
    /// against (SpecOracleTests).
    /// </summary>
    public static SpecFinding? CheckByteByByte(LogCase c, Observation o, Semantics semantics) => Check(c, o, semantics, byteByByte: true);

    static SpecFinding? Check(LogCase c, Observation o, Semantics semantics, bool byteByByte)
    {
        if (c.Function is Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target)
            return CheckResponse(c, o);
        if (c.Function == Function.vhost_scsi_get_desc)
            return CheckGetDesc(c, o);
        if (o.Outcome != Outcome.Returned || o.Return != 0)
            return null;
        var ranges = AskedPages(c, semantics, out var fullyMapped);
        if (ranges is null)
            return null;
        if (!fullyMapped)
            return new SpecFinding(c.Function, c, o,
                "returned 0 although part of the host-virtual range has no guest mapping (the specification asks for -EFAULT)");
        // Nearly every call keeps the specification: decide that on runs of
        // bytes (a saturated bitmap is a few runs), and spell out a finding
        // byte by byte only when there is one.
        if (!byteByByte && Matches(c.LogBase, ranges, o.Memory.IsDefault ? [] : o.Memory))
            return null;
        return Explain(c, o, ranges);
    }

    const int EAGAIN = 11, ENXIO = 6;

    /// <summary>
    /// What a caller of vhost_scsi_get_desc() relies on. It returns 0 with a
    /// request (head below vq->num, taken: last_avail_idx one further),
    /// -EAGAIN when the ring was empty but a buffer arrived while
    /// notification was being re-enabled, -ENXIO otherwise (an error, or
    /// nothing new), and nothing else. With a request, out_size and in_size
    /// are the lengths of the readable and writable iovecs, out_iter reads
    /// exactly the readable ones from vq->iov[0], and the log has one entry
    /// per writable descriptor: as many bytes as in_size, and log_num never
    /// above in (the invariant patch 9's WARN asserted). BUG() (the caller
    /// left notification on) is the kernel's own assertion and not judged.
    /// </summary>
    static SpecFinding? CheckGetDesc(LogCase c, Observation o)
    {
        if (o.Outcome != Outcome.Returned || c.Ring is not { } ring || FunctionState.Read(c, o) is not GetDescState st)
            return null;
        SpecFinding Finding(string why) => new(c.Function, c, o, why);
        var head = st.Head;
        ulong @out = st.Out, @in = st.In, logNum = st.LogNum;
        var logged = !c.NullLog && st.LogNumWritten;
        if (logged && (logNum > @in || @in > Wire.UioMaxIov))
            return Finding($"log_num {logNum} is above in {@in}: more log entries than writable iovecs (the invariant log_num <= in_num <= iov_limit)");
        switch (o.Return)
        {
            case 0:
                break;
            case -EAGAIN when head != ring.Num:
                return Finding($"returned -EAGAIN for head {head}: only an empty ring (head == num) with a buffer slipped in may ask to be called again");
            case -EAGAIN:
                return null;
            case -ENXIO when head >= 0 && head != ring.Num:
                return Finding($"returned -ENXIO with a request (head {head} of {ring.Num})");
            case -ENXIO:
                return null;
            default:
                return Finding($"returned {o.Return}; its callers know only 0, -EAGAIN and -ENXIO");
        }
        if (head < 0 || head >= ring.Num)
            return Finding($"returned 0 with head {head}, not a descriptor of a ring of {ring.Num}");
        if (st.LastAvailIdx != (ushort)(ring.LastAvailIdx + 1))
            return Finding($"returned a request but last_avail_idx went from {ring.LastAvailIdx} to {st.LastAvailIdx}, not one further");
        ulong outSize = st.ReadableBytes, inSize = st.WritableBytes;
        if (st.OutSize != outSize || st.InSize != inSize)
            return Finding($"out_size {st.OutSize} and in_size {st.InSize}, but the iovecs hold {outSize} readable and {inSize} writable bytes");
        var it = st.OutIter;
        if (it.Direction != 1 || it.Start != 0 || it.Offset != 0 || it.Segments != @out || it.Count != outSize)
            return Finding($"out_iter is not the readable iovecs from vq->iov[0] (source {it.Direction}, start {(long)it.Start}, offset {it.Offset}, {it.Segments} segment(s), {it.Count} byte(s))");
        if (logged)
        {
            var logBytes = 0UL;
            foreach (var e in st.Log.Take((int)logNum))
                logBytes += e.Len;
            if (logBytes != inSize)
                return Finding($"the log's {logNum} entries cover {logBytes} bytes, the writable iovecs {inSize}: a migration would miss pages the device writes");
        }
        return null;
    }

    /// <summary>
    /// virtio-scsi's response, as the guest must see it: the response of
    /// its type's size (108 bytes for a command, 1 for TMF, 5 for AN) laid
    /// over the device-writable buffers vq->iov[out .. out + in) in order,
    /// status at offset 10 or BAD TARGET (3) in the response field; the
    /// buffer returned (head, length 0) exactly when all of it was written;
    /// no byte outside the response's place changed. A response that faults
    /// may leave any of its bytes written or not.
    /// </summary>
    static SpecFinding? CheckResponse(LogCase c, Observation o)
    {
        if (o.Outcome != Outcome.Returned || FunctionState.Read(c, o) is not ResponseState response)
            return null;
        var status = c.Function == Function.vhost_scsi_send_status;
        var size = status || c.Kind == 0 ? 108 : c.Kind == 1 ? 1 : 5;
        var rsp = new byte[size];
        if (status)
            rsp[10] = (byte)c.Kind;
        else
            rsp[c.Kind switch { 0 => 11, 1 => 0, _ => 4 }] = 3;
        // Where each response byte goes, while the buffers last.
        var places = new List<ulong>(size);
        for (var k = c.Out; k < c.Out + c.In && k < c.Iov.Length && places.Count < size; k++)
            for (var b = 0UL; b < c.Iov[k].Len && places.Count < size; b++)
                places.Add(c.Iov[k].Base + b);
        var mappedRanges = c.Mapped;
        bool Mapped(ulong a)
        {
            foreach (var r in mappedRanges)
                if (a - r.Start < r.Length)
                    return true;
            return false;
        }
        var fits = places.Count == size;
        for (var i = 0; i < places.Count && fits; i++)
            fits = Mapped(places[i]);
        var used = response.UsedCount;
        if (fits && (used != 1 || response.Used[0].Head != (uint)c.Head || response.Used[0].Len != 0))
            return new SpecFinding(c.Function, c, o, "the whole response fit in the response buffers but the buffer was not returned once with its head and length 0");
        if (!fits && used != 0)
            return new SpecFinding(c.Function, c, o, places.Count < size
                ? $"returned the buffer although the response buffers hold {places.Count} of the {size} response bytes"
                : "returned the buffer although writing the response faulted");
        // The bytes each place may hold: the response's (the last write wins
        // where buffers overlap) or, when it did not fit, also the fill.
        // Runs as the engines give them are sorted and disjoint: a place
        // lies in at most one, found by bisection rather than by trying
        // every run. Any other list (a hand-made observation) takes the
        // general way, where a later run wins.
        var runs = o.Memory.IsDefault ? [] : o.Memory;
        var observed = new Dictionary<ulong, byte>();
        var sorted = true;
        for (var i = 0; i < runs.Length && sorted; i++)
            sorted = runs[i].Count > 0 && runs[i].Count - 1 <= ulong.MaxValue - runs[i].Addr
                     && (i == 0 || runs[i - 1].Addr + (runs[i - 1].Count - 1) < runs[i].Addr);
        if (!sorted)
        {
            foreach (var r in runs)
                foreach (var p in places.Where(p => p - r.Addr < r.Count))
                    observed[p] = r.Value;
        }
        else
        {
            foreach (var p in places)
            {
                int lo = 0, hi = runs.Length;
                while (lo < hi)
                {
                    var mid = (lo + hi) / 2;
                    if (runs[mid].Addr <= p)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                if (lo > 0 && p - runs[lo - 1].Addr < runs[lo - 1].Count)
                    observed[p] = runs[lo - 1].Value;
            }
        }
        var final = new Dictionary<ulong, byte>();
        // A byte set by value, not a HashSet per place: up to 108 of them a
        // case were most of the oracle's allocations.
        var allowed = new Dictionary<ulong, ByteSet>();
        for (var i = 0; i < places.Count; i++)
        {
            if (!Mapped(places[i]))
                continue;
            final[places[i]] = rsp[i];
            ref var set = ref CollectionsMarshal.GetValueRefOrAddDefault(allowed, places[i], out var exists);
            if (!exists)
                set.Add(c.Fill);
            set.Add(rsp[i]);
        }
        foreach (var (addr, set) in allowed)
        {
            var v = observed.GetValueOrDefault(addr);
            if (fits ? v != final[addr] : !set.Contains(v))
                return new SpecFinding(c.Function, c, o, $"the response byte at 0x{addr:x} is 0x{v:x2}, not the response's");
            final[addr] = v;
        }
        // Everything else keeps the fill: compare the runs.
        var expected = ImmutableArray.CreateBuilder<ByteRun>();
        var points = final.Keys.Order().ToList();
        foreach (var r in c.Mapped.OrderBy(r => r.Start))
        {
            var at = r.Start;
            foreach (var p in points.Where(p => p - r.Start < r.Length))
            {
                ByteRun.Append(expected, new ByteRun(at, p - at, c.Fill));
                ByteRun.Append(expected, new ByteRun(p, 1, final[p]));
                at = p + 1;
            }
            ByteRun.Append(expected, new ByteRun(at, r.Start + r.Length - at, c.Fill));
        }
        return expected.ToImmutable().AsSpan().SequenceEqual((o.Memory.IsDefault ? [] : o.Memory).AsSpan())
            ? null
            : new SpecFinding(c.Function, c, o, "wrote user memory outside the response's place in the response buffers");
    }

    /// <summary>The finding, byte by byte: which bytes lack bits, which hold bits of pages not asked for.</summary>
    static SpecFinding? Explain(LogCase c, Observation o, List<(ulong First, ulong Last)> ranges)
    {
        var expected = new Dictionary<ulong, byte>();
        foreach (var (first, last) in ranges)
            for (var p = first; ; p++)
            {
                var addr = c.LogBase + p / 8;
                expected[addr] = (byte)(expected.GetValueOrDefault(addr) | (1 << (int)(p % 8)));
                if (p == last)
                    break;
            }
        var actual = o.Bytes.ToDictionary(b => b.Addr, b => b.Value);
        var missing = expected.Where(e => (actual.GetValueOrDefault(e.Key) & e.Value) != e.Value).Select(e => e.Key).ToList();
        var extra = actual.Where(a => (a.Value & ~expected.GetValueOrDefault(a.Key)) != 0).Select(a => a.Key).ToList();
        if (missing.Count == 0 && extra.Count == 0)
            return null;
        var why = new List<string>();
        if (missing.Count > 0)
            why.Add($"returned 0 but {missing.Count} bitmap byte(s) lack bits of pages it was asked to log (first at 0x{missing[0]:x})");
        if (extra.Count > 0)
            why.Add($"set bits of pages it was not asked to log in {extra.Count} byte(s) (first at 0x{extra[0]:x})");
        return new SpecFinding(c.Function, c, o, string.Join("; ", why));
    }

    /// <summary>
    /// Whether memory holds exactly the bits of the pages asked for (the
    /// verdict of <see cref="Explain"/>, computed on runs): every asked bit
    /// set, no other bit set.
    /// </summary>
    static bool Matches(ulong logBase, List<(ulong First, ulong Last)> ranges, ImmutableArray<ByteRun> memory)
    {
        // The asked pages as runs of bitmap bytes: a partial first byte, full
        // bytes, a partial last byte; two ranges may share one byte.
        var merged = ranges.OrderBy(r => r.First).ToList();
        var bytes = new List<(ulong Index, ulong Count, byte Mask)>();
        void Add(ulong index, ulong count, byte mask)
        {
            if (bytes.Count > 0 && bytes[^1] is var last && last.Index + last.Count - 1 == index)
            {
                // The shared byte is the last of a partial run of one byte.
                bytes[^1] = last with { Mask = (byte)(last.Mask | mask) };
                if (count > 1)
                    bytes.Add((index + 1, count - 1, 0xff));
                return;
            }
            bytes.Add((index, count, mask));
        }
        foreach (var (first, last) in merged)
        {
            if (bytes.Count > 0 && bytes[^1] is var prev && prev.Index + prev.Count - 1 > first / 8)
                return Slow();
            var lo = first / 8;
            var hi = last / 8;
            if (lo == hi)
            {
                Add(lo, 1, (byte)(((1 << (int)(last % 8 + 1)) - 1) & ~((1 << (int)(first % 8)) - 1)));
                continue;
            }
            Add(lo, 1, (byte)(0xff & ~((1 << (int)(first % 8)) - 1)));
            if (hi - lo > 1)
                Add(lo + 1, hi - lo - 1, 0xff);
            Add(hi, 1, (byte)((1 << (int)(last % 8 + 1)) - 1));
        }
        // Overlapping page ranges (several log entries for one page) are rare:
        // the byte-by-byte comparison decides them.
        bool Slow() => Explain(new LogCase(Function.log_write, logBase, [], false, [], false, 0, 0, [], []),
            new Observation(Outcome.Returned, 0, 0, memory, ""), ranges) is null;

        // The sweep needs memory by ascending address, runs apart.
        for (var k = 1; k < memory.Length; k++)
            if (memory[k].Addr <= memory[k - 1].Addr + (memory[k - 1].Count - 1))
                return Slow();

        // To addresses; a bitmap near the top of the address space wraps to 0.
        var expected = new List<ByteRun>(bytes.Count + 1);
        foreach (var (index, count, mask) in bytes)
        {
            var addr = logBase + index;
            var beforeWrap = 0UL - addr;
            if (addr != 0 && beforeWrap < count)
            {
                expected.Add(new ByteRun(addr, beforeWrap, mask));
                expected.Add(new ByteRun(0, count - beforeWrap, mask));
            }
            else
                expected.Add(new ByteRun(addr, count, mask));
        }
        expected.Sort((x, y) => x.Addr.CompareTo(y.Addr));

        // Sweep both sorted run lists; between two boundaries both sides are constant.
        int i = 0, j = 0;
        ulong ei = 0, aj = 0; // bytes of run i / j already passed
        while (i < expected.Count || j < memory.Length)
        {
            bool hasE = i < expected.Count, hasA = j < memory.Length;
            var eStart = hasE ? expected[i].Addr + ei : 0;
            var aStart = hasA ? memory[j].Addr + aj : 0;
            var inE = hasE && (!hasA || eStart <= aStart);
            var inA = hasA && (!hasE || aStart <= eStart);
            var at = inE ? eStart : aStart;
            var e = inE ? expected[i].Value : (byte)0;
            var a = inA ? memory[j].Value : (byte)0;
            if ((a & e) != e || (a & ~e) != 0)
                return false;
            // To the next boundary: the end of a run here or the start of the other side's.
            var step = ulong.MaxValue;
            if (inE)
                step = expected[i].Count - ei;
            else if (hasE)
                step = eStart - at;
            if (inA)
                step = Math.Min(step, memory[j].Count - aj);
            else if (hasA)
                step = Math.Min(step, aStart - at);
            if (inE && (ei += step) == expected[i].Count)
            {
                i++;
                ei = 0;
            }
            if (inA && (aj += step) == memory[j].Count)
            {
                j++;
                aj = 0;
            }
        }
        return true;
    }

    /// <summary>The guest pages a call must log, or null when the specification does not say.</summary>
    static List<(ulong First, ulong Last)>? AskedPages(LogCase c, Semantics semantics, out bool fullyMapped)
    {
        fullyMapped = true;
        var pages = new List<(ulong First, ulong Last)>();
        switch (c.Function)
        {
            case Function.log_write:
                return AddRange(pages, c.Address, c.Length) ? pages : null;
            case Function.log_write_hva:
                return AddHva(pages, c, c.Address, c.Length, ref fullyMapped) ? pages : null;
            case Function.vhost_log_write when c.Iotlb:
                foreach (var v in c.Iov)
                    if (!AddHva(pages, c, v.Base, v.Len, ref fullyMapped))
                        return null;
                return pages;
            case Function.vhost_log_write:
                // len bytes counted from the first entry; U64_MAX (after the
                // series) means every entry in full.
                var left = c.Length;
                var all = semantics == Semantics.After && c.Length == ulong.MaxValue;
                foreach (var e in c.Log)
                {
                    var take = all ? e.Len : Math.Min(e.Len, left);
                    if (!AddRange(pages, e.Addr, take))
                        return null;
                    if (!all)
                        left -= take;
                }
                return pages;
            default:
                return null;
        }
    }

    /// <summary>Adds the pages of [addr, addr + len); false when the range passes 2^64.</summary>
    static bool AddRange(List<(ulong First, ulong Last)> pages, ulong addr, ulong len)
    {
        if (len == 0)
            return true;
        if (addr + len - 1 < addr || len / Page > 1 << 20)
            return false;
        pages.Add((addr / Page, (addr + len - 1) / Page));
        return true;
    }

    /// <summary>
    /// The guest pages behind a host-virtual range: every mapping overlapping
    /// it contributes the guest pages of the overlap; bytes no mapping covers
    /// make the range not fully mapped.
    /// </summary>
    static bool AddHva(List<(ulong First, ulong Last)> pages, LogCase c, ulong hva, ulong len, ref bool fullyMapped)
    {
        if (len == 0)
            return true;
        if (hva + len - 1 < hva)
            return false;
        var end = hva + len - 1;
        var covered = new List<(ulong Start, ulong End)>();
        foreach (var m in c.Umem)
        {
            var mEnd = m.Addr + m.Size - 1;
            if (m.Addr > end || mEnd < hva)
                continue;
            var start = Math.Max(m.Addr, hva);
            var stop = Math.Min(mEnd, end);
            if (!AddRange(pages, m.Start + (start - m.Addr), stop - start + 1))
                return false;
            covered.Add((start, stop));
        }
        // Walk the covered pieces in order; a gap before the end is unmapped.
        var next = hva;
        var reachedEnd = false;
        foreach (var (s, e) in covered.OrderBy(x => x.Start))
        {
            if (s > next)
                break;
            if (e >= end)
            {
                reachedEnd = true;
                break;
            }
            if (e >= next)
                next = e + 1;
        }
        if (!reachedEnd)
            fullyMapped = false;
        return true;
    }

    /// <summary>A set of byte values, one bit each.</summary>
    struct ByteSet
    {
        ulong w0, w1, w2, w3;

        public void Add(byte v)
        {
            var bit = 1UL << (v & 63);
            switch (v >> 6)
            {
                case 0: w0 |= bit; break;
                case 1: w1 |= bit; break;
                case 2: w2 |= bit; break;
                default: w3 |= bit; break;
            }
        }

        public readonly bool Contains(byte v) => ((v >> 6) switch { 0 => w0, 1 => w1, 2 => w2, _ => w3 } >> (v & 63) & 1) != 0;
    }
}
