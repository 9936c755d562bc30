using NUnit.Framework;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Native;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;
using VhostLog.Sessions;

namespace VhostLog.Tests.Equivalence;

/// <summary>
/// The binary wire replaced the text one as the default; until it has
/// proved itself, both run the same cases and must observe the same
/// things, crashes and timeouts included.
/// </summary>
public sealed class WireTests
{
    const int Cases = 300;

    static readonly string MutantDir = Path.Combine(Repo.Root, "tests", "Equivalence", "mutants");

    static VariantSource Generated() =>
        FunctionSources.Generated($"generated-{ManagedEngine.For(Semantics.After).State}", Repo.Translation(), ManagedEngine.For(Semantics.After).State,
            Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir);

    static IReadOnlyList<Observation> RunOn(string workerPath, WireFormat wire, IReadOnlyList<LogCase> cases, NativeWorkerOptions? options = null)
    {
        using var worker = new NativeWorker(workerPath, (options ?? new NativeWorkerOptions()) with { Wire = wire });
        return worker.Run(cases);
    }

    static void AssertSame(IReadOnlyList<LogCase> cases, IReadOnlyList<Observation> text, IReadOnlyList<Observation> binary, string what)
    {
        Assert.That(binary, Has.Count.EqualTo(text.Count), what);
        for (var i = 0; i < text.Count; i++)
        {
            Assert.That(binary[i].SameAs(text[i]), Is.True,
                $"{what}, case {i}: text {CaseJson.Describe(text[i], cases[i])}; binary {CaseJson.Describe(binary[i], cases[i])}");
            Assert.That((binary[i].Outcome, binary[i].Return, binary[i].Signals, binary[i].Warnings),
                Is.EqualTo((text[i].Outcome, text[i].Return, text[i].Signals, text[i].Warnings)), $"{what}, case {i}");
        }
    }

    [Test]
    public void BothWiresObserveTheSameOnEveryFunction()
    {
        var source = Generated();
        var worker = EquivSession.BuildWorker(Repo.Root, source, sanitize: false).WorkerPath;
        foreach (var function in source.Functions)
        {
            var cases = CaseGenerator.Sample(function, Cases, 7 + (ulong)function);
            AssertSame(cases, RunOn(worker, WireFormat.Text, cases), RunOn(worker, WireFormat.Binary, cases), function.ToString());
        }
    }

    [Test]
    public void BothWiresReportTheSameCrashesAndRunOn()
    {
        var crashing = VhostLog.Equivalence.Mutation.Mutants.Apply(Generated(),
            new VhostLog.Equivalence.Mutation.Mutant("08-null-dereference", Path.Combine(MutantDir, "08-null-dereference.patch")), Repo.TempDir("mutant"));
        var worker = EquivSession.BuildWorker(Repo.Root, crashing, sanitize: false).WorkerPath;
        var cases = CaseGenerator.Sample(Function.vhost_log_write, Cases, 11);
        var text = RunOn(worker, WireFormat.Text, cases);
        var binary = RunOn(worker, WireFormat.Binary, cases);
        AssertSame(cases, text, binary, "vhost_log_write on a worker that dereferences NULL");
        Assert.That(binary.Count(o => o.Outcome == Outcome.Crash), Is.GreaterThan(0), "the mutant crashes on some cases");
        Assert.That(binary.Count(o => o.Outcome == Outcome.Returned), Is.GreaterThan(0), "and the cases after a crash still run");
        Assert.That(binary.First(o => o.Outcome == Outcome.Crash).Detail, Does.Contain("SIGSEGV"));
    }

    /// <summary>
    /// A worker that reads its requests and never answers: the batch times
    /// out, the worker gets SIGTERM (a script writes no D record), the
    /// unanswered cases run one per worker and each is reported as a timeout.
    /// </summary>
    [TestCase(WireFormat.Text)]
    [TestCase(WireFormat.Binary)]
    public void HangingWorkerTimesOutCaseByCase(WireFormat wire)
    {
        var script = Path.Combine(Repo.TempDir("hang"), "worker");
        File.WriteAllText(script, "#!/bin/sh\nexec sleep 60\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var cases = CaseGenerator.Sample(Function.log_write, 3, 1);
        var options = new NativeWorkerOptions { BatchTimeout = TimeSpan.FromMilliseconds(300), TerminateGrace = TimeSpan.FromMilliseconds(300) };
        var observed = RunOn(script, wire, cases, options);
        Assert.That(observed.Select(o => o.Outcome), Is.All.EqualTo(Outcome.Timeout));
        Assert.That(observed[0].Detail, Does.StartWith("timeout: batch not answered"));
    }
}

/// <summary>The hashes of the descriptor-collection state skip a zero tail by a power of the prime; the value must be the chain's.</summary>
public sealed class ZeroTailHashTests
{
    [Test]
    public void IovHashOfAZeroTailIsTheChainsValue()
    {
        var iov = new VhostLog.Models.Kernel.iovec[1024];
        for (var used = 0; used <= 5; used++)
        {
            for (var i = 0; i < used; i++)
                iov[i] = new VhostLog.Models.Kernel.iovec { iov_base = new VhostLog.Models.Kernel.UserPtr(0x1000 * (ulong)i + 7), iov_len = (ulong)i };
            var h = 0xcbf29ce484222325UL;
            foreach (var v in iov)
                h = ((h ^ v.iov_base.Value) * 0x100000001b3UL ^ v.iov_len) * 0x100000001b3UL;
            Assert.That(VhostLog.Equivalence.Engines.Drivers.ModelValues.IovHash(iov), Is.EqualTo(h), $"{used} entries used");
        }
    }
}
