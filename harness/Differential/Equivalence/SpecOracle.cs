using System.Collections.Immutable;
using VhostLog.Harness.Cases;

namespace VhostLog.Harness.Equivalence;

/// <summary>A call whose result breaks the specification of dirty logging (not a model divergence).</summary>
public sealed record SpecFinding(Function Function, LogCase Input, Observation Observed, string Explanation);

/// <summary>
/// The specification of DESIGN.md section 6, independent of any
/// implementation: after a call that returns 0, every page of every range it
/// was asked to log has its bit set, and no other bit changed. Ranges whose
/// end passes 2^64 have no agreed meaning (peers disagree) and are not judged.
/// </summary>
public static class SpecOracle
{
    const ulong Page = 4096;

    public static SpecFinding? Check(LogCase c, Observation o, string semantics)
    {
        if (o.Outcome != Outcome.Returned || o.Return != 0)
            return null;
        var pages = AskedPages(c, semantics, out var fullyMapped);
        if (pages is null)
            return null;
        if (!fullyMapped)
            return new SpecFinding(c.Function, c, o,
                "returned 0 although part of the host-virtual range has no guest mapping (the specification asks for -EFAULT)");
        var expected = new Dictionary<ulong, byte>();
        foreach (var p in pages)
        {
            var addr = c.LogBase + p / 8;
            expected[addr] = (byte)(expected.GetValueOrDefault(addr) | (1 << (int)(p % 8)));
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

    /// <summary>The guest pages a call must log, or null when the specification does not say.</summary>
    static HashSet<ulong>? AskedPages(LogCase c, string semantics, out bool fullyMapped)
    {
        fullyMapped = true;
        var pages = new HashSet<ulong>();
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
                var all = semantics == "after" && c.Length == ulong.MaxValue;
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
    static bool AddRange(HashSet<ulong> pages, ulong addr, ulong len)
    {
        if (len == 0)
            return true;
        if (addr + len - 1 < addr || len / Page > 1 << 20)
            return false;
        for (var p = addr / Page; p <= (addr + len - 1) / Page; p++)
            pages.Add(p);
        return true;
    }

    /// <summary>
    /// The guest pages behind a host-virtual range: every mapping overlapping
    /// it contributes the guest pages of the overlap; bytes no mapping covers
    /// make the range not fully mapped.
    /// </summary>
    static bool AddHva(HashSet<ulong> pages, LogCase c, ulong hva, ulong len, ref bool fullyMapped)
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
}
