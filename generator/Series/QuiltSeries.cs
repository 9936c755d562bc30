using System.Text;
using System.Text.RegularExpressions;

namespace VhostLog.Series;

/// <summary>
/// The series as a Debian kernel package takes it: quilt patches under
/// debian/patches with DEP-3 headers, listed in debian/patches/series (which
/// the package's own series file can include line for line). The cover
/// letter becomes the series file's leading comment.
/// </summary>
public static partial class QuiltSeries
{
    /// <summary>Where the patches go, relative to debian/patches (Debian's kernel keeps fixes under bugfix/all).</summary>
    public const string Topic = "bugfix/all/vhost-scsi-log";

    public static string PatchesDir(string dir) => Path.Combine(dir, "debian", "patches");

    public static string SeriesFile(string dir) => Path.Combine(PatchesDir(dir), "series");

    public static bool IsQuilt(string dir) => File.Exists(SeriesFile(dir));

    /// <summary>Writes one DEP-3 patch per commit and the series file.</summary>
    public static void Write(string dir, Git git, IReadOnlyList<(PatchDefinition Patch, string Commit)> commits)
    {
        Directory.CreateDirectory(Path.Combine(PatchesDir(dir), Topic));
        var list = new StringBuilder();
        foreach (var (patch, commit) in commits)
        {
            var name = $"{Topic}/{FileName(patch.Subject)}.patch";
            var message = git.Run("log", "-1", "--no-color", "--format=%B", commit);
            var body = message[(message.IndexOf("\n\n", StringComparison.Ordinal) + 2)..].TrimEnd();
            var diff = git.Run("show", "--no-color", "--format=", "--stat=72", "--summary", "-p", commit);
            var header = new StringBuilder()
                .Append($"From: {patch.Upstream.Author}\n")
                .Append($"Date: {MailDate(patch.Upstream.Date)}\n")
                .Append($"Subject: {patch.Subject}\n")
                .Append($"Origin: {Origin(patch, body)}\n")
                .Append("Forwarded: not-needed\n");
            File.WriteAllText(Path.Combine(PatchesDir(dir), name), $"{header}\n{body}\n---\n{diff.TrimEnd()}\n");
            list.Append(name).Append('\n');
        }
        File.WriteAllText(SeriesFile(dir), list.ToString());
    }

    /// <summary>Puts the cover letter's text at the top of the series file as a comment.</summary>
    public static void WriteCover(string dir, string cover)
    {
        var path = SeriesFile(dir);
        var comment = string.Concat(cover.Split('\n').Select(l => l.Length == 0 ? "#\n" : $"# {l}\n"));
        File.WriteAllText(path, comment + "\n" + File.ReadAllText(path));
    }

    /// <summary>
    /// DEP-3 Origin: "upstream" for a clean pick of a mainline commit,
    /// "backport" when the backporter notes a difference, "other" with the
    /// posting for a patch never merged.
    /// </summary>
    static string Origin(PatchDefinition patch, string body) => patch.Upstream.Id is { } id
        ? $"{(body.Contains("[ backporter: ", StringComparison.Ordinal) ? "backport" : "upstream")}, https://git.kernel.org/linus/{id}"
        : $"other, https://lore.kernel.org/r/{patch.Upstream.Posted?.Trim('<', '>')}";

    /// <summary>RFC 2822 date as git writes it ("Wed, 2 Apr 2025 23:29:51 -0700").</summary>
    public static string MailDate(DateTimeOffset d)
    {
        var offset = d.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return d.ToString("ddd, d MMM yyyy HH:mm:ss ", System.Globalization.CultureInfo.InvariantCulture) + $"{sign}{abs.Hours:00}{abs.Minutes:00}";
    }

    /// <summary>A patch file name from a subject: lower case, words joined by '-'.</summary>
    public static string FileName(string subject) => NotWord().Replace(subject.ToLowerInvariant(), "-").Trim('-');

    /// <summary>The patch files of a quilt series folder, in series order (comments and blank lines skipped).</summary>
    public static IReadOnlyList<string> Patches(string dir) =>
        [.. File.ReadAllLines(SeriesFile(dir))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => Path.Combine(PatchesDir(dir), l.Split(' ')[0]))];

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotWord();
}
