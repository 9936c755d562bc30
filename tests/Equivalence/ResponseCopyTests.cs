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
/// The response copy: vhost_scsi_send_status() and
/// vhost_scsi_send_bad_target() with responses split over iovecs, short
/// buffers and faulting pages, on the model and on the tree's C.
/// </summary>
public sealed class ResponseCopyTests
{
    const ulong Area = CaseGenerator.ResponseHva;

    static VariantSource Pristine() =>
        FunctionSources.FromTree("tree-linux-6.12.117", Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir);

    /// <summary>
    /// A command response (108 bytes) over three iovecs whose last one runs
    /// into an unmapped page: the bytes before the fault are written, the
    /// buffer is not returned, pr_err() tells. Both engines say so.
    /// </summary>
    [Test]
    public void ResponseThatFaultsPartWayIsWrittenUpToTheFaultAndNotUsed()
    {
        // Mapped: [Area, Area + 0x1000) only. iov[0] is the request (out = 1).
        var c = new LogCase(Function.vhost_scsi_send_status, 0, [new UserRange(Area, 0x1000)], false, [], false, 0, 0, [],
            [new IoVec(Area + 0x800, 16), new IoVec(Area, 8), new IoVec(Area + 0x100, 4), new IoVec(Area + 0xff8, 200)],
            Head: 7, Out: 1, In: 3, Kind: 0x28, Fill: 0xa5);
        var model = ManagedEngine.For(Semantics.Before).Run(c);
        using var native = new NativeWorker(EquivSession.BuildWorker(Repo.Root, Pristine(), sanitize: false));
        var code = native.Run([c])[0];
        Assert.That(code.SameAs(model), $"model: {CaseJson.Describe(model, c)}\nnative: {CaseJson.Describe(code, c)}");
        // 8 + 4 + 8 bytes copied (status at offset 10 lands in iov[2]), then the fault.
        Assert.That((Response(c, model).UsedCount, Response(c, model).PrErrs, Response(c, model).Used.Length), Is.EqualTo((0UL, 1UL, 0)), "no used entry, one pr_err");
        Assert.That(model.Signals, Is.Zero);
        var zeros = Enumerable.Range(0, 8).Select(i => Area + (ulong)i)
            .Concat([Area + 0x100, Area + 0x101, Area + 0x103])
            .Concat(Enumerable.Range(0, 8).Select(i => Area + 0xff8 + (ulong)i)).ToHashSet();
        var bytes = model.Bytes.ToDictionary(b => b.Addr, b => b.Value);
        Assert.That(zeros.Where(bytes.ContainsKey), Is.Empty, "the zero bytes of the response were written");
        Assert.That(bytes[Area + 0x102], Is.EqualTo(0x28), "the status byte, response offset 10");
        Assert.That(bytes[Area + 0x800], Is.EqualTo(0xa5), "the request iovec is not written");
        Assert.That(bytes, Has.Count.EqualTo(0x1000 - zeros.Count));
    }

    /// <summary>Mapped, long enough: one used entry with the request's head and length 0, one signal.</summary>
    [Test]
    public void ResponseThatFitsReturnsTheBuffer()
    {
        var c = new LogCase(Function.vhost_scsi_send_bad_target, 0, [new UserRange(Area, 0x1000)], false, [], false, 0, 0, [],
            [new IoVec(Area, 0), new IoVec(Area + 0x10, 1), new IoVec(Area + 0x20, 7)],
            Head: 0x1234, Out: 0, In: 3, Kind: 2, Fill: 0xff);
        var model = ManagedEngine.For(Semantics.After).Run(c);
        Assert.That((Response(c, model).UsedCount, Response(c, model).PrErrs), Is.EqualTo((1UL, 0UL)));
        Assert.That(Response(c, model).Used, Is.EqualTo(new[] { new UsedEntry(0x1234, 0) }));
        Assert.That(model.Signals, Is.EqualTo(1));
        // AN response: 5 bytes, response (3) at offset 4 = iov[2] + 3.
        var bytes = model.Bytes.ToDictionary(b => b.Addr, b => b.Value);
        Assert.That(bytes.ContainsKey(Area + 0x10) || bytes.ContainsKey(Area + 0x20) || bytes.ContainsKey(Area + 0x22), Is.False);
        Assert.That(bytes[Area + 0x23], Is.EqualTo(3));
        Assert.That(bytes[Area + 0x24], Is.EqualTo(0xff), "nothing past the response");
    }

