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

    public static string TaintLetters(long taint) =>
        string.Concat(Enumerable.Range(0, Letters.Length).Where(b => (taint & (1L << b)) != 0).Select(b => Letters[b]))
        + (taint >> Letters.Length != 0 ? $"+0x{taint >> Letters.Length << Letters.Length:x}" : "");
}
