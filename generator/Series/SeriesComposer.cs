using System.Collections.Immutable;
using System.Text;
using VhostLog.KernelTree;
using VhostLog.KernelTree.Clang;
using VhostLog.Translator;

namespace VhostLog.Series;

/// <summary>A target tree: where it is, what to call it, the kbuild headers that match it.</summary>
public sealed record TargetTree(string Dir, string Name, string Description, string HeadersDir);

public sealed record GenerateRequest(
    TargetTree Tree,
    string OutDir,
    string Signoff,
    string? SubjectPrefix,
    string WorkRoot,
    string? MaintainersFallback = null,
    int Version = 1,
    IReadOnlyCollection<int>? OptIn = null)
{
    /// <summary>A mainline clone (--upstream): message bodies are taken from it, its facts checked, and interdiffs made.</summary>
    public string? UpstreamDir { get; init; }

    public SeriesFormat Format { get; init; } = SeriesFormat.Mbox;

    /// <summary>
    /// Verifies the staged series folder before it lands (--verify); the
    /// cover letter then says what was tested. Null: not verified here.
    /// </summary>
    public Func<string, Tested>? Verify { get; init; }

    /// <summary>Stops generation (Ctrl-C, SIGTERM): nothing is written, the work folder is removed.</summary>
    public CancellationToken Cancel { get; init; }
}

/// <summary>How the series is written: git format-patch mails, or a quilt series for a Debian kernel package.</summary>
public enum SeriesFormat
{
    Mbox,
    Quilt,
}

/// <summary>What verifying a staged series found: passed, the lines the cover letter quotes, and the full report for a failure.</summary>
public sealed record Tested(bool Passed, string Summary, string Report);

/// <summary>The staged series did not pass verify; nothing was written.</summary>
public sealed class SeriesNotVerifiedException(string message) : Exception(message);

/// <summary>A backport hunk touches a function its upstream commit does not; nothing was written.</summary>
public sealed class BackportDeviationException(string message, ImmutableArray<PatchInterdiff> interdiffs) : Exception(message)
{
    public ImmutableArray<PatchInterdiff> Interdiffs { get; } = interdiffs;
}

/// <summary>A function the series replaces, by file and name.</summary>
public sealed record SplicedFunction(string File, string Name);

public sealed record EmittedPatch(int Number, string FileName, string Subject, ImmutableArray<SplicedFunction> Functions);

/// <summary>A patch the tree has no use for, and why (for the cover letter).</summary>
public sealed record SkippedPatch(PatchDefinition Patch, string Why);

public sealed record GenerateResult(
    string SeriesDir,
    ImmutableArray<EmittedPatch> Patches,
    ImmutableArray<PatchDefinition> Present,
    ImmutableArray<SkippedPatch> NotApplicable = default)
{
    /// <summary>The form a present patch takes in the tree when it is not upstream's (patch number to PresentAs.Form).</summary>
    public ImmutableDictionary<int, string> PresentForms { get; init; } = ImmutableDictionary<int, string>.Empty;

    /// <summary>Per emitted patch, against its upstream commit (only with --upstream).</summary>
    public ImmutableArray<PatchInterdiff> Interdiffs { get; init; } = [];

    /// <summary>What verify found before the series landed (only with --verify).</summary>
    public Tested? Tested { get; init; }
}

/// <summary>
/// Splices the generated functions of each patch's model state into a
/// temporary git copy of the tree, commits each patch and writes the series
/// with git format-patch. The user's tree is only read.
/// </summary>
public sealed partial class SeriesComposer(SeriesDefinition series, Translation translation)
{
    /// <summary>Runs the probes and the glue; one per composer, so a probe asked twice in a generate runs once.</summary>
    readonly Spatch spatch = new(Path.Combine(series.TemplatesDir, "glue", "macros.h"));

