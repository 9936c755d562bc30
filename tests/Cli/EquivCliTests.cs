using NUnit.Framework;
using VhostLog.Cli;

namespace VhostLog.Tests.Cli;

/// <summary>equiv's exit status: 0 equivalent, 1 divergence (reproducer saved), 2 bad usage.</summary>
public sealed class EquivCliTests
{
    [Test]
    public void EquivalentIsZero() =>
        Assert.That(Commands.Run(["equiv", "--generated", "--cases", "300", "--seed", "5"]), Is.EqualTo(0));

    [Test]
    public void DivergenceIsOneAndSavesTheMinimisedInput()
    {
        var dir = Repo.TempDir("equiv-cli");
        var json = Path.Combine(dir, "report.json");
        var junit = Path.Combine(dir, "report.xml");
        var code = Commands.Run(["equiv", "--semantics", "after", "--function", "vhost_log_write", "--cases", "300",
            "--save-dir", dir, "--json", json, "--junit", junit]);
        Assert.That(code, Is.EqualTo(1));
        var saved = Directory.GetFiles(dir, "tree-linux-6.12.117-after-vhost_log_write-*.json");
        Assert.That(saved, Has.Length.EqualTo(1));
        Assert.That(File.ReadAllText(saved[0]), Does.Contain("\"outcome\": \"Bug\""));
        Assert.That(File.ReadAllText(json), Does.Contain("\"equivalent\": false"));
        Assert.That(File.ReadAllText(junit), Does.Contain("<failure"));
    }

    [TestCase("--tree", "/nonexistent")]
    [TestCase("--shard", "3/2")]
    [TestCase("--cases", "0")]
    [TestCase("--semantics", "sideways")]
    [TestCase("--function", "no_such_function")]
    public void BadUsageIsTwo(string option, string value) =>
        Assert.That(Commands.Run(["equiv", option, value]), Is.EqualTo(2));

    [Test]
    public void TreeAndGeneratedTogetherIsTwo() =>
        Assert.That(Commands.Run(["equiv", "--generated", "--tree", Repo.DefaultTreeDir]), Is.EqualTo(2));

    [TestCase("equiv")]
    [TestCase("verify")]
    public void HelpIsZero(string command) =>
        Assert.That(Commands.Run([command, "--help"]), Is.EqualTo(0));
}
