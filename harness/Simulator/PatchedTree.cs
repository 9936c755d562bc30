using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using VhostLog.KernelTree;

namespace VhostLog.Simulator;

/// <summary>
/// A tree with a committed series applied: a copy of its drivers/vhost and
/// include/linux/vhost_iotlb.h (what the native harness compiles), patched
/// with patch(1). The tree itself is never touched.
/// </summary>
public static class PatchedTree
{
    /// <summary>The series' patches in a folder (its git format-patch output), in order; the cover letter is not a patch.</summary>
    public static IReadOnlyList<string> Patches(string seriesDir)
    {
        if (!Directory.Exists(seriesDir))
            throw new UsageException($"{seriesDir}: no series there; `vhostlog generate` writes it");
        var patches = Directory.GetFiles(seriesDir, "*.patch")
            .Where(f => !Path.GetFileName(f).StartsWith("0000-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        if (patches.Count == 0)
            throw new UsageException($"{seriesDir}: no patches there; `vhostlog generate` writes them");
        return patches;
    }

    /// <summary>
    /// Copies the tree's files into a new folder under <paramref name="parent"/> and applies the patches.
    /// </summary>
    /// <exception cref="UsageException">a patch does not apply (patch(1)'s output is in the message)</exception>
    public static string Create(string treeDir, IReadOnlyList<string> patches, string parent)
    {
        Directory.CreateDirectory(parent);
        var dir = Path.Combine(parent, $"patched-{Guid.NewGuid():N}");
        CopyInto(treeDir, dir);
        foreach (var patch in patches)
        {
            var psi = new ProcessStartInfo("patch", ["-p1", "--quiet", "--batch", "-i", Path.GetFullPath(patch)])
            {
                WorkingDirectory = dir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi) ?? throw new UsageException("could not start patch(1): install the Debian package patch");
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new UsageException($"{Path.GetFileName(patch)} does not apply to a copy of {treeDir}:\n{output}{err.GetAwaiter().GetResult()}");
        }
        return dir;
    }

    /// <summary>
    /// The patched copy kept in <paramref name="cacheDir"/> under a name
    /// hashed from the tree's files and the patches, made on first use; an
    /// interrupted run leaves no half-patched folder behind.
    /// </summary>
    public static string Cached(string treeDir, IReadOnlyList<string> patches, string cacheDir)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in Inputs(treeDir).Concat(patches))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"\n{Path.GetFileName(f)}\n"));
            hash.AppendData(File.ReadAllBytes(f));
        }
        var dir = Path.Combine(cacheDir, $"patched-{Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}");
        if (File.Exists(Path.Combine(dir, ".complete")))
            return dir;
        var made = Create(treeDir, patches, cacheDir);
        File.WriteAllText(Path.Combine(made, ".complete"), string.Join("\n", patches.Select(Path.GetFileName)) + "\n");
        try
        {
            Directory.Move(made, dir);
        }
        catch (IOException) when (File.Exists(Path.Combine(dir, ".complete")))
        {
            // Another run made the same copy first.
            Directory.Delete(made, recursive: true);
        }
        return dir;
    }

    static IEnumerable<string> Inputs(string treeDir)
    {
        var vhost = Path.Combine(treeDir, "drivers", "vhost");
        if (!Directory.Exists(vhost))
            throw new UsageException($"{treeDir}: drivers/vhost not found; is this a kernel source tree?");
        var iotlb = Path.Combine(treeDir, "include", "linux", "vhost_iotlb.h");
        if (!File.Exists(iotlb))
            throw new UsageException($"{treeDir}: include/linux/vhost_iotlb.h not found; is this a kernel source tree?");
        return Directory.GetFiles(vhost).Order(StringComparer.Ordinal).Append(iotlb);
    }

    static void CopyInto(string treeDir, string dir)
    {
        foreach (var f in Inputs(treeDir))
        {
            var rel = Path.GetRelativePath(treeDir, f);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, rel))!);
            File.Copy(f, Path.Combine(dir, rel));
        }
    }
}