    /// <summary>The generator reaches every outcome of a response copy: fits, short total, faults part-way, in past the iovecs.</summary>
    [TestCase(Function.vhost_scsi_send_status)]
    [TestCase(Function.vhost_scsi_send_bad_target)]
    public void GeneratedCasesReachEveryOutcome(Function function)
    {
        var engine = ManagedEngine.For(Semantics.Before);
        var cases = CaseGenerator.Sample(function, 2000, 20261122);
        var observed = cases.Select(c => (c, o: engine.Run(c))).ToList();
        var used = observed.Count(x => Response(x.c, x.o).UsedCount == 1);
        var faulted = observed.Where(x => Response(x.c, x.o).PrErrs == 1).ToList();
        // A fault part-way: something of the response was written (some byte
        // differs from the fill) and still no used entry.
        var partly = faulted.Count(x => x.c.Fill != 0 && x.o.ByteCount < TotalMapped(x.c));
        Assert.Multiple(() =>
        {
            Assert.That(used, Is.GreaterThan(200), "responses that fit");
            Assert.That(faulted, Has.Count.GreaterThan(200), "responses that do not");
            Assert.That(partly, Is.GreaterThan(50), "responses that fault part-way");
            Assert.That(cases.Count(c => c.In > c.Iov.Length - c.Out), Is.GreaterThan(20), "in past the iovecs given");
            Assert.That(cases.Count(c => c.In == 0), Is.GreaterThan(20), "no response iovec");
            Assert.That(cases.Count(c => c.Iov.Skip(c.Out).Take(c.In).Count() > 1), Is.GreaterThan(500), "split responses");
            Assert.That(cases.Count(c => c.Iov.Any(v => v.Len == 0)), Is.GreaterThan(50), "zero-length iovecs");
            Assert.That(observed.All(x => x.o.Outcome == Outcome.Returned && Response(x.c, x.o).UsedCount + Response(x.c, x.o).PrErrs == 1),
                "every call either returns the buffer or reports the fault, once");
        });
        if (function == Function.vhost_scsi_send_bad_target)
            Assert.That(cases.Select(c => c.Kind).Distinct(), Is.SupersetOf(new[] { 0, 1, 2 }));
    }

    static ResponseState Response(LogCase c, Observation o) => (ResponseState)FunctionState.Read(c, o)!;

    static ulong TotalMapped(LogCase c) => c.Mapped.Aggregate(0UL, (n, r) => n + r.Length);

    /// <summary>
    /// Debian's 6.1 has vhost_scsi_send_bad_target() only in its form before
    /// patch 2 and no vhost_scsi_send_status(): the first is compiled and
    /// driven in its own form against BeforeFixes's model of it, equal; the
    /// second is reported missing.
    /// </summary>
    [Test]
    public void OldFormOfDebian61IsComparedWithBeforeFixes()
    {
        var tree = TreeCache.EnsureDefault(Repo.Root, DefaultTree.Debian61);
        var source = FunctionSources.FromTree("tree-linux-6.1.192", tree, DefaultTree.Debian61.HeadersDir);
        Assert.That(source.OtherFormsOrEmpty, Is.EqualTo(new[] { Function.vhost_scsi_send_bad_target, Function.vhost_scsi_get_desc }),
            "and vhost_scsi_get_desc() before patch 5, as every tree without the series");
        Assert.That(source.Functions, Does.Contain(Function.vhost_scsi_send_bad_target).And.Not.Contain(Function.vhost_scsi_send_status));
        Assert.That(source.FunctionsC, Does.Contain("#define VL_OLD_vhost_scsi_send_bad_target 1"));
        var r = EquivSession.Run(Repo.Root, source, ManagedEngine.For(Semantics.Before), Semantics.Before,
            new EquivOptions([Function.vhost_scsi_send_status, Function.vhost_scsi_send_bad_target], 10_000, 1), sanitize: false);
        Assert.That(r.Functions.Select(f => (f.Function, f.Presence)), Is.EqualTo(new[]
        {
            (Function.vhost_scsi_send_status, Presence.ModelOnly), (Function.vhost_scsi_send_bad_target, Presence.OtherForm),
        }));
        var badTarget = r.Functions.Single(f => f.Function == Function.vhost_scsi_send_bad_target);
        Assert.That(badTarget.Cases, Is.EqualTo(10_000));
        Assert.That(badTarget.SpecFindings, Is.GreaterThan(0), "the old form breaks the response specification (patch 2's bug)");
        Assert.That(r.Divergences, Is.Empty, string.Join("\n", r.Divergences.Select(d =>
            $"{CaseJson.Describe(d.Minimised)}\n  model: {CaseJson.Describe(d.Model, d.Minimised)}\n  native: {CaseJson.Describe(d.Native, d.Minimised)}")));
    }

