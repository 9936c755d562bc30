namespace VhostLog.KernelTree;

/// <summary>
/// The default target: the files VhostLog needs, extracted once from Debian's
/// linux-source tarball into a cache outside git.
/// </summary>
public sealed record DefaultTree(string Version, string Package, string Tarball, string HeadersDir)
{
    public static DefaultTree Debian612 { get; } = new(
        "6.12.117",
        "linux-source-6.12 6.12.117-1~deb12u1",
        "/usr/src/linux-source-6.12.tar.xz",
        "/usr/src/linux-headers-6.12.117+deb12-amd64");

    /// <summary>
    /// The older Debian tree (bookworm's own kernel series): it lacks the
    /// fixes 1-3 and has older shapes of several functions, which is what
    /// the series has to adapt to. Its headers package is the one built from
    /// the same source version.
    /// </summary>
    public static DefaultTree Debian61 { get; } = new(
        "6.1.192",
        "linux-source-6.1 6.1.192-2",
        "/usr/src/linux-source-6.1.tar.xz",
        "/usr/src/linux-headers-6.1.0-56-amd64");

    /// <summary>The Debian trees VhostLog knows, newest first.</summary>
    public static IReadOnlyList<DefaultTree> Known { get; } = [Debian612, Debian61];

    public string Name => $"linux-{Version}";

    /// <summary>The tarball's top folder (linux-source-6.12).</summary>
    public string TopFolder => Path.GetFileName(Tarball).Replace(".tar.xz", "", StringComparison.Ordinal);

    /// <summary>Paths inside the tarball's top folder that the pipeline reads.</summary>
    public static IReadOnlyList<string> NeededPaths { get; } =
    [
        "drivers/vhost",
        "include/linux/vhost_iotlb.h",
        "scripts/checkpatch.pl",
        "scripts/spelling.txt",
        "scripts/const_structs.checkpatch",
        "scripts/get_maintainer.pl",
        "scripts/kernel-doc",
        ".clang-format",
        "MAINTAINERS",
        "Makefile",
    ];
}

/// <summary>Errors in the user's input or environment that map to exit status 2.</summary>
public sealed class UsageException(string message) : Exception(message);

public static class TreeCache
{
    public static string CacheRoot(string repoRoot) =>
        Environment.GetEnvironmentVariable("VHOSTLOG_CACHE") is { Length: > 0 } c
            ? c
            : Path.Combine(repoRoot, ".cache");

    /// <summary>
    /// Returns the extracted Debian tree, extracting it on first use. The
    /// extraction goes to a temporary folder that is renamed into place, so an
    /// interrupted run never leaves a half tree behind.
    /// </summary>
    public static string EnsureDefault(string repoRoot, DefaultTree tree)
    {
        var dir = Path.Combine(CacheRoot(repoRoot), "trees", tree.Name);
        if (File.Exists(Path.Combine(dir, ".complete")))
            return dir;
        if (!File.Exists(tree.Tarball))
            throw new UsageException(
                $"{tree.Tarball} is missing: the {tree.Name} tree comes from Debian's " +
                $"{tree.TopFolder} package. Run `make deps` (or apt-get install " +
                $"{tree.TopFolder}) and try again.");
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        var tmp = dir + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(tmp))
            Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        var top = tree.TopFolder;
        var args = new List<string> { "-xJf", tree.Tarball, "-C", tmp, "--strip-components=1" };
        args.AddRange(DefaultTree.NeededPaths.Select(p => $"{top}/{p}"));
        Run("tar", args);
        File.WriteAllText(Path.Combine(tmp, ".complete"), tree.Version + "\n");
        if (Directory.Exists(dir))
            Directory.Delete(dir, true);
        Directory.Move(tmp, dir);
        return dir;
    }

    /// <summary>The kernel version a tree's top Makefile declares (VERSION.PATCHLEVEL.SUBLEVEL), or null.</summary>
    public static string? MakefileVersion(string treeDir)
    {
        var makefile = Path.Combine(treeDir, "Makefile");
        if (!File.Exists(makefile))
            return null;
        string? Field(string name) => File.ReadLines(makefile).Take(20)
            .Select(l => l.Split('=', 2))
            .Where(kv => kv.Length == 2 && kv[0].Trim() == name)
            .Select(kv => kv[1].Trim())
            .FirstOrDefault();
        return Field("VERSION") is { Length: > 0 } v && Field("PATCHLEVEL") is { Length: > 0 } p
            ? $"{v}.{p}" + (Field("SUBLEVEL") is { Length: > 0 } s && s != "0" ? $".{s}" : "")
            : null;
    }

    /// <summary>Checks that a user-supplied tree has what the pipeline reads.</summary>
    public static string ValidateUserTree(string treeDir)
    {
        var full = Path.GetFullPath(treeDir);
        if (!Directory.Exists(full))
            throw new UsageException($"--tree {treeDir}: no such directory. Pass the top of a kernel source tree.");
        foreach (var f in new[] { "drivers/vhost/vhost.c", "drivers/vhost/vhost.h" })
            if (!File.Exists(Path.Combine(full, f)))
                throw new UsageException(
                    $"--tree {treeDir}: {f} not found. Pass the top of a kernel source tree that has drivers/vhost.");
        return full;
    }

    static void Run(string file, IEnumerable<string> args)
    {
        var r = ProcessRunner.Run(file, args, Environment.CurrentDirectory);
        if (!r.Ok)
            throw new InvalidOperationException($"{r.Command} failed ({r.ExitCode}): {r.Stderr}");
    }
}
