using System.Collections.Immutable;
using System.Text.Json;
using VhostLog.KernelTree;

namespace VhostLog.Series;

/// <summary>A Coccinelle semantic patch (templates/glue) applied to one file of the tree.</summary>
public sealed record GlueStep(string File, string Cocci);

/// <summary>
/// When a patch does not apply to a tree at all (as opposed to being
/// present): File has no function AbsentFunction, or the probe Cocci
/// matches it. Why is what the cover letter says.
/// </summary>
public sealed record NotApplicableWhen(string File, string Why, string? AbsentFunction = null, string? Cocci = null);

/// <summary>
/// Another form a tree may carry the patch in (a stable branch's own
/// backport): when the probe Cocci matches File, the patch is present, and
/// Form says in what form (the cover letter quotes it).
/// </summary>
public sealed record PresentAs(string File, string Cocci, string Form);

/// <summary>
/// One patch of the series: the model state whose changed functions it
/// carries, the Coccinelle glue for everything else, and its message.
/// </summary>
public sealed record PatchDefinition(
    int Number,
    string? State,
    string Message,
    string? Upstream,
    string? UpstreamSubject,
    ImmutableArray<string> Fixes,
    ImmutableArray<GlueStep> Glue,
    bool OptIn = false,
    string? LeftOut = null,
    GlueStep? Probe = null,
    ImmutableArray<NotApplicableWhen> NotApplicable = default,
    ImmutableArray<PresentAs> PresentForms = default);

/// <summary>templates/series.json: what the series is made of.</summary>
public sealed record SeriesDefinition(
    string Name,
    string Subject,
    string Cover,
    string SubjectPrefix,
    DateTimeOffset Date,
    ImmutableArray<PatchDefinition> Patches,
    string TemplatesDir)
{
    sealed record Json(string Name, string Subject, string Cover, string SubjectPrefix, DateTimeOffset Date, List<PatchJson> Patches);

    sealed record PatchJson(int Number, string? State, string Message, string? Upstream, string? UpstreamSubject,
        List<string>? Fixes, List<GlueStep>? Glue, bool OptIn, string? LeftOut, GlueStep? Probe,
        List<NotApplicableWhen>? NotApplicable, List<PresentAs>? PresentAs);

    public static SeriesDefinition Load(string templatesDir)
    {
        var path = Path.Combine(templatesDir, "series.json");
        Json json;
        try
        {
            json = JsonSerializer.Deserialize<Json>(File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))
                   ?? throw new UsageException($"{path}: empty series definition");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path}: {e.Message}");
        }
        return new SeriesDefinition(json.Name, json.Subject, json.Cover, json.SubjectPrefix, json.Date,
            json.Patches.Select(p => new PatchDefinition(p.Number, p.State, p.Message, p.Upstream, p.UpstreamSubject, [.. p.Fixes ?? []], [.. p.Glue ?? []], p.OptIn, p.LeftOut, p.Probe,
                [.. p.NotApplicable ?? []], [.. p.PresentAs ?? []])).ToImmutableArray(),
            templatesDir);
    }

    /// <summary>The commit message of a patch: subject line, blank line, body (upstream line first), trailers.</summary>
    /// <param name="notes">how this backport differs from the upstream commit (glue rules' backporter notes), before the sign-off</param>
    public string CommitMessage(PatchDefinition patch, string signoff, IReadOnlyList<string>? notes = null)
    {
        var path = Path.Combine(TemplatesDir, patch.Message);
        if (!File.Exists(path))
            throw new UsageException($"{path}: commit message template of patch {patch.Number} is missing");
        var lines = File.ReadAllText(path).TrimEnd().Split('\n');
        var subject = lines[0];
        var body = string.Join('\n', lines.Skip(1)).Trim();
        // The upstream commit in the form checkpatch accepts against a clone
        // with history (12 hex digits and the quoted subject), wrapped at 75.
        var upstream = patch.Upstream is null
            ? ""
            : Wrap($"commit {patch.Upstream[..12]} (\"{patch.UpstreamSubject}\") upstream.", 75) + "\n\n";
        var backporter = notes is { Count: > 0 }
            ? string.Concat(notes.Distinct().Select(n => Wrap($"[ backporter: {n} ]", 75) + "\n"))
            : "";
        var trailers = patch.Fixes.Select(f => $"Fixes: {f}\n").Concat([backporter, $"Signed-off-by: {signoff}\n"]);
        return $"{subject}\n\n{upstream}{body}\n\n{string.Concat(trailers)}";
    }

    static string Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line);
                line = "";
            }
            line = line.Length == 0 ? word : line + " " + word;
        }
        lines.Add(line);
        return string.Join('\n', lines);
    }

    /// <summary>The patches of a series generated with the given opt-in patch numbers.</summary>
    public ImmutableArray<PatchDefinition> Selected(IReadOnlyCollection<int> optIn)
    {
        var unknown = optIn.Where(n => Patches.All(p => p.Number != n || !p.OptIn)).ToList();
        if (unknown.Count > 0)
            throw new UsageException(
                $"--opt-in {string.Join(", ", unknown)}: not an opt-in patch of the series (opt-in: " +
                $"{string.Join(", ", Patches.Where(p => p.OptIn).Select(p => p.Number))})");
        return Patches.Where(p => !p.OptIn || optIn.Contains(p.Number)).ToImmutableArray();
    }

    /// <summary>Why an opt-in patch is left out, for the cover letter.</summary>
    public string LeftOutNote(PatchDefinition patch) =>
        patch.LeftOut is null ? "" : File.ReadAllText(Path.Combine(TemplatesDir, patch.LeftOut)).TrimEnd();

    public string CoverBlurb(string treeName) =>
        File.ReadAllText(Path.Combine(TemplatesDir, Cover)).Replace("{tree}", treeName, StringComparison.Ordinal).TrimEnd();
}
