using System.Text.RegularExpressions;
using VhostLog.Series;

namespace VhostLog.Sessions;

/// <summary>What a git format-patch folder of our series holds, in terms of templates/series.json.</summary>
public static partial class SeriesFolder
{
    /// <summary>The series' patches that the folder emits (matched by subject), in series order.</summary>
    public static IReadOnlyList<PatchDefinition> Emitted(SeriesDefinition definition, string seriesDir)
    {
        var subjects = Subjects(seriesDir);
        return [.. definition.Patches.Where(p => subjects.Contains(p.Subject))];
    }

    /// <summary>
    /// The model state the emitted patches leave the tree in: the state of
    /// the last emitted patch that has one, or Baseline when none does.
    /// </summary>
    public static string LastState(SeriesDefinition definition, string seriesDir) =>
        Emitted(definition, seriesDir).LastOrDefault(p => p.State is not null)?.State ?? "Baseline";

    /// <summary>
    /// The model state the tree is in before the series: the state just
    /// before the first emitted patch that has one (a tree that lacks patch 2
    /// is BeforeFixes), or the last state when the folder emits none.
    /// </summary>
    public static string StateBefore(SeriesDefinition definition, string seriesDir)
    {
        var states = Equivalence.Engines.ManagedEngine.StateNames.ToList();
        var first = Emitted(definition, seriesDir).FirstOrDefault(p => p.State is not null)?.State;
        return first is null ? LastState(definition, seriesDir) : states[Math.Max(0, states.IndexOf(first) - 1)];
    }

    /// <summary>The subjects of the patches in a series folder, without their [PATCH n/m] prefix.</summary>
    static HashSet<string> Subjects(string seriesDir)
    {
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(seriesDir))
            return subjects;
        var files = Series.QuiltSeries.IsQuilt(seriesDir) ? Series.QuiltSeries.Patches(seriesDir) : Directory.GetFiles(seriesDir, "*.patch");
        foreach (var f in files.Where(File.Exists))
        {
            var text = File.ReadAllText(f);
            var headers = text[..Math.Max(0, text.IndexOf("\n\n", StringComparison.Ordinal))].Replace("\n ", " ", StringComparison.Ordinal);
            var subject = headers.Split('\n').FirstOrDefault(l => l.StartsWith("Subject: ", StringComparison.Ordinal));
            if (subject is not null)
                subjects.Add(SubjectPrefix().Replace(subject, ""));
        }
        return subjects;
    }

    [GeneratedRegex(@"^Subject: (\[[^\]]*\] )?")]
    private static partial Regex SubjectPrefix();
}
