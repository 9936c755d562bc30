using System.Diagnostics;
using NUnit.Framework;
using VhostLog.Cli;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Mutation;
using VhostLog.Equivalence.Protocol;
using VhostLog.Equivalence.Reproducers;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;

namespace VhostLog.Tests.Cli;

/// <summary>Minimised failures as standalone C reproducers, and their replay with `run --scenario`.</summary>
public sealed class ReproducerTests
{
    static (int Code, string Output) Sh(string dir, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.GetAwaiter().GetResult());
    }

    static (int Code, string Output) BuildAndRun(string repro)
    {
        var dir = Path.GetDirectoryName(repro)!;
        var make = Sh(dir, "make", "-s");
        Assert.That(make.Code, Is.EqualTo(0), make.Output);
        return Sh(dir, Path.Combine(dir, "repro"));
    }

    [Test]
    public void EquivSavesACReproducerThatFailsAndAScenarioThatReplays()
    {
        var dir = Repo.TempDir("repro-cli");
        var code = Commands.Run(["equiv", "--semantics", "after", "--function", "vhost_log_write", "--cases", "300", "--save-dir", dir]);
        Assert.That(code, Is.EqualTo(1));
        var json = Directory.GetFiles(dir, "*.json").Single();
        var repro = Path.Combine(Path.ChangeExtension(json, null), "repro.c");
        Assert.That(File.Exists(repro), $"no C reproducer beside {json}");
        var run = BuildAndRun(repro);
        Assert.That(run.Code, Is.EqualTo(1), run.Output);
        Assert.That(run.Output, Does.Contain("reached BUG()"));
        // Every engine held to its own state agrees: the tree with before, the generated C with after.
        Assert.That(Commands.Run(["run", "--scenario", json]), Is.EqualTo(0));
    }

    /// <summary>A case of each scsi.c function that leaves state behind: a reused command, a kept request log, freed command logs.</summary>
    static bool LeavesState(LogCase x) => x.Function switch
    {
        Function.vhost_scsi_copy_cmd_log => x.PriorLog > 0 && x.Log.Length > 1,
        Function.vhost_scsi_copy_tmf_log => x.Log.Length > 1 && x.AllocationsBeforeFailure < 0,
        Function.vhost_scsi_destroy_logs => x.Out > 3 && x.CommandsOrEmpty.Count(n => n > 0) > 1,
        _ => !x.NullCommands && x.CommandsOrEmpty.Count(n => n > 0) > 1,
    };

    [TestCase(Function.vhost_scsi_copy_cmd_log)]
    [TestCase(Function.vhost_scsi_copy_tmf_log)]
    [TestCase(Function.vhost_scsi_destroy_vq_log)]
    [TestCase(Function.vhost_scsi_destroy_logs)]
    public void ReproducerOfTheModelsOwnCodePasses(Function function)
    {
        var engine = ManagedEngine.For(Semantics.After);
        var generated = FunctionSources.Generated("generated", Repo.Translation(), engine.State, Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir);
        var c = CaseGenerator.Sample(function, 50, 7).First(LeavesState);
        var repro = CReproducer.Write(Repo.TempDir("repro-ok"), generated, c, engine.Run(c), engine.State, Path.Combine(Repo.Root, "harness", "shim"));
        var run = BuildAndRun(repro);
        Assert.That(run.Code, Is.EqualTo(0), run.Output);
        Assert.That(run.Output, Does.Contain("behaves like the model"));
    }

    [Test]
    public void ReproducerOfAMutantFails()
    {
        var engine = ManagedEngine.For(Semantics.After);
        var generated = FunctionSources.Generated("generated", Repo.Translation(), engine.State, Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir);
        var mutant = Mutants.Apply(generated, new Mutant("14-cmd-log-wrong-memcpy-size",
            Path.Combine(Repo.Root, "tests", "Equivalence", "mutants", "14-cmd-log-wrong-memcpy-size.patch")), Repo.TempDir("mutant"));
        var c = CaseGenerator.Sample(Function.vhost_scsi_copy_cmd_log, 50, 7).First(x => x.Log.Length > 1 && x.AllocationsBeforeFailure < 0);
        var repro = CReproducer.Write(Repo.TempDir("repro-bad"), mutant, c, engine.Run(c), engine.State, Path.Combine(Repo.Root, "harness", "shim"));
        var run = BuildAndRun(repro);
        Assert.That(run.Code, Is.EqualTo(1), run.Output);
        Assert.That(run.Output, Does.Contain("differs from the model's"));
    }

    /// <summary>A request with readable and writable buffers, its rings' bytes written by the reproducer.</summary>
    static LogCase Request(ManagedEngine engine) =>
        CaseGenerator.Sample(Function.vhost_scsi_get_desc, 200, 7).First(x =>
            !x.NullLog && engine.Run(x) is { Return: 0 } o && FunctionState.Read(x, o) is GetDescState { Out: > 0, In: > 0 });

    [Test]
    public void ReproducerOfAGetDescRequestPassesOnTheModelsCodeAndFailsOnAMutant()
    {
        var engine = ManagedEngine.For(Semantics.After);
        var generated = FunctionSources.Generated("generated", Repo.Translation(), engine.State, Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir);
        var c = Request(engine);
        var ok = BuildAndRun(CReproducer.Write(Repo.TempDir("repro-desc-ok"), generated, c, engine.Run(c), engine.State, Path.Combine(Repo.Root, "harness", "shim")));
        Assert.That(ok.Code, Is.EqualTo(0), ok.Output);
        Assert.That(ok.Output, Does.Contain("behaves like the model"));
        var mutant = Mutants.Apply(generated, new Mutant("30-get-desc-in-size-from-first-iovec",
            Path.Combine(Repo.Root, "tests", "Equivalence", "mutants", "30-get-desc-in-size-from-first-iovec.patch")), Repo.TempDir("mutant"));
        var bad = BuildAndRun(CReproducer.Write(Repo.TempDir("repro-desc-bad"), mutant, c, engine.Run(c), engine.State, Path.Combine(Repo.Root, "harness", "shim")));
        Assert.That(bad.Code, Is.EqualTo(1), bad.Output);
        Assert.That(bad.Output, Does.Contain("the model: head"));
    }

    [Test]
    public void ScenarioThatIsNotACaseIsTwo()
    {
        var file = Path.Combine(Repo.TempDir("scenario"), "bad.json");
        File.WriteAllText(file, "{\"function\": \"no_such_function\"}");
        Assert.That(Commands.Run(["run", "--scenario", file]), Is.EqualTo(2));
        Assert.That(Commands.Run(["run", "--scenario", file + ".missing"]), Is.EqualTo(2));
    }
}
