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
        var plain = report.Checks.Where(c => c.Claim is null && c.Name != CheckNames.TreeUnchanged).Select(c => c.Name);
        var text = $"Tested with `{command}`, all {report.Checks.Count} checks passing: {string.Join(", ", plain)}. " +
                   string.Join(" ", report.Checks.Select(c => c.Claim).OfType<string>());
        return new Tested(true, Paragraph.Wrap(text.TrimEnd(), 72), "");
    }
}
