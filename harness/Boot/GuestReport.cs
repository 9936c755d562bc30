using System.Collections.Immutable;
using System.Text.Json;

namespace VhostLog.Boot;

/// <summary>One buffer of a chain the guest posted: guest-physical address, length, device-writable.</summary>
public readonly record struct GuestBuffer(ulong Gpa, uint Len, bool Write);

/// <summary>
/// One request the guest made and what it saw: the chain, the answer and the
/// dirty bitmap after it (cleared just before the request was posted).
/// </summary>
public sealed record GuestRequest(
    string Workload, string Step, string Queue, bool Indirect, ImmutableArray<GuestBuffer> Chain,
    bool Done, int Response, int? Status, int? SenseKey, int? Asc, uint? Event, uint? Reason, int? Lun,
    bool Logging, ImmutableArray<ulong> Dirty)
{
    /// <summary>Used entries the request got (exactly one is right).</summary>
    public int Answers { get; init; } = 1;

    /// <summary>The answer came only after a second kick (the device had put the request back).</summary>
    public bool Rekicked { get; init; }

    /// <summary>The answer as one comparable string (what the device wrote besides data).</summary>
    public string Answer =>
        !Done ? "no answer"
        : Queue == "event" ? $"event 0x{Event:x} reason {Reason} lun {Lun}"
        : Status is { } s ? $"response {Response} status {s} sense {SenseKey}/0x{Asc:x2}"
        : $"response {Response}";
}

/// <summary>Pages of a READ compared with what was written to the disk.</summary>
public sealed record DataCheck(string Workload, string Step, int Pages, int Correct);

/// <summary>One pre-copy round of the migration workload.</summary>
public sealed record MigrationRound(string Round, long Sent, long VhostLogged, long Reads, long Writes);

/// <summary>The migration's outcome: destination pages that differ from the source.</summary>
public sealed record MigrationOutcome(long Reads, long Writes, ImmutableArray<ulong> LostPages, long Lost);

/// <summary>How a workload's child process ended (exit code, or the signal that killed it).</summary>
public sealed record WorkloadEnd(string Workload, string Result, int Code, int Signal)
{
    public bool Ok => Result == "exit" && Code == 0;

    public override string ToString() => Result switch
    {
        "exit" => Code == 0 ? "completed" : $"exited {Code}",
        "signal" => $"killed by signal {Signal}",
        _ => Result,
    };
}

public sealed record ModuleLoad(string Name, bool Ok, int Errno);

