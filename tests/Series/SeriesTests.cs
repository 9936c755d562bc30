using System.Security.Cryptography;
using NUnit.Framework;
using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Sessions;

namespace VhostLog.Tests.Series;

public sealed class SeriesTests
{
    /// <summary>The identity `make generate` signs with (Makefile SIGNOFF).</summary>
    static string MakefileSignoff() =>
        File.ReadLines(Path.Combine(Repo.Root, "Makefile"))
            .First(l => l.StartsWith("SIGNOFF ?=", StringComparison.Ordinal))["SIGNOFF ?=".Length..].Trim();

    static GenerateResult Generate(TargetTree tree, string outDir) =>
        new SeriesComposer(SeriesDefinition.Load(Path.Combine(Repo.Root, "templates")), Repo.Translation())
            .Generate(new GenerateRequest(tree, outDir, MakefileSignoff(), null, Targets.WorkRoot(Repo.Root)));

    static TargetTree Default() => Targets.Resolve(Repo.Root, null);

    [Test]
    public void EveryMessageHasMaintainersAndTheStableList()
    {
        var result = Generate(Default(), Path.Combine(Repo.TempDir("recipients"), "series"));
        foreach (var f in Directory.GetFiles(result.SeriesDir))
        {
            var headers = File.ReadAllText(f).Split("\n\n")[0];
            Assert.That(headers, Does.Contain("To: \"Michael S. Tsirkin\" <mst@redhat.com>"), f);
            Assert.That(headers, Does.Contain("virtualization@lists.linux.dev"), f);
            Assert.That(headers, Does.Contain("stable@vger.kernel.org"), f);
        }
    }

    [Test]
    public void SecondVersionSitsBesideTheFirstWithRangeDiff()
    {
        var outDir = Path.Combine(Repo.TempDir("reroll"), "series");
        var composer = new SeriesComposer(SeriesDefinition.Load(Path.Combine(Repo.Root, "templates")), Repo.Translation());
        GenerateRequest Request(int v, string? prefix = null) =>
            new(Default(), outDir, MakefileSignoff(), prefix, Targets.WorkRoot(Repo.Root), Version: v);
        composer.Generate(Request(1, "PATCH"));
        composer.Generate(Request(2));
        var names = Directory.GetFiles(outDir).Select(Path.GetFileName).Order().ToList();
        Assert.That(names, Has.Some.StartsWith("0001-").And.Some.StartsWith("v2-0001-").And.Some.StartsWith("v2-0000-"));
        var cover = File.ReadAllText(Directory.GetFiles(outDir, "v2-0000-*").Single());
        Assert.That(cover, Does.Contain("Changes in v2:"));
        Assert.That(cover, Does.Contain("Range-diff against v1:"));
        Assert.That(cover, Does.Match(@"v2 0/\d+\]"));
        Assert.Throws<UsageException>(() => composer.Generate(Request(4)));
    }

    [Test]
    public void OptInPatchIsLeftOutWithAReasonUnlessAskedFor()
    {
        var dir = Repo.TempDir("optin");
        var composer = new SeriesComposer(SeriesDefinition.Load(Path.Combine(Repo.Root, "templates")), Repo.Translation());
        var without = composer.Generate(new GenerateRequest(Default(), Path.Combine(dir, "a"), MakefileSignoff(), null, Targets.WorkRoot(Repo.Root)));
        Assert.That(without.Patches.Select(p => p.Number), Does.Not.Contain(9));
        Assert.That(File.ReadAllText(Directory.GetFiles(without.SeriesDir, "0000-*").Single()), Does.Contain("--opt-in 9"));
        var with = composer.Generate(new GenerateRequest(Default(), Path.Combine(dir, "b"), MakefileSignoff(), null, Targets.WorkRoot(Repo.Root), OptIn: [9]));
        var last = with.Patches.Single(p => p.Number == 9);
        Assert.That(File.ReadAllText(Path.Combine(with.SeriesDir, last.FileName)), Does.Contain("+\t\t\t\tWARN_ON_ONCE(*log_num >= vq->dev->iov_limit);"));
        Assert.Throws<UsageException>(() => composer.Generate(new GenerateRequest(Default(), Path.Combine(dir, "c"), MakefileSignoff(), null, Targets.WorkRoot(Repo.Root), OptIn: [7])));
    }

