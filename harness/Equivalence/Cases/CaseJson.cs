using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VhostLog.Equivalence.Protocol;

namespace VhostLog.Equivalence.Cases;

/// <summary>Cases and observations as JSON with hexadecimal numbers, the form reproducers are saved in.</summary>
public static class CaseJson
{
    static string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);

    static ulong U64(JsonNode? n, string what)
    {
        var s = n?.GetValue<string>() ?? throw new FormatException($"missing {what}");
        return s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : ulong.Parse(s, CultureInfo.InvariantCulture);
    }

    public static JsonObject ToJson(LogCase c)
    {
        var o = CaseFields(c);
        if (c.Ring is { } ring)
            o["ring"] = new JsonObject
            {
                ["num"] = ring.Num,
                ["desc"] = Hex(ring.Desc),
                ["avail"] = Hex(ring.Avail),
                ["last_avail_idx"] = ring.LastAvailIdx,
                ["avail_idx"] = ring.AvailIdx,
                ["used_flags"] = ring.UsedFlags,
                ["notify_avail_idx"] = ring.NotifyAvailIdx,
                ["writes"] = new JsonArray(ring.Writes.Select(w => (JsonNode)new JsonObject
                {
                    ["addr"] = Hex(w.Addr),
                    ["bytes"] = Convert.ToHexStringLower(w.Bytes.AsSpan()),
                }).ToArray()),
            };
        return o;
    }

    static RingState? RingFromJson(JsonNode? n) => n is null ? null : new RingState(
        n["num"]?.GetValue<uint>() ?? throw new FormatException("missing ring.num"),
        U64(n["desc"], "ring.desc"),
        U64(n["avail"], "ring.avail"),
        n["last_avail_idx"]?.GetValue<ushort>() ?? 0,
        n["avail_idx"]?.GetValue<ushort>() ?? 0,
        n["used_flags"]?.GetValue<ushort>() ?? 1,
        n["notify_avail_idx"]?.GetValue<int>() ?? -1,
        (n["writes"] as JsonArray ?? []).Select(w => new MemoryWrite(U64(w!["addr"], "ring.writes.addr"),
            [.. Convert.FromHexString(w["bytes"]?.GetValue<string>() ?? throw new FormatException("missing ring.writes.bytes"))])).ToImmutableArray());

    static JsonObject CaseFields(LogCase c) => new()
    {
        ["function"] = c.Function.ToString(),
        ["log_base"] = Hex(c.LogBase),
        ["mapped"] = new JsonArray(c.Mapped.Select(r => (JsonNode)new JsonObject { ["start"] = Hex(r.Start), ["length"] = Hex(r.Length) }).ToArray()),
        ["iotlb"] = c.Iotlb,
        ["umem"] = new JsonArray(c.Umem.Select(m => (JsonNode)new JsonObject { ["start"] = Hex(m.Start), ["size"] = Hex(m.Size), ["addr"] = Hex(m.Addr) }).ToArray()),
        ["log_ctx"] = c.LogCtx,
        ["address"] = Hex(c.Address),
        ["length"] = Hex(c.Length),
        ["log"] = new JsonArray(c.Log.Select(l => (JsonNode)new JsonObject { ["addr"] = Hex(l.Addr), ["len"] = Hex(l.Len) }).ToArray()),
        ["iov"] = new JsonArray(c.Iov.Select(v => (JsonNode)new JsonObject { ["base"] = Hex(v.Base), ["len"] = Hex(v.Len) }).ToArray()),
        ["features"] = Hex(c.Features),
        ["iov_limit"] = c.IovLimit,
        ["prior_log"] = c.PriorLog,
        ["allocations_before_failure"] = c.AllocationsBeforeFailure,
        ["null_log"] = c.NullLog,
        ["commands"] = new JsonArray(c.CommandsOrEmpty.Select(n => (JsonNode)n).ToArray()),
        ["null_commands"] = c.NullCommands,
        ["head"] = c.Head,
        ["out"] = c.Out,
        ["in"] = c.In,
        ["kind"] = c.Kind,
        ["fill"] = c.Fill,
    };

    public static LogCase FromJson(JsonNode n)
    {
        if (!Enum.TryParse<Function>(n["function"]?.GetValue<string>(), out var f))
            throw new FormatException($"unknown function '{n["function"]}' ({string.Join(", ", Enum.GetNames<Function>())})");
        JsonArray Array(string name) => n[name] as JsonArray ?? [];
        return new LogCase(
            f,
            U64(n["log_base"], "log_base"),
            Array("mapped").Select(r => new UserRange(U64(r!["start"], "mapped.start"), U64(r["length"], "mapped.length"))).ToImmutableArray(),
            n["iotlb"]?.GetValue<bool>() ?? false,
            Array("umem").Select(m => new UmemMap(U64(m!["start"], "umem.start"), U64(m["size"], "umem.size"), U64(m["addr"], "umem.addr"))).ToImmutableArray(),
            n["log_ctx"]?.GetValue<bool>() ?? false,
            U64(n["address"], "address"),
            U64(n["length"], "length"),
            Array("log").Select(l => new LogEntry(U64(l!["addr"], "log.addr"), U64(l["len"], "log.len"))).ToImmutableArray(),
            Array("iov").Select(v => new IoVec(U64(v!["base"], "iov.base"), U64(v["len"], "iov.len"))).ToImmutableArray(),
            n["features"] is { } features ? U64(features, "features") : 0,
            n["iov_limit"]?.GetValue<int>() ?? Wire.UioMaxIov,
            n["prior_log"]?.GetValue<int>() ?? 0,
            n["allocations_before_failure"]?.GetValue<int>() ?? -1,
            n["null_log"]?.GetValue<bool>() ?? false,
            Array("commands").Select(x => x!.GetValue<int>()).ToImmutableArray(),
            n["null_commands"]?.GetValue<bool>() ?? false,
            n["head"]?.GetValue<int>() ?? 0,
            n["out"]?.GetValue<int>() ?? 0,
            n["in"]?.GetValue<int>() ?? 0,
            n["kind"]?.GetValue<int>() ?? 0,
            n["fill"]?.GetValue<byte>() ?? 0,
            RingFromJson(n["ring"]));
    }

    public static JsonObject ToJson(Observation o) => new()
    {
        ["outcome"] = o.Outcome.ToString(),
        ["return"] = o.Return,
        ["signals"] = o.Signals,
        ["bytes"] = new JsonArray(o.Bytes.Select(b => (JsonNode)new JsonObject { ["addr"] = Hex(b.Addr), ["value"] = $"0x{b.Value:x2}" }).ToArray()),
        ["detail"] = o.Detail,
        ["warnings"] = o.Warnings,
        ["state"] = new JsonArray(o.StateOrEmpty.Select(v => (JsonNode)Hex(v)).ToArray()),
    };

    /// <summary>A one-line account of an observation of case <paramref name="c"/> for tables and messages.</summary>
    public static string Describe(Observation o, LogCase c) => o.Outcome switch
    {
        Outcome.Returned => $"returned {o.Return}, {o.Signals} signal(s), {o.ByteCount} bitmap byte(s) set" +
            (o.Warnings > 0 ? $", {o.Warnings} WARN(s)" : "") + DescribeState(FunctionState.Read(c, o)),
        Outcome.Bug => $"reached BUG() after setting {o.ByteCount} bitmap byte(s)",
        Outcome.Crash => $"crashed ({o.Detail})",
        Outcome.Timeout => $"did not finish ({o.Detail})",
        _ => o.Outcome.ToString(),
    };

    public static string Describe(LogCase c)
    {
        var args = c.Function switch
        {
            Function.log_write => $"log_write(log_base={Hex(c.LogBase)}, addr={Hex(c.Address)}, len={Hex(c.Length)})",
            Function.log_write_hva => $"log_write_hva(hva={Hex(c.Address)}, len={Hex(c.Length)}) with {c.Umem.Length} umem map(s)",
            Function.vhost_scsi_log_write => $"vhost_scsi_log_write(log{(c.NullLog ? "=NULL" : "")}, log_num={c.Log.Length}, LOG_ALL {(((c.Features >> CaseGenerator.VhostFLogAll) & 1) != 0 ? "on" : "off")}, iotlb={(c.Iotlb ? "on" : "off")})" +
                 (c.Log.Length > 0 ? $" log=[{string.Join(", ", c.Log.Select(l => $"{Hex(l.Addr)}+{Hex(l.Len)}"))}]" : ""),
            Function.vhost_scsi_copy_cmd_log => $"vhost_scsi_copy_cmd_log(log_num={c.Log.Length}, iov_limit={c.IovLimit}, " +
                 $"{(c.PriorLog > 0 ? $"reused command with {c.PriorLog} earlier entries" : "new command")}" +
                 $"{(c.AllocationsBeforeFailure >= 0 ? $", allocation {c.AllocationsBeforeFailure + 1} fails" : "")})",
            Function.vhost_scsi_copy_tmf_log => $"vhost_scsi_copy_tmf_log(log_num={c.Log.Length}, iov_limit={c.IovLimit}" +
                 $"{(c.AllocationsBeforeFailure >= 0 ? $", allocation {c.AllocationsBeforeFailure + 1} fails" : "")})",
            Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target =>
                 $"{c.Function}(head={c.Head}, out={c.Out}, in={c.In}, {(c.Function == Function.vhost_scsi_send_status ? "status" : "type")}={c.Kind}, " +
                 $"memory filled with {Hex(c.Fill)}) iov [{string.Join(", ", c.Iov.Select(v => $"{Hex(v.Base)}+{Hex(v.Len)}"))}]",
            Function.vhost_scsi_get_desc when c.Ring is { } ring =>
                 $"vhost_scsi_get_desc(log={(c.NullLog ? "NULL" : "vq->log")}) on a ring of {ring.Num}: desc at {Hex(ring.Desc)}, avail at {Hex(ring.Avail)}, " +
                 $"last_avail_idx {ring.LastAvailIdx}, avail_idx {ring.AvailIdx}, used_flags {ring.UsedFlags}" +
                 (ring.NotifyAvailIdx >= 0 ? $", avail->idx becomes {ring.NotifyAvailIdx} while notification is re-enabled" : "") +
                 $", {ring.Writes.Length} write(s) of ring and table bytes [{string.Join(", ", ring.Writes.Select(w => $"{Hex(w.Addr)}+{Hex((ulong)w.Bytes.Length)}"))}]",
            Function.vhost_scsi_destroy_logs => $"vhost_scsi_destroy_logs(nvqs={c.Out}: {Math.Max(0, c.Out - 2)} I/O queue(s) of {c.In} command(s), " +
                 $"queues without commands (mask) {Hex((ulong)c.Kind)}, earlier logs [{string.Join(", ", c.CommandsOrEmpty)}], iov_limit={c.IovLimit})",
            Function.vhost_scsi_destroy_vq_log => $"vhost_scsi_destroy_vq_log(max_cmds={c.CommandsOrEmpty.Length}, " +
                 (c.NullCommands ? "scsi_cmds=NULL" : $"earlier logs [{string.Join(", ", c.CommandsOrEmpty)}]") + $", iov_limit={c.IovLimit})",
            _ => $"vhost_log_write(log_num={c.Log.Length}, len={Hex(c.Length)}, count={c.Iov.Length}, iotlb={(c.Iotlb ? "on" : "off")})" +
                 (c.Log.Length > 0 ? $" log=[{string.Join(", ", c.Log.Select(l => $"{Hex(l.Addr)}+{Hex(l.Len)}"))}]" : ""),
        };
        if (c.Function == Function.vhost_scsi_get_desc)
            return args + $", umem [{string.Join(", ", c.Umem.Select(m => $"gpa {Hex(m.Start)}+{Hex(m.Size)} at hva {Hex(m.Addr)}"))}]" +
                   $", user memory mapped: {string.Join(", ", c.Mapped.Select(r => $"{Hex(r.Start)}+{Hex(r.Length)}"))}";
        var umem = c.Umem.IsEmpty || (c.Function == Function.vhost_log_write && !c.Iotlb)
            ? ""
            : $", umem [{string.Join(", ", c.Umem.Select(m => $"gpa {Hex(m.Start)}+{Hex(m.Size)} at hva {Hex(m.Addr)}"))}]";
        var iov = c.Function == Function.vhost_log_write && c.Iotlb && !c.Iov.IsEmpty
            ? $", iov [{string.Join(", ", c.Iov.Select(v => $"{Hex(v.Base)}+{Hex(v.Len)}"))}]"
            : "";
        return args + umem + iov + $", bitmap mapped: {(c.Mapped.IsEmpty ? "nothing" : string.Join(", ", c.Mapped.Select(r => $"{Hex(r.Start)}+{Hex(r.Length)}")))}";
    }

    static string DescribeState(FunctionState? state) => state switch
    {
        CopyTmfLogState t =>
            $"; request: {t.Allocations} allocation(s), {t.LiveBuffers} live, {t.AllocatedBytes} byte(s), " +
            $"tmf_log_num {t.LogNum}, tmf_log {(t.LogSet ? "set" : "NULL")}",
        DestroyVqLogState d =>
            $"; {d.LiveBuffers} buffer(s) live after, commands still holding a log: " +
            $"{d.Commands.Count(k => k.LogSet)}, with tvc_log_num set: {d.Commands.Count(k => k.LogNum != 0)}",
        ResponseState r =>
            $"; {r.UsedCount} used entr{(r.UsedCount == 1 ? "y" : "ies")} " +
            $"[{string.Join(", ", r.Used.Select(u => $"head {u.Head} len {u.Len}"))}], {r.PrErrs} pr_err(s)",
        DestroyLogsState d =>
            $"; {d.LiveBuffers} buffer(s) live after (then each I/O queue's mutex depth, and per command: tvc_log set, tvc_log_num)",
        GetDescState g =>
            $"; vc: head {g.Head}, out {g.Out}, in {g.In}, out_size {g.OutSize}, in_size {g.InSize}; " +
            $"last_avail_idx {g.LastAvailIdx}, avail_idx {g.AvailIdx}, used_flags {g.UsedFlags}, log_num {(g.LogNumWritten ? g.LogNum.ToString(CultureInfo.InvariantCulture) : "untouched")}",
        CopyCmdLogState m => $"; command: {m.Allocations} allocation(s), earlier buffer {(m.KeptEarlier ? "kept" : "not kept")}, " +
            $"tvc_log_num {m.LogNum}, tvc_log {(m.LogSet ? "set" : "NULL")}",
        _ => "",
    };

    public static string Serialize(JsonNode n) => n.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