/// <summary>Everything the guest program reported (guest/vlguest.c writes it as JSON lines on its second serial port).</summary>
public sealed record GuestReport(
    ImmutableArray<ModuleLoad> Modules,
    ImmutableArray<GuestRequest> Requests,
    ImmutableArray<DataCheck> Data,
    ImmutableArray<MigrationRound> Rounds,
    MigrationOutcome? Migration,
    ImmutableArray<WorkloadEnd> Workloads,
    ImmutableArray<string> Errors,
    long? Taint,
    ImmutableArray<string> KernelLog,
    bool Done,
    ImmutableArray<string> Unparsed)
{
    /// <summary>Workloads the guest could not run on these modules, with why.</summary>
    public ImmutableDictionary<string, string> Skipped { get; init; } = ImmutableDictionary<string, string>.Empty;

    public static GuestReport Parse(string jsonLines)
    {
        var modules = ImmutableArray.CreateBuilder<ModuleLoad>();
        var requests = ImmutableArray.CreateBuilder<GuestRequest>();
        var data = ImmutableArray.CreateBuilder<DataCheck>();
        var rounds = ImmutableArray.CreateBuilder<MigrationRound>();
        var workloads = ImmutableArray.CreateBuilder<WorkloadEnd>();
        var errors = ImmutableArray.CreateBuilder<string>();
        var kmsg = ImmutableArray.CreateBuilder<string>();
        var unparsed = ImmutableArray.CreateBuilder<string>();
        var skips = ImmutableDictionary.CreateBuilder<string, string>();
        MigrationOutcome? migration = null;
        long? taint = null;
        var done = false;
        var current = "(setup)";
        foreach (var raw in jsonLines.Replace("\r", "").Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
                continue;
            JsonElement e;
            try
            {
                using var doc = JsonDocument.Parse(line);
                e = doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                unparsed.Add(line);
                continue;
            }
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("t", out var t))
            {
                unparsed.Add(line);
                continue;
            }
            try
            {
                switch (t.GetString())
                {
                    case "module":
                        modules.Add(new ModuleLoad(Str(e, "name"), e.GetProperty("ok").GetBoolean(), Int(e, "errno") ?? 0));
                        break;
                    case "workload" when Str(e, "result") == "start":
                        current = Str(e, "w");
                        break;
                    case "workload":
                        workloads.Add(new WorkloadEnd(Str(e, "w"), Str(e, "result"), Int(e, "code") ?? 0, Int(e, "signal") ?? 0));
                        break;
                    case "request":
                        requests.Add(new GuestRequest(
                            Str(e, "w"), Str(e, "step"), Str(e, "queue"), e.GetProperty("indirect").GetBoolean(),
                            [.. e.GetProperty("chain").EnumerateArray().Select(b =>
                                new GuestBuffer(b[0].GetUInt64(), b[1].GetUInt32(), b[2].GetInt32() != 0))],
                            e.GetProperty("done").GetBoolean(), Int(e, "response") ?? -1, Int(e, "status"), Int(e, "sense_key"),
                            Int(e, "asc"), UInt(e, "event"), UInt(e, "reason"), Int(e, "lun"),
                            e.GetProperty("logging").GetBoolean(),
                            [.. e.GetProperty("dirty").EnumerateArray().Select(p => p.GetUInt64())])
                        {
                            Answers = Int(e, "answers") ?? 1,
                            Rekicked = e.TryGetProperty("rekicked", out var rk) && rk.ValueKind == JsonValueKind.True,
                        });
                        break;
                    case "data":
                        data.Add(new DataCheck(Str(e, "w"), Str(e, "step"), Int(e, "pages") ?? 0, Int(e, "correct") ?? 0));
                        break;
                    case "round":
                        rounds.Add(new MigrationRound(e.GetProperty("round").ToString(), Long(e, "sent"), Long(e, "vhost_logged"),
                            Long(e, "reads"), Long(e, "writes")));
                        break;
                    case "migration":
                        migration = new MigrationOutcome(Long(e, "reads"), Long(e, "writes"),
                            [.. e.GetProperty("lost_pages").EnumerateArray().Select(p => p.GetUInt64())], Long(e, "lost"));
                        break;
                    case "error":
                        errors.Add($"{current}: {Str(e, "what")}" +
                                   (Int(e, "errno") is > 0 and var n ? $" (errno {n}: {Str(e, "strerror")})" : ""));
                        break;
                    case "taint":
                        taint = e.GetProperty("value").GetInt64();
                        break;
                    case "kmsg":
                        kmsg.Add(KernelLogLine(Str(e, "r")));
                        break;
                    case "done":
                        done = true;
                        break;
                    case "skip":
                        skips[Str(e, "w")] = Str(e, "why");
                        break;
                    case "hello" or "target":
                        break;
                    default:
                        unparsed.Add(line);
                        break;
                }
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // a record without a field it must have, or of the wrong type: the run reports it as unreadable
                unparsed.Add(line);
            }
        }
        return new GuestReport(modules.ToImmutable(), requests.ToImmutable(), data.ToImmutable(), rounds.ToImmutable(),
            migration, workloads.ToImmutable(), errors.ToImmutable(), taint, kmsg.ToImmutable(), done, unparsed.ToImmutable())
        {
            Skipped = skips.ToImmutable(),
        };
    }

    /// <summary>A /dev/kmsg record ("level,seq,usec,flags;text\n key=value...") as its text.</summary>
    static string KernelLogLine(string record)
    {
        var semi = record.IndexOf(';');
        var text = semi >= 0 ? record[(semi + 1)..] : record;
        var nl = text.IndexOf('\n');
        return nl >= 0 ? text[..nl] : text;
    }

    static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    static uint? UInt(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetUInt32(out var i) ? i : null;

    static long Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var i) ? i : 0;
}
