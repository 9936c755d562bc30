using System.Diagnostics;
using NUnit.Framework;

namespace VhostLog.Tests.Cli;

/// <summary>
/// The CLI ships as a .NET tool: the package packs, installs into a tool
/// folder from a local source alone, and the installed command runs.
/// </summary>
public sealed class ToolPackageTests
{
    [Test]
    public void PacksInstallsAndRuns()
    {
        var dir = Repo.TempDir("tool");
        var packages = Path.Combine(dir, "pkg");
        var tools = Path.Combine(dir, "tool");
        // Only the freshly packed package: the test must not depend on (or wait for) a remote feed.
        var config = Path.Combine(dir, "nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{packages}" />
              </packageSources>
            </configuration>
            """);

        try
        {
            PackInstallAndRun(packages, tools, config, dir);
        }
        finally
        {
            // An installed tool is tens of MB; nothing in it is needed to diagnose a failure.
            Directory.Delete(dir, recursive: true);
        }
    }

    static void PackInstallAndRun(string packages, string tools, string config, string dir)
    {
        // The test run built the CLI in Release already; packing reuses that build.
        Run("dotnet", ["pack", Path.Combine(Repo.Root, "generator", "Cli", "VhostLog.Cli.csproj"), "-c", "Release", "--no-build",
            "-o", packages, "-nologo", "-v", "q"], Repo.Root);
        Assert.That(Directory.GetFiles(packages, "VhostLog.Cli.*.nupkg"), Has.Length.EqualTo(1));

        Run("dotnet", ["tool", "install", "--tool-path", tools, "--configfile", config, "VhostLog.Cli"], dir);
        var help = Run(Path.Combine(tools, "vhostlog"), ["--help"], Repo.Root);
        Assert.That(help, Does.Contain("generate").And.Contain("equiv"));
    }

    static string Run(string program, string[] args, string workingDirectory)
    {
        var psi = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Zero, $"{program} {string.Join(' ', args)}:\n{output}{err.Result}");
        return output;
    }
}
