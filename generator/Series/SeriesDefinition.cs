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

/// <summary>A stable branch's own backport of an upstream commit: its id there and the release it came with.</summary>
public sealed record StableBackport(string Branch, string Id, string Release);

/// <summary>
/// The upstream commit a patch backports, as facts a backport keeps:
/// the full mainline id, the author and author date, the subject and the
/// trailers of the merged commit, in order. Id is null for a patch that was
/// posted but never merged; Posted then names the mail. Stable lists the
/// stable branches' own backports of it.
/// </summary>
public sealed record UpstreamCommit(
    string? Id,
    string Author,
    DateTimeOffset Date,
    string Subject,
    ImmutableArray<string> Trailers,
    ImmutableArray<StableBackport> Stable,
    string? Posted = null)
{
    public (string Name, string Email) Identity => SeriesComposer.ParseIdentity(Author);

    /// <summary>The reference kernel commit messages use: 12 hex digits and the subject.</summary>
    public string Reference => Id is null ? $"\"{Subject}\" ({Posted})" : $"{Id[..12]} (\"{Subject}\")";

    /// <summary>The stable branch's backport of it (6.12.y for 6.12.117) when that release is at or before the tree's.</summary>
    public StableBackport? InStable(string treeVersion)
    {
        var version = Version.TryParse(treeVersion, out var v) ? v : null;
        return (Stable.IsDefault ? [] : Stable).FirstOrDefault(s =>
            version is not null && s.Branch == $"{version.Major}.{version.Minor}.y"
            && Version.TryParse(s.Release, out var r) && r <= version);
    }
}

/// <summary>
/// One patch of the series: the upstream commit it backports, the model
/// state whose changed functions it carries, the Coccinelle glue for
/// everything else, and our description of it (the message body used when
/// no upstream clone is given). Deviations are the ways every backport of
/// it differs from the upstream commit, whatever the tree; the glue adds the
/// tree-specific ones.
/// </summary>
public sealed record PatchDefinition(
    int Number,
    string? State,
    string Message,
    UpstreamCommit Upstream,
    ImmutableArray<GlueStep> Glue,
    bool OptIn = false,
    string? LeftOut = null,
    GlueStep? Probe = null,
    ImmutableArray<NotApplicableWhen> NotApplicable = default,
    ImmutableArray<PresentAs> PresentForms = default,
    ImmutableArray<string> Deviations = default)
{
    public string Subject => Upstream.Subject;

    /// <summary>The Fixes: trailers of the upstream commit.</summary>
    public IEnumerable<string> Fixes => Upstream.Trailers.Where(t => t.StartsWith("Fixes: ", StringComparison.Ordinal));
}

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

    sealed record UpstreamJson(string? Id, string Author, DateTimeOffset Date, string Subject, List<string> Trailers,
        List<StableBackport>? Stable, string? Posted);

    sealed record PatchJson(int Number, string? State, string Message, UpstreamJson? Upstream,
        List<GlueStep>? Glue, bool OptIn, string? LeftOut, GlueStep? Probe,
        List<NotApplicableWhen>? NotApplicable, List<PresentAs>? PresentAs, List<string>? Deviations);

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
            json.Patches.Select(p => new PatchDefinition(p.Number, p.State, p.Message, Upstream(path, p), [.. p.Glue ?? []], p.OptIn, p.LeftOut, p.Probe,
                [.. p.NotApplicable ?? []], [.. p.PresentAs ?? []], [.. p.Deviations ?? []])).ToImmutableArray(),
            templatesDir);
    }

    static UpstreamCommit Upstream(string path, PatchJson p)
    {
        var u = p.Upstream ?? throw new UsageException($"{path}: patch {p.Number} has no \"upstream\" (the commit it backports)");
        if (u.Id is not null && !System.Text.RegularExpressions.Regex.IsMatch(u.Id, "^[0-9a-f]{40}$"))
            throw new UsageException($"{path}: patch {p.Number}: upstream id {u.Id} is not a full 40-hex commit id");
        if (u.Id is null && u.Posted is null)
            throw new UsageException($"{path}: patch {p.Number}: upstream has neither an id nor \"posted\" (the mail of a patch never merged)");
        if (u.Trailers is null || !u.Trailers.Any(t => t.StartsWith("Signed-off-by: ", StringComparison.Ordinal)))
            throw new UsageException($"{path}: patch {p.Number}: upstream trailers have no Signed-off-by");
        SeriesComposer.ParseIdentity(u.Author);
        return new UpstreamCommit(u.Id, u.Author, u.Date, u.Subject, [.. u.Trailers], [.. u.Stable ?? []], u.Posted);
    }

    /// <summary>
    /// The commit message of a patch as a stable backport: the upstream
    /// subject; `commit ID upstream.` alone on the first body line; the body
    /// (upstream's own text when given, else our description); the upstream
    /// trailers in order; the backporter's notes; the backporter's sign-off last.
    /// </summary>
    /// <param name="notes">how this backport differs from the upstream commit, beyond the patch's declared Deviations</param>
    /// <param name="upstreamBody">the upstream commit's message body (no subject, no trailers), read from a clone at run time</param>
    public string CommitMessage(PatchDefinition patch, string signoff, IReadOnlyList<string>? notes = null, string? upstreamBody = null)
    {
        var body = (upstreamBody ?? Description(patch)).Trim();
        var upstream = patch.Upstream.Id is null ? "" : $"commit {patch.Upstream.Id} upstream.\n\n";
        var allNotes = (patch.Deviations.IsDefault ? [] : patch.Deviations).Concat(notes ?? []).Distinct().ToList();
        var backporter = string.Concat(allNotes.Select(n => Paragraph.Wrap($"[ backporter: {n} ]", 75) + "\n"));
        var trailers = string.Concat(patch.Upstream.Trailers.Select(t => t + "\n"));
        var signed = $"Signed-off-by: {signoff}";
        var last = patch.Upstream.Trailers.Contains(signed) && allNotes.Count == 0 ? "" : signed + "\n";
        return $"{patch.Subject}\n\n{upstream}{body}\n\n{trailers}{backporter}{last}";
    }

    /// <summary>Our own description of a patch (templates/patches), for when no upstream clone is given.</summary>
    public string Description(PatchDefinition patch)
    {
        var path = Path.Combine(TemplatesDir, patch.Message);
        if (!File.Exists(path))
            throw new UsageException($"{path}: description of patch {patch.Number} is missing");
        return File.ReadAllText(path).Trim();
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
        patch.LeftOut is null ? "" : string.Join(' ', File.ReadAllText(Path.Combine(TemplatesDir, patch.LeftOut))
            .Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries));

    public string CoverBlurb(string treeName) =>
        File.ReadAllText(Path.Combine(TemplatesDir, Cover)).Replace("{tree}", treeName, StringComparison.Ordinal).TrimEnd();
}