    /// <summary>
    /// The old form is the bug patch 2 fixes: a response split over two
    /// iovecs is written into the first as a whole (past its end), and a TMF
    /// request gets a command response.
    /// </summary>
    [Test]
    public void OldAndFixedFormsDifferOnASplitResponse()
    {
        var c = new LogCase(Function.vhost_scsi_send_bad_target, 0, [new UserRange(Area, 0x1000)], false, [], false, 0, 0, [],
            [new IoVec(Area, 1), new IoVec(Area + 0x200, 4)], Head: 3, Out: 0, In: 2, Kind: 1, Fill: 0xa5);
        var engine = ManagedEngine.For(Semantics.Before);
        var fixedForm = engine.Run(c);
        engine.OldForms = new HashSet<Function> { Function.vhost_scsi_send_bad_target };
        var oldForm = engine.Run(c);
        // Fixed: a 1-byte TMF response (3) in iov[0]. Old: 108 bytes at iov[0]'s base, response at offset 11.
        Assert.That(fixedForm.Bytes.Count(b => b.Addr < Area + 0x200 && b.Value != 0xa5), Is.EqualTo(1));
        Assert.That(fixedForm.Bytes.First().Value, Is.EqualTo(3));
        Assert.That(oldForm.Bytes.First(b => b.Value != 0xa5).Addr, Is.EqualTo(Area + 11));
        Assert.That(oldForm.Bytes.Count(b => b.Addr < Area + 108), Is.EqualTo(1), "107 zero bytes written over the fill");
        Assert.That(fixedForm.StateOrEmpty.ToArray(), Is.EqualTo(oldForm.StateOrEmpty.ToArray()), "both return head 3");
        // The specification: the fixed form keeps it; the old one answers a
        // TMF request with a command response (0, not BAD TARGET, in its byte).
        Assert.That(SpecOracle.Check(c, fixedForm, Semantics.Before), Is.Null);
        Assert.That(SpecOracle.Check(c, oldForm, Semantics.Before)?.Explanation, Does.Contain($"0x{Area:x} is 0x00"));
    }

    /// <summary>The copied facts of struct vhost_scsi_ctx and scsi.c's TYPE_* are checked against the tree.</summary>
    [TestCase("\tunsigned int out, in;\n", "\tu16 out, in;\n", "out")]
    [TestCase("#define TYPE_CTRL_TMF  1\n", "#define TYPE_CTRL_TMF  5\n", "TYPE_CTRL_TMF")]
    public void ResponseCopiedFactsThatDisagreeWithTheTreeAreRefused(string from, string to, string named)
    {
        var tree = Repo.TempDir("resp-facts");
        foreach (var rel in new[] { "drivers/vhost", "include/linux" })
        {
            Directory.CreateDirectory(Path.Combine(tree, rel));
            foreach (var f in Directory.GetFiles(Path.Combine(Repo.DefaultTreeDir, rel)))
                File.Copy(f, Path.Combine(tree, rel, Path.GetFileName(f)));
        }
        var scsi = Path.Combine(tree, "drivers", "vhost", "scsi.c");
        var text = File.ReadAllText(scsi);
        Assert.That(text, Does.Contain(from));
        File.WriteAllText(scsi, text.Replace(from, to));
        var e = Assert.Throws<UsageException>(() => FunctionSources.FromTree("tree-changed", tree, DefaultTree.Debian612.HeadersDir))!;
        Assert.That(e.Message, Does.Contain(named).And.Contain("scsi_request_env.h"));
    }
}
