using System.Collections.Immutable;
using VhostLog.Equivalence.Cases;
using VhostLog.Models.Kernel;

namespace VhostLog.Simulator;

/// <summary>
/// QEMU-style pre-copy live migration of a guest with a vhost-scsi disk.
/// The guest, the storage backend and the VMM are simulated here; what the
/// device logs is decided by the request path (the model functions of one
/// state). Page contents are version numbers: a page differs between source
/// and destination when its versions do.
/// </summary>
public static class MigrationSimulator
{
    /// <summary>The VMM's address of the dirty bitmap (any page-aligned user address will do).</summary>
    public const ulong LogBase = 0x7f3a_2c00_0000;

    public static SimulationResult Run(IRequestPath path, Semantics semantics, SimulationOptions options,
                                       IProgress<SimulationProgress>? progress = null)
    {
        if (options.Problems() is [var first, ..])
            throw new ArgumentException(first, nameof(options));
        return new Migration(path, semantics, options, progress).Run();
    }

    /// <summary>The state of one run; nothing outlives it.</summary>
    sealed class Migration
    {
        // lastWriter values that are not request numbers.
        const int InitialContent = -1, GuestCpu = -2;

        readonly IRequestPath path;
        readonly Semantics semantics;
        readonly SimulationOptions options;
        readonly IProgress<SimulationProgress>? progress;
        readonly GuestLayout layout;
        readonly Random random;
        readonly Workload workload;

        // Memory: version of each page on the source and on the destination.
        readonly uint[] source, destination;
        readonly int[] lastWriter, lastWriteRound;
        readonly bool[] writtenByDevice;
        // KVM's dirty log of the guest CPU's own writes: always right, not under test.
        readonly bool[] kvmDirty;
        readonly List<string> requests = [];

        // The guest's side of the device.
        readonly SortedSet<int> freeIoBuffers = [.. Enumerable.Range(0, GuestLayout.IoBuffers)];
        readonly SortedSet<int> freeControlBuffers = [.. Enumerable.Range(0, GuestLayout.ControlBuffers)];
        readonly List<(int Tag, int Request, int Buffer)> inFlight = [];
        readonly List<(int Pending, int Request, int Buffer)> pendingTmfs = [];

        readonly List<RoundStats> rounds = [];
        int round, requestsInRound;
        readonly HashSet<ulong> writtenInRound = [];
        long sent;

        public Migration(IRequestPath path, Semantics semantics, SimulationOptions options, IProgress<SimulationProgress>? progress)
        {
            this.path = path;
            this.semantics = semantics;
            this.options = options;
            this.progress = progress;
            layout = new GuestLayout(options.GuestPages);
            random = new Random(options.Seed);
            workload = new Workload(options.Workload, layout, random);
            var pages = (int)layout.Pages;
            source = new uint[pages];
            Array.Fill(source, 1u);
            destination = new uint[pages];
            lastWriter = new int[pages];
            Array.Fill(lastWriter, InitialContent);
            lastWriteRound = new int[pages];
            writtenByDevice = new bool[pages];
            kvmDirty = new bool[pages];
        }

        bool WorkloadLeft => requests.Count < options.Requests;

        public SimulationResult Run()
        {
            path.Start(new DeviceLayout(LogBase, layout.Pages,
                Queue(VirtQueue.Control), Queue(VirtQueue.Event), Queue(VirtQueue.Io), options.QueueDepth));
            for (var i = 0; i < GuestLayout.EventBuffers; i++)
                PostEventBuffer(i);

            StartRound();
            SendRound(Phase.Bulk, [.. Enumerable.Range(0, (int)layout.Pages).Select(p => (ulong)p)], 0, 0, workloadRuns: true);
            var converged = false;
            ImmutableArray<ulong> pending, pendingVhost, pendingKvm;
            while (true)
            {
                round++;
                var (vhost, kvm, dirty) = Sync();
                if (dirty.Length < options.ConvergePages || dirty.Length == 0 || round > options.MaxRounds)
                {
                    converged = dirty.Length < options.ConvergePages || dirty.Length == 0;
                    (pending, pendingVhost, pendingKvm) = (dirty, vhost, kvm);
                    break;
                }
                StartRound();
                SendRound(Phase.Iterate, dirty, vhost.Length, kvm.Length, workloadRuns: true);
            }

            // Stop: the guest issues nothing more; stopping the device waits
            // for its commands in flight (vhost_scsi_flush()), then the last
            // sync, and everything still dirty goes.
            StartRound();
            while (inFlight.Count > 0)
                CompleteIo(0);
            while (pendingTmfs.Count > 0)
                CompleteTmf(0);
            var (finalVhost, finalKvm, finalDirty) = Sync();
            var last = pending.Union(finalDirty).Order().ToImmutableArray();
            SendRound(Phase.StopAndCopy, last, pendingVhost.Union(finalVhost).Count(), pendingKvm.Union(finalKvm).Count(),
                workloadRuns: false);
            return Result(converged);
        }

