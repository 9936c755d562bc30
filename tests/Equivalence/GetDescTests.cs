using System.Buffers.Binary;
using System.Collections.Immutable;
using NUnit.Framework;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Native;
using VhostLog.Equivalence.Protocol;
using VhostLog.Equivalence.Runner;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;
using VhostLog.Sessions;

namespace VhostLog.Tests.Equivalence;

/// <summary>
/// vhost_scsi_get_desc() in the equivalence harness: the tree's function
/// over the tree's descriptor collection, against the model's, on rings laid
/// out byte for byte in user memory.
/// </summary>
public sealed class GetDescTests
{
    static VariantSource Pristine() =>
        FunctionSources.FromTree("tree-linux-6.12.117", Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir);

    const ulong Desc = RingCases.DescHva, Avail = RingCases.AvailHva;

    /// <summary>
    /// A ring of 4 with one chain at slot 2: a readable 100-byte buffer,
    /// then a writable one of 0x1800 bytes; avail->idx is `availIdx`,
    /// last_avail_idx 0.
    /// </summary>
    static LogCase OneChain(ushort availIdx, int notifyAvailIdx = -1, bool nullLog = false)
    {
        var table = new byte[4 * 16];
        void Put(int slot, ulong addr, uint len, ushort flags, ushort next)
        {
            var d = table.AsSpan(slot * 16);
            BinaryPrimitives.WriteUInt64LittleEndian(d, addr);
            BinaryPrimitives.WriteUInt32LittleEndian(d[8..], len);
            BinaryPrimitives.WriteUInt16LittleEndian(d[12..], flags);
            BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next);
        }
        Put(2, 0x1000, 100, 1, 3);
        Put(3, 0x4000, 0x1800, 2, 0);
        var avail = new byte[4 + 2 * 4 + 2];
        BinaryPrimitives.WriteUInt16LittleEndian(avail.AsSpan(2), availIdx);
        BinaryPrimitives.WriteUInt16LittleEndian(avail.AsSpan(4), 2);
        return new LogCase(Function.vhost_scsi_get_desc, 0,
            [new UserRange(Desc, (ulong)table.Length), new UserRange(Avail, (ulong)avail.Length)], false,
            [new UmemMap(0, 0x10_0000, CaseGenerator.GuestHva)], false, 0, 0, [], [],
            Features: 1UL << RingCases.VirtioFVersion1, NullLog: nullLog,
            Ring: new RingState(4, Desc, Avail, 0, 0, 1, notifyAvailIdx,
                [new MemoryWrite(Desc, [.. table]), new MemoryWrite(Avail, [.. avail])]));
    }

    static GetDescState StateOf(LogCase c, Observation o) => (GetDescState)FunctionState.Read(c, o)!;

    static (Observation Model, Observation Native) Both(LogCase c, string semantics, VariantSource source)
    {
        var engine = ManagedEngine.For(Semantics.Parse(semantics));
        engine.OldForms = source.OtherFormsOrEmpty.ToHashSet();
        var model = engine.Run(c);
        using var native = new NativeWorker(EquivSession.BuildWorker(Repo.Root, source, sanitize: false));
        var code = native.Run([c])[0];
        Assert.That(code.SameAs(model), $"model: {CaseJson.Describe(model, c)}\nnative: {CaseJson.Describe(code, c)}");
        return (model, code);
    }

    [Test]
    public void ARequestFillsVcAndTheLog()
    {
        var tree = EquivTests.PatchedTree();
        var c = OneChain(availIdx: 1);
        var (model, _) = Both(c, "after", FunctionSources.FromTree("tree-patched", tree, DefaultTree.Debian612.HeadersDir));
        var st = StateOf(c, model);
        Assert.That(model.Return, Is.Zero);
        Assert.That((st.Head, st.Out, st.In, st.OutSize, st.InSize), Is.EqualTo((2, 1u, 1u, 100UL, 0x1800UL)), "head 2, out 1, in 1 (one map holds each buffer), their sizes");
        Assert.That(st.LogNum, Is.EqualTo(1u), "log_num: one writable descriptor");
        Assert.That(st.Log.Take(1), Is.EqualTo(new[] { new LogEntry(0x4000, 0x1800) }), "its log entry");
        Assert.That(SpecOracle.Check(OneChain(1), model, Semantics.After), Is.Null);
    }

    [Test]
    public void AnEmptyRingAsksToBeCalledAgainOnlyWhenABufferSlipsIn()
    {
        var source = Pristine();
        Assert.That(source.OtherFormsOrEmpty, Does.Contain(Function.vhost_scsi_get_desc), "the pristine tree has the form before patch 5");
        var empty = OneChain(availIdx: 0);
        var (quiet, _) = Both(empty, "before", source);
        Assert.That((quiet.Return, StateOf(empty, quiet).Head, StateOf(empty, quiet).UsedFlags), Is.EqualTo((-6, 4, (ushort)0)),
            "-ENXIO, head == num, notification left on");
        var slips = OneChain(availIdx: 0, notifyAvailIdx: 1);
        var (slipped, _) = Both(slips, "before", source);
        Assert.That((slipped.Return, StateOf(slips, slipped).AvailIdx, StateOf(slips, slipped).UsedFlags), Is.EqualTo((-11, (ushort)1, (ushort)1)),
            "-EAGAIN, avail_idx took the new index, notification off again");
    }

    /// <summary>
    /// A copy of the pristine tree whose vhost_scsi_get_desc() measures the
    /// response buffers from vq->iov[0] instead of vq->iov[out]: caught as a
    /// divergence and by the specification.
    /// </summary>
    [Test]
    public void ATreeThatMeasuresInSizeFromTheWrongIovecIsCaught()
    {
        var tree = VhostLog.Simulator.PatchedTree.Create(Repo.DefaultTreeDir, [], Repo.TempDir("get-desc-tree"));
        var scsi = Path.Combine(tree, "drivers", "vhost", "scsi.c");
        var text = File.ReadAllText(scsi);
        const string find = "vc->in_size = iov_length(&vq->iov[vc->out], vc->in);";
        Assert.That(text.Split(find).Length, Is.EqualTo(2), "the line is in scsi.c once");
        File.WriteAllText(scsi, text.Replace(find, "vc->in_size = iov_length(vq->iov, vc->in);"));
        var source = FunctionSources.FromTree("tree-in-size", tree, DefaultTree.Debian612.HeadersDir);
        var r = EquivSession.Run(Repo.Root, source, ManagedEngine.For(Semantics.Before), Semantics.Before,
            new EquivOptions([Function.vhost_scsi_get_desc], 2000, MutantsSession.CiSeed), sanitize: false);
        Assert.That(r.Divergences.Select(d => d.Function), Is.EqualTo(new[] { Function.vhost_scsi_get_desc }));
        var d = r.Divergences[0];
        TestContext.Out.WriteLine(CaseJson.Describe(d.Minimised));
        // Divergent cases are not judged by the specification in a run; the oracle alone says what is wrong.
        Assert.That(SpecOracle.Check(d.Minimised, d.Native, Semantics.Before)?.Explanation, Does.Contain("in_size"));
        // Minimised: what the bug does not need is gone (the race, a cached index ahead), a short chain is left.
        var ring = d.Minimised.Ring!;
        Assert.That((ring.NotifyAvailIdx, ring.UsedFlags, ring.AvailIdx), Is.EqualTo((-1, (ushort)1, ring.LastAvailIdx)));
        var table = ring.Writes.Single(w => w.Addr == RingCases.DescHva).Bytes;
        Assert.That(Enumerable.Range(0, table.Length / 16).Count(i => table.AsSpan(16 * i, 16).ContainsAnyExcept((byte)0)), Is.LessThanOrEqualTo(3));
    }

    /// <summary>
    /// The drawn cases reach every way out of vhost_scsi_get_desc() and of
    /// the descriptor collection under it, on the model.
    /// </summary>
    [Test]
    public void TheDrawnCasesReachEveryBranch()
    {
        var engine = ManagedEngine.For(Semantics.After);
        var counts = new Dictionary<string, int>();
        void Count(string what) => counts[what] = counts.GetValueOrDefault(what) + 1;
        var largestIn = 0UL;
        foreach (var c in CaseGenerator.Sample(Function.vhost_scsi_get_desc, 4000, MutantsSession.CiSeed))
        {
            var o = engine.Run(c);
            if (o.Outcome != Outcome.Returned)
            {
                Count(o.Outcome.ToString());
                continue;
            }
            var st = StateOf(c, o);
            var head = st.Head;
            Count(o.Return switch
            {
                0 when st.LogNum is > 0 and < Wire.NotWritten => "request, logged",
                0 when c.NullLog => "request, no log",
                0 => "request, nothing writable",
                -11 => "EAGAIN",
                _ when head == c.Ring!.Num => "empty ring",
                _ => "error " + -head,
            });
            if (o.Return == 0)
                largestIn = Math.Max(largestIn, (ulong)st.Out + st.In);
            if (o.Return == 0 && c.Ring!.Writes.Length > 2)
                Count("request with an indirect table");
        }
        TestContext.Out.WriteLine(string.Join("\n", counts.OrderBy(k => k.Key).Select(k => $"{k.Key}: {k.Value}")));
        TestContext.Out.WriteLine($"largest out + in of a request: {largestIn}");
        foreach (var what in new[] { "request, logged", "request, no log", "EAGAIN", "empty ring", "error 14", "error 22", "error 105",
                                     "request with an indirect table", "Bug" })
            Assert.That(counts.GetValueOrDefault(what), Is.GreaterThan(0), what);
        Assert.That(largestIn, Is.GreaterThan(512UL), "requests with hundreds of iovecs");
    }

    [Test]
    public void RingCasesSurviveJson()
    {
        foreach (var c in CaseGenerator.Sample(Function.vhost_scsi_get_desc, 50, 5))
        {
            var back = CaseJson.FromJson(CaseJson.ToJson(c));
            Assert.That(CaseJson.ToJson(back).ToJsonString(), Is.EqualTo(CaseJson.ToJson(c).ToJsonString()));
            Assert.That(back.Ring!.Writes.SelectMany(w => w.Bytes), Is.EqualTo(c.Ring!.Writes.SelectMany(w => w.Bytes)));
        }
    }
}
