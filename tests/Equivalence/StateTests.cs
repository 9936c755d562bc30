using NUnit.Framework;
using VhostLog.Cli;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Runner;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;
using VhostLog.Sessions;

namespace VhostLog.Tests.Equivalence;

/// <summary>
/// equiv --state: every model state of States.cs, the ones before Baseline
/// included, is compared with the C generated from it; the functions a state
/// lacks are skipped, not failed.
/// </summary>
public sealed class StateTests
{
    const int Cases = EquivTests.CoverageCases;

    static EquivResult Run(string state, params Function[] functions)
    {
        var engine = ManagedEngine.ForState(state);
        var source = FunctionSources.Generated($"generated-{state}", Repo.Translation(), state, Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir);
        return EquivSession.Run(Repo.Root, source, engine, engine.OracleSemantics,
            new EquivOptions(functions.Length > 0 ? functions : Enum.GetValues<Function>(), Cases, MutantsSession.CiSeed), sanitize: false);
    }

    static FunctionResult Of(EquivResult r, Function f) => r.Functions.Single(x => x.Function == f);

    [Test]
    public void EveryStateOfStatesCsCanBePicked()
    {
        Assert.That(ManagedEngine.StateNames, Is.EqualTo(Repo.Translation().States()), "oldest first, as the translator orders them");
        Assert.That(ManagedEngine.StateNames.Take(4), Is.EqualTo(new[] { "BeforeFixes", "BadTargetIter", "SendStatusIter", "Baseline" }));
        Assert.That(() => ManagedEngine.ForState("Nope"), Throws.ArgumentException.With.Message.Contains("BeforeFixes, BadTargetIter"));
        Assert.That(ManagedEngine.ForState("BeforeFixes").OracleSemantics, Is.EqualTo(Semantics.Before));
        Assert.That(ManagedEngine.ForState("BroaderLogWrite").OracleSemantics, Is.EqualTo(Semantics.After));
    }

    /// <summary>The generated C of BeforeFixes agrees with its model, and both have the bug patch 2 fixes.</summary>
    [Test]
    public void BeforeFixesSendBadTargetAgreesWithItsModelAndBreaksTheSpecification()
    {
        var r = Run("BeforeFixes", Function.vhost_scsi_send_bad_target);
        var f = Of(r, Function.vhost_scsi_send_bad_target);
        Assert.That((f.Presence, f.Cases, f.Divergences), Is.EqualTo((Presence.OtherForm, Cases, 0)));
        Assert.That(f.SpecFindings, Is.GreaterThan(0), "the single-iovec copy writes past a short iovec (patch 2's bug)");
        Assert.That(r.SpecFindings.Single().Function, Is.EqualTo(Function.vhost_scsi_send_bad_target));
        Assert.That(r.Equivalent, Is.True);
    }

    [Test]
    public void BadTargetIterFixesSendBadTargetOnly()
    {
        var r = Run("BadTargetIter", Function.vhost_scsi_send_bad_target, Function.vhost_scsi_send_status);
        var badTarget = Of(r, Function.vhost_scsi_send_bad_target);
        Assert.That((badTarget.Presence, badTarget.Cases, badTarget.Divergences, badTarget.SpecFindings), Is.EqualTo((Presence.Both, Cases, 0, 0)),
            "the iov_iter form keeps the specification");
        var status = Of(r, Function.vhost_scsi_send_status);
        Assert.That((status.Presence, status.Divergences), Is.EqualTo((Presence.OtherForm, 0)));
        Assert.That(status.SpecFindings, Is.GreaterThan(0), "send_status is still the old form until patch 3");
    }

    [Test]
    public void SendStatusIterHasBothFixedAndSkipsTheFunctionsItLacks()
    {
        var r = Run("SendStatusIter");
        Assert.That(r.Equivalent, Is.True);
        foreach (var f in new[] { Function.vhost_scsi_send_bad_target, Function.vhost_scsi_send_status })
            Assert.That((Of(r, f).Presence, Of(r, f).Cases, Of(r, f).Divergences, Of(r, f).SpecFindings), Is.EqualTo((Presence.Both, Cases, 0, 0)), f.ToString());
        // The vhost.c functions come with Baseline: in neither the state nor its C, skipped.
        foreach (var f in new[] { Function.log_write, Function.log_write_hva, Function.vhost_log_write, Function.vhost_scsi_log_write })
            Assert.That((Of(r, f).Presence, Of(r, f).Cases), Is.EqualTo((Presence.Neither, 0)), f.ToString());
    }

    [Test]
    public void TheCliTakesAStateAndRefusesBadUse()
    {
        var json = Path.Combine(Repo.TempDir("equiv-state"), "r.json");
        Assert.That(Commands.Run(["equiv", "--generated", "--state", "BeforeFixes", "--function", "vhost_scsi_send_bad_target",
            "--cases", "300", "--json", json]), Is.EqualTo(0), "spec findings alone do not fail equivalence");
        Assert.That(File.ReadAllText(json), Does.Contain("\"model_state\": \"BeforeFixes\"").And.Contain("\"variant\": \"generated-BeforeFixes\""));
        Assert.That(Commands.Run(["equiv", "--generated", "--state", "NoSuchState"]), Is.EqualTo(2));
        Assert.That(Commands.Run(["equiv", "--generated", "--state", "Baseline", "--semantics", "before"]), Is.EqualTo(2));
        // A tree's vhost.c functions against a state without them: reported missing, a failed check.
        Assert.That(Commands.Run(["equiv", "--state", "BeforeFixes", "--function", "log_write", "--cases", "10"]), Is.EqualTo(1));
    }
}
