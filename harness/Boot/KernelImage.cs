using VhostLog.KernelTree;

namespace VhostLog.Boot;

/// <summary>
/// The distribution kernel a headers package was built for: its image in
/// /boot and its modules in /lib/modules, both named by the headers'
/// kernel.release. The modules we build are built against those headers, so
/// they load into exactly this kernel.
/// </summary>
public sealed record KernelImage(string Release, string Vmlinuz, string ModulesDir, bool Kfence)
{
    /// <exception cref="UsageException">headers, image or modules missing (names the Debian package to install)</exception>
    public static KernelImage ForHeaders(string headersDir, string bootDir = "/boot", string modulesRoot = "/lib/modules")
    {
        var release = ReleaseOf(headersDir) ?? throw new UsageException(
            $"kbuild headers not found at {headersDir} (no include/generated/utsrelease.h or include/config/kernel.release). " +
            "Install the headers package of the kernel to boot (Debian: linux-headers-<release>, e.g. " +
            "linux-headers-6.12.117+deb12-amd64) with `make deps`, or pass --headers DIR.");
        var package = $"linux-image-{release}";
        var vmlinuz = Path.Combine(bootDir, $"vmlinuz-{release}");
        if (!File.Exists(vmlinuz))
            throw new UsageException(
                $"{vmlinuz} is missing: the headers at {headersDir} are for kernel {release}, and booting it needs the " +
                $"image of the same release (Debian package {package}). Install it with `make deps` (or apt-get install " +
                $"--no-install-recommends {package}).");
        var modules = Path.Combine(modulesRoot, release);
        if (!File.Exists(Path.Combine(modules, "modules.dep")))
            throw new UsageException(
                $"{modules}/modules.dep is missing: kernel {release}'s modules come with {package}. Install it with `make deps`.");
        var config = Path.Combine(bootDir, $"config-{release}");
        var kfence = File.Exists(config) && File.ReadLines(config).Any(l => l == "CONFIG_KFENCE=y");
        return new KernelImage(release, vmlinuz, modules, kfence);
    }

    /// <summary>
    /// The release modules built against these headers carry in their
    /// vermagic: UTS_RELEASE (Debian's 6.1 headers say 6.1.192 in
    /// kernel.release but build for 6.1.0-56-amd64), else kernel.release.
    /// </summary>
    static string? ReleaseOf(string headersDir)
    {
        var uts = Path.Combine(headersDir, "include", "generated", "utsrelease.h");
        if (File.Exists(uts))
        {
            var m = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(uts), "UTS_RELEASE \"([^\"]+)\"");
            if (m.Success)
                return m.Groups[1].Value;
        }
        var file = Path.Combine(headersDir, "include", "config", "kernel.release");
        return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }
}