    public GenerateResult Generate(GenerateRequest request, IProgress<string>? progress = null)
    {
        var (name, email) = ParseIdentity(request.Signoff);
        var upstream = request.UpstreamDir is null ? null : UpstreamClone.Open(request.UpstreamDir);
        var work = Path.Combine(request.WorkRoot, $"generate-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(work);
            var repo = Path.Combine(work, "tree");
            CopyVhost(request.Tree.Dir, repo);
            var git = new Git(repo, name, email, series.Date, request.Cancel);
            git.Run("init", "-q", "-b", "series");
            git.Run("add", "-A");
            git.Run("commit", "-q", "-m", $"{request.Tree.Name}: drivers/vhost as shipped");
            git.Run("tag", "base");

            var emitted = ImmutableArray.CreateBuilder<EmittedPatch>();
            var commits = new List<(PatchDefinition Patch, string Commit)>();
            var present = ImmutableArray.CreateBuilder<PatchDefinition>();
            var notApplicable = ImmutableArray.CreateBuilder<SkippedPatch>();
            var forms = ImmutableDictionary.CreateBuilder<int, string>();
            var selected = series.Selected(request.OptIn ?? []);
            foreach (var patch in selected)
            {
                request.Cancel.ThrowIfCancellationRequested();
                if (PresentForm(repo, patch) is { } form)
                {
                    progress?.Report($"patch {patch.Number}: present {form}");
                    present.Add(patch);
                    forms[patch.Number] = form;
                    continue;
                }
                if (NotApplicableReason(repo, request.Tree, patch) is { } why)
                {
                    progress?.Report($"patch {patch.Number}: not applicable ({why})");
                    notApplicable.Add(new SkippedPatch(patch, why));
                    continue;
                }
                if (patch.Probe is { } probe)
                {
                    // A fix the tree may carry already (a stable backport): the
                    // probe decides, since the tree's form of it need not be ours.
                    progress?.Report($"patch {patch.Number}: probing {probe.Cocci}");
                    if (Probe(repo, probe, patch))
                    {
                        present.Add(patch);
                        continue;
                    }
                    if (patch.State is null && patch.Glue.IsEmpty)
                        throw new UsageException(
                            $"patch {patch.Number} ({patch.Subject}) is not in {request.Tree.Dir} " +
                            $"({probe.File} lacks what {probe.Cocci} looks for), and VhostLog detects it but cannot generate it: " +
                            "apply the upstream fix to the tree first, or target a tree that has it");
                }
                if (patch.State is null && patch.Glue.IsEmpty)
                    throw new UsageException($"patch {patch.Number} in templates/series.json has neither a model state, glue nor a probe");
                progress?.Report($"patch {patch.Number}: {patch.State ?? "glue only"}");
                var changes = patch.State is null ? [] : translation.Changes(patch.State);
                if (changes.IsEmpty && patch.Glue.IsEmpty)
                    throw new UsageException($"patch {patch.Number}: model state {patch.State} changes no function and the patch has no glue");
                var spliced = Splice(repo, request.Tree, changes, patch);
                var notes = new List<string>();
                var glued = patch.Glue.Aggregate(false, (any, g) => ApplyGlue(repo, g, patch, request.Tree, notes) | any);
                if (patch.Probe is { } check && !Probe(repo, check, patch))
                    // The probe said the fix is missing; what was generated
                    // must now carry it, or the tree's shape is one the
                    // models and glue do not fit.
                    throw new UsageException(
                        $"patch {patch.Number}: {request.Tree.Dir} lacks the fix and the generated change does not make " +
                        $"{check.File} match {check.Cocci} (functions: {string.Join(", ", changes.Select(c => c.Name + "()").DefaultIfEmpty("none"))}; " +
                        $"glue: {string.Join(", ", patch.Glue.Select(g => g.Cocci).DefaultIfEmpty("none"))}); this tree is not a supported target");
                if (!spliced && !glued)
                {
                    present.Add(patch);
                    continue;
                }
                var body = upstream is not null && patch.Upstream.Id is not null ? upstream.Body(patch) : null;
                git.Run("add", "-A");
                git.Commit(series.CommitMessage(patch, request.Signoff, notes, body), patch.Upstream);
                commits.Add((patch, git.Run("rev-parse", "HEAD").Trim()));
                emitted.Add(new EmittedPatch(patch.Number, "", patch.Subject,
                    changes.Select(c => new SplicedFunction(c.CFile, c.Name)).ToImmutableArray()));
            }
            if (emitted.Count == 0)
                throw new UsageException(
                    $"{request.Tree.Name} already has every patch of the series ({string.Join(", ", present.Select(p => p.Number))}): nothing to emit");

            var interdiffs = upstream is null
                ? []
                : Interdiffs(upstream, git, commits, request.Tree.HeadersDir, Path.Combine(work, "interdiff"), progress);
            if (interdiffs.Any(d => !d.ExtraFunctions.IsEmpty))
                throw new BackportDeviationException(
                    "the backport touches functions its upstream commit does not: " + string.Join("; ", interdiffs
                        .Where(d => !d.ExtraFunctions.IsEmpty)
                        .Select(d => $"patch {d.Number} ({d.UpstreamId[..12]}): {string.Join(", ", d.ExtraFunctions)}")) +
                    "; a backport changes no more than upstream's commit did: move that change to the patch upstream made it in, or leave it out",
                    interdiffs);

            request.Cancel.ThrowIfCancellationRequested();
            var staging = Path.Combine(work, "series");
            var formatPatch = new List<string>
            {
                "format-patch", "-q", "--cover-letter", "--no-signature", "--thread=shallow", $"--from={request.Signoff}",
                $"--subject-prefix={SubjectPrefix(request)}", "-o", staging,
            };
            var previous = request.Version > 1 ? ApplyPrevious(git, request) : null;
            if (previous is not null)
                formatPatch.AddRange([$"--reroll-count={request.Version}", "--range-diff=base..previous"]);
            formatPatch.Add("base..series");
            git.Run([.. formatPatch]);
            var files = Directory.GetFiles(staging, "*.patch").Order(StringComparer.Ordinal).ToList();
            var cover = files.Single(f => Path.GetFileName(f).StartsWith(VersionPrefix(request.Version) + "0000-", StringComparison.Ordinal));
            var changelog = previous is null ? null : ChangesSince(previous, files.Where(f => f != cover).ToList(), request.Version);
            var leftOut = series.Patches.Except(selected).ToImmutableArray();
            var patches = files.Where(f => f != cover).ToList();
            AddRecipients(request, cover, patches, progress);
            foreach (var f in files)
                File.WriteAllText(f, PinMessageIds(File.ReadAllText(f)));
            var result = emitted.Select((e, i) => e with { FileName = Path.GetFileName(patches[i]) }).ToImmutableArray();
            var blurb = CoverBlurb(request.Tree, present.ToImmutable(), forms.ToImmutable(), notApplicable.ToImmutable(), changelog, leftOut,
                upstream is not null);

            var landing = staging;
            if (request.Format == SeriesFormat.Quilt)
            {
                landing = Path.Combine(work, "quilt");
                QuiltSeries.Write(landing, git, commits);
            }
            Tested? tested = null;
            request.Cancel.ThrowIfCancellationRequested();
            if (request.Verify is { } verify)
            {
                progress?.Report("verifying the staged series before it lands");
                tested = verify(landing);
                if (!tested.Passed)
                    throw new SeriesNotVerifiedException($"the generated series did not pass verify; nothing was written to {request.OutDir}\n{tested.Report}");
            }
            var coverText = blurb + "\n\n" + (tested?.Summary ?? NotVerified(request));
            if (request.Format == SeriesFormat.Quilt)
                QuiltSeries.WriteCover(landing, coverText);
            else
                File.WriteAllText(cover, File.ReadAllText(cover)
                    .Replace("*** SUBJECT HERE ***", series.Subject, StringComparison.Ordinal)
                    .Replace("*** BLURB HERE ***", coverText, StringComparison.Ordinal));

            request.Cancel.ThrowIfCancellationRequested();
            ReplaceAtomically(landing, request.OutDir, request.Format == SeriesFormat.Quilt ? null : request.Version);
            return new GenerateResult(request.OutDir, result, present.ToImmutable(), notApplicable.ToImmutable())
            {
                PresentForms = forms.ToImmutable(),
                Interdiffs = interdiffs,
                Tested = tested,
            };
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("VHOSTLOG_KEEP") != "1" && Directory.Exists(work))
                Directory.Delete(work, true);
        }
    }

    static string NotVerified(GenerateRequest request) =>
        Paragraph.Wrap("Not verified by this run: `./vhostlog verify" +
            (request.Tree.Name == DefaultTree.Debian612.Name ? "" : " --tree TREE --out DIR") +
            "` checks it (or generate with --verify).", 72);

    /// <summary>
    /// Per emitted patch: the interdiff against its upstream commit, and the
    /// functions our hunks touch that upstream's do not (in the files ours touches).
    /// </summary>
    static ImmutableArray<PatchInterdiff> Interdiffs(UpstreamClone upstream, Git git, List<(PatchDefinition Patch, string Commit)> commits,
        string headersDir, string scratch, IProgress<string>? progress)
    {
        var result = ImmutableArray.CreateBuilder<PatchInterdiff>();
        foreach (var (patch, commit) in commits)
        {
            if (patch.Upstream.Id is not { } id)
                continue;
            progress?.Report($"patch {patch.Number}: interdiff against {id[..12]}");
            var ours = git.Run("show", "--no-color", "--format=", commit);
            var files = Interdiff.ChangedLines(ours).Select(c => c.File).ToList();
            var theirs = upstream.Diff(id, files);
            var dir = Path.Combine(scratch, patch.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var text = Interdiff.Compare(theirs, ours, dir);
            var ourFunctions = Interdiff.TouchedFunctions(ours, (file, after) => GitFile(git, after ? commit : commit + "^", file),
                Path.Combine(dir, "ours"), headersDir);
            var theirFunctions = Interdiff.TouchedFunctions(theirs, (file, after) => upstream.FileAt(after ? id : id + "^", file),
                Path.Combine(dir, "upstream"), headersDir);
            // A function upstream's commit does not touch is a deviation only
            // a backporter's note may make: the note must name it.
            var notes = string.Join(' ', BackporterNote().Matches(git.Run("log", "-1", "--format=%B", commit))
                .Select(m => m.Groups[1].Value.Replace('\n', ' ')));
            var extra = ourFunctions
                .SelectMany(kv => kv.Value.Except(theirFunctions.GetValueOrDefault(kv.Key) ?? [])
                    .Where(f => !notes.Contains(f + "()", StringComparison.Ordinal))
                    .Select(f => $"{f}() in {kv.Key}"))
                .ToImmutableArray();
            result.Add(new PatchInterdiff(patch.Number, patch.Subject, id, text, extra));
        }
        return result.ToImmutable();
    }

    static string? GitFile(Git git, string revision, string path)
    {
        try
        {
            return git.Run("show", $"{revision}:{path}");
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every patch gets the To/Cc get_maintainer.pl gives for it; the cover
    /// letter gets all of them. A stable backport also goes to the stable list.
    /// </summary>
    void AddRecipients(GenerateRequest request, string cover, IReadOnlyList<string> patches, IProgress<string>? progress)
    {
        var maintainersTree = File.Exists(Path.Combine(request.Tree.Dir, "MAINTAINERS")) ? request.Tree.Dir : request.MaintainersFallback;
        if (maintainersTree is null)
        {
            progress?.Report($"{request.Tree.Dir} has no MAINTAINERS/get_maintainer.pl: the series has no To/Cc");
            return;
        }
        var prefix = SubjectPrefix(request);
        var all = Recipients.None;
        // get_maintainer.pl answers from the files a patch touches: it runs
        // once per set of files, the sets side by side (each takes a second).
        string FilesOf(string patch) =>
            string.Join('\n', File.ReadLines(patch).Where(l => l.StartsWith("diff --git ", StringComparison.Ordinal)));
        var byFiles = patches.GroupBy(FilesOf, StringComparer.Ordinal).AsParallel()
            .Select(g => (Files: g.Key, Recipients: Recipients.ForPatch(maintainersTree, g.First())))
            .ToDictionary(x => x.Files, x => x.Recipients, StringComparer.Ordinal);
        foreach (var patch in patches)
        {
            var r = byFiles[FilesOf(patch)];
            if (System.Text.RegularExpressions.Regex.IsMatch(prefix, @"\b\d+\.\d+\.y\b"))
                r = r.WithCc("stable@vger.kernel.org");
            all = all.Merge(r);
            File.WriteAllText(patch, r.AddTo(File.ReadAllText(patch)));
        }
        File.WriteAllText(cover, all.AddTo(File.ReadAllText(cover)));
    }

    /// <summary>
    /// --subject-prefix, or the series' own with its stable branch (6.12.y)
    /// made the tree's: a backport is posted for the branch it applies to.
    /// </summary>
    string SubjectPrefix(GenerateRequest request)
    {
        if (request.SubjectPrefix is { } given)
            return given;
        var version = System.Text.RegularExpressions.Regex.Match(request.Tree.Name, @"^linux-(\d+\.\d+)\b");
        return version.Success
            ? System.Text.RegularExpressions.Regex.Replace(series.SubjectPrefix, @"\b\d+\.\d+\.y\b", version.Groups[1].Value + ".y")
            : series.SubjectPrefix;
    }

    /// <summary>The form the tree carries the patch in when one of its PresentAs probes matches, or null.</summary>
    string? PresentForm(string repo, PatchDefinition patch) =>
        (patch.PresentForms.IsDefault ? [] : patch.PresentForms)
            .FirstOrDefault(f => Probe(repo, new GlueStep(f.File, f.Cocci), patch))?.Form;

    /// <summary>Why the patch does not apply to this tree at all, or null when it does.</summary>
    string? NotApplicableReason(string repo, TargetTree tree, PatchDefinition patch)
    {
        foreach (var when in patch.NotApplicable.IsDefault ? [] : patch.NotApplicable)
        {
            var path = Path.Combine(repo, when.File);
            if (!File.Exists(path))
                throw new UsageException($"patch {patch.Number}: {when.File} is missing from {tree.Dir}");
            if (when.AbsentFunction is { } name
                && CFile.FunctionDefinitions(path, CParseOptions.ForKernelTree(repo, tree.HeadersDir)).All(e => e.Name != name))
                return $"{when.File} has no {name}(): {when.Why}";
            if (when.Cocci is { } cocci && Probe(repo, new GlueStep(when.File, cocci), patch))
                return when.Why;
        }
        return null;
    }

    /// <summary>Replaces each changed function; false when the tree already has them all as generated.</summary>
    bool Splice(string repo, TargetTree tree, ImmutableArray<CFunction> changes, PatchDefinition patch)
    {
        // The functions as the state before this patch has them: the base of the merge.
        if (changes.IsEmpty)
            return false;
        var parent = translation.ParentState(patch.State!);
        var before = parent is null
            ? new Dictionary<string, CFunction>()
            : translation.Translate(parent).ToDictionary(f => f.Name, StringComparer.Ordinal);
        var changedAny = false;
        foreach (var group in changes.GroupBy(c => c.CFile))
        {
            var path = Path.Combine(repo, group.Key);
            if (!File.Exists(path))
                throw new UsageException($"patch {patch.Number}: {group.Key} is missing from {tree.Dir}");
            var text = File.ReadAllBytes(path);
            var extents = CFile.FunctionDefinitions(path, CParseOptions.ForKernelTree(repo, tree.HeadersDir));
            var edits = new List<(int Start, int End, byte[] Text)>();
            foreach (var f in group)
            {
                var generated = Encoding.UTF8.GetBytes(f.Text.TrimEnd('\n'));
                var extent = extents.FirstOrDefault(e => e.Name == f.Name);
                if (extent is null && !f.Ir.InsertAfter.IsEmpty)
                {
                    // A function the patch adds goes after its anchor.
                    var after = f.Ir.InsertAfter.Select(a => extents.FirstOrDefault(e => e.Name == a)).FirstOrDefault(e => e is not null)
                        ?? throw new UsageException(
                            $"patch {patch.Number}: function {string.Join("() or ", f.Ir.InsertAfter)}() not found in {group.Key} of {tree.Dir} " +
                            $"(the anchor {f.Name}() is inserted after); this tree is not a supported target");
                    edits.Add((after.EndOffset, after.EndOffset, [.. "\n\n"u8, .. generated]));
                    continue;
                }
                if (extent is null)
                    throw new UsageException(
                        $"patch {patch.Number}: function {f.Name}() not found in {group.Key} of {tree.Dir} " +
                        "(the anchor the patch replaces); this tree is not a supported target");
                var start = extent.DocStartOffset ?? extent.StartOffset;
                var current = Encoding.UTF8.GetString(text, start, extent.EndOffset - start);
                if (FunctionMerge.SameCode(current, f.Text))
                    continue;
                var merged = before.TryGetValue(f.Name, out var previous)
                    ? FunctionMerge.Merge(current, previous.Text, f.Text)
                    : f.Text.TrimEnd('\n');
                edits.Add((start, extent.EndOffset, Encoding.UTF8.GetBytes(merged)));
            }
            if (edits.Count == 0)
                continue;
            changedAny = true;
            var output = new MemoryStream();
            var at = 0;
            foreach (var (start, end, replacement) in edits.OrderBy(e => e.Start))
            {
                output.Write(text, at, start - at);
                output.Write(replacement);
                at = end;
            }
            output.Write(text, at, text.Length - at);
            File.WriteAllBytes(path, output.ToArray());
        }
        return changedAny;
    }

    /// <summary>A cover letter list item wrapped at 72 columns, continuation lines indented.</summary>
    static string Indented(string text) => Paragraph.Wrap(text, 72, "  ", "    ") + "\n";

    static string VersionPrefix(int version) => version == 1 ? "" : $"v{version}-";

    static bool IsVersionFile(string fileName, int version) =>
        System.Text.RegularExpressions.Regex.IsMatch(fileName, $@"^{VersionPrefix(version)}\d{{4}}-.*\.patch$");

    /// <summary>
    /// Puts version N-1 of the series, as it sits in the output folder, on a
    /// branch "previous" for git range-diff; returns its patch files.
    /// </summary>
    static List<string> ApplyPrevious(Git git, GenerateRequest request)
    {
        var old = request.Version - 1;
        var files = Directory.Exists(request.OutDir)
            ? Directory.GetFiles(request.OutDir).Where(f => IsVersionFile(Path.GetFileName(f), old)).Order(StringComparer.Ordinal).ToList()
            : [];
        var patches = files.Where(f => !Path.GetFileName(f).StartsWith(VersionPrefix(old) + "0000-", StringComparison.Ordinal)).ToList();
        if (patches.Count == 0)
            throw new UsageException(
                $"-v {request.Version}: version {old} of the series is not in {request.OutDir}; generate it first (-v {old})");
        git.Run("checkout", "-q", "-b", "previous", "base");
        try
        {
            git.Run(["am", "-q", .. patches]);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"-v {request.Version}: version {old} in {request.OutDir} does not apply to the tree: {e.Message}");
        }
        git.Run("checkout", "-q", "series");
        return files;
    }

    /// <summary>"Changes in vN": per patch, new, changed or unchanged against version N-1 (by subject).</summary>
    static string ChangesSince(List<string> previousFiles, List<string> patches, int version)
    {
        static (string Subject, string Diff) Read(string file)
        {
            var text = File.ReadAllText(file);
            var split = text.IndexOf("\n\n", StringComparison.Ordinal);
            var headers = text[..split].Replace("\n ", " ", StringComparison.Ordinal);
            var subject = headers.Split('\n').First(l => l.StartsWith("Subject: ", StringComparison.Ordinal));
            subject = System.Text.RegularExpressions.Regex.Replace(subject, @"^Subject: \[[^\]]*\] ", "");
            // The message and the diff; blob ids in "index" lines follow the content.
            return (subject, text[split..]);
        }
        var before = previousFiles.Where(f => !Path.GetFileName(f).Contains("-0000-") && !Path.GetFileName(f).StartsWith("0000-", StringComparison.Ordinal))
            .Select(Read).ToList();
        var now = patches.Select(Read).ToList();
        var lines = new StringBuilder($"Changes in v{version}:\n");
        foreach (var (subject, diff) in now)
        {
            var old = before.FirstOrDefault(b => b.Subject == subject);
            var state = old.Subject is null ? "new" : old.Diff == diff ? "unchanged" : "changed";
            lines.Append($"  - {subject}: {state}\n");
        }
        foreach (var (subject, _) in before.Where(b => now.All(n => n.Subject != b.Subject)))
            lines.Append($"  - {subject}: dropped\n");
        return lines.ToString().TrimEnd();
    }

    /// <summary>Runs a Coccinelle probe (a rule with * lines) on its file; true when it matches.</summary>
    bool Probe(string repo, GlueStep probe, PatchDefinition patch) =>
        spatch.Matches(Existing(repo, probe, patch), probe.File, repo);

    string RunSpatch(string repo, GlueStep step, PatchDefinition patch, string[] mode, bool all = false)
    {
        var r = spatch.Run(mode, Existing(repo, step, patch), step.File, repo);
        if (!r.Ok)
            throw new InvalidOperationException($"spatch {step.Cocci} on {step.File} failed: {r.Output}");
        return all ? r.Output : r.Stdout;
    }

    /// <summary>The step's .cocci file, once it and the file it reads are known to exist.</summary>
    string Existing(string repo, GlueStep step, PatchDefinition patch)
    {
        var cocci = Path.Combine(series.TemplatesDir, step.Cocci);
        if (!File.Exists(cocci))
            throw new UsageException($"patch {patch.Number}: {cocci} is missing");
        if (!File.Exists(Path.Combine(repo, step.File)))
            throw new UsageException($"patch {patch.Number}: {step.File} is missing from the tree");
        return cocci;
    }

    /// <summary>
    /// Runs one Coccinelle semantic patch on its file in place; true when it
    /// changed the file. Coccinelle applies the rules that match and skips
    /// the others without a word, which leaves a patch half wired (it still
    /// builds); so every rule that adds or removes code and whose
    /// dependencies hold must have changed something, or the tree's shape
    /// is one the glue does not fit. A rule meant for other trees says so
    /// with "depends on".
    /// </summary>
    /// <param name="notes">gets the backporter's note of every rule that changed the tree (GlueRules.Notes)</param>
    bool ApplyGlue(string repo, GlueStep glue, PatchDefinition patch, TargetTree tree, List<string> notes)
    {
        var target = Path.Combine(repo, glue.File);
        var before = File.Exists(target) ? File.ReadAllBytes(target) : [];
        var debug = RunSpatch(repo, glue, patch, ["--debug", "--no-show-diff", "--in-place"], all: true);
        var rules = File.ReadAllLines(Path.Combine(series.TemplatesDir, glue.Cocci));
        var missed = GlueRules.Missed(rules, debug);
        var applied = GlueRules.Applied(debug);
        notes.AddRange(GlueRules.Notes(rules).Where(n => applied.Contains(n.Key)).Select(n => n.Value));
        if (missed.Count > 0)
            throw new UsageException(
                $"patch {patch.Number}: {glue.Cocci} rule(s) {string.Join(", ", missed)} changed nothing in {glue.File} of {tree.Dir} " +
                "(the code they attach to is not there in that shape); this tree is not a supported target");
        return !before.AsSpan().SequenceEqual(File.ReadAllBytes(target));
    }

    /// <summary>
    /// The cover letter's text: what the series is, the base, the upstream
    /// commits already in the tree (with the tree's own backport where known),
    /// the ones left out and why.
    /// </summary>
    string CoverBlurb(TargetTree tree, ImmutableArray<PatchDefinition> present, ImmutableDictionary<int, string> forms,
        ImmutableArray<SkippedPatch> notApplicable, string? changes, ImmutableArray<PatchDefinition> leftOut, bool upstreamText)
    {
        var version = tree.Name.StartsWith("linux-", StringComparison.Ordinal) ? tree.Name["linux-".Length..] : tree.Name;
        var blurb = new StringBuilder(series.CoverBlurb(tree.Name));
        blurb.Append("\n\n").Append(Paragraph.Wrap(upstreamText
            ? "Each patch keeps its upstream commit's author, subject, message and trailers; a [ backporter: ] note says where the backport differs."
            : "Each patch keeps its upstream commit's author, subject and trailers; a [ backporter: ] note says where the backport differs. " +
              "The message bodies are VhostLog's own descriptions of the upstream commits (generate with --upstream MAINLINE to carry upstream's text).", 72));
        if (changes is not null)
            blurb.Append("\n\n").Append(changes);
        blurb.Append("\n\n").Append(Paragraph.Wrap($"Base: {version} ({tree.Description}).", 72));
        if (present.Length > 0)
        {
            blurb.Append("\n\nAlready in this tree, not repeated here:\n");
            foreach (var p in present)
            {
                var stable = p.Upstream.InStable(version);
                var where = (stable is null ? "" : $", in {stable.Branch} as {stable.Id[..12]} ({stable.Release})") +
                            (forms.TryGetValue(p.Number, out var form) ? $", {form}" : "");
                blurb.Append(Indented($"{p.Upstream.Reference}{where}"));
            }
        }
        if (notApplicable.Length > 0)
        {
            blurb.Append("\nNot applicable to this tree, left out:\n");
            foreach (var (p, why) in notApplicable)
                blurb.Append(Indented($"{p.Upstream.Reference}: {why}"));
        }
        foreach (var p in leftOut)
            blurb.Append("\nLeft out:\n").Append(Indented($"{p.Upstream.Reference}: {series.LeftOutNote(p)}"));
        return blurb.ToString().TrimEnd();
    }

    /// <summary>
    /// git format-patch stamps Message-Ids with the current time; the series
    /// date is used instead, so regenerating gives the same bytes.
    /// </summary>
    string PinMessageIds(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\.\d+\.git\.", $".{series.Date.ToUnixTimeSeconds()}.git.");

    /// <summary>Copies drivers/vhost: the only part of the tree the series touches.</summary>
    static void CopyVhost(string treeDir, string repo)
    {
        var source = Path.Combine(treeDir, "drivers", "vhost");
        var target = Path.Combine(repo, "drivers", "vhost");
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(source).Order(StringComparer.Ordinal))
            File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
    }

    /// <summary>
    /// Puts the staged version in place of that version in outDir (other
    /// versions stay) with one directory rename; the old folder goes after.
    /// </summary>
    /// <param name="version">the version of the series that is replaced, or null to replace the whole folder (a quilt series)</param>
    static void ReplaceAtomically(string staging, string outDir, int? version)
    {
        var full = Path.GetFullPath(outDir);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var incoming = full + ".new-" + Environment.ProcessId;
        var outgoing = full + ".old-" + Environment.ProcessId;
        if (Directory.Exists(incoming))
            Directory.Delete(incoming, true);
        Folders.Copy(staging, incoming);
        if (Directory.Exists(full) && version is { } v)
            foreach (var f in Directory.GetFiles(full).Where(f => !IsVersionFile(Path.GetFileName(f), v)))
                File.Copy(f, Path.Combine(incoming, Path.GetFileName(f)));
        if (Directory.Exists(full))
            Directory.Move(full, outgoing);
        Directory.Move(incoming, full);
        if (Directory.Exists(outgoing))
            Directory.Delete(outgoing, true);
    }


    public static (string Name, string Email) ParseIdentity(string signoff)
    {
        var lt = signoff.IndexOf('<');
        var gt = signoff.IndexOf('>');
        if (lt <= 0 || gt < lt + 2 || !signoff[(lt + 1)..gt].Contains('@'))
            throw new UsageException($"--signoff '{signoff}': expected \"Full Name <user@example.org>\"");
        return (signoff[..lt].Trim(), signoff[(lt + 1)..gt].Trim());
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\[ backporter: (.*?) \]", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex BackporterNote();
}
