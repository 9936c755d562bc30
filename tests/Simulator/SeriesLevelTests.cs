using System.Diagnostics;
using NUnit.Framework;
using VhostLog.Cli;
using VhostLog.KernelTree;
using VhostLog.Simulator;

namespace VhostLog.Tests.Simulator;

/// <summary>
/// The series level of a tree is what the series' own probes say (patches
/// 4, 5, 8) and the functions the patches add (6, 7): each probe answers
/// yes on the series, no on the tree as shipped, and no on a tree that has
/// the patch's words but not its code, which text sniffing took for the patch.
/// </summary>
public sealed class SeriesLevelTests
{
    static string Series612 => Path.Combine(Repo.Root, "out", "linux-6.12.117");

    static readonly Lazy<string> Patched = new(() =>
        PatchedTree.Create(Repo.DefaultTreeDir, PatchedTree.Patches(Series612), Repo.TempDir("series-level")));

    static int Level(string tree, string headersDir) =>
        RequestPathSources.FromTree(tree, headersDir, Repo.Probes, Path.Combine(Repo.Root, "harness")).Glue;

    static int Level612(string tree) => Level(tree, DefaultTree.Debian612.HeadersDir);

    /// <summary>A copy of the pristine 6.12 tree with one edit to a drivers/vhost file, inside the named function.</summary>
    static string EditedPristine(string name, string file, string function, string find, string replace)
    {
        var tree = PatchedTree.Create(Repo.DefaultTreeDir, [], Repo.TempDir(name));
        var path = Path.Combine(tree, "drivers", "vhost", file);
        var text = File.ReadAllText(path);
        var start = text.IndexOf("\n" + function + "(", StringComparison.Ordinal);
        var at = text.IndexOf(find, start, StringComparison.Ordinal);
        Assert.That(start, Is.Not.EqualTo(-1), $"{function}() is in {file}");
        Assert.That(at, Is.GreaterThan(start).And.LessThan(text.IndexOf("\n}\n", start, StringComparison.Ordinal)),
            $"the anchor is inside {function}()");
        File.WriteAllText(path, text[..at] + replace + text[(at + find.Length)..]);
        return tree;
    }

    /// <summary>The function's definition in a file, from its name to its closing brace (what text sniffing read).</summary>
    static string FunctionText(string tree, string file, string function)
    {
        var text = File.ReadAllText(Path.Combine(tree, "drivers", "vhost", file));
        var start = text.IndexOf("\n" + function + "(", StringComparison.Ordinal);
        return text[start..text.IndexOf("\n}\n", start, StringComparison.Ordinal)];
    }

    [TestCase(4)]
    [TestCase(5)]
    [TestCase(8)]
    public void EachProbeSaysNoOnThePristineTreeAndYesWithTheSeries(int patch)
    {
        Assert.That(Repo.Probes.Has(patch, Repo.DefaultTreeDir), Is.False, "linux-6.12.117 as shipped");
        Assert.That(Repo.Probes.Has(patch, Patched.Value), Is.True, "linux-6.12.117 with out/linux-6.12.117 applied");
    }

    [Test]
    public void ThePristineTreeIsLevelZeroAndThePatchedTreeLevelEight()
    {
        Assert.That(Level612(Repo.DefaultTreeDir), Is.EqualTo(0));
        Assert.That(Level612(Patched.Value), Is.EqualTo(8));
    }

    /// <summary>The series' patches 4 .. 8 are its mails 1 .. 5 for 6.12: applied in part, the level is the last one applied.</summary>
    [Test]
    public void TheSeriesAppliedInPartGivesTheLevelOfItsLastPatch()
    {
        var patches = PatchedTree.Patches(Series612);
        Assert.That(patches, Has.Count.EqualTo(5), "out/linux-6.12.117 holds patches 4 .. 8");
        var levels = Enumerable.Range(1, 5)
            .Select(n => Level612(PatchedTree.Create(Repo.DefaultTreeDir, [.. patches.Take(n)], Repo.TempDir($"series-level-{n}"))))
            .ToList();
        Assert.That(levels, Is.EqualTo(new[] { 4, 5, 6, 7, 8 }));
    }

    /// <summary>"U64_MAX" in a comment of vhost_log_write() is not patch 4 (text sniffing said it was).</summary>
    [Test]
    public void AU64MaxInACommentIsNotPatchFour()
    {
        var tree = EditedPristine("series-level-4-comment", "vhost.c", "int vhost_log_write", "\t/* Make sure data written is seen before log. */\n",
            "\t/* Make sure data written is seen before log. Patch 4 makes len == U64_MAX log it all. */\n");
        Assert.That(FunctionText(tree, "vhost.c", "int vhost_log_write"), Does.Contain("U64_MAX"), "the words are in the function");
        Assert.That(Repo.Probes.Has(4, tree), Is.False);
        Assert.That(Level612(tree), Is.EqualTo(0));
    }