    [Test]
    public void CommitMessagesWrapAt75AndCarryTrailers()
    {
        var series = SeriesDefinition.Load(Path.Combine(Repo.Root, "templates"));
        foreach (var p in series.Patches)
        {
            var message = series.CommitMessage(p, MakefileSignoff(), ["a note of the glue's"]);
            // checkpatch lets Fixes: tags and the 40-hex upstream line run long; nothing else may pass 75.
            Assert.That(message.Split('\n').Where(l => l.Length > 75 && !l.StartsWith("Fixes: ", StringComparison.Ordinal)), Is.Empty, $"patch {p.Number}");
            Assert.That(message.Split('\n')[0], Is.EqualTo(p.Upstream.Subject));
            Assert.That(message.TrimEnd().Split('\n')[^1], Is.EqualTo("Signed-off-by: " + MakefileSignoff()), "the backporter signs off last");
            Assert.That(message, Does.Contain(string.Join('\n', p.Upstream.Trailers) + "\n["), $"patch {p.Number}: upstream's trailers, then the notes");
            Assert.That(message, Does.Contain("[ backporter: a note of the glue's ]\n"));
            if (p.Upstream.Id is not null)
                Assert.That(message.Split("\n\n")[1], Is.EqualTo($"commit {p.Upstream.Id} upstream."));
            else
                Assert.That(message, Does.Not.Contain(" upstream.\n"), "a patch never merged names no upstream commit");
        }
    }

    /// <summary>A clean pick (no declared deviation, no glue note) carries no backporter note.</summary>
    [Test]
    public void ACleanPickHasNoBackporterNote()
    {
        var series = SeriesDefinition.Load(Path.Combine(Repo.Root, "templates"));
        var one = series.Patches.Single(p => p.Number == 1);
        Assert.That(one.Deviations, Is.Empty, "patch 1 is glue only: upstream's own change");
        Assert.That(series.CommitMessage(one, MakefileSignoff()), Does.Not.Contain("[ backporter:"));
    }

    [Test]
    public void PatchReplacesOnlyTheChangedFunction()
    {
        var result = Generate(Default(), Path.Combine(Repo.TempDir("only"), "series"));
        var patch = File.ReadAllText(Path.Combine(result.SeriesDir, result.Patches.Single(p => p.Number == 4).FileName));
        var hunks = patch.Split('\n').Where(l => l.StartsWith("@@", StringComparison.Ordinal)).ToList();
        Assert.That(hunks, Has.All.Contains("vhost_log_write").Or.Contains("log_used"));
        Assert.That(patch, Does.Contain("+ * vhost_log_write() - "));
        Assert.That(patch, Does.Contain("-\tBUG();"));
        Assert.That(patch, Does.Contain("+\t\tif (len != U64_MAX)"));
    }

    [Test]
    public void UserTreeIsNotModified()
    {
        var tree = CopyOfDefaultTree("readonly");
        var before = HashTree(tree);
        Generate(new TargetTree(tree, "linux-test", "a test copy", DefaultTree.Debian612.HeadersDir),
            Path.Combine(Repo.TempDir("readonly-out"), "series"));
        Assert.That(HashTree(tree), Is.EqualTo(before));
    }

