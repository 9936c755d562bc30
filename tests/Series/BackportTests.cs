using System.Text.RegularExpressions;
using NUnit.Framework;
using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Sessions;

namespace VhostLog.Tests.Series;

/// <summary>
/// The series read as a stable maintainer reads a backport: upstream's
/// authorship, subject, id and trailers kept, deviations declared, and
/// (with a mainline clone) upstream's own message and an interdiff. The
/// clone here is built by the test: the tree's drivers/vhost, then one
/// commit per patch with the facts templates/series.json keeps.
/// </summary>
public sealed class BackportTests
{
    static string Committed => Path.Combine(Repo.Root, "out", "linux-6.12.117");

    static SeriesDefinition Definition => SeriesDefinition.Load(Path.Combine(Repo.Root, "templates"));

    const string Backporter = "A Backporter <backporter@example.org>";

    static ProcResult Git(string dir, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var e = new Dictionary<string, string> { ["GIT_CONFIG_NOSYSTEM"] = "1", ["GIT_CONFIG_GLOBAL"] = "/dev/null" };
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
            e[k] = v;
        var r = ProcessRunner.Run("git", ["-c", "user.name=T", "-c", "user.email=t@example.org", .. args], dir, e);
        Assert.That(r.Ok, Is.True, $"git {string.Join(' ', args)}: {r.Output}");
        return r;
    }

    /// <summary>A git repository holding the default tree's drivers/vhost, committed.</summary>
    static string PristineRepo(string name)
    {
        var dir = SeriesTests.CopyOfDefaultTree(name);
        Git(dir, null, "init", "-q", "-b", "main");
        Git(dir, null, "add", "-A");
        Git(dir, null, "commit", "-q", "-m", "base");
        return dir;
    }

