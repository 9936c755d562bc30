using System.Collections.Immutable;
using VhostLog.KernelTree;

namespace VhostLog.Boot;

/// <summary>
/// The initramfs of one boot: /init is the guest program, /plan says what
/// it does, /lib/vl holds the variant's modules uncompressed (finit_module
/// takes the bytes as they are). Written by cpio in the newc format the
/// kernel unpacks, owned by root, with fixed times so that the same inputs
/// give the same archive.
/// </summary>
public static class Initramfs
{
    static readonly DateTime FixedTime = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static string Build(string stageDir, string guestBinary, ImmutableArray<ModuleFile> modules, string plan,
        string archive, CancellationToken cancel)
    {
        if (Directory.Exists(stageDir))
            Directory.Delete(stageDir, true);
        foreach (var d in new[] { "dev", "proc", "sys", "lib/vl" })
            Directory.CreateDirectory(Path.Combine(stageDir, d));
        File.Copy(guestBinary, Path.Combine(stageDir, "init"));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Path.Combine(stageDir, "init"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var lines = new List<string>();
        foreach (var m in modules)
        {
            var dest = Path.Combine(stageDir, "lib", "vl", m.Name + ".ko");
            Decompress(m.File, dest, cancel);
            lines.Add($"module /lib/vl/{m.Name}.ko");
        }
        File.WriteAllText(Path.Combine(stageDir, "plan"), string.Join("\n", lines) + "\n" + plan);
        // cpio stores each entry's mtime (--reproducible fixes only device
        // and inode numbers): files first, then folders from the deepest,
        // since writing into a folder would move its time again.
        foreach (var f in Directory.GetFiles(stageDir, "*", SearchOption.AllDirectories))
            File.SetLastWriteTimeUtc(f, FixedTime);
        foreach (var d in Directory.GetDirectories(stageDir, "*", SearchOption.AllDirectories).Append(stageDir)
                     .OrderByDescending(d => d.Length))
            Directory.SetLastWriteTimeUtc(d, FixedTime);

        var entries = Directory.GetFileSystemEntries(stageDir, "*", SearchOption.AllDirectories)
            .Select(e => "./" + Path.GetRelativePath(stageDir, e))
            .Prepend(".")
            .Order(StringComparer.Ordinal);
        var tmp = archive + ".tmp-" + Environment.ProcessId;
        ProcResult r;
        try
        {
            r = ProcessRunner.Run("cpio", ["-o", "-H", "newc", "-R", "0:0", "--reproducible", "--quiet", "-F", tmp],
                stageDir, stdin: string.Join("\n", entries) + "\n", timeout: TimeSpan.FromMinutes(2), cancel: cancel);
        }
        catch (ToolMissingException)
        {
            throw new UsageException("cpio is not installed (Debian package cpio): the initramfs cannot be packed; run `make deps`");
        }
        if (!r.Ok)
            throw new InvalidOperationException($"{r.Command} failed ({r.ExitCode}): {r.Output}");
        File.Move(tmp, archive, overwrite: true);
        return archive;
    }

    static void Decompress(string from, string to, CancellationToken cancel)
    {
        if (from.EndsWith(".ko", StringComparison.Ordinal))
        {
            File.Copy(from, to);
            return;
        }
        var (tool, ext) = from.EndsWith(".xz", StringComparison.Ordinal) ? ("xz", ".xz")
            : from.EndsWith(".zst", StringComparison.Ordinal) ? ("zstd", ".zst")
            : from.EndsWith(".gz", StringComparison.Ordinal) ? ("gzip", ".gz")
            : throw new UsageException($"{from}: a module compressed in a way VhostLog does not know (.ko, .ko.xz, .ko.zst, .ko.gz)");
        File.Copy(from, to + ext);
        ProcResult r;
        try
        {
            r = ProcessRunner.Run(tool, ["-d", "-f", to + ext], Path.GetDirectoryName(to)!, timeout: TimeSpan.FromMinutes(1), cancel: cancel);
        }
        catch (ToolMissingException)
        {
            throw new UsageException($"{from} is {ext}-compressed and `{tool}` is not installed; install it (make deps installs xz-utils)");
        }
        if (!r.Ok || !File.Exists(to))
            throw new InvalidOperationException($"{r.Command} failed ({r.ExitCode}): {r.Output}");
    }
}