    [Test]
    public void TreeThatAlreadyHasThePatchIsReportedPresent()
    {
        var tree = CopyOfDefaultTree("present");
        var translation = Repo.Translation();
        var patched = translation.Changes("BroaderLogWrite").Single();
        var vhost = Path.Combine(tree, "drivers", "vhost", "vhost.c");
        var bytes = File.ReadAllBytes(vhost);
        var extent = VhostLog.KernelTree.Clang.CFile.FunctionDefinitions(vhost,
            VhostLog.KernelTree.Clang.CParseOptions.ForKernelTree(tree, DefaultTree.Debian612.HeadersDir)).Single(f => f.Name == "vhost_log_write");
        File.WriteAllBytes(vhost, [.. bytes[..extent.StartOffset], .. System.Text.Encoding.UTF8.GetBytes(patched.Text.TrimEnd('\n')), .. bytes[extent.EndOffset..]]);
        var result = Generate(new TargetTree(tree, "linux-test", "a patched copy", DefaultTree.Debian612.HeadersDir),
            Path.Combine(Repo.TempDir("present-out"), "series"));
        Assert.That(result.Present.Select(p => p.Number), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(result.Patches.Select(p => p.Number), Does.Not.Contain(4));
        var cover = File.ReadAllText(Directory.GetFiles(result.SeriesDir, "0000-*").Single());
        Assert.That(cover, Does.Contain("Already in this tree, not repeated here:").And.Contain("41cff026cff5 (\"vhost: modify vhost_log_write() for broader users\")"));
    }

    [Test]
    public void PatchesOneToThreeAreDetectedAsPresentIn612()
    {
        var result = Generate(Default(), Path.Combine(Repo.TempDir("present-1-3"), "series"));
        Assert.That(result.Present.Select(p => p.Number), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(result.Patches.Select(p => p.Number), Is.EqualTo(new[] { 4, 5, 6, 7, 8 }));
    }

    /// <summary>6.12 as it was before the stable backport of patch 1: no mutex in the completion work.</summary>
    static string TreeWithoutPatchOne(string name)
    {
        var tree = CopyOfDefaultTree(name);
        var scsi = Path.Combine(tree, "drivers", "vhost", "scsi.c");
        var text = File.ReadAllText(scsi);
        var without = text.Replace("\n\tmutex_lock(&svq->vq.mutex);\n\n", "\n").Replace("\n\tmutex_unlock(&svq->vq.mutex);\n\n", "\n");
        Assert.That(without, Is.Not.EqualTo(text), "the 6.12 completion work changed shape");
        File.WriteAllText(scsi, without);
        return tree;
    }

    [Test]
    public void TreeWithoutPatchOneGetsTheMutexFromTheGlue()
    {
        var tree = TreeWithoutPatchOne("no-patch-1");
        var result = Generate(new TargetTree(tree, "linux-test", "a tree without patch 1", DefaultTree.Debian612.HeadersDir),
            Path.Combine(Repo.TempDir("no-patch-1-out"), "series"));
        Assert.That(result.Present.Select(p => p.Number), Is.EqualTo(new[] { 2, 3 }));
        var patch = File.ReadAllText(Path.Combine(result.SeriesDir, result.Patches.Single(p => p.Number == 1).FileName));
        Assert.That(patch, Does.Contain("\tllnode = llist_del_all(&svq->completion_list);\n+\tmutex_lock(&svq->vq.mutex);\n"));
        Assert.That(patch, Does.Contain("+\tmutex_unlock(&svq->vq.mutex);\n"));
        Assert.That(patch.Split('\n').Count(l => l.StartsWith('+') && !l.StartsWith("+++")), Is.EqualTo(2));
    }

    [Test]
    public void TreeWithoutPatchOneInAShapeTheGlueDoesNotFitFailsNamingIt()
    {
        var tree = TreeWithoutPatchOne("no-patch-1-shape");
        var scsi = Path.Combine(tree, "drivers", "vhost", "scsi.c");
        File.WriteAllText(scsi, File.ReadAllText(scsi).Replace("llnode = llist_del_all(&svq->completion_list);",
            "llnode = llist_reverse_order(llist_del_all(&svq->completion_list));"));
        var outDir = Path.Combine(Repo.TempDir("no-patch-1-shape-out"), "series");
        var e = Assert.Throws<UsageException>(() => Generate(
            new TargetTree(tree, "linux-test", "a tree without patch 1", DefaultTree.Debian612.HeadersDir), outDir))!;
        Assert.That(e.Message, Does.StartWith("patch 1: glue/01-complete-work-mutex.cocci rule(s) ").And.Contain(tree)
            .And.Contain("drivers/vhost/scsi.c"));
        Assert.That(Directory.Exists(outDir), Is.False, "no partial output is left behind");
    }

    /// <summary>
    /// A glue file whose rules fit the tree only in part would leave a
    /// half-wired patch that still builds: here the TMF release neither
    /// frees the TMF (6.12) nor pools it (6.1), so neither way of freeing
    /// its log applies.
    /// </summary>
    [Test]
    public void GlueThatFitsOnlyInPartFailsNamingTheRule()
    {
        var tree = CopyOfDefaultTree("glue-in-part");
        var scsi = Path.Combine(tree, "drivers", "vhost", "scsi.c");
        var text = File.ReadAllText(scsi);
        File.WriteAllText(scsi, text.Replace("\tkfree(tmf);\n\tvhost_scsi_put_inflight(inflight);", "\tkvfree(tmf);\n\tvhost_scsi_put_inflight(inflight);"));
        Assert.That(File.ReadAllText(scsi), Is.Not.EqualTo(text));
        var outDir = Path.Combine(Repo.TempDir("glue-in-part-out"), "series");
        var e = Assert.Throws<UsageException>(() => Generate(
            new TargetTree(tree, "linux-test", "a tree the glue fits in part", DefaultTree.Debian612.HeadersDir), outDir))!;
        Assert.That(e.Message, Does.StartWith("patch 7: glue/07-ctl-queue-log.cocci rule(s) tmf_release_pools changed nothing")
            .And.Contain(tree));
        Assert.That(Directory.Exists(outDir), Is.False, "no partial output is left behind");
    }

    [Test]
    public void GlueRulesThatChangedNothingAreFoundFromSpatchDebugOutput()
    {
        string[] cocci =
        [
            "@ context_only @", "@@", " f(...)", "",
            "@ adds depends on context_only @", "@@", " f(...) {", "+ g();", " }", "",
            "@@", "@@", "- h();", "",
            "@ script:python s @", "x;", "@@", "coccinelle.x = \"-y\"",
        ];
        Assert.That(GlueRules.Transforming(cocci), Is.EqualTo(new[] { "adds", "rule starting on line 11" }));
        var debug = string.Join('\n',
            "dependencies for rule context_only satisfied:", "     transformation info is empty",
            "dependencies for rule adds satisfied:", "     transformation info returned:",
            "dependencies for rule rule starting on line 11 satisfied:", "     transformation info is empty");
        Assert.That(GlueRules.Missed(cocci, debug), Is.EqualTo(new[] { "rule starting on line 11" }));
        Assert.That(GlueRules.Missed(cocci, debug.Replace("adds satisfied", "adds not satisfied")
            .Replace("line 11 satisfied:\n     transformation info is empty", "line 11 satisfied:\n     transformation info returned:")), Is.Empty);
    }

    /// <summary>
    /// 6.12 with vhost_scsi_send_status() as it was before patch 3 (the
    /// model's BeforeFixes form, and the caller passing head and out).
    /// </summary>
    [Test]
    public void TreeLackingPatchThreeGetsItFromTheModel()
    {
        var tree = CopyOfDefaultTree("no-patch-3");
        var scsi = Path.Combine(tree, "drivers", "vhost", "scsi.c");
        var translation = Repo.Translation();
        var old = translation.Translate("BeforeFixes").Single(f => f.Name == "vhost_scsi_send_status").Text.TrimEnd('\n');
        var bytes = File.ReadAllBytes(scsi);
        var extent = VhostLog.KernelTree.Clang.CFile.FunctionDefinitions(scsi,
            VhostLog.KernelTree.Clang.CParseOptions.ForKernelTree(tree, DefaultTree.Debian612.HeadersDir)).Single(f => f.Name == "vhost_scsi_send_status");
        var text = System.Text.Encoding.UTF8.GetString([.. bytes[..extent.StartOffset], .. System.Text.Encoding.UTF8.GetBytes(old), .. bytes[extent.EndOffset..]]);
        var caller = "vhost_scsi_send_status(vs, vq, &vc,";
        Assert.That(text, Does.Contain(caller));
        File.WriteAllText(scsi, text.Replace(caller, "vhost_scsi_send_status(vs, vq, vc.head, vc.out,"));

        var result = Generate(new TargetTree(tree, "linux-test", "a tree without patch 3", DefaultTree.Debian612.HeadersDir),
            Path.Combine(Repo.TempDir("no-patch-3-out"), "series"));
        Assert.That(result.Present.Select(p => p.Number), Is.EqualTo(new[] { 1, 2 }));
        var patch = File.ReadAllText(Path.Combine(result.SeriesDir, result.Patches.Single(p => p.Number == 3).FileName));
        Assert.That(patch, Does.Contain("-\tret = __copy_to_user(resp, &rsp, sizeof(rsp));"));
        Assert.That(patch, Does.Contain("+\tret = copy_to_iter(&rsp, sizeof(rsp), &iov_iter);"));
        Assert.That(patch, Does.Contain("+\t\t\tvhost_scsi_send_status(vs, vq, &vc,"));
        Assert.That(patch, Does.Contain("Fixes: 3ca51662f818"));
    }

    /// <summary>
    /// Debian's 6.1 lacks patch 2 (generated from the model, callers by
    /// glue), has no vhost_scsi_send_status() (patch 3 not applicable) and
    /// carries patch 1 in 6.1.y's own form (each command's queue locked in
    /// its per-device completion work); the logging patches adapt to its
    /// older shapes and say how, each in a backporter note.
    /// </summary>
    [Test]
    public void Debian61GetsPatchTwoGeneratedOnePresentInItsOwnFormAndThreeNotApplicable()
    {
        var dir = TreeCache.EnsureDefault(Repo.Root, DefaultTree.Debian61);
        var tree = new TargetTree(dir, DefaultTree.Debian61.Name, "Debian 6.1", DefaultTree.Debian61.HeadersDir);
        var result = Generate(tree, Path.Combine(Repo.TempDir("debian-6.1"), "series"));
        Assert.That(result.Patches.Select(p => p.Number), Is.EqualTo(new[] { 2, 4, 5, 6, 7, 8 }));
        Assert.That(result.Present.Select(p => p.Number), Is.EqualTo(new[] { 1 }));
        Assert.That(result.PresentForms[1], Does.Contain("6.1.y's own form"));
        Assert.That(result.NotApplicable.Select(p => p.Patch.Number), Is.EqualTo(new[] { 3 }));
        Assert.That(result.NotApplicable.Single(p => p.Patch.Number == 3).Why, Does.Contain("no vhost_scsi_send_status()"));
        string Patch(int n) => File.ReadAllText(Path.Combine(result.SeriesDir, result.Patches.Single(p => p.Number == n).FileName));

        var two = Patch(2);
        Assert.That(two, Does.Contain("-\tret = __copy_to_user(resp, &rsp, sizeof(rsp));"));
        Assert.That(two, Does.Contain("+\tret = copy_to_iter(&rsp, rsp_size, &iov_iter);"));
        Assert.That(two, Does.Contain("+\t\t\tvhost_scsi_send_bad_target(vs, vq, &vc, TYPE_IO_CMD);"));
        Assert.That(two, Does.Contain("+\t\t\t\t\t\t   v_req.type == VIRTIO_SCSI_T_TMF ?\n"));
        Assert.That(two, Does.Contain("+#define TYPE_CTRL_AN"));
        Assert.That(two, Does.Contain("Fixes: 664ed90e621c"));
        Assert.That(two, Does.Contain("Subject: [PATCH 6.1.y 1/6] vhost-scsi: Fix vhost_scsi_send_bad_target()"), "posted for the 6.1 stable branch");
        Assert.That(System.Text.RegularExpressions.Regex.Matches(two, @"\[ backporter:").Count, Is.EqualTo(1), "patch 2 is upstream's change in this tree: only its declared deviation");
        Assert.That(two.Replace('\n', ' '), Does.Contain("[ backporter: vhost_scsi_send_bad_target() is generated from VhostLog's model"));
        Assert.That(Patch(4), Does.Contain("+\t\teventfd_signal(vq->log_ctx, 1);"));
        Assert.That(Patch(4), Does.Contain("[ backporter: eventfd_signal() still takes the count"));

        // 6.1: the completion log under the command's vq->mutex; a failed
        // log allocation keeps ret at -EIO so that the request is answered.
        var six = Patch(6);
        Assert.That(six, Does.Contain("+\t\tmutex_lock(&cmd->tvc_vq->mutex);\n+\t\tvhost_scsi_log_write(cmd->tvc_vq, cmd->tvc_log,\n" +
                                      "+\t\t\t\t     cmd->tvc_log_num);\n+\t\tmutex_unlock(&cmd->tvc_vq->mutex);"));
        Assert.That(six, Does.Not.Contain("ret = vhost_scsi_copy_cmd_log("));
        Assert.That(six, Does.Contain("+\t\t\tif (vhost_scsi_copy_cmd_log(vq, cmd, vq_log, log_num)) {"));
        Assert.That(six, Does.Contain("+\t\tif (ret == -EIO)\n+\t\t\tvhost_scsi_log_write(vq, vq_log, log_num);"));
        Assert.That(six, Does.Contain("[ backporter: this tree serves every queue from one completion work"));
        Assert.That(six, Does.Contain("[ backporter: this tree has no TASK SET FULL answer"));
        Assert.That(six.LastIndexOf("[ backporter:", StringComparison.Ordinal), Is.LessThan(six.LastIndexOf("Signed-off-by:", StringComparison.Ordinal)).And.GreaterThan(six.IndexOf("Signed-off-by: Michael S. Tsirkin", StringComparison.Ordinal)),
            "notes come after upstream's trailers, before the backporter's sign-off");
        Assert.That(Patch(7), Does.Contain("+\tkfree(tmf->tmf_log);\n+\ttmf->tmf_log = NULL;"));

        var cover = File.ReadAllText(Directory.GetFiles(result.SeriesDir, "0000-*").Single());
        Assert.That(cover, Does.Contain("Already in this tree, not repeated here:"));
        Assert.That(cover.Replace("\n    ", " "), Does.Contain("f591cf9fce72 (\"vhost-scsi: protect vq->log_used with vq->mutex\"), in 6.1.y as 59614c5acf66 (6.1.146), in 6.1.y's own form"));
        Assert.That(cover, Does.Contain("Not applicable to this tree, left out:"));
        Assert.That(cover, Does.Contain("58465d86071b (\"vhost-scsi: Fix vhost_scsi_send_status()\")").And.Contain("3ca51662f818"));
    }

    [Test]
    public void MissingAnchorFailsWithFunctionAndTree()
    {
        var tree = CopyOfDefaultTree("anchor");
        var vhost = Path.Combine(tree, "drivers", "vhost", "vhost.c");
        File.WriteAllText(vhost, File.ReadAllText(vhost).Replace("int vhost_log_write(", "int vhost_log_write_renamed("));
        var outDir = Path.Combine(Repo.TempDir("anchor-out"), "series");
        var e = Assert.Throws<UsageException>(() => Generate(
            new TargetTree(tree, "linux-test", "a broken copy", DefaultTree.Debian612.HeadersDir), outDir))!;
        Assert.That(e.Message, Does.Contain("vhost_log_write()").And.Contain(tree).And.Contain("drivers/vhost/vhost.c"));
        Assert.That(Directory.Exists(outDir), Is.False, "no partial output is left behind");
    }

    internal static string CopyOfDefaultTree(string name)
    {
        var dir = Repo.TempDir(name);
        var vhost = Path.Combine(dir, "drivers", "vhost");
        Directory.CreateDirectory(vhost);
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.DefaultTreeDir, "drivers", "vhost")))
            File.Copy(f, Path.Combine(vhost, Path.GetFileName(f)));
        File.Copy(Path.Combine(Repo.DefaultTreeDir, "Makefile"), Path.Combine(dir, "Makefile"));
        return dir;
    }

    static string HashTree(string dir) =>
        Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n",
            Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(f => f + ":" + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))
                             + ":" + File.GetLastWriteTimeUtc(f).Ticks)))));
}
