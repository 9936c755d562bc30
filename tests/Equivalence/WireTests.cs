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
    /// log_write_hva() over a 1-byte mapping walks the range one byte a
    /// step (the loop advances by the smallest overlap), about 550 million
    /// steps: the model stops at its step limit, and the worker stops the
    /// call at as many set_bit_to_user() calls and says so, on both wires,
    /// instead of holding the batch until its 5 s timeout. The case after
    /// it runs as usual.
    /// </summary>
    [Test]
    public void ACallPastTheStepLimitIsReportedHungByTheWorkerAsByTheModel()
    {
        var hung = new LogCase(Function.log_write_hva, CaseGenerator.BitmapBase, [new UserRange(CaseGenerator.BitmapBase, 0x1000)], true,
            [new UmemMap(0x39000, 1, 0x5555_0000_2000), new UmemMap(0x38000, 0x2000, 0x5555_0000_0000), new UmemMap(0x36000, 0x3007, 0x5555_0000_8000)],
            false, 0x5554_df01_d04b, 0xaeb4_2a66, [], []);
        var after = hung with { Address = 0x5555_0000_0000, Length = 0x10 };
        var model = ManagedEngine.For(Semantics.After);
        Assert.That(model.Run(hung).Outcome, Is.EqualTo(Outcome.Timeout), "the model's step limit");
        var worker = EquivSession.BuildWorker(Repo.Root, Generated(), sanitize: false).WorkerPath;
        // A batch timeout far above the step limit's cost: only the worker's own limit can answer in time.
        var options = new NativeWorkerOptions { BatchTimeout = TimeSpan.FromSeconds(60) };
        foreach (var wire in new[] { WireFormat.Text, WireFormat.Binary })
        {
            var observed = RunOn(worker, wire, [hung, after], options);
            Assert.That(observed[0].Outcome, Is.EqualTo(Outcome.Timeout), $"{wire}: {CaseJson.Describe(observed[0], hung)}");
            Assert.That(observed[0].Detail, Does.StartWith("step limit"), $"{wire}: stopped by the worker, not by the batch timeout");
            Assert.That(observed[0].SameAs(model.Run(hung)), Is.True, wire.ToString());
            Assert.That(observed[1].SameAs(model.Run(after)), Is.True, $"{wire}: {CaseJson.Describe(observed[1], after)}");
            Assert.That(observed[1].Outcome, Is.EqualTo(Outcome.Returned), wire.ToString());
        }
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
