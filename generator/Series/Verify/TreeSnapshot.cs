using System.Security.Cryptography;
using System.Text;

namespace VhostLog.Series.Verify;

internal static class Hashing
{
    public static string Sha256File(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16,
            FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    public static string Sha256(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>
/// Every entry of a folder (files with mode and SHA-256, symlinks with their
/// target, folders with mode), keyed by relative path. A top-level <c>.git</c> is
/// left out: it is neither copied nor compared. Two snapshots are equal exactly
/// when the trees are byte-identical (contents, modes, links, empty folders).
/// </summary>
internal sealed class TreeSnapshot
{
    public IReadOnlyDictionary<string, string> Entries { get; }
    public string Hash { get; }

    TreeSnapshot(SortedDictionary<string, string> entries)
    {
        Entries = entries;
        var sb = new StringBuilder();
        foreach (var (k, v) in entries)
            sb.Append(k).Append('\0').Append(v).Append('\n');
        Hash = Hashing.Sha256(sb.ToString());
    }

    public static TreeSnapshot Take(string root)
    {
        var dirs = new List<(string Rel, string Desc)>();
        var files = new List<(string Rel, string Full, string Mode)>();
        Walk(root, "", (rel, info) =>
        {
            if (info.LinkTarget is { } target)
                dirs.Add((rel, "link " + target));
            else if (info is DirectoryInfo)
                dirs.Add((rel, "dir " + Mode(info)));
            else
                files.Add((rel, info.FullName, Mode(info)));
        });
        var hashes = new string[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) },
            i => hashes[i] = Hashing.Sha256File(files[i].Full));
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (rel, desc) in dirs)
            entries[rel] = desc;
        for (var i = 0; i < files.Count; i++)
            entries[files[i].Rel] = $"file {files[i].Mode} {hashes[i]}";
        return new TreeSnapshot(entries);
    }

    /// <summary>Human-readable differences (at most <paramref name="max"/>).</summary>
    public IReadOnlyList<string> DiffTo(TreeSnapshot after, int max = 20)
    {
        var result = new List<string>();
        foreach (var (k, v) in Entries)
        {
            if (!after.Entries.TryGetValue(k, out var w))
                result.Add($"removed: {k}");
            else if (v != w)
                result.Add($"changed: {k} ({v} -> {w})");
        }
        foreach (var k in after.Entries.Keys)
            if (!Entries.ContainsKey(k))
                result.Add($"added: {k}");
        return result.Count > max ? [.. result.Take(max), $"... and {result.Count - max} more"] : result;
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="dest"/> (which must not
    /// exist), keeping modes and symlinks and leaving out a top-level <c>.git</c>.
    /// </summary>
    public static void Copy(string source, string dest)
    {
        Directory.CreateDirectory(dest);
        var fileCopies = new List<(string From, string To, UnixFileMode Mode)>();
        var dirModes = new List<(string Path, UnixFileMode Mode)>();
        Walk(source, "", (rel, info) =>
        {
            var to = Path.Combine(dest, rel);
            if (info.LinkTarget is { } target)
                File.CreateSymbolicLink(to, target);
            else if (info is DirectoryInfo)
            {
                Directory.CreateDirectory(to);
                dirModes.Add((to, info.UnixFileMode));
            }
            else
                fileCopies.Add((info.FullName, to, info.UnixFileMode));
        });
        Parallel.ForEach(fileCopies, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) },
            c =>
            {
                File.Copy(c.From, c.To);
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(c.To, c.Mode);
            });
        // Modes of folders last, so that a read-only folder is filled first.
        for (var i = dirModes.Count - 1; i >= 0 && !OperatingSystem.IsWindows(); i--)
            File.SetUnixFileMode(dirModes[i].Path, dirModes[i].Mode | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    static string Mode(FileSystemInfo info) => Convert.ToString((int)info.UnixFileMode, 8);

    /// <summary>Depth-first, sorted, not following symlinked folders.</summary>
    static void Walk(string root, string rel, Action<string, FileSystemInfo> visit)
    {
        var dir = new DirectoryInfo(rel.Length == 0 ? root : Path.Combine(root, rel));
        foreach (var info in dir.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            if (rel.Length == 0 && info.Name == ".git")
                continue;
            var childRel = rel.Length == 0 ? info.Name : rel + "/" + info.Name;
            visit(childRel, info);
            if (info is DirectoryInfo && info.LinkTarget is null)
                Walk(root, childRel, visit);
        }
    }
}
