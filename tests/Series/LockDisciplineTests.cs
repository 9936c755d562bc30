using NUnit.Framework;
using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Series.Verify;
using VhostLog.Simulator;

namespace VhostLog.Tests.Series;

/// <summary>
/// The static lock-discipline check (templates/checks/lock-discipline.*):
/// upstream's form and both generated series pass, the pristine trees pass,
/// and a series that writes a log outside the virtqueue mutex fails with
/// the place and the path.
/// </summary>
public sealed class LockDisciplineTests
{
    static string ChecksDir => Path.Combine(Repo.Root, "templates", "checks");

    static string Committed => Path.Combine(Repo.Root, "out", "linux-6.12.117");

    static string LockMutant(string name) => Path.Combine(Repo.Root, "tests", "Series", "lock-mutants", name + ".patch");

    static (string Tree, IReadOnlyList<string> Patches) Debian61Series => (Tests.Debian61.Target.Dir, PatchedTree.Patches(Tests.Debian61.SeriesDir));

    static IReadOnlyList<LockViolation> Analyse(string tree, IEnumerable<string> patches, string? checksDir = null) =>
        LockDisciplineCheck.Analyse(checksDir ?? ChecksDir, PatchedTree.Create(tree, [.. patches], Repo.TempDir("lock")));

    [Test]
    public void PristineTreesPass()
    {
        Assert.That(LockDisciplineCheck.Analyse(ChecksDir, Repo.DefaultTreeDir), Is.Empty);
        Assert.That(LockDisciplineCheck.Analyse(ChecksDir, Debian61Series.Tree), Is.Empty);
    }

    [Test]
    public void TheCommittedSeriesPasses() =>
        Assert.That(Analyse(Repo.DefaultTreeDir, PatchedTree.Patches(Committed)).Select(v => v.Path), Is.Empty);

    [Test]
    public void TheGenerated61SeriesPasses() =>
        Assert.That(Analyse(Debian61Series.Tree, Debian61Series.Patches).Select(v => v.Path), Is.Empty);

    /// <summary>An earlier 6.1 series, which logged after the per-command mutex_unlock().</summary>
    [Test]
    public void The61SeriesThatLoggedOutsideTheLockFails()
    {
        var v = Analyse(Debian61Series.Tree, [.. Debian61Series.Patches, LockMutant("6.1-completion-log-outside-lock")]);
        Assert.That(v, Is.Not.Empty);
        var first = v.First(x => x.What == "call to vhost_scsi_log_write()");
        Assert.That(first.File, Is.EqualTo("drivers/vhost/scsi.c"));
        Assert.That(first.Function, Is.EqualTo("vhost_scsi_complete_cmd_work"));
        Assert.That(first.Path, Does.Contain("vhost_scsi_log_write()").And.Contain("vhost_log_write()"));
        Assert.That(v.Any(x => x.Path.Contains("releases a virtqueue mutex", StringComparison.Ordinal)), Is.True, "the path after the unlock is named");
    }

    [Test]
    public void A612TmfLogAfterTheUnlockFails()
    {
        var v = Analyse(Repo.DefaultTreeDir, [.. PatchedTree.Patches(Committed), LockMutant("6.12-tmf-log-after-unlock")]);
        Assert.That(v.Select(x => x.Function), Does.Contain("vhost_scsi_tmf_resp_work"));
    }

    /// <summary>The exemptions are not decoration: without them, upstream's own teardown and TMF release would be reported.</summary>
    [Test]
    public void WithoutTheExemptionsTeardownAndTmfReleaseAreReported()
    {
        var dir = Repo.TempDir("lock-rules");
        File.Copy(Path.Combine(ChecksDir, "lock-discipline.cocci"), Path.Combine(dir, "lock-discipline.cocci"));
        var json = File.ReadAllText(Path.Combine(ChecksDir, "lock-discipline.json"));
        File.WriteAllText(Path.Combine(dir, "lock-discipline.json"),
            json[..json.IndexOf("\"exempt\"", StringComparison.Ordinal)] + "\"exempt\": []\n}\n");
        var v = Analyse(Repo.DefaultTreeDir, PatchedTree.Patches(Committed), dir);
        Assert.That(v.Select(x => x.Function), Does.Contain("vhost_scsi_tmf_resp_work").And.Contain("vhost_scsi_clear_endpoint"));
    }
}