        QueueLayout Queue(VirtQueue q) => new(GuestLayout.UsedRing(q), GuestLayout.QueueSize);

        void StartRound()
        {
            requestsInRound = 0;
            writtenInRound.Clear();
            progress?.Report(new SimulationProgress(semantics, round, requests.Count, options.Requests));
        }

        /// <summary>Sends the pages in order while the guest issues its requests, spread evenly over the round.</summary>
        void SendRound(Phase phase, ImmutableArray<ulong> pages, int loggedByVhost, int loggedByKvm, bool workloadRuns)
        {
            var steps = workloadRuns ? (long)options.RequestsPerRound : 0;
            long done = 0;
            for (var i = 0; i < pages.Length; i++)
            {
                destination[pages[i]] = source[pages[i]];
                sent++;
                for (; done < steps * (i + 1) / pages.Length; done++)
                    Step();
            }
            rounds.Add(new RoundStats(round, phase, pages.Length, loggedByVhost, loggedByKvm, pages.Length,
                requestsInRound, writtenInRound.Count, Lost: 0));
        }

        /// <summary>The VMM's log sync: vhost's bitmap and KVM's, read and cleared.</summary>
        (ImmutableArray<ulong> Vhost, ImmutableArray<ulong> Kvm, ImmutableArray<ulong> Dirty) Sync()
        {
            var vhost = path.CollectDirtyPages();
            if (vhost.Any(p => p >= layout.Pages))
                throw new InvalidOperationException($"the vhost log marks a page beyond the guest's {layout.Pages}");
            var kvm = ImmutableArray.CreateBuilder<ulong>();
            for (var p = 0; p < kvmDirty.Length; p++)
                if (kvmDirty[p])
                {
                    kvm.Add((ulong)p);
                    kvmDirty[p] = false;
                }
            var kvmPages = kvm.ToImmutable();
            return (vhost, kvmPages, vhost.Union(kvmPages).Order().ToImmutableArray());
        }

        /// <summary>One guest request, then the backend finishes some of the commands in flight, in any order.</summary>
        void Step()
        {
            if (WorkloadLeft)
            {
                foreach (var op in workload.Next())
                    Issue(op);
                requestsInRound++;
                if (requests.Count % 256 == 0)
                    progress?.Report(new SimulationProgress(semantics, round, requests.Count, options.Requests));
            }
            while (inFlight.Count > 0 && (random.Next(2) == 0 || !WorkloadLeft))
                CompleteIo(random.Next(inFlight.Count));
            for (var i = pendingTmfs.Count - 1; i >= 0; i--)
                if (random.Next(2) == 0 || !WorkloadLeft)
                    CompleteTmf(i);
        }

        void Issue(GuestOp op)
        {
            switch (op)
            {
                case IoRead read:
                    SubmitIo(read.Pages, write: false);
                    break;
                case IoWrite write:
                    SubmitIo(write.Pages, write: true);
                    break;
                case Control control:
                    SubmitControl(control.Request);
                    break;
                case Event:
                    SendEvent();
                    break;
                case CpuWrite cpu:
                    CpuWritePage(cpu.Page);
                    break;
            }
        }

        void SubmitIo(ImmutableArray<ulong> pages, bool write)
        {
            // The device has QueueDepth tags; the guest waits for one.
            while (inFlight.Count >= options.QueueDepth)
                CompleteIo(random.Next(inFlight.Count));
            var request = NewRequest($"I/O #{requests.Count} {(write ? "WRITE from" : "READ into")} {pages.Length} page(s)");
            var buffer = freeIoBuffers.Min;
            freeIoBuffers.Remove(buffer);
            var header = GuestLayout.IoBuffer(buffer);
            var data = pages.Select(p => (p * GuestLayout.PageSize, (uint)GuestLayout.PageSize, !write));
            // virtio-scsi: header and data-out are device-readable, then the response and data-in.
            var chain = write
                ? new[] { (header, GuestLayout.CmdReqSize, false) }.Concat(data).Append((header + GuestLayout.RespOffset, GuestLayout.CmdRespSize, true))
                : new[] { (header, GuestLayout.CmdReqSize, false), (header + GuestLayout.RespOffset, GuestLayout.CmdRespSize, true) }.Concat(data);
            Post(VirtQueue.Io, header, chain);
            inFlight.Add((path.SubmitIo(), request, buffer));
        }

