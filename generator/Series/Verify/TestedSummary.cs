using System.Text;

namespace VhostLog.Series.Verify;

/// <summary>The cover letter's account of a verify run (generate --verify).</summary>
public static class TestedSummary
{
    public static Tested From(VerifyReport report, string command)
    {
        if (!report.Passed)
        {
            var failed = new StringBuilder();
            foreach (var c in report.Checks.Where(c => !c.Passed))
                failed.AppendLine($"{c.Name}: {c.Summary}").AppendLine(c.Details.TrimEnd());
            return new Tested(false, "", failed.ToString().TrimEnd());
        }
        // Three sentences: the checks, then what the harness and the real
        // kernel showed (the claims of the checks that make one).
        (string Check, string Said)[] named =
        [
            (CheckNames.Checkpatch, "checkpatch --strict"),
            (CheckNames.Bisect, "kbuild W=1 and sparse C=2 at every prefix"),
            (CheckNames.LockDiscipline, "the lock-discipline check"),
        ];
        var said = named.Where(n => report.Checks.Any(c => c.Name == n.Check)).Select(n => n.Said).ToList();
        var among = said.Count > 1 ? string.Join(", ", said[..^1]) + " and " + said[^1] : string.Join("", said);
        var text = $"Tested with `{command}`: all {report.Checks.Count} checks pass, among them {among}. " +
                   string.Join(" ", report.Checks.Select(c => c.Claim).OfType<string>());
        return new Tested(true, Paragraph.Wrap(text.TrimEnd(), 72), "");
    }
}
