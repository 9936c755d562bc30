using NUnit.Framework;
using VhostLog.Cli;

namespace VhostLog.Tests.Cli;

public sealed class CliTests
{
    [Test]
    public void UnknownOptionIsUsageError() =>
        Assert.That(Commands.Run(["generate", "--no-such-option"]), Is.EqualTo(2));

    [Test]
    public void MissingTreeIsUsageError() =>
        Assert.That(Commands.Run(["generate", "--tree", "/nonexistent/tree", "--signoff", "A <a@b.c>"]), Is.EqualTo(2));

    [Test]
    public void MalformedSignoffIsUsageError() =>
        Assert.That(Commands.Run(["generate", "--signoff", "no email here", "--out", Path.Combine(Repo.TempDir("cli"), "s")]), Is.EqualTo(2));

    [TestCase("generate")]
    [TestCase("translate")]
    public void EveryCommandHasHelp(string command) =>
        Assert.That(Commands.Run([command, "--help"]), Is.EqualTo(0));

    /// <summary>A tree without include/linux/vhost_iotlb.h is bad input: exit 2 and a message, not an unhandled exception.</summary>
    [NonParallelizable] // sets Console.Error (or PATH) for the whole process
    [Test]
    public void EquivOnATreeWithoutVhostIotlbHIsUsageError()
    {
        var tree = System.IO.Path.Combine(Repo.TempDir("no-iotlb"), "tree");
        VhostLog.KernelTree.Folders.Copy(Repo.DefaultTreeDir, tree);
        File.Delete(System.IO.Path.Combine(tree, "include", "linux", "vhost_iotlb.h"));
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.That(Commands.Run(["equiv", "--tree", tree, "--cases", "10", "--function", "log_write"]), Is.EqualTo(2));
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.That(error.ToString(), Does.Contain("has no include/linux/vhost_iotlb.h").And.Contain("pass the top of a complete kernel source tree"));
    }

    /// <summary>The last resort: an exception nothing handled is reported as a bug of ours, with the command, exit 70, no stack trace on the terminal.</summary>
    [NonParallelizable] // sets Console.Error (or PATH) for the whole process
    [Test]
    public void AnUnhandledExceptionIsAnInternalErrorWithTheCommandToReproduce()
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        int status;
        try
        {
            status = Commands.InternalError(new InvalidOperationException("an invariant broke"), ["equiv", "--tree", "/some tree"]);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.That(status, Is.EqualTo(Commands.InternalErrorExit));
        var text = error.ToString();
        Assert.That(text, Does.Contain("internal error, a bug in VhostLog").And.Contain("an invariant broke"));
        Assert.That(text, Does.Contain("reproduce with: ./vhostlog equiv --tree '/some tree'"));
        Assert.That(text, Does.Not.Contain("   at "), "no stack trace on the terminal");
        var trace = text.Split("stack trace: ")[1].Trim();
        Assert.That(File.ReadAllText(trace), Does.Contain("InvalidOperationException"));
    }
}
