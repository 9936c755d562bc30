using NUnit.Framework;
using VhostLog.Chains;
using VhostLog.Cli;
using VhostLog.KernelTree;
using VhostLog.Simulator;

namespace VhostLog.Tests.Chains;

/// <summary>
/// chains --sanitize: the driver built with ASan+UBSan runs the pristine
/// tree clean, and reports what the plain driver's canaries cannot see (a
/// read past the caller's iov array) as a crash of the case, with the
/// sanitizer's report and the case's input.
/// </summary>
public sealed class SanitizedChainsTests
{
    // Broken trees are fresh temporary copies: their drivers are built apart from the CLI's cache.
    static readonly Lazy<string> Builds = new(() => Repo.TempDir("chains-san-builds"));

    static CampaignReport Campaign(string tree, bool sanitize, int cases)
    {
        using var driver = ChainsDriver.Start(Path.Combine(Repo.Root, "harness"), tree, DefaultTree.Debian612.HeadersDir, Builds.Value, sanitize);
        return ChainCampaign.Run(driver, tree, 1, cases);
    }

    /// <summary>
    /// A copy of the pristine tree whose translate_desc(), once the caller's
    /// iov array is full, reads the entry past it (iov[iov_size]) and lets its
    /// value pick the errno. The value read is a canary (non-zero), so the
    /// plain driver answers exactly as for the pristine tree: only a sanitizer
    /// can see the read.
    /// </summary>
    static string TreeReadingPastIov()
    {
        var tree = PatchedTree.Create(Repo.DefaultTreeDir, [], Repo.TempDir("chains-san-oob-read"));
        var vhost = Path.Combine(tree, "drivers", "vhost", "vhost.c");
        var text = File.ReadAllText(vhost);
        const string find = "if (unlikely(ret >= iov_size)) {\n\t\t\tret = -ENOBUFS;";
        Assert.That(text.Split(find).Length, Is.EqualTo(2), "translate_desc()'s bound is in vhost.c once");
        File.WriteAllText(vhost, text.Replace(find, "if (unlikely(ret >= iov_size)) {\n\t\t\tret = iov[ret].iov_len ? -ENOBUFS : -EFAULT;"));
        return tree;
    }

    [Test]
    public void TheSanitizedDriverRunsThePristineTreeClean()
    {
        var report = Campaign(Repo.DefaultTreeDir, sanitize: true, cases: 3000);
        foreach (var f in report.Findings.Take(3))
            TestContext.Out.WriteLine($"{f.Kind} {f.Category} {f.Detail}\n  {f.Input}");
        Assert.That(report.Crashes, Is.Zero, "no sanitizer report on the pristine tree");
        Assert.That(report.Passed, Is.True);
        // The cases that fill the iov (ENOBUFS) are the ones the broken tree below reads past it on.
        Assert.That(report.Categories.Single(c => c.Category == "over-long").ErrnoCounts.GetValueOrDefault("ENOBUFS"), Is.GreaterThan(0));
    }

    [Test]
    public void AReadPastTheIovIsReportedByTheSanitizedDriverOnly()
    {
        var tree = TreeReadingPastIov();
        var plain = Campaign(tree, sanitize: false, cases: 1000);
        Assert.That((plain.Passed, plain.Crashes, plain.Findings.Length), Is.EqualTo((true, 0L, 0)),
            "the plain driver's canaries see writes only: the read goes unnoticed");

        var sanitized = Campaign(tree, sanitize: true, cases: 1000);
        Assert.That(sanitized.Passed, Is.False);
        Assert.That(sanitized.Categories.Single(c => c.Category == "over-long").Crashes, Is.GreaterThan(0));
        Assert.That(sanitized.Categories.Sum(c => c.Cases), Is.EqualTo(1000), "every case is accounted for: the campaign goes on after each report");
        var crash = sanitized.Findings.First(f => f.Kind == "crash");
        TestContext.Out.WriteLine(crash.Detail);
        Assert.That(crash.Detail, Does.Contain("ERROR: AddressSanitizer"), "the report's first lines are kept");
        Assert.That(crash.Detail, Does.Contain("translate_desc"), "with the frame that read");
        Assert.That(crash.Input, Does.StartWith("case "), "with the input of the case");
    }

    /// <summary>
    /// chains --generated --sanitize: the translator's vhost_get_vq_desc()
    /// and get_indirect() over the tree's helpers, built with ASan+UBSan,
    /// answer every case as the model does, without a sanitizer report.
    /// </summary>
    [Test]
    public void TheSanitizedDriverRunsTheGeneratedCClean()
    {
        var source = DescriptorPaths.Generated(Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir, "Baseline",
            Repo.Translation().Translate("Baseline"));
        using var driver = ChainsDriver.Start(Path.Combine(Repo.Root, "harness"), source, Builds.Value, sanitize: true);
        var report = ChainCampaign.Run(driver, "generated-Baseline", 1, 2000, null, new ModelChains(new VhostLog.Models.Baseline()));
        foreach (var f in report.Findings.Take(3))
            TestContext.Out.WriteLine($"{f.Kind} {f.Category} {f.Detail}\n  {f.Input}");
        Assert.That((report.Crashes, report.ModelDivergences), Is.EqualTo((0L, 0L)), "no sanitizer report, no divergence from the model");
        Assert.That(report.Passed, Is.True);
        Assert.That(Commands.Run(["chains", "--generated", "--sanitize", "--cases", "200", "--seed", "3"]), Is.EqualTo(0), "the CLI takes both");
    }

    [Test]
    public void TheCliTakesSanitize()
    {
        Assert.That(Commands.Run(["chains", "--sanitize", "--cases", "300", "--seed", "2"]), Is.EqualTo(0));
    }
}
