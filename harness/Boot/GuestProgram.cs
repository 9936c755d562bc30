using System.Security.Cryptography;
using System.Text;
using VhostLog.KernelTree;

namespace VhostLog.Boot;

/// <summary>
/// The in-guest program (guest/vlguest.c): compiled static with the host's
/// gcc and glibc, so the initramfs needs nothing else (no shell, no
/// busybox). Cached by the source and the compiler.
/// </summary>
public static class GuestProgram
{
    public const string Source = "vlguest.c";

    public static string Build(string guestDir, string cacheRoot, CancellationToken cancel)
    {
        var source = Path.Combine(guestDir, Source);
        if (!File.Exists(source))
            throw new InvalidOperationException($"{source} is missing: the checkout is incomplete");
        ProcResult gcc;
        try
        {
            gcc = ProcessRunner.Run("gcc", ["--version"], guestDir, timeout: TimeSpan.FromSeconds(30), cancel: cancel);
        }
        catch (ToolMissingException)
        {
            throw new UsageException("gcc is not installed: the guest program cannot be built; run `make deps`");
        }
        var key = Convert.ToHexStringLower(SHA256.HashData(
            Encoding.UTF8.GetBytes(gcc.Stdout.Split('\n')[0] + "\n" + File.ReadAllText(source))))[..16];
        var binary = Path.Combine(cacheRoot, "boot-guest", $"vlguest-{key}");
        if (File.Exists(binary))
            return binary;
        Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
        var tmp = binary + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        var r = ProcessRunner.Run("gcc",
            ["-static", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", tmp, source],
            guestDir, timeout: TimeSpan.FromMinutes(2), cancel: cancel);
        if (!r.Ok)
            throw new UsageException(
                $"the guest program does not build ({r.Command}, exit {r.ExitCode}); a static build needs libc6-dev, run `make deps`:\n{r.Output}");
        File.Move(tmp, binary, overwrite: true);
        return binary;
    }
}
