using NUnit.Framework;
using VhostLog.Equivalence.Cases;
using VhostLog.Models;
using VhostLog.Models.Kernel;
using VhostLog.Simulator;

namespace VhostLog.Tests.Simulator;

/// <summary>
/// The managed runs check the log the model collects as chains checks the
/// tree's: log_num &lt;= in_num &lt;= iov_limit after every chain taken with a
/// log, and they keep the largest log_num.
/// </summary>
public sealed class LogNumInvariantTests
{
    static SimulationOptions Small() => new(WorkloadKind.Mixed, 5, GuestMiB: 16, Requests: 600, RequestsPerRound: 200);

    [Test]
    public void TheAfterModelKeepsTheBoundAndReportsItsLargestLogNum()
    {
        var path = new ManagedRequestPath(new LogNumWarn(), nameof(LogNumWarn));
        var result = MigrationSimulator.Run(path, Semantics.After, Small());
        Assert.That(result.Lost, Is.Empty);
        // Every data-in buffer of a READ is one writable descriptor: more than one entry per chain.
        Assert.That(path.MaxLogNum, Is.GreaterThan(1u).And.LessThanOrEqualTo(1024u));
    }

    [Test]
    public void BeforeCollectsNoLog()
    {
        var path = new ManagedRequestPath(new Baseline(), nameof(Baseline));
        MigrationSimulator.Run(path, Semantics.Before, Small());
        Assert.That(path.MaxLogNum, Is.Zero, "Baseline's callers pass no log");
    }

    /// <summary>Counts one log entry more than it filled.</summary>
    sealed class LogNumOffByOne : LogNumWarn
    {
        public override int vhost_get_vq_desc(vhost_virtqueue vq, iovec[] iov, uint iov_size, ref uint out_num, ref uint in_num,
                                              vhost_log[]? log, Ptr<uint>? log_num)
        {
            var head = base.vhost_get_vq_desc(vq, iov, iov_size, ref out_num, ref in_num, log, log_num);
            if (head >= 0 && log is not null && log_num is not null)
                log_num.Value = in_num + 1;
            return head;
        }
    }

    [Test]
    public void ALogNumPastInNumStopsTheRun()
    {
        var path = new ManagedRequestPath(new LogNumOffByOne(), nameof(LogNumOffByOne));
        var e = Assert.Throws<LogNumBoundException>(() => MigrationSimulator.Run(path, Semantics.After, Small()))!;
        Assert.That(e.Message, Does.Contain("log_num").And.Contain("does not hold"));
    }
}