    /// <summary>
    /// A vhost_scsi_get_desc() with patch 5's parameters that still passes
    /// NULL to vhost_get_vq_desc() does not log: the probe says so, and the
    /// simulator refuses the shape (counting parameters took it for patch 5).
    /// </summary>
    [Test]
    public void GetDescWithTheLogParametersButNoLoggingIsNotPatchFive()
    {
        var tree = EditedPristine("series-level-5-unused", "scsi.c", "vhost_scsi_get_desc", "\t\t    struct vhost_scsi_ctx *vc)\n",
            "\t\t    struct vhost_scsi_ctx *vc, struct vhost_log *log,\n\t\t    unsigned int *log_num)\n");
        Assert.That(Repo.Probes.Has(5, tree), Is.False);
        var e = Assert.Throws<UsageException>(() => Level612(tree))!;
        Assert.That(e.Message, Does.Contain("takes 5 arguments but does not pass its log").And.Contain("05-get-desc-log-args.cocci"));
    }

    /// <summary>"vhost_scsi_log_write(" in a comment of the event work is not patch 8 (text sniffing said it was, then refused a patch 8 without 7).</summary>
    [Test]
    public void ALogWriteInACommentOfTheEventWorkIsNotPatchEight()
    {
        var tree = EditedPristine("series-level-8-comment", "scsi.c", "vhost_scsi_do_evt_work", "\tif (!vhost_vq_get_backend(vq)) {\n",
            "\t/* Patch 8 calls vhost_scsi_log_write(vq, vq_log, log_num) at the end. */\n\tif (!vhost_vq_get_backend(vq)) {\n");
        Assert.That(FunctionText(tree, "scsi.c", "vhost_scsi_do_evt_work"), Does.Contain("vhost_scsi_log_write("), "the words are in the function");
        Assert.That(Repo.Probes.Has(8, tree), Is.False);
        Assert.That(Level612(tree), Is.EqualTo(0));
    }

    /// <summary>Debian's 6.1 as shipped, and with the series VhostLog generates for it, keep the levels they had.</summary>
    [Test]
    public void The61TreeIsLevelZeroAndEightWithItsSeries()
    {
        Assert.That(Level(Debian61.Target.Dir, DefaultTree.Debian61.HeadersDir), Is.EqualTo(0));
        var patched = PatchedTree.Create(Debian61.Target.Dir, PatchedTree.Patches(Debian61.SeriesDir), Repo.TempDir("series-level-61"));
        Assert.That(Level(patched, DefaultTree.Debian61.HeadersDir), Is.EqualTo(8));
    }

    [Test]
    public void AProbeThatDoesNotParseIsAUsageErrorNamingIt()
    {
        var dir = Repo.TempDir("series-level-bad-probe");
        var probe = Path.Combine(dir, "broken.cocci");
        File.WriteAllText(probe, "@ present @\n@@\n vhost_log_write(...\n");
        var spatch = new Spatch(Path.Combine(Repo.Root, "templates", "glue", "macros.h"));
        var e = Assert.Throws<UsageException>(() => spatch.Matches(probe, "drivers/vhost/vhost.c", Repo.DefaultTreeDir))!;
        Assert.That(e.Message, Does.Contain("broken.cocci").And.Contain("vhost.c"));
    }

    /// <summary>A probe asked again of the same file is answered from the runner's cache, not by spatch.</summary>
    [Test]
    public void AProbeAskedTwiceOfTheSameFileRunsOnce()
    {
        var spatch = new Spatch(Path.Combine(Repo.Root, "templates", "glue", "macros.h"));
        var probe = Path.Combine(Repo.Root, "templates", "probes", "04-log-write-whole-range.cocci");
        var first = Stopwatch.StartNew();
        var answer = spatch.Matches(probe, "drivers/vhost/vhost.c", Patched.Value);
        first.Stop();
        var again = Stopwatch.StartNew();
        Assert.That(spatch.Matches(probe, "drivers/vhost/vhost.c", Patched.Value), Is.EqualTo(answer).And.True);
        again.Stop();
        TestContext.Out.WriteLine($"spatch 04-log-write-whole-range.cocci on vhost.c: {first.Elapsed.TotalSeconds:0.00} s; cached: {again.Elapsed.TotalMilliseconds:0.0} ms");
        Assert.That(again.Elapsed, Is.LessThan(first.Elapsed / 5), "the second answer is the cached one");
    }

    /// <summary>Without spatch the native engine cannot tell the level: exit 2, naming the package.</summary>
    [NonParallelizable] // sets Console.Error (or PATH) for the whole process
    [Test]
    public void WithoutSpatchTheNativeEngineIsTwoNamingThePackage()
    {
        var tree = PatchedTree.Create(Repo.DefaultTreeDir, [], Repo.TempDir("series-level-nospatch"));
        var empty = Repo.TempDir("series-level-nospatch-path");
        var error = new StringWriter();
        var (savedPath, savedError) = (Environment.GetEnvironmentVariable("PATH"), Console.Error);
        Environment.SetEnvironmentVariable("PATH", empty); // a folder without spatch
        Console.SetError(error);
        int code;
        try
        {
            code = Commands.Run(["simulate", "--engine", "native", "--tree", tree, "--requests", "10"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", savedPath);
            Console.SetError(savedError);
        }
        Assert.That(code, Is.EqualTo(2), error.ToString());
        Assert.That(error.ToString(), Does.Contain("spatch").And.Contain("coccinelle"));
    }
}