    [Test]
    public void GitAmOfTheCommittedSeriesGivesUpstreamAuthorSubjectAndTrailers()
    {
        var repo = PristineRepo("am");
        var patches = Directory.GetFiles(Committed, "000*.patch").Where(f => !Path.GetFileName(f).StartsWith("0000-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        Git(repo, null, ["am", "-q", .. patches]);
        var emitted = SeriesFolder.Emitted(Definition, Committed);
        Assert.That(emitted.Select(p => p.Number), Is.EqualTo(new[] { 4, 5, 6, 7, 8 }));
        var commits = Git(repo, null, "rev-list", "--reverse", "main~5..main").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var (patch, commit) in emitted.Zip(commits))
        {
            var u = patch.Upstream;
            var fields = Git(repo, null, "log", "-1", "--format=%an <%ae>%x00%aI%x00%s%x00%b", commit).Stdout.Split('\0');
            Assert.That(fields[0], Is.EqualTo(u.Author), $"patch {patch.Number}: author");
            Assert.That(DateTimeOffset.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(u.Date), $"patch {patch.Number}: date");
            Assert.That(fields[2], Is.EqualTo(u.Subject), $"patch {patch.Number}: subject");
            var body = fields[3];
            Assert.That(body, Does.StartWith($"commit {u.Id} upstream.\n\n"), $"patch {patch.Number}: the 40-hex line opens the body");
            Assert.That(u.Id, Does.Match("^[0-9a-f]{40}$"));
            // The trailer block: upstream's trailers in order, the notes, the backporter last.
            var block = body.TrimEnd().Split("\n\n")[^1];
            var lines = Regex.Replace(block, @"\[ backporter: .*? \]\n", "", RegexOptions.Singleline).Split('\n');
            Assert.That(lines[..^1], Is.EqualTo(u.Trailers.ToArray()), $"patch {patch.Number}: trailers");
            Assert.That(lines[^1], Is.EqualTo("Signed-off-by: VhostLog Generator <generator@vhostlog.example>"), $"patch {patch.Number}: the backporter (make's SIGNOFF) signs off last");
            foreach (var note in patch.Deviations)
                Assert.That(block.Replace('\n', ' '), Does.Contain($"[ backporter: {note} ]"), $"patch {patch.Number}: declared deviation");
        }
    }

    /// <summary>The mail sender is the backporter; the author goes first in the body, as git format-patch --from writes it.</summary>
    [Test]
    public void TheMailIsFromTheBackporterAndTheAuthorIsInTheBody()
    {
        foreach (var f in Directory.GetFiles(Committed, "000*.patch").Where(f => !Path.GetFileName(f).StartsWith("0000-", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(f);
            var split = text.IndexOf("\n\n", StringComparison.Ordinal);
            Assert.That(text[..split], Does.Contain("\nFrom: VhostLog Generator <generator@vhostlog.example>\n"), f);
            Assert.That(text[(split + 2)..], Does.StartWith("From: Dongli Zhang <dongli.zhang@oracle.com>\n\ncommit "), f);
        }
    }

    /// <summary>An upstream clone of the series' commits, one per emitted patch, made from the given patch files.</summary>
    sealed record Upstream(string Dir, string Templates, IReadOnlyDictionary<int, string> Ids);

    /// <param name="dropHunk">leaves out, from the patch of that number, the hunks whose header contains the text</param>
    static Upstream MakeUpstream(string name, (int Patch, string Header)? dropHunk = null)
    {
        var dir = PristineRepo(name + "-upstream");
        var ids = new Dictionary<int, string>();
        var emitted = SeriesFolder.Emitted(Definition, Committed);
        var files = Directory.GetFiles(Committed, "000*.patch").Where(f => !Path.GetFileName(f).StartsWith("0000-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        foreach (var (patch, file) in emitted.Zip(files))
        {
            var text = File.ReadAllText(file);
            var diff = text[text.IndexOf("\ndiff --git ", StringComparison.Ordinal)..].TrimStart('\n');
            if (dropHunk is { } drop && drop.Patch == patch.Number)
                diff = DropHunks(diff, drop.Header);
            var diffFile = Path.Combine(dir, "..", $"{name}-{patch.Number}.diff");
            File.WriteAllText(diffFile, diff);
            Git(dir, null, "apply", "--recount", diffFile);
            var u = patch.Upstream;
            var (an, ae) = u.Identity;
            Git(dir, new Dictionary<string, string>
            {
                ["GIT_AUTHOR_NAME"] = an,
                ["GIT_AUTHOR_EMAIL"] = ae,
                ["GIT_AUTHOR_DATE"] = u.Date.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            }, "commit", "-q", "-a", "-m", $"{u.Subject}\n\nUpstream's own account of patch {patch.Number}.\n\n{string.Join('\n', u.Trailers)}");
            ids[patch.Number] = Git(dir, null, "rev-parse", "HEAD").Stdout.Trim();
        }
        // The series' facts, with the ids of this clone.
        var templates = Path.Combine(Repo.TempDir(name + "-templates"), "templates");
        Folders.Copy(Path.Combine(Repo.Root, "templates"), templates);
        var json = File.ReadAllText(Path.Combine(templates, "series.json"));
        foreach (var p in emitted)
            json = json.Replace($"\"{p.Upstream.Id}\"", $"\"{ids[p.Number]}\"", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(templates, "series.json"), json);
        return new Upstream(dir, templates, ids);
    }

    static string DropHunks(string diff, string header)
    {
        var kept = new List<string>();
        var dropping = false;
        var dropped = 0;
        foreach (var line in diff.Split('\n'))
        {
            if (line.StartsWith("@@ ", StringComparison.Ordinal))
            {
                dropping = line.Contains(header, StringComparison.Ordinal);
                dropped += dropping ? 1 : 0;
            }
            else if (line.StartsWith("diff --git ", StringComparison.Ordinal))
                dropping = false;
            if (!dropping)
                kept.Add(line);
        }
        Assert.That(dropped, Is.GreaterThan(0), $"no hunk header contains {header}");
        return string.Join('\n', kept);
    }


    static GenerateResult Generate(string templates, string upstream, string outDir) =>
        new SeriesComposer(SeriesDefinition.Load(templates), Repo.Translation())
            .Generate(new GenerateRequest(Targets.Resolve(Repo.Root, null), outDir, Backporter, null, Targets.WorkRoot(Repo.Root))
            {
                UpstreamDir = upstream,
            });

    [Test]
    public void WithAnUpstreamCloneTheMessageIsUpstreamsAndTheInterdiffIsEmpty()
    {
        var up = MakeUpstream("clean");
        var outDir = Path.Combine(Repo.TempDir("clean-out"), "series");
        var result = Generate(up.Templates, up.Dir, outDir);
        Assert.That(result.Interdiffs.Select(d => d.Number), Is.EqualTo(new[] { 4, 5, 6, 7, 8 }));
        Assert.That(result.Interdiffs.Where(d => !d.Identical).Select(d => $"{d.Number}:\n{d.Text}"), Is.Empty);
        Assert.That(result.Interdiffs.SelectMany(d => d.ExtraFunctions), Is.Empty);
        foreach (var p in result.Patches)
        {
            var text = File.ReadAllText(Path.Combine(outDir, p.FileName));
            Assert.That(text, Does.Contain($"commit {up.Ids[p.Number]} upstream.\n\nUpstream's own account of patch {p.Number}.\n\n"));
            Assert.That(text, Does.Not.Contain("A SCSI READ fills guest memory"), "our own description is not used when upstream's is at hand");
        }
        Assert.That(File.ReadAllText(Directory.GetFiles(outDir, "0000-*").Single()).Replace('\n', ' '), Does.Contain("subject, message and trailers"));
    }

    /// <summary>
    /// Upstream's commit 6 without its hunk in vhost_scsi_complete_cmd_work():
    /// ours touches a function upstream's does not, which no note declares.
    /// </summary>
    [Test]
    public void AHunkInAFunctionUpstreamDidNotTouchFailsUnlessANoteDeclaresIt()
    {
        var up = MakeUpstream("extra", (6, "vhost_scsi_complete_cmd_work("));
        var outDir = Path.Combine(Repo.TempDir("extra-out"), "series");
        var e = Assert.Throws<BackportDeviationException>(() => Generate(up.Templates, up.Dir, outDir))!;
        Assert.That(e.Message, Does.Contain($"patch 6 ({up.Ids[6][..12]}): vhost_scsi_complete_cmd_work() in drivers/vhost/scsi.c"));
        var six = e.Interdiffs.Single(d => d.Number == 6);
        Assert.That(six.Identical, Is.False);
        Assert.That(six.Text, Does.Contain("    ++\t\tvhost_scsi_log_write(cmd->tvc_vq, cmd->tvc_log,"), "the interdiff shows the hunk only ours has");
        Assert.That(Directory.Exists(outDir), Is.False, "nothing is written when the check fails");

        // The same difference, declared by a backporter's note naming the function, is allowed.
        var json = Path.Combine(up.Templates, "series.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace(
            "\"the new functions are generated from VhostLog's models",
            "\"the completion is logged in vhost_scsi_complete_cmd_work() here; the new functions are generated from VhostLog's models",
            StringComparison.Ordinal));
        var result = Generate(up.Templates, up.Dir, outDir);
        Assert.That(result.Interdiffs.Single(d => d.Number == 6).ExtraFunctions, Is.Empty);
        Assert.That(result.Interdiffs.Single(d => d.Number == 6).Identical, Is.False);
    }

    [Test]
    public void FactsThatDisagreeWithTheCloneAreRefusedNamingThem()
    {
        var up = MakeUpstream("facts");
        var json = Path.Combine(up.Templates, "series.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace(
            "Message-Id: <20250403063028.16045-7-dongli.zhang@oracle.com>", "Message-Id: <wrong@example.org>", StringComparison.Ordinal));
        var outDir = Path.Combine(Repo.TempDir("facts-out"), "series");
        var e = Assert.Throws<UsageException>(() => Generate(up.Templates, up.Dir, outDir))!;
        Assert.That(e.Message, Does.Contain("patch 6").And.Contain("trailers").And.Contain("<wrong@example.org>"));
        Assert.That(Directory.Exists(outDir), Is.False);
    }

    [Test]
    public void AnUpstreamThatIsNotACloneIsBadInput()
    {
        var e = Assert.Throws<UsageException>(() => Generate(Path.Combine(Repo.Root, "templates"), Repo.TempDir("not-a-clone"),
            Path.Combine(Repo.TempDir("not-a-clone-out"), "series")))!;
        Assert.That(e.Message, Does.Contain("not a git repository"));
    }

    [Test]
    public void QuiltSeriesHasDep3HeadersAppliesWithQuiltAndVerifies()
    {
        var outDir = Path.Combine(Repo.TempDir("quilt"), "quilt");
        var target = Targets.Resolve(Repo.Root, null);
        new SeriesComposer(Definition, Repo.Translation()).Generate(
            new GenerateRequest(target, outDir, Backporter, null, Targets.WorkRoot(Repo.Root)) { Format = SeriesFormat.Quilt });
        var series = File.ReadAllLines(Path.Combine(outDir, "debian", "patches", "series"));
        var listed = series.Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.That(listed, Has.Count.EqualTo(5).And.All.StartWith("bugfix/all/vhost-scsi-log/"));
        Assert.That(series, Has.Some.StartsWith("# Base: 6.12.117"));
        foreach (var (patch, line) in SeriesFolder.Emitted(Definition, outDir).Zip(listed))
        {
            var text = File.ReadAllText(Path.Combine(outDir, "debian", "patches", line));
            var header = text[..text.IndexOf("\n\n", StringComparison.Ordinal)];
            Assert.That(header, Does.Contain($"From: {patch.Upstream.Author}\n"));
            Assert.That(header, Does.Contain($"Subject: {patch.Subject}\n"));
            Assert.That(header, Does.Match($"Origin: (upstream|backport), https://git.kernel.org/linus/{patch.Upstream.Id}\n"));
            Assert.That(header, Does.EndWith("Forwarded: not-needed"));
            Assert.That(text, Does.Contain($"\n\ncommit {patch.Upstream.Id} upstream.\n\n"));
        }

        // Debian's quilt, as the package build applies it.
        var tree = PristineRepo("quilt-tree");
        var push = ProcessRunner.Run("quilt", ["push", "-a"], tree, new Dictionary<string, string>
        {
            ["QUILT_PATCHES"] = Path.Combine(outDir, "debian", "patches"),
            ["QUILTRC"] = "/dev/null",
        });
        Assert.That(push.Ok, Is.True, push.Output);
        Assert.That(push.Stdout, Does.Contain("Now at patch bugfix/all/vhost-scsi-log/vhost-scsi-log-event-queue-write-descriptors.patch"));

        var report = VerifySession.Run(Repo.Root, target, outDir, boot: false, caches: TestRun.Caches);
        Assert.That(report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Summary}\n{c.Details}"), Is.Empty);
        Assert.That(report.Checks.Single(c => c.Name == VhostLog.Series.Verify.CheckNames.GitAm).Summary, Does.Contain("quilt push"));
    }
}
