using System.Text;
using VhostLog.KernelTree;

namespace VhostLog.Series;

/// <summary>To (maintainers) and Cc (reviewers, lists) for a patch, from the tree's MAINTAINERS.</summary>
public sealed record Recipients(IReadOnlyList<string> To, IReadOnlyList<string> Cc)
{
    public static Recipients None { get; } = new([], []);

    public bool IsEmpty => To.Count == 0 && Cc.Count == 0;

    /// <summary>
    /// Runs the tree's scripts/get_maintainer.pl on a patch. A tree without it
    /// (or without MAINTAINERS) gives no recipients; the caller says so.
    /// </summary>
    public static Recipients ForPatch(string treeDir, string patchFile)
    {
        var script = Path.Combine(treeDir, "scripts", "get_maintainer.pl");
        if (!File.Exists(script) || !File.Exists(Path.Combine(treeDir, "MAINTAINERS")))
            return None;
        var r = ProcessRunner.Run("perl",
            [script, "--no-git", "--no-git-fallback", "--no-tree", "--roles", "--no-rolestats", patchFile],
            treeDir, new Dictionary<string, string> { ["LC_ALL"] = "C.UTF-8" });
        if (!r.Ok)
            throw new InvalidOperationException($"get_maintainer.pl failed on {patchFile}: {r.Stderr.Trim()}");
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var to = new List<string>();
        var cc = new List<string>();
        foreach (var line in lines)
        {
            // "Name <addr> (role:SECTION (X))" or "list@host (role)": the role
            // starts after the address, whose end is its '>' or its first blank.
            var gt = line.IndexOf('>');
            var split = gt >= 0 ? gt + 1 : (line.IndexOf(' ') is var sp && sp > 0 ? sp : line.Length);
            var address = line[..split].Trim();
            var role = line[split..].Trim().TrimStart('(');
            (role.StartsWith("maintainer", StringComparison.Ordinal) ? to : cc).Add(address);
        }
        return new Recipients(to, cc);
    }

    public Recipients Merge(Recipients other)
    {
        var to = To.Concat(other.To).Distinct().ToList();
        var cc = Cc.Concat(other.Cc).Distinct().Except(to).ToList();
        return new Recipients(to, cc);
    }

    public Recipients WithCc(string address) =>
        Cc.Contains(address) || To.Contains(address) ? this : new Recipients(To, [.. Cc, address]);

    /// <summary>Adds To:/Cc: header lines to a format-patch message, before the blank line that ends its headers.</summary>
    public string AddTo(string message)
    {
        if (IsEmpty)
            return message;
        var end = message.IndexOf("\n\n", StringComparison.Ordinal);
        if (end < 0)
            throw new InvalidOperationException("a format-patch message without a header block");
        var headers = new StringBuilder();
        if (To.Count > 0)
            headers.Append("\nTo: ").Append(string.Join(",\n    ", To));
        if (Cc.Count > 0)
            headers.Append("\nCc: ").Append(string.Join(",\n    ", Cc));
        return message.Insert(end, headers.ToString());
    }
}
