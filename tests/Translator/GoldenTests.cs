using System.Diagnostics;
using System.Text;
using NUnit.Framework;

namespace VhostLog.Tests.Translator;

/// <summary>
/// Each model file's C, in every state that declares a function of it, is
/// compared with Foo.expected.c beside Foo.cs. Accept new output with
/// `make golden-accept`.
/// </summary>
public sealed class GoldenTests
{
    public static IEnumerable<string> ModelFiles() =>
        Directory.EnumerateFiles(Repo.Models, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Kernel{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                        && Path.GetFileName(f) is not ("States.cs" or "ModelStates.cs"))
            .Select(f => Path.GetRelativePath(Repo.Models, f))
            .Order(StringComparer.Ordinal);

    [TestCaseSource(nameof(ModelFiles))]
    public void Golden(string modelFile)
    {
        var translation = Repo.Translation();
        var text = new StringBuilder();
        foreach (var state in translation.States())
        {
            foreach (var f in translation.Changes(state).Where(f => f.Ir.ModelFile.EndsWith(modelFile, StringComparison.Ordinal)))
                text.Append($"/* {f.CFile}, model state {state} */\n").Append(f.Text).Append('\n');
        }
        Assert.That(text.Length, Is.GreaterThan(0), $"{modelFile} declares no model function");
        Compare(Path.Combine(Repo.Models, Path.ChangeExtension(modelFile, ".expected.c")), text.ToString(), $"translation of {modelFile}");
    }

    /// <summary>
    /// The IR of each model file, in every state that declares a function of
    /// it, against Foo.expected.ir: a change of lowering shows up here before
    /// it shows up in the C. Accepted by the same `make golden-accept`.
    /// </summary>
    [TestCaseSource(nameof(ModelFiles))]
    public void GoldenIr(string modelFile)
    {
        var translation = Repo.Translation();
        var text = new StringBuilder();
        foreach (var state in translation.States())
        {
            foreach (var f in translation.Changes(state).Where(f => f.Ir.ModelFile.EndsWith(modelFile, StringComparison.Ordinal)))
                text.Append($"# model state {state}\n").Append(VhostLog.Translator.Ir.IrText.Print(f.Ir)).Append('\n');
        }
        Assert.That(text.Length, Is.GreaterThan(0), $"{modelFile} declares no model function");
        Compare(Path.Combine(Repo.Models, Path.ChangeExtension(modelFile, ".expected.ir")), text.ToString(), $"the IR of {modelFile}");
    }

    /// <summary>
    /// Output against its golden file beside the input: with
    /// VHOSTLOG_ACCEPT_GOLDEN=1 (make golden-accept) the output becomes the
    /// golden; otherwise a difference fails with the diff and that command.
    /// </summary>
    internal static void Compare(string expectedPath, string actual, string what)
    {
        if (Environment.GetEnvironmentVariable("VHOSTLOG_ACCEPT_GOLDEN") == "1")
        {
            File.WriteAllText(expectedPath, actual);
            return;
        }
        var expected = File.Exists(expectedPath) ? File.ReadAllText(expectedPath) : "";
        if (expected != actual)
            Assert.Fail($"{what} differs from {Path.GetFileName(expectedPath)}:\n{Diff(expectedPath, actual)}\n" +
                        "If the new output is right, accept it with: make golden-accept");
    }

    static string Diff(string expectedPath, string actual)
    {
        var tmp = Path.GetTempFileName();
        File.WriteAllText(tmp, actual);
        try
        {
            var psi = new ProcessStartInfo("diff", ["-u", "--label", "expected", "--label", "actual", File.Exists(expectedPath) ? expectedPath : "/dev/null", tmp])
            { RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return output;
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}

/// <summary>
/// Translator bugs kept as model functions (tests/Translator/regressions),
/// each with its C beside it, accepted by `make golden-accept` like the
/// models' own.
/// </summary>
public sealed class GoldenRegressionTests
{
    static string Dir => Path.Combine(Repo.Root, "tests", "Translator", "regressions");

    public static IEnumerable<string> Inputs() =>
        Directory.EnumerateFiles(Path.Combine(Repo.Root, "tests", "Translator", "regressions"), "*.cs").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    [TestCaseSource(nameof(Inputs))]
    public void GoldenRegression(string file)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        var path = Path.Combine(Repo.Models, "vhost", file);
        var f = Repo.Translation([(path, File.ReadAllText(Path.Combine(Dir, file)))]).Translate("Baseline").Single(x => x.Name == name);
        GoldenTests.Compare(Path.Combine(Dir, name + ".expected.c"), f.Text, $"translation of {file}");
    }
}
