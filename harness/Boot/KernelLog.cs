using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace VhostLog.Boot;

/// <summary>
/// Reads the guest kernel's log (every /dev/kmsg record the guest program
/// passed on, and the console for what came after it: a panic) for reports
/// that fail a run, and the taint flags for anything but the module taints
/// a variant is allowed.
/// </summary>
public static partial class KernelLog
{
    /// <summary>TAINT_OOT_MODULE ('O') and TAINT_UNSIGNED_MODULE ('E'): what loading modules we built gives, and all it may give.</summary>
    public const long OutOfTree = 1L << 12, Unsigned = 1L << 13;

    /// <summary>Taint flag letters by bit (include/linux/panic.h's taint_flags order).</summary>
    const string Letters = "PFSRMBUDAWCIOELKXTN";

    [GeneratedRegex(@"WARNING: |\bBUG: |kernel BUG at|\bOops\b|general protection fault|KFENCE: |UBSAN: |KASAN: |" +
                    @"possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|" +
                    @"Kernel panic|blocked for more than|list_(add|del) corruption|refcount_t: |unreferenced object|" +
                    @"Call Trace:|Unable to handle kernel|stack-protector")]
    private static partial Regex BadLine();

    /// <summary>The lines of the log that fail a run.</summary>
    public static ImmutableArray<string> Reports(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.TrimEnd()).Where(l => BadLine().IsMatch(l))];

    /// <summary>A WARN from the kernel log: its message, where it fired (file:line function) and the call trace under it.</summary>
    public sealed record Warning(string Message, string Place, ImmutableArray<string> Trace);

    /// <summary>The WARNs whose message contains <paramref name="marker"/>, each with its place and up to 8 frames of its call trace.</summary>
    public static ImmutableArray<Warning> Warnings(IReadOnlyList<string> lines, string marker)
    {
        var found = ImmutableArray.CreateBuilder<Warning>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (!lines[i].Contains(marker, StringComparison.Ordinal))
                continue;
            var at = Enumerable.Range(i + 1, Math.Max(0, Math.Min(lines.Count, i + 6) - i - 1))
                .Select(k => WarnAt().Match(lines[k])).FirstOrDefault(m => m.Success);
            var trace = ImmutableArray.CreateBuilder<string>();
            var start = lines.Skip(i).ToList().FindIndex(l => l.Contains("Call Trace:", StringComparison.Ordinal));
            if (start >= 0)
                foreach (var l in lines.Skip(i + start + 1).Take(20))
                {
                    var f = Frame().Match(l);
                    if (f.Success)
                        trace.Add(f.Groups[1].Value);
                    if (trace.Count == 8 || l.Contains("</TASK>", StringComparison.Ordinal))
                        break;
                }
            found.Add(new Warning(lines[i].Trim(),
                at is { } m ? $"{TreePath(m.Groups[1].Value)}:{m.Groups[3].Value} (line {m.Groups[2].Value} of the verification build)" : "(no WARNING line)",
                trace.ToImmutable()));
        }
        return found.ToImmutable();
    }

    /// <summary>drivers/vhost/scsi.c for the path of our build folder (a copy of drivers/vhost) the kernel prints.</summary>
    static string TreePath(string path) => "drivers/vhost/" + Path.GetFileName(path);

    [GeneratedRegex(@"WARNING: CPU: \d+ PID: \d+ at (\S+):(\d+) (\w+)")]
    private static partial Regex WarnAt();

    [GeneratedRegex(@"^\s*(?:\? )?(\w+)\+0x")]
    private static partial Regex Frame();

    public static string TaintLetters(long taint) =>
        string.Concat(Enumerable.Range(0, Letters.Length).Where(b => (taint & (1L << b)) != 0).Select(b => Letters[b]))
        + (taint >> Letters.Length != 0 ? $"+0x{taint >> Letters.Length << Letters.Length:x}" : "");
}
