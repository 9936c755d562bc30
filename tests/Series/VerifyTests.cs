using NUnit.Framework;
using VhostLog.Series.Verify;
using VhostLog.Sessions;

namespace VhostLog.Tests.Series;

/// <summary>The committed series passes the kernel's own checks, and a broken one does not.</summary>
public sealed class VerifyTests
{
    static string Committed => Path.Combine(Repo.Root, "out", "linux-6.12.117");

    /// <summary>
    /// `make generate` (generate --verify) again: the series passes every
    /// check, and the output, the cover letter's account of the checks
    /// included, is byte for byte what is committed in out/.
    /// </summary>
    [Test]
    public void CommittedSeriesPassesEveryCheckAndMatchesRegeneration()
    {
        var target = Targets.Resolve(Repo.Root, null);
        var fresh = Path.Combine(Repo.TempDir("drift"), "series");
        VerifyReport? report = null;
        var signoff = File.ReadLines(Path.Combine(Repo.Root, "Makefile"))
            .First(l => l.StartsWith("SIGNOFF ?=", StringComparison.Ordinal))["SIGNOFF ?=".Length..].Trim();
        new VhostLog.Series.SeriesComposer(VhostLog.Series.SeriesDefinition.Load(Path.Combine(Repo.Root, "templates")), Repo.Translation())
            .Generate(new VhostLog.Series.GenerateRequest(target, fresh, signoff, null, Targets.WorkRoot(Repo.Root),
                VhostLog.KernelTree.TreeCache.EnsureDefault(Repo.Root, VhostLog.KernelTree.DefaultTree.Debian612))
            {
                Verify = staged =>
                {
                    report = VerifySession.Run(Repo.Root, target, staged, caches: TestRun.Caches);
                    return TestedSummary.From(report, "./vhostlog verify");
                },
            });
        var names = report!.Checks.Select(c => c.Name).ToList();
        Assert.That(names, Is.SupersetOf(new[]
        {
            CheckNames.GitAm, CheckNames.Checkpatch, CheckNames.Kbuild, CheckNames.Sparse,
            CheckNames.KernelDoc, CheckNames.ClangFormat, CheckNames.TreeUnchanged, CheckNames.Equivalence, CheckNames.Boot, CheckNames.LockDiscipline,
        }));
        Assert.That(report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Summary}\n{c.Details}"), Is.Empty);

        var files = Directory.GetFiles(fresh).Select(Path.GetFileName).Order().ToList();
        Assert.That(Directory.GetFiles(Committed).Select(Path.GetFileName).Order().ToList(), Is.EqualTo(files),
            "out/linux-6.12.117 holds other files than a regeneration: run `make generate` and commit out/");
        foreach (var n in files)
            Assert.That(File.ReadAllText(Path.Combine(Committed, n!)), Is.EqualTo(File.ReadAllText(Path.Combine(fresh, n!))),
                $"out/linux-6.12.117/{n} drifted from the models: run `make generate`, review and commit out/ (say why in the message)");
    }

    /// <summary>The series generated for Debian's 6.1 passes the same checks, built against 6.1's own headers.</summary>
    [Test]
    public void Debian61SeriesPassesEveryCheck()
    {
        var target = Targets.Resolve(Repo.Root, Debian61.Target.Dir);
        Assert.That(target.HeadersDir, Is.EqualTo(VhostLog.KernelTree.DefaultTree.Debian61.HeadersDir));
        var report = VerifySession.Run(Repo.Root, target, Debian61.SeriesDir, caches: TestRun.Caches);
        Assert.That(report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Summary}\n{c.Details}"), Is.Empty);
        Assert.That(report.Checks.Select(c => c.Name), Does.Contain(CheckNames.LockDiscipline).And.Contain(CheckNames.Boot));
    }

    [Test]
    public void CheckpatchProblemFailsVerify()
    {
        var dir = CopyOfCommitted("long-line");
        var patch = Directory.GetFiles(dir, "0001-*.patch").Single();
        var text = File.ReadAllText(patch);
        var marker = "Signed-off-by:";
        File.WriteAllText(patch, text.Replace(marker,
            "This line of the commit message is far longer than the seventy-five columns checkpatch allows.\n\n" + marker));
        var report = VerifySession.Run(Repo.Root, Targets.Resolve(Repo.Root, null), dir, boot: false, caches: TestRun.Caches);
        Assert.That(report.Passed, Is.False);
        Assert.That(report.Checks.Single(c => c.Name == CheckNames.Checkpatch).Passed, Is.False);
    }

    [Test]
    public void SeriesThatDoesNotApplyFailsVerify()
    {
        var dir = CopyOfCommitted("no-apply");
        var patch = Directory.GetFiles(dir, "0001-*.patch").Single();
        File.WriteAllText(patch, File.ReadAllText(patch).Replace("-\tBUG();", "-\tBUG_ON(1);"));
        var report = VerifySession.Run(Repo.Root, Targets.Resolve(Repo.Root, null), dir, boot: false, caches: TestRun.Caches);
        Assert.That(report.Checks.Single(c => c.Name == CheckNames.GitAm).Passed, Is.False);
        Assert.That(report.Passed, Is.False);
    }

    /// <summary>
    /// A series that applies, builds and passes checkpatch but counts only half
    /// of each logged length against len (so it logs past it): only the harness
    /// step sees it.
    /// </summary>
    [Test]
    public void PatchedTreeThatDivergesFromTheModelsFailsTheEquivalenceCheck()
    {
        const string consumed = "+\t\t\tlen -= l;";
        var tree = VhostLog.Tests.Equivalence.EquivTests.PatchedTree(text =>
            text.Replace(consumed, "+\t\t\tlen -= l / 2;", StringComparison.Ordinal));
        Assert.That(File.ReadAllText(Path.Combine(tree, "drivers", "vhost", "vhost.c")), Does.Contain("len -= l / 2;"));

        var check = VerifySession.PatchedTreeEquivalence(Repo.Root, Targets.Resolve(Repo.Root, null), tree);

        Assert.That(check.Name, Is.EqualTo(CheckNames.Equivalence));
        Assert.That(check.Passed, Is.False, check.Details);
        Assert.That(check.Details, Does.Contain("divergence in vhost_log_write"));
    }

    static string CopyOfCommitted(string name)
    {
        var dir = Path.Combine(Repo.TempDir(name), "series");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(Committed))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }
}
