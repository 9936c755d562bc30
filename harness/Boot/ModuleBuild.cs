using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using VhostLog.KernelTree;

namespace VhostLog.Boot;

/// <summary>The drivers/vhost modules of one variant, built against the distribution headers.</summary>
/// <param name="Modules">module name to .ko file</param>
public sealed record BuiltModules(ImmutableDictionary<string, string> Modules, bool Cached, TimeSpan Elapsed, string Key);

/// <summary>A drivers/vhost folder that does not build against the headers: the variant fails, with kbuild's output.</summary>
public sealed class ModuleBuildFailedException(string message, string output) : Exception(message)
{
    public string Output { get; } = output;
}

/// <summary>
/// An out-of-tree kbuild (`make -C HEADERS M=DIR modules`) of a copy of a
/// drivers/vhost folder, as the distribution builds it (no W=1, no sparse:
/// verify does those). The .ko files are kept in a cache keyed by the
/// sources and the headers, so a warm run builds nothing.
/// </summary>
public static class ModuleBuild
{
    const int CacheFormat = 1;

    /// <summary>The modules drivers/vhost gives that vhost_scsi loads.</summary>
    public static IReadOnlyList<string> Needed { get; } = ["vhost_iotlb", "vhost", "vhost_scsi"];

    public static BuiltModules Build(string vhostDir, string headersDir, string cacheRoot, string workDir, CancellationToken cancel)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var key = Key(vhostDir, headersDir);
        var cached = Path.Combine(cacheRoot, "boot-modules", key);
        if (Needed.All(m => File.Exists(Path.Combine(cached, m + ".ko"))))
            return new BuiltModules(Files(cached), true, sw.Elapsed, key);

        var build = Path.Combine(workDir, $"kbuild-{key[..12]}");
        CopyFolder(vhostDir, build);
        var make = ProcessRunner.Run("make", ["-C", headersDir, $"M={build}", "-j2", "modules"], build,
            timeout: TimeSpan.FromMinutes(20), cancel: cancel);
        if (!make.Ok)
            throw new ModuleBuildFailedException(
                $"kbuild of {vhostDir} against {headersDir} failed (exit {make.ExitCode})",
                Tail(make.Output.Replace(build, "<drivers/vhost>"), 40));
        foreach (var m in Needed)
            if (!File.Exists(Path.Combine(build, m + ".ko")))
                throw new ModuleBuildFailedException($"kbuild of {vhostDir} made no {m}.ko", Tail(make.Output, 40));

        // Unique per build: two builds of the same key may run at once (tests run fixtures in parallel).
        var tmp = cached + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(tmp);
        foreach (var m in Needed)
            File.Copy(Path.Combine(build, m + ".ko"), Path.Combine(tmp, m + ".ko"));
        if (Needed.All(m => File.Exists(Path.Combine(cached, m + ".ko"))))
            Directory.Delete(tmp, true); // the same modules were stored meanwhile
        else
        {
            if (Directory.Exists(cached))
                Directory.Delete(cached, true);
            Directory.Move(tmp, cached);
        }
        Directory.Delete(build, true);
        return new BuiltModules(Files(cached), false, sw.Elapsed, key);
    }

    static ImmutableDictionary<string, string> Files(string dir) =>
        Needed.ToImmutableDictionary(m => m, m => Path.Combine(dir, m + ".ko"));

    /// <summary>Every file of the folder (names and bytes) and what the headers build with.</summary>
    static string Key(string vhostDir, string headersDir)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => h.AppendData(Encoding.UTF8.GetBytes(s + "\n"));
        Add($"format {CacheFormat}");
        foreach (var f in Directory.GetFiles(vhostDir, "*", SearchOption.AllDirectories)
                     .Where(f => IsSource(f)).Order(StringComparer.Ordinal))
        {
            Add(Path.GetRelativePath(vhostDir, f));
            h.AppendData(File.ReadAllBytes(f));
        }
        foreach (var f in new[] { "include/config/kernel.release", "include/config/auto.conf", "Module.symvers" })
        {
            var path = Path.Combine(headersDir, f);
            Add(f);
            if (File.Exists(path))
                h.AppendData(File.ReadAllBytes(path));
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>Sources and Makefiles, not build products left in a folder someone built in.</summary>
    static bool IsSource(string f)
    {
        var name = Path.GetFileName(f);
        return name is "Makefile" or "Kconfig" || name.EndsWith(".c", StringComparison.Ordinal) || name.EndsWith(".h", StringComparison.Ordinal);
    }

    static void CopyFolder(string from, string to)
    {
        if (Directory.Exists(to))
            Directory.Delete(to, true);
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories).Where(IsSource))
        {
            var dest = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(f, dest);
        }
    }

    internal static string Tail(string text, int lines)
    {
        var all = text.Split('\n');
        return string.Join("\n", all.Skip(Math.Max(0, all.Length - lines)));
    }
}
