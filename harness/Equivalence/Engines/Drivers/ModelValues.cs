using System.Collections.Immutable;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Protocol;
using VhostLog.Models.Kernel;

namespace VhostLog.Equivalence.Engines.Drivers;

/// <summary>Between a case's values and the model's kernel structs, the same way the worker makes and reads them.</summary>
public static class ModelValues
{
    public static vhost_log[] Entries(ImmutableArray<LogEntry> log) =>
        log.Select(l => new vhost_log { addr = l.Addr, len = l.Len }).ToArray();

    public static ImmutableArray<LogEntry> LogEntries(ReadOnlySpan<vhost_log> buffer)
    {
        var entries = ImmutableArray.CreateBuilder<LogEntry>(buffer.Length);
        foreach (var e in buffer)
            entries.Add(new LogEntry(e.addr, e.len));
        return entries.MoveToImmutable();
    }

    public static ImmutableArray<CommandLog> CommandLogs(IEnumerable<vhost_scsi_cmd> commands) =>
        [.. commands.Select(cmd => new CommandLog(cmd.tvc_log is not null, cmd.tvc_log_num))];

    /// <summary>A command's buffer of iov_limit entries whose first n are an earlier request's log.</summary>
    public static vhost_log[] PriorBuffer(int iovLimit, int n)
    {
        var earlier = new vhost_log[iovLimit];
        for (var i = 0; i < n; i++)
            earlier[i] = new vhost_log { addr = LogCase.PriorEntry(i).Addr, len = LogCase.PriorEntry(i).Len };
        return earlier;
    }

    /// <summary>The bytes of iov[from .. to), to at most UIO_MAXIOV (as the worker sums them).</summary>
    public static ulong IovBytes(iovec[] iov, ulong from, ulong to)
    {
        var total = 0UL;
        for (var i = from; i < Math.Min(to, (ulong)Wire.UioMaxIov); i++)
            total += iov[i].iov_len;
        return total;
    }

    /// <summary>
    /// FNV-1a over the iovecs, a 64-bit word at a time (base, then length),
    /// as the worker and the chains driver hash them.
    /// </summary>
    public static ulong IovHash(ReadOnlySpan<iovec> iov)
    {
        var n = iov.Length;
        while (n > 0 && iov[n - 1].iov_base.Value == 0 && iov[n - 1].iov_len == 0)
            n--;
        var h = Wire.Fnv1a.OffsetBasis;
        foreach (var v in iov[..n])
            h = Wire.Fnv1a.Step(Wire.Fnv1a.Step(h, v.iov_base.Value), v.iov_len);
        return Wire.Fnv1a.ZeroWords(h, 2 * (ulong)(iov.Length - n));
    }

    /// <summary>FNV-1a over the log entries (address, then length), as the worker hashes vq->log.</summary>
    public static ulong LogHash(ReadOnlySpan<vhost_log> log)
    {
        var n = log.Length;
        while (n > 0 && log[n - 1].addr == 0 && log[n - 1].len == 0)
            n--;
        var h = Wire.Fnv1a.OffsetBasis;
        foreach (var e in log[..n])
            h = Wire.Fnv1a.Step(Wire.Fnv1a.Step(h, e.addr), e.len);
        return Wire.Fnv1a.ZeroWords(h, 2 * (ulong)(log.Length - n));
    }
}
