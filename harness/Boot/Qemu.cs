using System.Text.RegularExpressions;
using VhostLog.KernelTree;

namespace VhostLog.Boot;

public enum Accel
{
    /// <summary>QEMU's software emulation: works everywhere, including nested machines where KVM does not.</summary>
    Tcg,

    /// <summary>Hardware virtualisation, where /dev/kvm works.</summary>
    Kvm,
}

/// <summary>What one boot left behind: QEMU's status, the console (the kernel's own output) and the guest's report.</summary>
public sealed record QemuRun(string Command, int ExitCode, bool TimedOut, TimeSpan Elapsed, string Console, string Results, string Stderr)
{
    /// <summary>
    /// The end of the console for reports, without carriage returns and
    /// terminal escapes: from the first panic, Oops or BUG line when there is
    /// one (the report starts there), else the last lines.
    /// </summary>
    public string ConsoleTail(int lines = 30)
    {
        var all = Qemu.Clean(Console).TrimEnd().Split('\n');
        var first = Array.FindIndex(all, l => l.Contains("Kernel panic", StringComparison.Ordinal) ||
                                              l.Contains("BUG:", StringComparison.Ordinal) || l.Contains("Oops", StringComparison.Ordinal));
        var from = first >= 0 ? first : Math.Max(0, all.Length - lines);
        return string.Join("\n", all.Skip(from).Take(Math.Max(lines, 80)));
    }
}

/// <summary>
/// Boots a kernel image with an initramfs under qemu-system-x86_64. The
/// first serial port is the kernel console, the second carries the guest
/// program's JSON lines; both go to files. QEMU gets no stdin (it would
/// otherwise take the terminal), and it is killed at the time limit or
/// when the run is interrupted.
/// </summary>
public static partial class Qemu
{
    /// <summary>Overrides the QEMU binary (a path or a name on PATH).</summary>
    public const string BinaryVariable = "VHOSTLOG_QEMU";

    public static string Binary =>
        Environment.GetEnvironmentVariable(BinaryVariable) is { Length: > 0 } b ? b : "qemu-system-x86_64";

    /// <summary>
    /// panic=-1 turns a panic into a reboot, which -no-reboot turns into
    /// QEMU's exit; kfence samples allocations often enough that a
    /// use-after-free in the code under test has a chance to be caught.
    /// </summary>
    public const string KernelCommandLine = "console=ttyS0 panic=-1 quiet kfence.sample_interval=10";

    public static QemuRun Run(KernelImage kernel, string initramfs, string workDir, Accel accel, TimeSpan timeout, CancellationToken cancel)
    {
        var console = Path.Combine(workDir, "console.log");
        var results = Path.Combine(workDir, "guest.jsonl");
        foreach (var f in new[] { console, results })
            File.Delete(f);
        ProcResult r;
        try
        {
            r = ProcessRunner.Run(Binary, Args(kernel.Vmlinuz, initramfs, accel, console, results), workDir, timeout: timeout, cancel: cancel);
        }
        catch (ToolMissingException)
        {
            throw new UsageException(
                $"cannot start {Binary}: QEMU is not installed. Install Debian's qemu-system-x86 (`make deps`), or set {BinaryVariable}.");
        }
        return new QemuRun(r.Command, r.ExitCode, r.TimedOut, r.Elapsed,
            File.Exists(console) ? File.ReadAllText(console) : "",
            File.Exists(results) ? File.ReadAllText(results) : "",
            r.Stderr.Trim());
    }

    /// <summary>
    /// What a run depends on (for <see cref="BootRuns"/>): the binary, the
    /// arguments with the files' paths left out, the bytes of the kernel
    /// image and of the initramfs, and the time limit.
    /// </summary>
    public static string RunKey(KernelImage kernel, string initramfs, Accel accel, TimeSpan timeout)
    {
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        void Add(string s) => h.AppendData(System.Text.Encoding.UTF8.GetBytes(s + "\n"));
        Add($"binary {Binary}");
        Add("args " + string.Join('\0', Args("<kernel>", "<initramfs>", accel, "<console>", "<results>")));
        Add($"timeout {timeout.Ticks}");
        Add("kernel");
        using (var k = File.OpenRead(kernel.Vmlinuz))
            h.AppendData(System.Security.Cryptography.SHA256.HashData(k));
        Add("initramfs");
        using (var i = File.OpenRead(initramfs))
            h.AppendData(System.Security.Cryptography.SHA256.HashData(i));
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    static string[] Args(string vmlinuz, string initramfs, Accel accel, string console, string results) =>
    [
        "-M", "pc", "-m", "512", "-smp", "2",
        .. accel == Accel.Kvm ? new[] { "-accel", "kvm", "-cpu", "host" } : ["-accel", "tcg"],
        "-display", "none", "-no-reboot", "-nodefaults",
        "-serial", $"file:{console}", "-serial", $"file:{results}",
        "-kernel", vmlinuz, "-initrd", initramfs, "-append", KernelCommandLine,
    ];

    /// <summary>Serial output has \r line ends and terminal escapes (the firmware's); reports want neither.</summary>
    public static string Clean(string text) => Escapes().Replace(text, "").Replace("\r", "");

    [GeneratedRegex(@"\x1b(\[[0-9;?]*[A-Za-z]|c)")]
    private static partial Regex Escapes();
}
