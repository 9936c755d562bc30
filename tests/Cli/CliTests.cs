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
}
