using System.Collections.Immutable;
using System.Text.Json.Serialization;
using VhostLog.Equivalence.Cases;

namespace VhostLog.Simulator;

/// <summary>How a migration is simulated.</summary>
/// <param name="GuestMiB">guest memory, MiB (4 KiB pages)</param>
/// <param name="Requests">guest requests the workload issues in all, if the migration lasts that long</param>
/// <param name="RequestsPerRound">requests issued while one round sends its pages</param>
/// <param name="QueueDepth">I/O commands in flight at most (the device's tags)</param>
/// <param name="ConvergePages">a sync that finds fewer dirty pages than this ends the iterative rounds</param>
/// <param name="MaxRounds">iterative rounds at most before stop-and-copy regardless</param>
public sealed record SimulationOptions(
    WorkloadKind Workload = WorkloadKind.Swapin,
    int Seed = 1,
    [property: JsonPropertyName("guest_mib")] int GuestMiB = 64,
    int Requests = 4000,
    int RequestsPerRound = 400,
    int QueueDepth = 16,
    int ConvergePages = 64,
    int MaxRounds = 30)
{
    public const int MaxGuestMiB = 16384;

    public ulong GuestPages => (ulong)GuestMiB * 1024 * 1024 / GuestLayout.PageSize;

    /// <summary>What is wrong with these options, each a sentence naming the option; empty when they are fine.</summary>
    public ImmutableArray<string> Problems()
    {
        var problems = ImmutableArray.CreateBuilder<string>();
        if (GuestMiB < 1 || GuestMiB > MaxGuestMiB)
            problems.Add($"--guest-mib {GuestMiB}: the guest needs 1 to {MaxGuestMiB} MiB");
        if (Workload == WorkloadKind.Stream && GuestPages < MigrationStream.MinGuestPages)
            problems.Add($"--guest-mib {GuestMiB}: the stream workload needs {MigrationStream.MinGuestPages} pages ({(MigrationStream.MinGuestPages * GuestLayout.PageSize + (1 << 20) - 1) >> 20} MiB)");
        if (Requests < 0)
            problems.Add($"--requests {Requests}: must be 0 or more");
        if (RequestsPerRound < 1)
            problems.Add($"--per-round {RequestsPerRound}: must be at least 1");
        if (QueueDepth < 1 || QueueDepth > GuestLayout.IoBuffers / 2)
            problems.Add($"--queue-depth {QueueDepth}: must be 1 to {GuestLayout.IoBuffers / 2}");
        if (ConvergePages < 0)
            problems.Add($"--converge-pages {ConvergePages}: must be 0 or more");
        if (MaxRounds < 1)
            problems.Add($"--max-rounds {MaxRounds}: must be at least 1");
        return problems.ToImmutable();
    }
}

/// <summary>Where a round stands in QEMU's pre-copy.</summary>
public enum Phase
{
    /// <summary>Round 0: every page is sent once while the guest runs.</summary>
    Bulk,

    /// <summary>A log sync, then the dirty pages are re-sent while the guest runs.</summary>
    Iterate,

    /// <summary>The guest is stopped, the device drained, the log synced a last time and the rest sent.</summary>
    StopAndCopy,
}

/// <summary>One round of the migration.</summary>
/// <param name="Dirty">pages the round sends because they were dirty (round 0: all)</param>
/// <param name="LoggedByVhost">pages the vhost log had marked at the round's sync</param>
/// <param name="LoggedByKvm">pages KVM's log had marked (the guest CPU's writes)</param>
/// <param name="Sent">pages sent in the round</param>
/// <param name="Requests">guest requests issued during the round</param>
/// <param name="WrittenByDevice">distinct pages the device wrote during the round</param>
/// <param name="Lost">pages lost whose last write was in this round</param>
public sealed record RoundStats(
    int Round, Phase Phase, int Dirty, int LoggedByVhost, int LoggedByKvm, int Sent, int Requests, int WrittenByDevice, int Lost);

/// <summary>A page whose destination copy differs from the source after the migration.</summary>
/// <param name="Request">the request whose device write the destination misses (-1: the guest CPU)</param>
/// <param name="WrittenBy">what that request was</param>
/// <param name="Round">the round of that write</param>
public sealed record LostPage(ulong Gpa, string Region, int Request, string WrittenBy, int Round);

/// <summary>One simulated migration.</summary>
public sealed record SimulationResult(
    Semantics Semantics,
    string State,
    SimulationOptions Options,
    ImmutableArray<RoundStats> Rounds,
    bool Converged,
    int RequestsIssued,
    int PagesWrittenByDevice,
    long PagesSent,
    ImmutableArray<LostPage> Lost);

/// <summary>Where a running simulation is, for progress displays.</summary>
public sealed record SimulationProgress(Semantics Semantics, int Round, int RequestsIssued, int RequestsTotal);