        void CompleteIo(int index)
        {
            var (tag, request, buffer) = inFlight[index];
            inFlight.RemoveAt(index);
            DeviceWrote(path.CompleteIo(tag), request);
            freeIoBuffers.Add(buffer);
        }

        void SubmitControl(ControlRequest kind)
        {
            if (freeControlBuffers.Count == 0)
                while (pendingTmfs.Count > 0)
                    CompleteTmf(0);
            var request = NewRequest(kind switch
            {
                ControlRequest.LunReset => $"control #{requests.Count} TMF LOGICAL UNIT RESET",
                ControlRequest.AbortTask => $"control #{requests.Count} TMF ABORT TASK (rejected)",
                _ => $"control #{requests.Count} AN query",
            });
            var buffer = freeControlBuffers.Min;
            freeControlBuffers.Remove(buffer);
            var req = GuestLayout.ControlBuffer(buffer);
            var (reqSize, respSize) = kind == ControlRequest.AnQuery
                ? (GuestLayout.AnReqSize, GuestLayout.AnRespSize)
                : (GuestLayout.TmfReqSize, GuestLayout.TmfRespSize);
            Post(VirtQueue.Control, req, [(req, reqSize, false), (req + GuestLayout.RespOffset, respSize, true)]);
            var outcome = path.HandleControl(kind);
            if (outcome.PendingTmf is { } pending)
            {
                pendingTmfs.Add((pending, request, buffer));
                return;
            }
            DeviceWrote(outcome.Writes, request);
            freeControlBuffers.Add(buffer);
        }

        void CompleteTmf(int index)
        {
            var (pending, request, buffer) = pendingTmfs[index];
            pendingTmfs.RemoveAt(index);
            DeviceWrote(path.CompleteTmf(pending), request);
            freeControlBuffers.Add(buffer);
        }

        void SendEvent()
        {
            var request = NewRequest($"event #{requests.Count} (LUN rescan)");
            var writes = path.SendEvent();
            if (writes.IsEmpty)
                return;
            DeviceWrote(writes, request);
            // The guest reads the event and gives the buffer back.
            PostEventBuffer((int)((writes[0].Gpa - GuestLayout.EventBuffer(0)) / GuestLayout.EventSize));
        }

        void PostEventBuffer(int i) =>
            Post(VirtQueue.Event, null, [(GuestLayout.EventBuffer(i), GuestLayout.EventSize, true)]);

        /// <summary>The guest fills the request header (if any), a descriptor and the avail ring, then kicks.</summary>
        void Post(VirtQueue queue, ulong? header, IEnumerable<(ulong Addr, uint Len, bool Write)> descriptors)
        {
            if (header is { } h)
                CpuWritePage(GuestLayout.Page(h));
            CpuWritePage(GuestLayout.Page(GuestLayout.DescTable(queue)));
            CpuWritePage(GuestLayout.Page(GuestLayout.AvailRing(queue)));
            path.Post(queue, new DescriptorChain([.. descriptors]));
        }

        int NewRequest(string description)
        {
            requests.Add(description);
            return requests.Count - 1;
        }

        void CpuWritePage(ulong page)
        {
            source[page]++;
            kvmDirty[page] = true;
            lastWriter[page] = GuestCpu;
            lastWriteRound[page] = round;
        }

        void DeviceWrote(ImmutableArray<GuestWrite> writes, int request)
        {
            foreach (var w in writes)
            {
                if (w.Length == 0)
                    continue;
                for (var p = GuestLayout.Page(w.Gpa); p <= GuestLayout.Page(w.Gpa + w.Length - 1); p++)
                {
                    source[p]++;
                    lastWriter[p] = request;
                    lastWriteRound[p] = round;
                    writtenByDevice[p] = true;
                    writtenInRound.Add(p);
                }
            }
        }

        SimulationResult Result(bool converged)
        {
            var lost = ImmutableArray.CreateBuilder<LostPage>();
            for (var p = 0; p < source.Length; p++)
            {
                if (source[p] == destination[p])
                    continue;
                var writer = lastWriter[p];
                lost.Add(new LostPage((ulong)p * GuestLayout.PageSize, GuestLayout.Region((ulong)p), writer,
                    writer switch
                    {
                        GuestCpu => "the guest CPU (KVM's log)",
                        InitialContent => "nothing since the migration started",
                        _ => requests[writer],
                    },
                    lastWriteRound[p]));
            }
            var lostPages = lost.ToImmutable();
            var perRound = lostPages.CountBy(l => l.Round).ToDictionary();
            return new SimulationResult(semantics, path.State, options,
                [.. rounds.Select(r => r with { Lost = perRound.GetValueOrDefault(r.Round) })],
                converged, requests.Count, writtenByDevice.Count(w => w), sent, lostPages);
        }
    }
}
